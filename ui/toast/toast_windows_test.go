package toast

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// testApp registers a sender of its own (not Herald's) and removes its
// registry key afterwards.
func testApp(t *testing.T) App {
	t.Helper()
	app := App{ID: fmt.Sprintf("io.github.heraldpush.herald.test%d", os.Getpid()), Name: "Herald test", Icon: []byte("\x89PNG")}
	t.Cleanup(func() { _ = registry.DeleteKey(registry.CURRENT_USER, appKeyPath(app.ID)) })
	if err := Register(app); err != nil {
		t.Fatal(err)
	}
	return app
}

func TestRegisterDescribesTheSender(t *testing.T) {
	app := testApp(t)
	key, err := registry.OpenKey(registry.CURRENT_USER, appKeyPath(app.ID), registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	if name, _, err := key.GetStringValue("DisplayName"); err != nil || name != app.Name {
		t.Errorf("DisplayName = %q (%v), want %q", name, err, app.Name)
	}
	icon, _, err := key.GetStringValue("IconUri")
	if err != nil {
		t.Fatalf("IconUri: %v", err)
	}
	if data, err := os.ReadFile(icon); err != nil || string(data) != string(app.Icon) {
		t.Errorf("IconUri %s holds %q (%v), want the icon", icon, data, err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Dir(icon)) })
	if got, ok := processAppID(t); ok && got != app.ID {
		t.Errorf("process AppUserModelID = %q, want %q", got, app.ID)
	}
}

// Texts that run something if they reach PowerShell (Fyne's way), cmd or a
// here-string create the marker file; a toast shows them, nothing runs.
// Where the Windows Runtime has no toasts (Wine) Show fails, and still
// nothing may run.
func TestShowRunsNothing(t *testing.T) {
	testApp(t)
	marker := filepath.Join(tempDir(t), "ran")
	create := "New-Item -ItemType File -Path '" + marker + "'"
	title := `$(` + create + `) "$(` + create + `)" ` + "`$(" + create + ")`"
	body := "\"@\n$(" + create + ")\n@\"\n'); " + create + "; ('\r\n& type nul > \"" + marker + "\" & <toast>&amp;"
	if err := Show(title, body); err != nil {
		t.Logf("Show: %v (expected under Wine)", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("showing the toast ran its text: %s exists", marker)
	}
}

func TestShowNeedsRegister(t *testing.T) {
	registered.Lock()
	old := registered.id
	registered.id = ""
	registered.Unlock()
	t.Cleanup(func() { registered.Lock(); registered.id = old; registered.Unlock() })
	if err := Show("t", "b"); err == nil {
		t.Error("Show without Register succeeded")
	}
}

// processAppID is the process's AppUserModelID; false where Windows cannot
// tell (Wine: E_NOTIMPL).
func processAppID(t *testing.T) (string, bool) {
	t.Helper()
	get := shell32.NewProc("GetCurrentProcessExplicitAppUserModelID")
	var p *uint16
	switch hr, _, _ := get.Call(uintptr(unsafePointer(&p))); hr {
	case 0:
	case eNotImpl:
		t.Log("GetCurrentProcessExplicitAppUserModelID is not implemented here")
		return "", false
	default:
		t.Fatalf("GetCurrentProcessExplicitAppUserModelID: %#x", hr)
	}
	defer windows.CoTaskMemFree(unsafePointer(p))
	return windows.UTF16PtrToString(p), true
}

const eNotImpl = 0x80004001

// tempDir is t.TempDir without its cleanup check: Wine cannot remove
// directories the way Go asks.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "herald-toast")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
