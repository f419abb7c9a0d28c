package tray

import "github.com/heraldpush/herald/assets"

// Icon is the tray icon (PNG) for the state, and its name.
func Icon(s State) (name string, png []byte) {
	switch {
	case s.Paused:
		return "paused", assets.TrayPaused
	case s.Failing:
		return "failing", assets.TrayFailing
	}
	return "ok", assets.TrayOK
}
