//go:build windows

package endsession

import (
	"github.com/heraldpush/herald/engine/testenv"

	"sync/atomic"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/heraldpush/herald/engine/i18n"
)

var (
	procFindWindowW  = user32.NewProc("FindWindowW")
	procSendMessageW = user32.NewProc("SendMessageW")
)

// findWindow finds the hidden window as Windows' broadcasts do: among the
// top-level windows (FindWindow skips message-only ones).
func findWindow(t *testing.T) uintptr {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(className)
	hwnd, _, _ := procFindWindowW.Call(uintptr(unsafe.Pointer(name)), 0)
	if hwnd == 0 {
		t.Fatal("no top-level window of class " + className)
	}
	return hwnd
}

func send(hwnd uintptr, message uint32, wParam uintptr) uintptr {
	r, _, _ := procSendMessageW.Call(hwnd, uintptr(message), wParam, 0)
	return r
}

// watch is Watch, skipped under Wine when it has no display to create
// windows on (it then fails with "Success"); real Windows always can.
func watch(t *testing.T, stop func(), reason i18n.Text) func() {
	t.Helper()
	finished, err := Watch(stop, reason)
	if err != nil && testenv.UnderWine() {
		t.Skipf("Wine without a display creates no windows: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return finished
}

// A real logoff can't be staged in a test: the messages Windows sends are
// sent to the window instead.
func TestEndSession(t *testing.T) {
	var stopped, cleaned atomic.Bool
	var finished func()
	finished = watch(t, func() {
		stopped.Store(true)
		// The shutdown runs elsewhere (Main's deferred cleanup) and ends
		// with finished.
		go func() {
			cleaned.Store(true)
			finished()
		}()
	}, i18n.T("app.session_ending"))
	hwnd := findWindow(t)
	if r := send(hwnd, wmQueryEndSession, 0); r != 1 {
		t.Fatalf("WM_QUERYENDSESSION answered %d, want TRUE", r)
	}
	// The logoff was cancelled by another program: nothing stops.
	send(hwnd, wmEndSession, 0)
	if stopped.Load() {
		t.Fatal("stop ran although the session goes on")
	}
	send(hwnd, wmQueryEndSession, 0)
	send(hwnd, wmEndSession, 1)
	if !stopped.Load() || !cleaned.Load() {
		t.Fatalf("WM_ENDSESSION answered with stop run %v, cleanup done %v; want both", stopped.Load(), cleaned.Load())
	}
}

func TestFinishedWithoutSessionEnd(t *testing.T) {
	finished := watch(t, func() { t.Error("stop ran") }, i18n.T("app.session_ending"))
	finished()
	finished() // twice is fine (deferred and explicit calls)
}
