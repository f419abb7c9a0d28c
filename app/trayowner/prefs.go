package trayowner

import (
	"context"
	"os"

	"github.com/jeandeaual/go-locale"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/i18n"
)

// prefsKey is the store setting the desktop preferences live under; the
// window's ui/settings.Prefs writes them (a test checks they agree).
const prefsKey = "ui"

// prefs are the desktop preferences the tray reads, without Fyne.
type prefs struct {
	Language        string `json:"language"` // "system", "en", "zh"
	CloseToTray     bool   `json:"close_to_tray"`
	NotifyOnFailure bool   `json:"notify_on_failure"`
}

// loadPrefs reads the preferences; defaults as ui/settings.DefaultPrefs.
func loadPrefs(ctx context.Context, env *host.Env) prefs {
	p := prefs{Language: "system", CloseToTray: true, NotifyOnFailure: true}
	if _, err := env.Setting(ctx, prefsKey, &p); err != nil {
		env.Log.Warn("read window preferences", "error", err)
	}
	return p
}

// language is the translation files' language for the chosen one:
// English, Chinese, or the system's (its first locale, read as Fyne
// reads it: go-locale, which asks Windows and macOS rather than the
// environment).
func language(choice string) string {
	switch choice {
	case "en":
		return i18n.English
	case "zh":
		return i18n.Chinese
	}
	if loc, err := locale.GetLocale(); err == nil && loc != "" {
		return i18n.Pick(loc)
	}
	return i18n.FromEnv(os.Getenv)
}
