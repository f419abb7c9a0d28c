// Package assets holds the files bundled into the binary: the icon and the
// translations.
package assets

import (
	"embed"
	_ "embed"
)

// Icon is the application icon (PNG).
//
//go:embed icon.png
var Icon []byte

// Tray icons: all good, something failing, paused.
var (
	//go:embed tray/ok.png
	TrayOK []byte
	//go:embed tray/failing.png
	TrayFailing []byte
	//go:embed tray/paused.png
	TrayPaused []byte
)

// Translations holds translations/[area.]LANG.json: en and zh_Hans.
//
//go:embed translations/*.json
var Translations embed.FS
