//go:build windows

package app

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/app/trayowner"
)

var procGetConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")

// handOverToTray runs the slim tray binary beside this exe (Herald.exe →
// Herald-tray.exe, cmd/herald-tray), which has no Fyne and no OpenGL
// linked, and exits this process: Windows has no exec, so the tray is a
// new process. Started from Explorer or at login it runs detached, with
// no console and none of this process's handles, and this process exits
// at once. Started from a console (herald.com), where the shell waits and
// Ctrl+C must reach the tray, it shares the console and this process
// waits for it and exits with its code, as exec would on Unix. It returns
// only when there is no such binary or it cannot start; the tray then runs
// here. The tray takes the data folder's lock itself, so a second start
// still ends up asking the running one to show its window.
func handOverToTray(exe, dir string, minimized bool) {
	bin := trayowner.TrayBin(exe)
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		return
	}
	cmd := exec.Command(bin, trayArgs(dir, minimized)...)
	cmd.Env = trayEnv(exe)
	if !hasConsole() {
		// Stdio stays nil (NUL): an inherited pipe would keep whoever
		// reads it waiting for as long as the tray runs.
		cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP}
		if cmd.Start() != nil {
			return
		}
		_ = cmd.Process.Release()
		os.Exit(0)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if cmd.Start() != nil {
		return
	}
	// The tray joins this console (cmd/herald-tray), so Ctrl+C reaches
	// both; this one (signal.NotifyContext in Main) waits for the tray to
	// shut down and passes on its code.
	_ = cmd.Wait()
	if cmd.ProcessState == nil {
		os.Exit(cli.ExitFailed)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}

// hasConsole reports whether this process has a console: console.Attach
// joined the parent's (a start from herald.com). The GUI build gets none
// from Explorer or the Run key.
func hasConsole() bool {
	r, _, _ := procGetConsoleWindow.Call()
	return r != 0
}
