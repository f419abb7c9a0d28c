//go:build windows

package console

import (
	"os"

	"golang.org/x/sys/windows"
)

// attachParentProcess is AttachConsole's "the parent's console".
const attachParentProcess = ^uint32(0) // (DWORD)-1

var procAttachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

// Attach joins the parent process's console when the program runs a
// command (command) or was started by the console twin, and points the
// standard streams that are not redirected at it. The window started from
// a shell without the twin stays detached: the shell does not wait for a
// GUI program, and its Ctrl+C at the next prompt must not close Herald.
func Attach(command bool) {
	twin := os.Getenv(TwinEnv) != ""
	// Tasks' commands must not inherit the marker.
	os.Unsetenv(TwinEnv)
	if !command && !twin {
		return
	}
	// Fails when there is no parent console (Explorer, the Run key) or the
	// process has one already (a console build): both need nothing more.
	if r, _, _ := procAttachConsole.Call(uintptr(attachParentProcess)); r == 0 {
		return
	}
	// The Go runtime's console control handler is per process, so Ctrl+C
	// and closing the console now arrive as os.Interrupt and SIGTERM.
	reopen(windows.STD_INPUT_HANDLE, &os.Stdin, "CONIN$", windows.GENERIC_READ|windows.GENERIC_WRITE)
	reopen(windows.STD_OUTPUT_HANDLE, &os.Stdout, "CONOUT$", windows.GENERIC_READ|windows.GENERIC_WRITE)
	reopen(windows.STD_ERROR_HANDLE, &os.Stderr, "CONOUT$", windows.GENERIC_READ|windows.GENERIC_WRITE)
}

// reopen points one standard stream at the console unless it already goes
// somewhere (a file, a pipe, the twin's console handles).
func reopen(std uint32, f **os.File, name string, access uint32) {
	if usable(std) {
		return
	}
	n, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return
	}
	h, err := windows.CreateFile(n, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return
	}
	windows.SetStdHandle(std, h)
	*f = os.NewFile(uintptr(h), name)
}

// usable reports whether the standard handle std leads somewhere.
func usable(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}
