//go:build !windows

// The session bus only matters where the Secret Service keeps secrets; these
// tests use Unix processes and sockets.

package secret_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/secret"
)

// skipWithUserBus skips where godbus would find the user's own bus in
// /run/user/<uid>: there "no session bus" cannot be arranged.
func skipWithUserBus(t *testing.T) {
	t.Helper()
	run := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(run, f)); err == nil {
			t.Skipf("%s exists: this machine always has a session bus", filepath.Join(run, f))
		}
	}
}

// Without a session bus every keyring call fails at once with the error
// that says what to start, and nothing is launched: godbus's autolaunch
// would leave a dbus-daemon and a gnome-keyring-daemon behind per command.
func TestNoSessionBusLaunchesNothing(t *testing.T) {
	if os.Getenv("HERALD_TEST_CHILD") == "nosessionbus" {
		for _, err := range []error{
			secret.Keyring{}.Set("x", "token", "canary-secret-value"),
			func() error { _, err := secret.Keyring{}.Get("x", "token"); return err }(),
			secret.Keyring{}.Delete("x", "token"),
			secret.Keyring{}.Check(),
		} {
			fmt.Printf("unavailable=%t: %v\n", errors.Is(err, secret.ErrUnavailable), err)
		}
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	skipWithUserBus(t)
	mark := randomMark(t)
	// Without the check the calls can hang on a keyring prompt no one sees.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNoSessionBusLaunchesNothing$", "-test.count=1")
	cmd.Env = cleanEnv("HERALD_TEST_CHILD=nosessionbus", "HERALD_TEST_MARK="+mark, "XDG_RUNTIME_DIR="+t.TempDir())
	// A file, not a pipe: a daemon that inherited a pipe would keep Run
	// waiting for it to close.
	outFile, err := os.Create(filepath.Join(t.TempDir(), "child.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer outFile.Close()
	cmd.Stdout, cmd.Stderr = outFile, outFile
	start := time.Now()
	runErr := cmd.Run()
	took := time.Since(start)
	left := processesMarked(t, mark)
	for _, pid := range left { // started by this test: end them
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	out, _ := os.ReadFile(outFile.Name())
	if len(left) > 0 {
		t.Errorf("processes launched by the keyring calls outlived them: %v", left)
	}
	if runErr != nil {
		t.Fatalf("child: %v (took %v)\n%s", runErr, took.Round(time.Millisecond), out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("child printed %d lines, want 4:\n%s", len(lines), out)
	}
	for _, l := range lines {
		for _, want := range []string{"unavailable=true", "no D-Bus session bus", "Secret Service", "gnome-keyring-daemon --start", "herald/"} {
			if !strings.Contains(l, want) {
				t.Errorf("%q lacks %q", l, want)
			}
		}
		if strings.Contains(l, "canary-secret-value") {
			t.Errorf("error leaks the secret: %q", l)
		}
	}
	t.Logf("child with four keyring calls took %v", took.Round(time.Millisecond))
}

// cleanEnv is the environment without any session bus, plus extra. The
// display stays: dbus-launch autolaunches only with an X display, which is
// how a desktop without a session bus (an X forwarded ssh login) met this.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func randomMark(t *testing.T) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// processesMarked lists the running processes whose environment carries
// HERALD_TEST_MARK=mark: whatever the child started inherits it, daemons
// that detached from it included.
func processesMarked(t *testing.T, mark string) []int {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc to list processes: %v", err)
	}
	want := []byte("HERALD_TEST_MARK=" + mark + "\x00")
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err == nil && bytes.Contains(env, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}
