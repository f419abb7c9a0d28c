//go:build windows

package main

import (
	"github.com/heraldpush/herald/engine/testenv"

	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"
)

var procAllocConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AllocConsole")

// Ctrl+C (here CTRL_BREAK, which a test can send to a process group)
// reaches both the twin and the Herald it runs, which share the console:
// Herald shuts down, the twin survives it and returns Herald's exit code.
func TestCtrlBreakReachesHerald(t *testing.T) {
	me, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(me)
	if err != nil {
		t.Fatal(err)
	}
	dir := tempDir(t)
	for _, name := range []string{"herald.exe", "herald.com"} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// herald.com acts as the twin (main), herald.exe as a Herald that
	// waits for Ctrl+C.
	c := exec.Command(filepath.Join(dir, "herald.com"), "7", "daemon")
	c.Env = append(os.Environ(), twinMode+"=1")
	c.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Closed when the test ends, whatever happened: the waiting child
	// then exits instead of outliving the test.
	in, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	// Ctrl events travel through a console; a test run may have none.
	procAllocConsole.Call()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if lines.Text() == "waiting for Ctrl+C" {
			if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(c.Process.Pid)); err != nil {
				in.Close()
				c.Wait()
				if testenv.UnderWine() {
					// Wine 8 refuses ctrl events to a process group
					// (ERROR_INVALID_ACCESS), with or without a console.
					t.Skipf("Wine delivers no console ctrl events: %v", err)
				}
				t.Fatal(err)
			}
		}
	}
	err = c.Wait()
	if got := strings.Join(seen, "|"); got != "waiting for Ctrl+C|stopped cleanly" || c.ProcessState.ExitCode() != 7 {
		t.Fatalf("output %q, exit %v; want the child to stop cleanly and the twin to return its code 7", got, err)
	}
}
