package secret

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/godbus/dbus/v5"
)

// needSessionBus fails with an *UnavailableError when the Secret Service
// cannot be reached because there is no D-Bus session bus. Without one,
// godbus "autolaunches" a bus with dbus-launch, and the bus and the
// gnome-keyring it activates outlive Herald: every command would leave two
// daemons behind. Only the Secret Service platforms need a bus.
func needSessionBus(op, channelID, field string) error {
	switch runtime.GOOS {
	case "darwin", "windows":
		return nil
	}
	if sessionBusKnown() {
		return nil
	}
	return &UnavailableError{Op: op, Name: Name(channelID, field),
		Cause: "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist"}
}

// sessionBusKnown reports whether godbus can find a session bus without
// launching one: the address in the environment, or a socket in the
// runtime directory. godbus itself looks only in /run/user/<uid>, so a bus
// found in another $XDG_RUNTIME_DIR is handed to it through the environment.
func sessionBusKnown() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" && filepath.IsAbs(dir) {
		if bus := filepath.Join(dir, "bus"); isSocket(bus) {
			return os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+dbus.EscapeBusAddressValue(bus)) == nil
		}
	}
	// godbus's own fallbacks: the socket, or a file naming the address.
	run := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(run, f)); err == nil {
			return true
		}
	}
	return false
}

func isSocket(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}
