//go:build unix

package task

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

func TestExecuteCommand(t *testing.T) {
	t.Parallel()
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	if err := os.Symlink(echo, filepath.Join(binDir, "herald-test-echo")); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	basePath := "PATH=" + os.Getenv("PATH")

	tests := []struct {
		name    string
		cmd     Command
		baseEnv []string
		status  Status
		code    int // -1: no exit code
		err     string
		output  string
	}{
		{"success", Command{Line: "echo hello"}, nil, StatusSuccess, 0, "", "hello\n"},
		{"non-zero exit", Command{Line: "echo out; exit 3"}, nil, StatusFailure, 3, "exit status 3", "out\n"},
		{"killed by a signal", Command{Line: "echo before; kill -9 $$"}, nil, StatusFailure, -1, "killed by signal 9 (killed)", "before\n"},
		{"program not found", Command{Args: []string{"herald-no-such-program", "x"}}, nil, StatusFailure, -1, `program "herald-no-such-program" not found in PATH`, ""},
		{"path not found", Command{Args: []string{"./herald-no-such-program"}, Dir: work}, nil, StatusFailure, -1, `program "./herald-no-such-program" not found`, ""},
		{"missing dir", Command{Line: "pwd", Dir: missing}, nil, StatusFailure, -1, fmt.Sprintf("working directory %q does not exist", missing), ""},
		{"dir used", Command{Args: []string{"pwd"}, Dir: work}, nil, StatusSuccess, 0, "", work + "\n"},
		{"env added and overriding", Command{Line: `echo "$HERALD_A $HERALD_B $HERALD_C"`, Env: []string{"HERALD_B=task", "HERALD_C=new"}},
			[]string{basePath, "HERALD_A=base", "HERALD_B=base"}, StatusSuccess, 0, "", "base task new\n"},
		{"nil base env is Herald's", Command{Line: `echo "$PATH"`}, nil, StatusSuccess, 0, "", os.Getenv("PATH") + "\n"},
		{"program found in the task's PATH", Command{Args: []string{"herald-test-echo", "via task PATH"}, Env: []string{"PATH=" + binDir}},
			nil, StatusSuccess, 0, "", "via task PATH\n"},
		{"args without a shell", Command{Args: []string{"printf", `%s|%s|%s\n`, "two words", "$HOME", "a;b"}}, nil, StatusSuccess, 0, "", "two words|$HOME|a;b\n"},
		{"stdin is empty", Command{Args: []string{"cat"}}, nil, StatusSuccess, 0, "", ""},
		{"stdout and stderr interleaved", Command{Line: "echo a; echo b >&2; echo c; echo d >&2"}, nil, StatusSuccess, 0, "", "a\nb\nc\nd\n"},
		{"invalid UTF-8 replaced", Command{Line: `printf 'ok \377\376 end'`}, nil, StatusSuccess, 0, "", "ok \uFFFD\uFFFD end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			run := Execute(context.Background(), commandTask(tt.cmd, 10*time.Second), TriggerManual, ExecOptions{BaseEnv: tt.baseEnv})
			if run.Status != tt.status || run.Error != tt.err || run.Output != tt.output {
				t.Errorf("got %q, error %q, output %q\nwant %q, error %q, output %q", run.Status, run.Error, run.Output, tt.status, tt.err, tt.output)
			}
			switch {
			case tt.code < 0 && run.ExitCode != nil:
				t.Errorf("exit code %d, want none", *run.ExitCode)
			case tt.code >= 0 && (run.ExitCode == nil || *run.ExitCode != tt.code):
				t.Errorf("exit code %v, want %d", run.ExitCode, tt.code)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestExecuteCommandOutputCap: a program printing 5 MiB keeps head and tail
// around an exact marker, within the cap, without buffering the stream.
// Not parallel: it measures allocations.
func TestExecuteCommandOutputCap(t *testing.T) {
	const body = 5 << 20
	line := fmt.Sprintf(`printf START; head -c %d /dev/zero | tr '\0' x; printf END`, body)
	total := len("START") + body + len("END")
	for _, limit := range []int{1000, 0} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		run := Execute(context.Background(), commandTask(Command{Line: line}, 10*time.Second), TriggerManual, ExecOptions{OutputCap: limit})
		runtime.ReadMemStats(&after)
		if limit == 0 {
			limit = DefaultOutputCap
		}
		if run.Status != StatusSuccess {
			t.Fatalf("cap %d: %q %q", limit, run.Status, run.Error)
		}
		out := run.Output
		if len(out) != limit || !strings.HasPrefix(out, "STARTxxx") || !strings.HasSuffix(out, "xxxEND") {
			t.Errorf("cap %d: %d bytes, %q … %q", limit, len(out), out[:10], out[len(out)-10:])
		}
		head, rest, ok := strings.Cut(out, "\n…[")
		num, tail, ok2 := strings.Cut(rest, " bytes cut]…\n")
		removed, err := strconv.Atoi(num)
		if !ok || !ok2 || err != nil || removed != total-len(head)-len(tail) {
			t.Errorf("cap %d: marker %q does not count the %d cut bytes", limit, num, total-len(head)-len(tail))
		}
		// Buffering the stream would allocate well over 5 MiB.
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("cap %d: %d bytes allocated for a %d-byte stream", limit, alloc, total)
		if alloc > 3<<20 {
			t.Errorf("cap %d: %d bytes allocated for a %d-byte stream", limit, alloc, total)
		}
	}
	// Multi-byte runes at both cuts stay whole.
	run := Execute(context.Background(), commandTask(Command{Line: `i=0; while [ $i -lt 2000 ]; do printf '中文字'; i=$((i+1)); done`}, 10*time.Second), TriggerManual, ExecOptions{OutputCap: 1001})
	if !utf8.ValidString(run.Output) || len(run.Output) > 1001 || !strings.HasPrefix(run.Output, "中文字") || !strings.HasSuffix(run.Output, "中文字") {
		t.Errorf("runes at the cut: %d bytes, valid %v", len(run.Output), utf8.ValidString(run.Output))
	}
}

// TestExecuteCommandKillsTheTree is the "no orphan left" acceptance test:
// timeout and cancellation both stop the shell, its foreground child and a
// background grandchild that holds the output pipe.
func TestExecuteCommandKillsTheTree(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool
		status  Status
		err     string
	}{
		{"timeout", 300 * time.Millisecond, false, StatusTimeout, "timed out after 300ms"},
		{"cancel", time.Minute, true, StatusFailure, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			line := `echo started; sleep 300 & echo $! > grandchild.pid; echo $$ > child.pid; sleep 300`
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					waitForFile(t, filepath.Join(dir, "child.pid"))
					cancel()
				}()
			}
			start := time.Now()
			run := Execute(ctx, commandTask(Command{Line: line, Dir: dir}, tt.timeout), TriggerManual, ExecOptions{})
			elapsed := time.Since(start)
			if run.Status != tt.status || run.Error != tt.err || run.ExitCode != nil {
				t.Errorf("got %q %q exit %v, want %q %q and no exit code", run.Status, run.Error, run.ExitCode, tt.status, tt.err)
			}
			if run.Output != "started\n" {
				t.Errorf("output %q: what was printed before the stop is kept", run.Output)
			}
			if elapsed > 2*time.Second {
				t.Errorf("returned after %v", elapsed)
			}
			for _, f := range []string{"child.pid", "grandchild.pid"} {
				assertGone(t, f, readPid(t, filepath.Join(dir, f)))
			}
		})
	}
}

