package owner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// testDir is t.TempDir made removable under Wine too: Go's RemoveAll
// deletes with FileDispositionInformationEx, which Wine 8 does not
// implement, while os.Remove works. The lock's files are all there is.
func testDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "herald-owner-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.RemoveAll(dir) == nil {
			return
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.Remove(filepath.Join(dir, e.Name()))
		}
		if err := os.Remove(dir); err != nil {
			t.Errorf("remove the test folder: %v", err)
		}
	})
	return dir
}

// assertPrivate checks that only this user may connect to dir's owner: the
// pipe is the user's and its one ACE grants the user.
func assertPrivate(t *testing.T, dir string) {
	t.Helper()
	conn, err := dial(context.Background(), endpoint(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := windows.Handle(conn.(interface{ Fd() uintptr }).Fd())
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	me, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	if owner, _, err := sd.Owner(); err != nil || !owner.Equals(me) {
		t.Errorf("pipe owner %v (%v), want %v", owner, err, me)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil || dacl.AceCount != 1 {
		t.Fatalf("pipe DACL %+v (%v), want one entry", dacl, err)
	}
	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(dacl, 0, &ace); err != nil {
		t.Fatal(err)
	}
	sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
	if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || !sid.Equals(me) {
		t.Errorf("pipe ACE type %d for %v, want access allowed for %v", ace.Header.AceType, sid, me)
	}
}

// Every spelling of a folder meets at one pipe; other folders do not.
func TestPipeName(t *testing.T) {
	dir := testDir(t)
	t.Chdir(filepath.Dir(dir))
	rel := filepath.Base(dir)
	want := endpoint(dir)
	if !strings.HasPrefix(want, `\\.\pipe\herald-`) || len(want) != len(`\\.\pipe\herald-`)+32 {
		t.Fatalf("endpoint(%q) = %q", dir, want)
	}
	for _, same := range []string{strings.ToUpper(dir), strings.ToLower(dir), dir + `\`, dir + `\.`, rel, filepath.Join(dir, "sub", "..")} {
		if got := endpoint(same); got != want {
			t.Errorf("endpoint(%q) = %q, want %q as for %q", same, got, want, dir)
		}
	}
	if other := endpoint(testDir(t)); other == want {
		t.Errorf("two folders share the pipe %q", other)
	}
}

// A pipe another user made under the name is no owner: a client refuses it
// rather than letting it answer.
func TestPipeOfAnotherUserIsRefused(t *testing.T) {
	dir := testDir(t)
	// Owned by the Administrators group, open to everyone: what a pipe made
	// by another account looks like from here.
	ln, err := winio.ListenPipe(endpoint(dir), &winio.PipeConfig{SecurityDescriptor: "O:BAD:P(A;;GA;;;WD)"})
	if err != nil {
		t.Skipf("cannot make a pipe owned by the Administrators group here: %v", err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(`{"holder":{"role":"daemon","pid":1}}` + "\n"))
			c.Close()
		}
	}()
	_, err = Ping(context.Background(), dir)
	if !errors.Is(err, ErrNoOwner) || !strings.Contains(err.Error(), "not to this user") {
		t.Fatalf("Ping of a pipe owned by another: %v, want ErrNoOwner naming the owner", err)
	}
}
