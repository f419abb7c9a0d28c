//go:build !linux && !freebsd && !openbsd && !netbsd

package app

// handOverToTray does nothing here: the tray runs in this process (no
// libGL to keep out of it on Windows and macOS).
func handOverToTray(exe, dir string, minimized bool) {}
