package secret_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/testenv"
)

func TestKeyringRoundTrip(t *testing.T) {
	testenv.NeedKeyring(t)
	k := secret.Keyring{}
	id := fmt.Sprintf("test-%d", time.Now().UnixNano())
	t.Cleanup(func() { k.Delete(id, "token") })

	tests := []struct{ value string }{
		{"SECabc123"},
		{"中文密码 with spaces; and = signs"},
		{strings.Repeat("x", 2000)},
		// The most every OS keyring holds, Windows' Credential Manager included.
		{strings.Repeat("x", secret.MaxSize)},
		{"x" + strings.Repeat("密", (secret.MaxSize-1)/3)},
	}
	for _, tt := range tests {
		if err := k.Set(id, "token", tt.value); err != nil {
			t.Fatalf("Set: %v", err)
		}
		got, err := k.Get(id, "token")
		if err != nil || got != tt.value {
			t.Fatalf("Get = %q, %v; want %q", got, err, tt.value)
		}
	}
	if err := k.Delete(id, "token"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(id, "token"); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := k.Delete(id, "token"); err != nil {
		t.Fatalf("Delete of a missing secret: %v, want nil", err)
	}
	if err := k.Check(); err != nil {
		t.Fatalf("Check on a working keyring: %v", err)
	}
}

// Without a session bus the keyring is unreachable: the error must say so and
// tell the user what to start, and nothing may be written anywhere else.
// Only the Secret Service needs a bus: the Windows Credential Manager and the
// macOS Keychain are always there, and a Set would write a real secret.
func TestKeyringUnavailableExplains(t *testing.T) {
	if needsNoBus() {
		t.Skipf("the %s keyring needs no session bus: it cannot be made unreachable from a test", runtime.GOOS)
	}
	if os.Getenv("HERALD_TEST_CHILD") == "nobus" {
		err := secret.Keyring{}.Set("x", "token", "canary-secret-value")
		if err == nil {
			secret.Keyring{}.Delete("x", "token") // written after all: take it back
			fmt.Println("UNEXPECTED-SUCCESS")
			os.Exit(0)
		}
		fmt.Println(err.Error())
		if errors.Is(err, secret.ErrUnavailable) {
			fmt.Println("IS-UNAVAILABLE")
		}
		os.Exit(0)
	}
	out := testenv.RunSelf(t, "TestKeyringUnavailableExplains", map[string]string{
		"HERALD_TEST_CHILD":        "nobus",
		"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/herald-test-bus",
	})
	for _, want := range []string{"IS-UNAVAILABLE", "no OS keyring is reachable", "Secret Service", "gnome-keyring", "herald/x/token"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "canary-secret-value") {
		t.Errorf("error text leaks the secret:\n%s", out)
	}
}

func needsNoBus() bool { return runtime.GOOS == "windows" || runtime.GOOS == "darwin" }

// The hint names the keyring of the OS the user has.
func TestHintNamesThisOSKeyring(t *testing.T) {
	want := map[string]string{
		"linux":   "Secret Service",
		"freebsd": "Secret Service",
		"windows": "Credential Manager",
		"darwin":  "Keychain",
	}[runtime.GOOS]
	if want == "" {
		t.Skipf("no keyring expected on %s", runtime.GOOS)
	}
	if h := secret.Hint(); !strings.Contains(h, want) {
		t.Fatalf("Hint() on %s = %q, want it to name %q", runtime.GOOS, h, want)
	}
}
