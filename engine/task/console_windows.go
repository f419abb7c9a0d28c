package task

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32          = windows.NewLazySystemDLL("kernel32.dll")
	procAttachConsole = kernel32.NewProc("AttachConsole")
	procFreeConsole   = kernel32.NewProc("FreeConsole")
	procGetOEMCP      = kernel32.NewProc("GetOEMCP")
	procPostMessage   = windows.NewLazySystemDLL("user32.dll").NewProc("PostMessageW")
)

const wmClose = 0x0010

// startConsoleCP is the output code page of the console Herald had when it
// started, 0 without one (the GUI). Read once: sendCtrlBreak attaches to
// other consoles for a moment.
var startConsoleCP = sync.OnceValue(func() uint32 {
	cp, err := windows.GetConsoleOutputCP()
	if err != nil {
		return 0
	}
	return cp
})

// ownConsole reports whether Herald runs in a console, which its commands
// then share.
func ownConsole() bool { return startConsoleCP() != 0 }

// consoleCodePage is the code page console programs write in (cmd's echo
// too, even into a pipe): that of the console they share with Herald, or,
// in a console of their own, the OEM code page.
func consoleCodePage() uint32 {
	if cp := startConsoleCP(); cp != 0 {
		return cp
	}
	cp, _, _ := procGetOEMCP.Call()
	return uint32(cp)
}

// consoleMu serializes borrowing a command's console: a process has at most
// one.
var consoleMu sync.Mutex

// sendCtrlBreak sends CTRL_BREAK to the process group pid leads. Only a
// process on the same console can: without a console of its own Herald
// attaches to the command's for the moment of sending.
func sendCtrlBreak(pid uint32) error {
	if ownConsole() {
		return windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, pid)
	}
	consoleMu.Lock()
	defer consoleMu.Unlock()
	// A console Herald cannot use (GetConsoleOutputCP failed) may still be
	// attached, as under Wine; it is of no use to Herald.
	procFreeConsole.Call()
	if r, _, err := procAttachConsole.Call(uintptr(pid)); r == 0 {
		return fmt.Errorf("attach to the console of %d: %w", pid, err)
	}
	defer procFreeConsole.Call()
	return windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, pid)
}

// jobProcessIDs lists the processes in job (the first 1024).
func jobProcessIDs(job windows.Handle) []uint32 {
	var list struct { // JOBOBJECT_BASIC_PROCESS_ID_LIST
		assigned, listed uint32
		ids              [1024]uintptr
	}
	err := windows.QueryInformationJobObject(job, windows.JobObjectBasicProcessIdList,
		uintptr(unsafe.Pointer(&list)), uint32(unsafe.Sizeof(list)), nil)
	if err != nil && err != windows.ERROR_MORE_DATA {
		return nil
	}
	ids := make([]uint32, min(int(list.listed), len(list.ids)))
	for i := range ids {
		ids[i] = uint32(list.ids[i])
	}
	return ids
}

// closeTargets are the pids whose windows closeWindowCallback closes; a
// callback cannot safely take a Go pointer, so closeWindows holds closeMu
// and sets them here.
var (
	closeMu      sync.Mutex
	closeTargets map[uint32]bool
)

// closeWindowCallback is EnumWindows's callback for closeWindows, made
// once: Windows callbacks are a limited resource.
var closeWindowCallback = syscall.NewCallback(func(hwnd windows.HWND, _ uintptr) uintptr {
	var pid uint32
	if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err == nil && closeTargets[pid] {
		procPostMessage.Call(uintptr(hwnd), wmClose, 0, 0)
	}
	return 1 // go on
})

// closeWindows posts WM_CLOSE to the top-level windows of the processes
// pids, asking GUI programs to quit as closing their window would.
func closeWindows(pids []uint32) {
	if len(pids) == 0 {
		return
	}
	closeMu.Lock()
	defer closeMu.Unlock()
	closeTargets = make(map[uint32]bool, len(pids))
	for _, p := range pids {
		closeTargets[p] = true
	}
	_ = windows.EnumWindows(closeWindowCallback, nil)
	closeTargets = nil
}
