package settings

import (
	"context"
	"testing"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/testenv"
)

func openEnv(t *testing.T) *host.Env {
	t.Helper()
	testenv.NeedKeyring(t)
	env, err := host.Open(context.Background(), t.TempDir(), host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

func TestPrefsLoadSave(t *testing.T) {
	ctx := context.Background()
	env := openEnv(t)

	got, err := Load(ctx, env)
	if err != nil || got != DefaultPrefs() {
		t.Fatalf("fresh Load = %+v, %v; want the defaults %+v", got, err, DefaultPrefs())
	}
	if !got.CloseToTray || !got.NotifyOnFailure || got.StartAtLogin || got.Language != LanguageSystem || got.Theme != ThemeSystem {
		t.Fatalf("defaults = %+v", got)
	}

	want := Prefs{Language: LanguageChinese, Theme: ThemeDark, CloseToTray: false, NotifyOnFailure: false, StartAtLogin: true}
	if _, err := Update(ctx, env, func(p *Prefs) { *p = want }); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(ctx, env); err != nil || got != want {
		t.Fatalf("Load after Save = %+v, %v; want %+v", got, err, want)
	}
}

func TestPrefsMissingAndUnknownValues(t *testing.T) {
	ctx := context.Background()
	env := openEnv(t)
	tests := []struct {
		name   string
		stored map[string]any
		want   Prefs
	}{
		{"fields never stored keep their defaults", map[string]any{"theme": "dark"},
			Prefs{Language: LanguageSystem, Theme: ThemeDark, CloseToTray: true, NotifyOnFailure: true}},
		{"unknown choices read as the system default", map[string]any{"language": "fr", "theme": "sepia", "close_to_tray": false},
			Prefs{Language: LanguageSystem, Theme: ThemeSystem, CloseToTray: false, NotifyOnFailure: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := env.Store.SetSetting(ctx, prefsKey, tt.stored); err != nil {
				t.Fatal(err)
			}
			if got, err := Load(ctx, env); err != nil || got != tt.want {
				t.Fatalf("Load = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
