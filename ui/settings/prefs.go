package settings

import (
	"context"
	"fmt"
)

// prefsKey is the store setting the window preferences live under.
const prefsKey = "ui"

// Language choices. LanguageSystem follows the desktop's locale.
const (
	LanguageSystem  = "system"
	LanguageEnglish = "en"
	LanguageChinese = "zh"
)

// Theme choices. ThemeSystem follows the desktop's light/dark setting.
const (
	ThemeSystem = "system"
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// Prefs are the desktop app's own preferences. The app reads them before the
// window exists (language, theme, close-to-tray), so they live here rather
// than in the engine.
type Prefs struct {
	Language        string `json:"language"`
	Theme           string `json:"theme"`
	CloseToTray     bool   `json:"close_to_tray"`
	NotifyOnFailure bool   `json:"notify_on_failure"`
	StartAtLogin    bool   `json:"start_at_login"`
	// Welcomed is set once the first-run welcome was dismissed.
	Welcomed bool `json:"welcomed"`
	// HideHistoryChart is set while History's chart is collapsed.
	HideHistoryChart bool `json:"hide_history_chart"`
}

// DefaultPrefs are what a fresh data folder starts with.
func DefaultPrefs() Prefs {
	return Prefs{
		Language:        LanguageSystem,
		Theme:           ThemeSystem,
		CloseToTray:     true,
		NotifyOnFailure: true,
		StartAtLogin:    false,
	}
}

// normalize replaces choices this version does not know (a newer version's
// value, a hand edit) with the system default, so callers can switch on them.
func (p Prefs) normalize() Prefs {
	switch p.Language {
	case LanguageSystem, LanguageEnglish, LanguageChinese:
	default:
		p.Language = LanguageSystem
	}
	switch p.Theme {
	case ThemeSystem, ThemeLight, ThemeDark:
	default:
		p.Theme = ThemeSystem
	}
	return p
}

// SettingStore keeps named JSON settings (*host.Env in the app).
type SettingStore interface {
	Setting(ctx context.Context, key string, into any) (bool, error)
	SetSetting(ctx context.Context, key string, v any) error
	// UpdateSetting reads key into v, calls change and stores v in one
	// transaction.
	UpdateSetting(ctx context.Context, key string, v any, change func() error) error
}

// Load reads the preferences; fields never stored keep their defaults.
func Load(ctx context.Context, st SettingStore) (Prefs, error) {
	p := DefaultPrefs()
	if _, err := st.Setting(ctx, prefsKey, &p); err != nil {
		return DefaultPrefs(), fmt.Errorf("read window preferences: %w", err)
	}
	return p.normalize(), nil
}

// Update applies change to the preferences as stored now and stores them,
// atomically, returning what was stored. Callers change only the field
// they mean to: a copy read earlier never overwrites a later change of
// another field (the welcome's dismissal, another window's theme).
func Update(ctx context.Context, st SettingStore, change func(*Prefs)) (Prefs, error) {
	p := DefaultPrefs()
	err := st.UpdateSetting(ctx, prefsKey, &p, func() error {
		p = p.normalize()
		change(&p)
		p = p.normalize()
		return nil
	})
	if err != nil {
		return Prefs{}, fmt.Errorf("save window preferences: %w", err)
	}
	return p, nil
}
