//go:build !linux && !freebsd && !openbsd && !netbsd && !windows

package app

// handOverToTray does nothing here: the tray runs in this process (no
// separate tray binary is shipped for macOS).
func handOverToTray(exe, dir string, minimized bool) {}
