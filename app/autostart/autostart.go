// Package autostart registers Herald to start at login, minimized to the
// tray: an XDG autostart entry on Linux, the HKCU Run key on Windows, a
// LaunchAgent on macOS.
package autostart

import (
	"os"
	"path/filepath"
)

// ID names the entry (the app id).
const ID = "io.github.heraldpush.herald"

// Entry is what starts at login.
type Entry struct {
	Exec string   // absolute path of the herald binary
	Args []string // e.g. --minimized, --data-dir DIR
}

// ForThisBinary is the entry for the running executable with --minimized,
// plus --data-dir when the data folder is not the default one.
func ForThisBinary(dataDir, defaultDataDir string) (Entry, error) {
	exe, err := os.Executable()
	if err != nil {
		return Entry{}, err
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	e := Entry{Exec: exe, Args: []string{"--minimized"}}
	if dataDir != "" && filepath.Clean(dataDir) != filepath.Clean(defaultDataDir) {
		e.Args = append(e.Args, "--data-dir", dataDir)
	}
	return e, nil
}
