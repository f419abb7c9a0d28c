package task

import (
	"github.com/heraldpush/herald/engine/testenv"

	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/windows"
)

// The Unix tests cover the shared logic in depth; these check what differs
// on Windows: cmd /C, exit codes, PATHEXT lookup and killing the job.
func TestExecuteCommandWindows(t *testing.T) {
	t.Parallel()
	base := append(os.Environ(), "HERALD_A=base", "HERALD_B=base")
	tests := []struct {
		name   string
		cmd    Command
		status Status
		code   int // -1: no exit code
		err    string
		output string
	}{
		{"success", Command{Line: "echo hello"}, StatusSuccess, 0, "", "hello\r\n"},
		{"non-zero exit", Command{Line: "echo out& exit /b 3"}, StatusFailure, 3, "exit status 3", "out\r\n"},
		{"program found through PATHEXT", Command{Args: []string{"hostname"}}, StatusSuccess, 0, "", ""},
		{"program not found", Command{Args: []string{"herald-no-such-program"}}, StatusFailure, -1, `program "herald-no-such-program" not found in PATH`, ""},
		{"env added and overriding", Command{Line: "echo %HERALD_A% %HERALD_B%", Env: []string{"HERALD_B=task"}}, StatusSuccess, 0, "", "base task\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run := Execute(context.Background(), commandTask(tt.cmd, 20*time.Second), TriggerManual, ExecOptions{BaseEnv: base})
			if run.Status != tt.status || run.Error != tt.err || (tt.output != "" && run.Output != tt.output) {
				t.Errorf("got %q, error %q, output %q\nwant %q, error %q, output %q", run.Status, run.Error, run.Output, tt.status, tt.err, tt.output)
			}
			switch {
			case tt.code < 0 && run.ExitCode != nil:
				t.Errorf("exit code %d, want none", *run.ExitCode)
			case tt.code >= 0 && (run.ExitCode == nil || *run.ExitCode != tt.code):
				t.Errorf("exit code %v, want %d", run.ExitCode, tt.code)
			}
		})
	}
}

// ping, a child of cmd, holds the output pipe: the run can only end soon
// after the grace period if the whole job was terminated.
func TestExecuteCommandWindowsKillsTheJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool
		status  Status
		err     string
	}{
		{"timeout", 500 * time.Millisecond, false, StatusTimeout, "timed out after 500ms"},
		{"cancel", time.Minute, true, StatusFailure, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				time.AfterFunc(500*time.Millisecond, cancel)
			}
			start := time.Now()
			run := Execute(ctx, commandTask(Command{Line: "ping -n 60 127.0.0.1"}, tt.timeout), TriggerManual, ExecOptions{})
			if run.Status != tt.status || run.Error != tt.err || run.ExitCode != nil {
				t.Errorf("got %q %q exit %v, want %q %q", run.Status, run.Error, run.ExitCode, tt.status, tt.err)
			}
			if d := time.Since(start); d > killGrace+3*time.Second {
				t.Errorf("returned after %v: the job was not killed", d)
			}
		})
	}
}

// childModeEnv makes the test binary act as a command for the tests below
// instead of running the tests.
const childModeEnv = "HERALD_TASK_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		os.Exit(runTestChild(mode, os.Getenv("HERALD_TASK_TEST_DIR")))
	}
	os.Exit(m.Run())
}

// runTestChild is the test binary as a command: "spawn" starts a grandchild
// that ignores CTRL_BREAK and notes both pids; "graceful" says so on
// CTRL_BREAK.
func runTestChild(mode, dir string) int {
	switch mode {
	case "spawn":
		gc := exec.Command(os.Args[0])
		gc.Env = append(os.Environ(), childModeEnv+"=stubborn")
		gc.Stdout = os.Stdout
		if err := gc.Start(); err != nil {
			fmt.Println(err)
			return 1
		}
		note(dir, "pids", fmt.Sprintf("%d %d", os.Getpid(), gc.Process.Pid))
		time.Sleep(time.Minute)
	case "stubborn":
		signal.Ignore(os.Interrupt)
		time.Sleep(time.Minute)
	case "graceful":
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		note(dir, "ready", "")
		<-c
		fmt.Println("graceful")
		return 0
	}
	return 3
}

