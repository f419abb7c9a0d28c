package trayowner

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"
)

// WindowOnlyFlag starts the herald binary as the window process: a client
// of the data folder, without tray or engine, which the tray starts and
// controls through its standard input (see WindowControl).
const WindowOnlyFlag = "--window-only"

// TabFlag names the tab a window process starts on ("history").
const TabFlag = "--tab"

// Lines the tray writes to its window process's standard input; closing
// it quits the window.
const (
	ShowLine        = "show"         // show and raise the window
	ShowHistoryLine = "show history" // the same, on the History tab
)

// windowProcess is the window as a process of its own: started on the
// first request, asked to show itself on the next ones while it runs.
type windowProcess struct {
	bin string // the full herald binary
	dir string
	log *slog.Logger

	mu     sync.Mutex
	stdin  io.WriteCloser // nil while no window runs
	exited chan struct{}  // closed when the running window exits
}

// open shows the window on tab ("" for where it is), starting it when
// none runs. Any goroutine may call it.
func (w *windowProcess) open(tab string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	line := ShowLine
	if tab == "history" {
		line = ShowHistoryLine
	}
	if w.stdin != nil {
		_, err := io.WriteString(w.stdin, line+"\n")
		if err == nil {
			w.log.Info("window asked to show itself", "tab", tab)
			return
		}
		w.log.Info("the window does not listen; opening another", "error", err)
	}
	if err := w.start(tab); err != nil {
		w.log.Error("open the window", "error", err)
	}
}

// start runs the window process; w.mu is held.
func (w *windowProcess) start(tab string) error {
	args := []string{"--data-dir", w.dir, WindowOnlyFlag}
	if tab != "" {
		args = append(args, TabFlag, tab)
	}
	cmd := exec.Command(w.bin, args...)
	cmd.Stdout, cmd.Stderr = usable(os.Stdout), usable(os.Stderr)
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", w.bin, err)
	}
	w.log.Info("window opened", "pid", cmd.Process.Pid)
	exited := make(chan struct{})
	w.stdin, w.exited = in, exited
	go func() {
		err := cmd.Wait()
		w.log.Info("window closed", "pid", cmd.Process.Pid, "result", fmt.Sprint(err))
		w.mu.Lock()
		if w.exited == exited {
			w.stdin, w.exited = nil, nil
		}
		w.mu.Unlock()
		close(exited)
	}()
	return nil
}

// usable is f when the window can inherit it, else nil (the null
// device): Windows' GUI build may have no standard output at all.
func usable(f *os.File) *os.File {
	if f == nil {
		return nil
	}
	if _, err := f.Stat(); err != nil {
		return nil
	}
	return f
}

// closeWait quits a running window (its standard input closes) and waits
// for it, at most grace.
func (w *windowProcess) closeWait(grace time.Duration) {
	w.mu.Lock()
	in, exited := w.stdin, w.exited
	w.mu.Unlock()
	if in == nil {
		return
	}
	in.Close()
	select {
	case <-exited:
	case <-time.After(grace):
		w.log.Warn("the window did not close with the tray")
	}
}

// EnvWindowBin tells the slim tray binary (cmd/herald-tray) which herald
// binary runs the window; herald sets it when it hands over.
const EnvWindowBin = "HERALD_WINDOW_BIN"