// TestExecuteCommandLeftovers: after the program exits, a background process
// still holding the output is killed after a short grace (else the run never
// ends); one that detached its output is left running.
func TestExecuteCommandLeftovers(t *testing.T) {
	t.Parallel()
	t.Run("holding the output", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		start := time.Now()
		run := Execute(context.Background(), commandTask(Command{Line: `(sleep 0.2; echo late; sleep 300) & echo $! > bg.pid; echo done`, Dir: dir}, time.Minute), TriggerManual, ExecOptions{})
		if run.Status != StatusSuccess || run.Output != "done\nlate\n" {
			t.Errorf("got %q %q output %q", run.Status, run.Error, run.Output)
		}
		if d := time.Since(start); d > pipeGrace+time.Second {
			t.Errorf("returned after %v", d)
		}
		assertGone(t, "background job", readPid(t, filepath.Join(dir, "bg.pid")))
	})
	t.Run("detached", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		start := time.Now()
		run := Execute(context.Background(), commandTask(Command{Line: `sleep 300 >/dev/null 2>&1 & echo $! > bg.pid; echo done`, Dir: dir}, time.Minute), TriggerManual, ExecOptions{})
		pid := readPid(t, filepath.Join(dir, "bg.pid"))
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
		if run.Status != StatusSuccess || run.Output != "done\n" {
			t.Errorf("got %q %q output %q", run.Status, run.Error, run.Output)
		}
		if d := time.Since(start); d > pipeGrace/2 {
			t.Errorf("returned after %v: a detached job should not delay the run", d)
		}
		if err := syscall.Kill(pid, 0); err != nil {
			t.Errorf("detached job %d was stopped: %v", pid, err)
		}
	})
}

func waitForFile(t *testing.T, path string) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
			return
		}
	}
	t.Errorf("%s never appeared", path)
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the task did not record its pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("bad pid in %s: %q", path, b)
	}
	return pid
}

// assertGone waits briefly for pid to disappear. A killed process whose new
// parent (PID 1 in a container) never reaps it stays a zombie: dead, so gone.
func assertGone(t *testing.T, what string, pid int) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err = syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) || isZombie(pid) {
			return
		}
	}
	t.Errorf("%s (pid %d) is still running after the run ended (kill -0: %v)", what, pid, err)
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...; comm may hold spaces or parentheses.
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}
