//go:build !linux && !freebsd && !openbsd && !netbsd && !windows

package desktopnotify

import "errors"

// Notifier is not implemented here (macOS): Show reports ErrUnsupported.
type Notifier struct{}

// New returns a Notifier whose Show is unsupported.
func New(App) (*Notifier, error) { return &Notifier{}, nil }

// Show reports that notifications are not implemented on this system.
func (n *Notifier) Show(title, body string) error { return errors.ErrUnsupported }
