// Package desktopnotify shows desktop notifications without Fyne, for the
// tray process: org.freedesktop.Notifications over the D-Bus session bus
// on Linux and the BSDs, toasts (ui/toast) on Windows. macOS is not
// implemented: Show returns ErrUnsupported and the caller logs.
package desktopnotify

// App identifies Herald to the notification service.
type App struct {
	ID   string
	Name string
	Icon []byte // PNG
}
