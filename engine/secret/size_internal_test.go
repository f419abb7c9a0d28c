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
	overhead := len(fmt.Sprintf("add-generic-password -U -s %s -a %s -w go-keyring-base64:\n", service, user))
	return 3 * ((4096 - overhead) / 4) // base64 writes 4 bytes per 3
}

// darwinFits says whether go-keyring's command for n bytes stays in 4,096.
func darwinFits(service string, n int) bool {
	pw := "go-keyring-base64:" + base64.StdEncoding.EncodeToString(make([]byte, n))
	return len(fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n", service, user, pw)) <= 4096
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
		got := darwinMax(service)
		if !darwinFits(service, got) || darwinFits(service, got+1) {
			t.Fatalf("darwinMax(%q) = %d is not the largest value that fits", service, got)
		}
		if got < MaxSize {
			t.Errorf("macOS holds %d bytes under %q, less than MaxSize %d", got, service, MaxSize)
		}
	}
}
