//go:build linux || freebsd || openbsd || netbsd

package desktopnotify

import (
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/heraldpush/herald/engine/testenv"
)

// fakeServer is org.freedesktop.Notifications: it passes on what it is
// asked to show.
type fakeServer struct{ shown chan [3]string }

func (f *fakeServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.shown <- [3]string{app, summary, body}
	return 1, nil
}

// A notification reaches the session's notification server.
func TestShowOnTheSessionBus(t *testing.T) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("a D-Bus session bus is required in CI (scripts/desktop-session): %v", err)
		}
		t.Skipf("no D-Bus session bus: %v", err)
	}
	defer conn.Close()
	f := &fakeServer{shown: make(chan [3]string, 1)}
	if err := conn.Export(f, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil {
		t.Fatal(err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		t.Skip("this session has a notification server of its own")
	}
	n, err := New(App{ID: "io.github.heraldpush.herald", Name: "Herald"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Show("backup failed", "exit status 3"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-f.shown:
		if got != [3]string{"Herald", "backup failed", "exit status 3"} {
			t.Fatalf("shown %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the notification server was not asked")
	}
}
