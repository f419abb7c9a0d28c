package task

import (
	"context"
	"os"
	"testing"
	"time"
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

// ping, a child of cmd, holds the output pipe: the run can only end promptly
// if the whole job was terminated.
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
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("returned after %v: the job was not killed", d)
			}
		})
	}
}
