//go:build windows

package endsession

import (
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/heraldpush/herald/engine/i18n"
)

// className names the hidden window's class (tests find it by it).
const className = "HeraldEndSession"

// endWait bounds how long WM_ENDSESSION waits for the shutdown. Windows
// ends the process when the answer comes or its own timeout passes, so a
// generous bound costs nothing; it only keeps a stuck shutdown from
// hanging the window thread forever.
var endWait = 30 * time.Second

const (
	wmDestroy         = 0x0002
	wmClose           = 0x0010
	wmQueryEndSession = 0x0011
	wmEndSession      = 0x0016
)

var (
	user32                         = windows.NewLazySystemDLL("user32.dll")
	procRegisterClassExW           = user32.NewProc("RegisterClassExW")
	procCreateWindowExW            = user32.NewProc("CreateWindowExW")
	procDefWindowProcW             = user32.NewProc("DefWindowProcW")
	procDestroyWindow              = user32.NewProc("DestroyWindow")
	procGetMessageW                = user32.NewProc("GetMessageW")
	procDispatchMessageW           = user32.NewProc("DispatchMessageW")
	procPostMessageW               = user32.NewProc("PostMessageW")
	procPostQuitMessage            = user32.NewProc("PostQuitMessage")
	procShutdownBlockReasonCreate  = user32.NewProc("ShutdownBlockReasonCreate")
	procShutdownBlockReasonDestroy = user32.NewProc("ShutdownBlockReasonDestroy")
)

type wndClassEx struct {
	size       uint32
	style      uint32
	wndProc    uintptr
	clsExtra   int32
	wndExtra   int32
	instance   windows.Handle
	icon       windows.Handle
	cursor     windows.Handle
	background windows.Handle
	menuName   *uint16
	className  *uint16
	iconSm     windows.Handle
}

type msg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      struct{ x, y int32 }
	private uint32
}

// watcher is one hidden window and the shutdown it waits for.
type watcher struct {
	hwnd   uintptr
	stop   func()
	reason *uint16
	done   chan struct{}
	once   sync.Once
}

var (
	registerOnce sync.Once
	registerErr  error
	mu           sync.Mutex
	watchers     = map[uintptr]*watcher{} // by window handle
)

// Watch creates a hidden top-level window (message-only windows get no
// broadcasts) on its own thread. When the session ends it shows reason,
// in the user's language, while stop runs the shutdown, and answers once
// finished was called: the caller calls it when its shutdown is complete.
func Watch(stop func(), reason i18n.Text) (finished func(), err error) {
	r, err := windows.UTF16PtrFromString(reason.In(userLanguage()))
	if err != nil {
		return nil, fmt.Errorf("end-of-session reason: %w", err)
	}
	w := &watcher{stop: stop, reason: r, done: make(chan struct{})}
	created := make(chan error, 1)
	go w.run(created)
	if err := <-created; err != nil {
		return nil, err
	}
	return w.finished, nil
}

// finished releases a waiting WM_ENDSESSION and closes the window.
func (w *watcher) finished() {
	w.once.Do(func() {
		close(w.done)
		procPostMessageW.Call(w.hwnd, wmClose, 0, 0)
	})
}

// run owns the window: it is created, served and destroyed on one locked
// OS thread, as Windows requires.
func (w *watcher) run(created chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	hwnd, err := createWindow()
	if err != nil {
		created <- err
		return
	}
	w.hwnd = hwnd
	mu.Lock()
	watchers[hwnd] = w
	mu.Unlock()
	created <- nil
	defer func() {
		mu.Lock()
		delete(watchers, hwnd)
		mu.Unlock()
	}()
	var m msg
	for {
		r, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if int32(r) <= 0 { // WM_QUIT or an error
			return
		}
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
	}
}

func createWindow() (uintptr, error) {
	name, _ := windows.UTF16PtrFromString(className)
	var instance windows.Handle
	if err := windows.GetModuleHandleEx(0, nil, &instance); err != nil {
		return 0, fmt.Errorf("module handle: %w", err)
	}
	registerOnce.Do(func() {
		wc := wndClassEx{wndProc: windows.NewCallback(wndProc), instance: instance, className: name}
		wc.size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			registerErr = fmt.Errorf("register window class: %w", err)
		}
	})
	if registerErr != nil {
		return 0, registerErr
	}
	// Never shown: no WS_VISIBLE. A top-level window (no parent) gets the
	// session broadcasts.
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)),
		0, 0, 0, 0, 0, 0, 0, uintptr(instance), 0)
	if hwnd == 0 {
		return 0, fmt.Errorf("create end-of-session window: %w", err)
	}
	return hwnd, nil
}

func lookup(hwnd uintptr) *watcher {
	mu.Lock()
	defer mu.Unlock()
	return watchers[hwnd]
}

func wndProc(hwnd, msgID, wParam, lParam uintptr) uintptr {
	message := uint32(msgID)
	w := lookup(hwnd)
	switch {
	case message == wmQueryEndSession && w != nil:
		// Yes, end it; the reason shows if Windows lists who is still busy.
		procShutdownBlockReasonCreate.Call(hwnd, uintptr(unsafe.Pointer(w.reason)))
		return 1
	case message == wmEndSession && w != nil:
		if wParam != 0 {
			w.end()
		}
		procShutdownBlockReasonDestroy.Call(hwnd)
		return 0
	case message == wmClose:
		procDestroyWindow.Call(hwnd)
		return 0
	case message == wmDestroy:
		procPostQuitMessage.Call(0)
		return 0
	}
	r, _, _ := procDefWindowProcW.Call(hwnd, uintptr(message), wParam, lParam)
	return r
}

// end runs the shutdown and returns once it finished (bounded): Windows
// may end the process as soon as WM_ENDSESSION is answered.
func (w *watcher) end() {
	w.stop()
	t := time.NewTimer(endWait)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
	}
}

// userLanguage is the first of the user's Windows display languages.
func userLanguage() string {
	langs, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil || len(langs) == 0 {
		return i18n.English
	}
	return i18n.Pick(langs[0])
}
