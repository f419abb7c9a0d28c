package trayowner

import (
	"context"
	"testing"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/ui/settings"
)

// The tray reads the preferences the window's Settings tab stores, with
// the same defaults.
func TestPrefsAgreeWithTheWindow(t *testing.T) {
	ctx := context.Background()
	env, err := host.Open(ctx, t.TempDir(), host.Options{Secrets: &secret.Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	d := settings.DefaultPrefs()
	if got, want := loadPrefs(ctx, env), (prefs{d.Language, d.CloseToTray, d.NotifyOnFailure}); got != want {
		t.Fatalf("fresh folder: %+v, want %+v", got, want)
	}
	stored, err := settings.Update(ctx, env, func(p *settings.Prefs) {
		p.Language, p.CloseToTray, p.NotifyOnFailure = settings.LanguageChinese, false, false
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loadPrefs(ctx, env), (prefs{stored.Language, stored.CloseToTray, stored.NotifyOnFailure}); got != want {
		t.Fatalf("after a change: %+v, want %+v", got, want)
	}
}

func TestLanguage(t *testing.T) {
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "zh_CN.UTF-8")
	for choice, want := range map[string]string{
		settings.LanguageEnglish: i18n.English,
		settings.LanguageChinese: i18n.Chinese,
		settings.LanguageSystem:  i18n.Chinese,
	} {
		if got := language(choice); got != want {
			t.Errorf("language(%q) = %q, want %q", choice, got, want)
		}
	}
}
