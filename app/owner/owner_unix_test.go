//go:build !windows

package owner

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// testDir is a folder for one test, removed after it.
func testDir(t *testing.T) string { return t.TempDir() }

// assertPrivate checks that only this user may connect to dir's owner.
func assertPrivate(t *testing.T, dir string) {
	t.Helper()
	if fi, err := os.Stat(endpoint(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v %v", fi, err)
	}
}

// A socket file left by a crash is replaced by the next owner, and a
// client finds no owner behind a stale one.
func TestStaleSocket(t *testing.T) {
	dir := testDir(t)
	if err := os.WriteFile(endpoint(dir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Ping(context.Background(), dir); !errors.Is(err, ErrNoOwner) {
		t.Fatalf("Ping of a stale socket: %v", err)
	}
	serve(t, dir, nil)
	if _, err := Ping(context.Background(), dir); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestLongDataDirUsesTempSocket(t *testing.T) {
	long := "/" + strings.Repeat("d", 150)
	p := endpoint(long)
	if len(p) > maxSocketPath || !strings.HasPrefix(p, os.TempDir()) || p != endpoint(long) {
		t.Fatalf("socket path %q", p)
	}
}
