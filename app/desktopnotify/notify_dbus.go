//go:build linux || freebsd || openbsd || netbsd

package desktopnotify

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// Notifier shows notifications through the session bus.
type Notifier struct{ app App }

// New registers nothing on this system: the bus names the sender.
func New(app App) (*Notifier, error) { return &Notifier{app: app}, nil }

// expireDefault lets the server choose how long a notification stays.
const expireDefault = int32(-1)

// Show asks org.freedesktop.Notifications to show title and body.
func (n *Notifier) Show(title, body string) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("desktop notification: %w", err)
	}
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	call := obj.Call("org.freedesktop.Notifications.Notify", 0,
		n.app.Name, uint32(0), "", title, body, []string{}, map[string]dbus.Variant{}, expireDefault)
	if call.Err != nil {
		return fmt.Errorf("desktop notification: %w", call.Err)
	}
	return nil
}
