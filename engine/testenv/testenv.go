// Package testenv lets tests demand the real components a user would have
// (OS keyring, X display). Under CI (CI=true) a missing component fails the
// test; elsewhere it skips with a message saying how to provide it.
package testenv

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/secret"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "0" && v != "false"
}

// missing fails under CI and skips elsewhere.
func missing(t testing.TB, what, how string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is required in CI but is not available: %s", what, how)
	}
	t.Skipf("skipping: %s is not available (%s); `make test` provides it", what, how)
}

// NeedKeyring requires a working OS keyring (an unlocked Secret Service on Linux).
func NeedKeyring(t testing.TB) {
	t.Helper()
	// Through secret.Keyring, which refuses rather than autolaunching a bus.
	_, err := secret.Keyring{}.Get("testenv", "probe")
	if err == nil || errors.Is(err, secret.ErrNotFound) {
		return
	}
	missing(t, "the OS keyring", "run inside dbus-run-session with gnome-keyring unlocked: "+err.Error())
}

// NeedDisplay requires an X display (Xvfb in CI).
func NeedDisplay(t testing.TB) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		missing(t, "a display", "DISPLAY is not set; run under xvfb-run")
	}
}

// RunSelf re-runs the current test binary for the single test name with the
// extra environment and returns its combined output. Tests use it to observe
// behaviour that depends on process-wide state such as the session bus.
func RunSelf(t testing.TB, test string, env map[string]string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child test %s: %v\n%s", test, err, out)
	}
	return string(out)
}
