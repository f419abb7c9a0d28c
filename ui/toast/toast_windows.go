package toast

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"unsafe"

	"git.sr.ht/~jackmordaunt/go-toast/v2/wintoast"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// Available reports whether Show works here.
const Available = true

var (
	shell32                    = windows.NewLazySystemDLL("shell32.dll")
	setCurrentProcessAppUserID = shell32.NewProc("SetCurrentProcessExplicitAppUserModelID")

	registered struct {
		sync.Mutex
		id string
	}
)

// Register makes app the sender of this process's toasts: it sets the
// process's AppUserModelID and describes it under
// HKCU\Software\Classes\AppUserModelId, which lets Windows 10 and later show
// toasts of an app that is neither packaged nor has a Start-menu shortcut
// (the portable exe) with its name and icon.
func Register(app App) error {
	if err := setProcessAppID(app.ID); err != nil {
		return err
	}
	key, _, err := registry.CreateKey(registry.CURRENT_USER, appKeyPath(app.ID), registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("register toast sender: %w", err)
	}
	defer key.Close()
	if err := key.SetStringValue("DisplayName", app.Name); err != nil {
		return fmt.Errorf("register toast sender name: %w", err)
	}
	// Without the icon file Windows shows a generic one: not worth failing.
	if icon, err := writeIcon(app); err == nil && icon != "" {
		if err := key.SetStringValue("IconUri", icon); err != nil {
			return fmt.Errorf("register toast sender icon: %w", err)
		}
	}
	registered.Lock()
	registered.id = app.ID
	registered.Unlock()
	return nil
}

func appKeyPath(id string) string { return `Software\Classes\AppUserModelId\` + id }

// setProcessAppID sets the AppUserModelID of this process (taskbar grouping
// and toasts).
func setProcessAppID(id string) error {
	p, err := windows.UTF16PtrFromString(id)
	if err != nil {
		return fmt.Errorf("app user model id %q: %w", id, err)
	}
	if err := setCurrentProcessAppUserID.Find(); err != nil {
		return fmt.Errorf("set app user model id: %w", err)
	}
	if hr, _, _ := setCurrentProcessAppUserID.Call(uintptr(unsafe.Pointer(p))); hr != 0 {
		return fmt.Errorf("set app user model id: %w", windows.Errno(hr))
	}
	return nil
}

// writeIcon stores app's icon where Windows can read it (it takes a path)
// and returns that path; "" without an icon.
func writeIcon(app App) (string, error) {
	if len(app.Icon) == 0 {
		return "", nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, app.ID, "toast-icon.png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, app.Icon, 0o644)
}

// Show shows a toast with title and body (plain text, see Payload) from
// the registered app; any goroutine may call it.
func Show(title, body string) error {
	registered.Lock()
	id := registered.id
	registered.Unlock()
	if id == "" {
		return fmt.Errorf("toast: no app registered")
	}
	if !runtimeHasToasts() {
		return errNoToasts
	}
	payload, err := Payload(title, body)
	if err != nil {
		return err
	}
	return onCOMThread(func() error {
		// COM only: wintoast's PowerShell fallback would put the payload
		// into a script again.
		if err := wintoast.Push(id, payload); err != nil {
			return fmt.Errorf("show toast: %w", err)
		}
		return nil
	})
}

var errNoToasts = errors.New("toast: Wine has no Windows Runtime toasts")

// runtimeHasToasts reports whether the Windows Runtime can show toasts
// here: on Windows 10 and later yes, under Wine no. Asked before any COM
// call: wintoast registers a COM class object on each push, which Wine calls
// back while the process exits, hanging it.
func runtimeHasToasts() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() != nil
}

// The Windows Runtime is initialised once, on the thread that first uses
// it (wintoast does it), so every toast is shown from one locked thread:
// Fyne's main thread may hold another COM apartment.
var (
	comOnce  sync.Once
	comCalls chan comCall
)

type comCall struct {
	do   func() error
	done chan error
}

func onCOMThread(do func() error) error {
	comOnce.Do(func() {
		comCalls = make(chan comCall)
		go func() {
			runtime.LockOSThread() // for good: this thread holds the apartment
			for c := range comCalls {
				c.done <- c.do()
			}
		}()
	})
	done := make(chan error, 1)
	comCalls <- comCall{do: do, done: done}
	return <-done
}
