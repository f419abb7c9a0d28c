package single

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A second process for the same data folder reaches the first, which shows
// its window; the second gets ErrRunning (and Herald exits 0 on it).
func TestSecondProcessAsksTheFirstToShow(t *testing.T) {
	if dir := os.Getenv("HERALD_SINGLE_CHILD"); dir != "" {
		_, err := Acquire(dir)
		if errors.Is(err, ErrRunning) {
			os.Stdout.WriteString("CHILD:RUNNING\n")
			return
		}
		os.Stdout.WriteString("CHILD:" + errString(err) + "\n")
		return
	}
	dir := t.TempDir()
	first, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	var shown atomic.Int32
	first.OnShow(func() { shown.Add(1) })

	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcessAsksTheFirstToShow$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HERALD_SINGLE_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "CHILD:RUNNING") {
		t.Fatalf("second process: %v\n%s", err, out)
	}
	if shown.Load() != 1 {
		t.Fatalf("first instance shown %d times, want 1", shown.Load())
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, socketName)); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "ACQUIRED"
	}
	return err.Error()
}

// A socket file left by a crashed instance does not block the next start.
func TestStaleSocketIsReplaced(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, socketName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire over a stale socket: %v", err)
	}
	defer in.Close()
	done := make(chan error, 1)
	go func() { _, err := Acquire(dir); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrRunning) {
			t.Fatalf("second Acquire: %v, want ErrRunning", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Acquire hung")
	}
}

func TestLongDataDirUsesTempSocket(t *testing.T) {
	long := "/" + strings.Repeat("d", 150)
	p := socketPath(long)
	if len(p) > maxSocketPath || !strings.HasPrefix(p, os.TempDir()) || p != socketPath(long) {
		t.Fatalf("socket path %q", p)
	}
}
