package secret_test

import (
	"errors"
	"fmt"
	"os"
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
func TestKeyringUnavailableExplains(t *testing.T) {
	if os.Getenv("HERALD_TEST_CHILD") == "nobus" {
		err := secret.Keyring{}.Set("x", "token", "canary-secret-value")
		if err == nil {
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
