package trayowner

import (
	"runtime"

	"github.com/godbus/dbus/v5"
)

// TrayAvailable reports whether the system tray can show: on Linux and
// the BSDs it is a StatusNotifierItem on the D-Bus session bus, which
// must answer (fyne #6403: without one, trays panic on quit).
func TrayAvailable() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
	default:
		return true
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