// note writes a file through a rename, so a reader sees all of it or none.
func note(dir, name, text string) {
	tmp := filepath.Join(dir, name+".tmp")
	_ = os.WriteFile(tmp, []byte(text), 0o644)
	_ = os.Rename(tmp, filepath.Join(dir, name))
}

// tempDir is t.TempDir without failing on cleanup: Wine cannot delete
// files the way Go's RemoveAll asks it to.
func tempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "herald-task-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// waitForFile polls for a file a test child writes.
func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

// childTask runs the test binary in mode.
func childTask(mode, dir string, timeout time.Duration) Task {
	return commandTask(Command{Args: []string{os.Args[0]},
		Env: []string{childModeEnv + "=" + mode, "HERALD_TASK_TEST_DIR=" + dir}}, timeout)
}

// processGone reports whether pid has ended within a few seconds.
func processGone(pid int) bool {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return true // no such process any more
	}
	defer windows.CloseHandle(h)
	ev, _ := windows.WaitForSingleObject(h, 5000)
	return ev == windows.WAIT_OBJECT_0
}

// A grandchild that ignores CTRL_BREAK is in the job and ends with it.
func TestStopEndsTheWholeTree(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pids := make(chan string, 1)
	go func() {
		defer cancel()
		pids <- waitForFile(t, filepath.Join(dir, "pids"))
	}()
	run := Execute(ctx, childTask("spawn", dir, time.Minute), TriggerManual, ExecOptions{})
	if run.Status != StatusFailure || run.Error != errCancelled {
		t.Errorf("got %q %q, want failure cancelled; output %q", run.Status, run.Error, run.Output)
	}
	var child, grandchild int
	if _, err := fmt.Sscan(<-pids, &child, &grandchild); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{child, grandchild} {
		if !processGone(pid) {
			t.Errorf("process %d still runs", pid)
		}
	}
}

// A console program stopped gets CTRL_BREAK and time to clean up.
func TestStopSendsCtrlBreakFirst(t *testing.T) {
	t.Parallel()
	if testenv.UnderWine() {
		// Wine 8 fails GenerateConsoleCtrlEvent on a borrowed console
		// ("invalid handle"); only a real Windows can show this.
		t.Skip("Wine cannot deliver CTRL_BREAK to another console")
	}
	dir := tempDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer cancel()
		waitForFile(t, filepath.Join(dir, "ready"))
	}()
	run := Execute(ctx, childTask("graceful", dir, time.Minute), TriggerManual, ExecOptions{})
	if !strings.Contains(run.Output, "graceful") || run.Error != errCancelled {
		t.Errorf("got %q %q, output %q: CTRL_BREAK did not arrive", run.Status, run.Error, run.Output)
	}
}

// cmd's echo writes the console code page, which auto mode reads back.
func TestEchoInConsoleCodePage(t *testing.T) {
	t.Parallel()
	enc := codePageEncoding(consoleCodePage())
	if enc == nil {
		t.Skipf("console code page %d is UTF-8 or unknown", consoleCodePage())
	}
	text := ""
	for _, s := range []string{"中文", "é", "ж"} {
		if b, err := enc.NewEncoder().Bytes([]byte(s)); err == nil && !utf8.Valid(b) {
			text = s
			break
		}
	}
	if text == "" {
		t.Skipf("no sample text in code page %d", consoleCodePage())
	}
	run := Execute(context.Background(), commandTask(Command{Line: "echo " + text}, 20*time.Second), TriggerManual, ExecOptions{})
	t.Logf("code page %d, text %q", consoleCodePage(), text)
	if run.Output != text+"\r\n" {
		t.Errorf("code page %d: echo %s gave %q", consoleCodePage(), text, run.Output)
	}
}
