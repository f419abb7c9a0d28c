//go:build windows

package desktopnotify

import "github.com/heraldpush/herald/ui/toast"

// Notifier shows toasts.
type Notifier struct{}

// New registers app for toasts (once per user; cheap when done).
func New(app App) (*Notifier, error) {
	return &Notifier{}, toast.Register(toast.App{ID: app.ID, Name: app.Name, Icon: app.Icon})
}

// Show shows a toast.
func (n *Notifier) Show(title, body string) error { return toast.Show(title, body) }
