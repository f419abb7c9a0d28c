// Package desktoptest is a fake of the running app's notifier for tests:
// it records what the desktop channel shows and, once closed, fails as a
// window system that went away does.
package desktoptest

import (
	"errors"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Shown is one notification.
type Shown struct{ Title, Body string }

// Notifier is the fake; Show is what Deps.Desktop takes.
type Notifier struct {
	channeltest.Fake[Shown, error]
	closed atomic.Bool
}

// Show records a notification; text that is not UTF-8 is a violation
// (desktops show garbage).
func (n *Notifier) Show(title, body string) error {
	n.Count()
	if n.closed.Load() {
		return errors.New("the window system went away")
	}
	if err, ok := n.Next(); ok {
		return err
	}
	if !utf8.ValidString(title) || !utf8.ValidString(body) {
		n.Violate("notification text is not UTF-8")
	}
	n.Accept(Shown{title, body})
	return nil
}

// Close makes every later Show fail.
func (n *Notifier) Close() { n.closed.Store(true) }

// Fixture gives the desktop kind a notifier for the contract suite.
func Fixture(t testing.TB) channeltest.Fixture {
	n := &Notifier{}
	return channeltest.Fixture{Config: map[string]string{}, Fake: n, Deps: channel.Deps{Desktop: n.Show}}
}
