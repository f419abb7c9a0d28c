//go:build !windows

package toast

import "errors"

// Available reports whether Show works here; elsewhere than Windows the
// caller uses Fyne's notifications.
const Available = false

// Register does nothing elsewhere than Windows.
func Register(App) error { return nil }

// Show is not available elsewhere than Windows.
func Show(title, body string) error { return errors.ErrUnsupported }
