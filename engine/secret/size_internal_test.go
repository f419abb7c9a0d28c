package secret

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// darwinMax is the largest value go-keyring v0.2.8 can store on macOS under
// service: it writes `add-generic-password -U -s S -a A -w go-keyring-base64:B64`
// and a newline to `security -i`, which takes at most 4,096 bytes. Service,
// account and the base64 text need no shell quoting (letters, digits, "/-+=:").
func darwinMax(service string) int {
	fits := func(n int) bool {
		pw := "go-keyring-base64:" + base64.StdEncoding.EncodeToString(make([]byte, n))
		return len(fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n", service, user, pw)) <= 4096
	}
	n := 0
	for fits(n + 1) {
		n++
	}
	return n
}

// MaxSize must fit every keyring: Windows' blob limit is MaxSize itself, and
// macOS must hold as much under Herald's longest names (herald/<16 hex
// digits>/<field>, herald/task-<16 hex digits>-<task id>/headers), which a
// generous 200-byte name covers.
func TestMaxSizeFitsMacOS(t *testing.T) {
	if MaxSize != 2560 {
		t.Fatalf("MaxSize = %d: Windows' Credential Manager holds at most 2,560 bytes per blob", MaxSize)
	}
	for _, service := range []string{
		Name("0123456789abcdef", "signing_secret"),
		Name("task-0123456789abcdef-9223372036854775807", "headers"),
		"herald/" + strings.Repeat("x", 193),
	} {
		if got := darwinMax(service); got < MaxSize {
			t.Errorf("macOS holds %d bytes under %q, less than MaxSize %d", got, service, MaxSize)
		}
	}
}
