//go:build !windows

// The session bus only matters where the Secret Service keeps secrets; these
// tests use Unix processes and sockets.

package secret

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestSessionBusKnown(t *testing.T) {
	run := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	if _, err := os.Stat(filepath.Join(run, "bus")); err == nil {
		t.Skipf("%s/bus exists: this machine always has a session bus", run)
	}
	if _, err := os.Stat(filepath.Join(run, "dbus-session")); err == nil {
		t.Skipf("%s/dbus-session exists: this machine always has a session bus", run)
	}
	withSocket := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(withSocket, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	withFile := t.TempDir()
	if err := os.WriteFile(filepath.Join(withFile, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, addr, runtimeDir string
		want                   bool
		wantAddr               string
	}{
		{"address set", "unix:path=/somewhere/bus", "", true, "unix:path=/somewhere/bus"},
		{"nothing", "", t.TempDir(), false, ""},
		{"autolaunch asked for", "autolaunch:", t.TempDir(), false, "autolaunch:"},
		{"socket in the runtime dir", "", withSocket, true, "unix:path=" + filepath.Join(withSocket, "bus")},
		{"plain file in the runtime dir", "", withFile, false, ""},
		{"relative runtime dir", "", "relative", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.addr)
			t.Setenv("XDG_RUNTIME_DIR", tt.runtimeDir)
			if got := sessionBusKnown(); got != tt.want {
				t.Errorf("sessionBusKnown() = %t, want %t", got, tt.want)
			}
			if got := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); got != tt.wantAddr {
				t.Errorf("DBUS_SESSION_BUS_ADDRESS = %q, want %q", got, tt.wantAddr)
			}
		})
	}
}
