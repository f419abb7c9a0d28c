package main

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/testenv"
	"github.com/heraldpush/herald/ui/settings"
)

// The journey's first step on the real binary under Xvfb: a first start
// shows the welcome; a person dismisses it from the keyboard (Tab focuses
// its first button, "Later"; Space presses it, through xdotool's XTEST
// events); it is stored as seen, and stays so when the window quits;
// after a restart the window looks as it did right after the dismissal,
// not as it did with the welcome on top. The rest of the journey runs in
// Fyne's test driver on the same window (ui.TestJourney), where widgets
// are tapped, not pixels.
//
// Keys rather than a mouse click: no window manager places the window, and
// the dialog's button has no fixed position, but Tab order does not move.
// Each screenshot is taken once two captures in a row are the same, so the
// comparison never races the painting.
func TestWelcomeOnlyOnFirstStart(t *testing.T) {
	testenv.NeedDisplay(t)
	testenv.NeedKeyring(t)
	xdotool, xwd := needTool(t, "xdotool", "xdotool"), needTool(t, "xwd", "x11-apps")
	dir := journeyShots(t)
	for _, lc := range []string{"en_US.UTF-8", "zh_CN.UTF-8"} {
		t.Run(lc, func(t *testing.T) {
			welcomeOnce(t, xdotool, xwd, lc, filepath.Join(dir, lc[:2]+"-"))
		})
	}
}

func welcomeOnce(t *testing.T, xdotool, xwd, locale, shots string) {
	data := t.TempDir()
	if out, err := herald(t, data, "api", "disable"); err != nil {
		t.Fatalf("api disable: %v\n%s", err, out)
	}
	first := startWindow(t, data, locale, xdotool)
	welcome := first.settled(t, xwd)
	writePNG(t, shots+"1-first-start-welcome.png", welcome)
	if welcomed(t, data) {
		t.Fatal("a fresh data folder is already welcomed")
	}
	first.keys(t, xdotool, "Tab", "space")
	waitFor(t, 20*time.Second, "the dismissed welcome to be stored", func() bool { return welcomed(t, data) })
	dismissed := first.settled(t, xwd)
	writePNG(t, shots+"2-welcome-dismissed.png", dismissed)
	if d := differing(welcome, dismissed); d < 0.01 {
		t.Fatalf("the window did not change when the welcome was dismissed (%.2f%% of pixels)", 100*d)
	}
	first.stop(t)
	if !welcomed(t, data) {
		t.Fatal("quitting the window forgot that the welcome was dismissed")
	}

	again := startWindow(t, data, locale, xdotool)
	restarted := again.settled(t, xwd)
	writePNG(t, shots+"3-restart.png", restarted)
	if d := differing(dismissed, restarted); d > 0.02 {
		t.Errorf("after a restart %.2f%% of the window differs from the welcomed window: the welcome came back (see %s)", 100*d, shots+"3-restart.png")
	}
	again.stop(t)
	if !welcomed(t, data) {
		t.Error("the restarted window forgot that the welcome was dismissed")
	}
}

func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("%s (%s) is required in CI", name, pkg)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// journeyShots is where the screenshots go: $HERALD_SCREENSHOTS/welcome
// (kept) or a temp folder; logged either way.
func journeyShots(t *testing.T) string {
	dir := t.TempDir()
	if keep := os.Getenv("HERALD_SCREENSHOTS"); keep != "" {
		dir = filepath.Join(keep, "welcome")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// welcomed reads the stored window preferences as the next start will.
func welcomed(t *testing.T, data string) bool {
	t.Helper()
	ctx := context.Background()
	env, err := host.Open(ctx, data, host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	p, err := settings.Load(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	return p.Welcomed
}

// running is the window of a started herald.
type running struct {
	cmd  *exec.Cmd
	done chan error
	id   string // X window id
	log  string
	quit bool // stop waited for it
}

func startWindow(t *testing.T, data, locale, xdotool string) *running {
	t.Helper()
	r := &running{done: make(chan error, 1), log: filepath.Join(t.TempDir(), "herald.log")}
	r.cmd = exec.Command(heraldBin, "--data-dir", data)
	r.cmd.Env = append(os.Environ(), "LANG="+locale, "LC_ALL=", "LANGUAGE=")
	out, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	r.cmd.Stdout, r.cmd.Stderr = out, out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if !r.quit {
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	pid := fmt.Sprint(r.cmd.Process.Pid)
	deadline := time.Now().Add(60 * time.Second)
	for r.id == "" {
		select {
		case err := <-r.done:
			r.quit = true
			t.Fatalf("herald exited (%v) before its window showed; its log:\n%s", err, r.readLog())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window of herald (pid %s) within 60 s; its log:\n%s", pid, r.readLog())
		}
		// The window is the tray's child process (herald --window-only).
		if ids := windowsOf(xdotool, r.cmd.Process.Pid); len(ids) > 0 {
			r.id = ids[len(ids)-1]
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	return r
}

func (r *running) readLog() string {
	b, _ := os.ReadFile(r.log)
	return string(b)
}

// settled captures the window once two captures in a row are the same
// and it is far from blank.
func (r *running) settled(t *testing.T, xwd string) image.Image {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "window.xwd")
	var prev, img image.Image
	waitFor(t, 30*time.Second, "the window to paint and settle", func() bool {
		if b, err := exec.Command(xwd, "-id", r.id, "-silent", "-out", raw).CombinedOutput(); err != nil {
			t.Logf("xwd: %v %s", err, b)
			return false
		}
		var err error
		if img, err = readXWD(raw); err != nil {
			t.Fatal(err)
		}
		stable := prev != nil && same(prev, img) && distinctColors(img) >= 20
		prev = img
		return stable
	})
	return img
}

// keys focuses the window and types the keys through XTEST, as a keyboard.
func (r *running) keys(t *testing.T, xdotool string, keys ...string) {
	t.Helper()
	// --sync waits for the focus to move; the deadline keeps a display
	// that never gives it from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if b, err := exec.CommandContext(ctx, xdotool, "windowfocus", "--sync", r.id).CombinedOutput(); err != nil {
		t.Fatalf("xdotool windowfocus: %v %s", err, b)
	}
	args := append([]string{"key", "--delay", "100"}, keys...)
	if b, err := exec.CommandContext(ctx, xdotool, args...).CombinedOutput(); err != nil {
		t.Fatalf("xdotool key: %v %s", err, b)
	}
}

// stop quits the window as the session would (SIGTERM) and waits.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		r.quit = true
		if err != nil {
			t.Fatalf("herald exit: %v\n%s", err, r.readLog())
		}
	case <-time.After(30 * time.Second):
		_ = r.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, into the log
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
		r.quit = true
		t.Fatalf("herald did not quit on SIGTERM within 30 s; its log:\n%s", r.readLog())
	}
}

// differing is the share of pixels that differ between a and b (1 when
// their sizes differ).
func differing(a, b image.Image) float64 {
	if a.Bounds() != b.Bounds() {
		return 1
	}
	bd := a.Bounds()
	n := 0
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return float64(n) / float64(bd.Dx()*bd.Dy())
}
