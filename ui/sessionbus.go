package ui

import (
	"runtime"

	"github.com/godbus/dbus/v5"
)

// sessionBusAvailable reports whether a D-Bus session bus answers; on
// Linux the tray (StatusNotifierItem) lives there.
func sessionBusAvailable() bool {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return true
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
