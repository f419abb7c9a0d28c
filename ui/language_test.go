package ui

import (
	"encoding/json"
	"maps"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/testenv"
)

// The chosen language wins over the system's on every OS: Fyne reads the
// system's from the environment here, from the Windows API there, so a
// choice must not go through the environment.
// Fyne's translations are process-wide and cannot be unloaded, so the cases
// run in a child process (other tests expect none loaded).
func TestChosenLanguageWinsOverSystem(t *testing.T) {
	if os.Getenv("HERALD_TEST_CHILD") != "language" {
		testenv.RunSelf(t, "TestChosenLanguageWinsOverSystem", map[string]string{"HERALD_TEST_CHILD": "language"})
		return
	}
	for _, tc := range []struct {
		language, locale string
		want             string // settings.language_restart in that language
	}{
		{"zh", "en_US.UTF-8", "zh"},
		{"en", "zh_CN.UTF-8", "en"},
		{"zh", "de_DE.UTF-8", "zh"},
		{"en", "de_DE.UTF-8", "en"},
		{"system", "zh_CN.UTF-8", "zh"},
		{"system", "en_US.UTF-8", "en"},
		{"system", "de_DE.UTF-8", "en"}, // no German: English
		{"zh", "zh_CN.UTF-8", "zh"},
	} {
		t.Run(tc.language+"/"+tc.locale, func(t *testing.T) {
			for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES"} {
				t.Setenv(k, "")
			}
			t.Setenv("LANG", tc.locale)
			if err := loadTranslations(tc.language); err != nil {
				t.Fatal(err)
			}
			want := textIn(t, tc.want, "settings.language_restart")
			if got := lang.L("settings.language_restart"); got != want {
				t.Errorf("settings.language_restart = %q, want %q", got, want)
			}
			// A key of another file ([area.]LANG.json) follows too.
			if got, want := lang.L("views.tasks.enabled.manual"), textIn(t, "views."+tc.want, "views.tasks.enabled.manual"); got != want {
				t.Errorf("views.tasks.enabled.manual = %q, want %q", got, want)
			}
		})
	}
}

// textIn is key's text in the translation file FILE.json ("zh" = zh_Hans).
func textIn(t *testing.T, file, key string) string {
	t.Helper()
	file = strings.Replace(file, "zh", "zh_Hans", 1)
	data, err := assets.Translations.ReadFile("translations/" + file + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var texts map[string]string
	if err := json.Unmarshal(data, &texts); err != nil {
		t.Fatal(err)
	}
	if texts[key] == "" {
		t.Fatalf("%s has no %s", file, key)
	}
	return texts[key]
}

func TestOverlays(t *testing.T) {
	for _, tc := range []struct {
		choice string
		system []string
		want   map[string]string
	}{
		{"system", []string{"de", "zh"}, map[string]string{"de": "en", "zh": "zh_Hans", "zh_Hans": "zh_Hans"}},
		{"system", []string{"en"}, map[string]string{"en": "en"}},
		{"zh", []string{"de"}, map[string]string{"de": "zh_Hans", "en": "zh_Hans", "zh_Hans": "zh_Hans"}},
		{"en", []string{"zh"}, map[string]string{"zh": "en", "en": "en", "zh_Hans": "en"}},
		{"en", nil, map[string]string{"en": "en", "zh_Hans": "en"}},
	} {
		got := overlays(tc.choice, tc.system)
		if !maps.Equal(got, tc.want) {
			t.Errorf("overlays(%q, %q) = %v, want %v", tc.choice, tc.system, got, tc.want)
		}
	}
}
