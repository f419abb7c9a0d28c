package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/testenv"
)

// The tray process (`herald --minimized`, handed over to herald-tray)
// owns the data folder with Herald in the tray and no GL library mapped.
// A second start opens the window as a second process; a third raises
// that window rather than opening another. Closing the window leaves the
// tray running; the tray's quit request ends it.
func TestTrayProcessWithoutGL(t *testing.T) {
	testenv.NeedDisplay(t)
	xdotool := needTool(t, "xdotool", "xdotool")
	needSessionBus(t)
	data := t.TempDir()
	if out, err := herald(t, data, "api", "disable"); err != nil {
		t.Fatalf("api disable: %v\n%s", err, out)
	}
	tr := startTray(t, data)
	pid := tr.cmd.Process.Pid
	if gl := glLibraries(t, pid); len(gl) > 0 {
		t.Fatalf("the tray process maps GL libraries: %q", gl)
	}
	waitFor(t, 30*time.Second, "the tray's StatusNotifierItem on the session bus", func() bool {
		return busHasName(t, fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid))
	})

	if out, err := bounded(t, "--data-dir", data).CombinedOutput(); err != nil || !strings.Contains(string(out), "asked it to show its window") {
		t.Fatalf("second start: exit %d\n%s", exitCode(err), out)
	}
	win := windowProcess(t, tr, data, xdotool, "a window process with a window")
	if gl := glLibraries(t, pid); len(gl) > 0 {
		t.Fatalf("the tray maps GL libraries once the window opened: %q", gl)
	}

	// Asked again, the window raises: still the one process.
	if out, err := bounded(t, "--data-dir", data).CombinedOutput(); err != nil {
		t.Fatalf("third start: exit %d\n%s", exitCode(err), out)
	}
	if kids := childrenOf(pid); !slices.Equal(kids, []int{win}) {
		t.Fatalf("after a second window request the tray's children are %v, want only %d\n%s", kids, win, tr.out.String())
	}

	// The window closes; the tray runs on and answers.
	if err := syscall.Kill(win, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !eventually(60*time.Second, func() bool { return len(childrenOf(pid)) == 0 }) {
		stuck(t, tr, data, "the window process did not end on SIGTERM")
	}
	if h, err := owner.Ping(context.Background(), data); err != nil || h.PID != pid || tr.exited() {
		t.Fatalf("after the window closed: %+v %v\n%s", h, err, tr.out.String())
	}

	// Opened again, then the tray quits (as a window that does not close
	// to the tray asks it to): the window goes with it.
	if out, err := bounded(t, "--data-dir", data).CombinedOutput(); err != nil || !strings.Contains(string(out), "asked it to show its window") {
		t.Fatalf("start after the window closed: exit %d\n%s", exitCode(err), out)
	}
	win = windowProcess(t, tr, data, xdotool, "the window to open again")
	if err := owner.Quit(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-tr.done:
		if err != nil {
			t.Fatalf("tray exit: %v\n%s", err, tr.out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the tray did not quit on request\n%s", tr.out.String())
	}
	if err := syscall.Kill(win, 0); err == nil {
		t.Errorf("the window process %d outlived the tray", win)
	}
}

// startTray starts `herald --minimized` on data and waits until it owns
// the folder; the test's end stops it.
func startTray(t *testing.T, data string) *daemon {
	t.Helper()
	tr := &daemon{cmd: exec.Command(heraldBin, "--data-dir", data, "--minimized"), out: &syncBuffer{}, done: make(chan error, 1)}
	tr.cmd.Stdout, tr.cmd.Stderr = tr.out, tr.out
	if err := tr.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { tr.done <- tr.cmd.Wait() }()
	t.Cleanup(func() {
		if len(tr.done) == 0 && tr.cmd.ProcessState == nil {
			tr.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-tr.done:
			case <-time.After(60 * time.Second):
				dumpAndKill(tr.cmd.Process.Pid)
				t.Errorf("the tray did not stop on SIGTERM\n%s", tr.out.String())
			}
		}
	})
	waitFor(t, 60*time.Second, "the tray to own the folder", func() bool {
		h, err := owner.Ping(context.Background(), data)
		return err == nil && h.Role == owner.RoleWindow && h.PID == tr.cmd.Process.Pid
	})
	return tr
}

// windowProcess waits for the tray's one child process, showing a window.
func windowProcess(t *testing.T, tr *daemon, data, xdotool, what string) int {
	t.Helper()
	win := 0
	ok := eventually(60*time.Second, func() bool {
		if kids := childrenOf(tr.cmd.Process.Pid); len(kids) == 1 && len(windowsOf(xdotool, kids[0])) > 0 {
			win = kids[0]
		}
		return win != 0
	})
	if !ok {
		stuck(t, tr, data, "timed out waiting for "+what)
	}
	return win
}

// stuck fails the test with what went wrong, after the tray and its
// children printed their goroutines, and the tray's output and log.
func stuck(t *testing.T, tr *daemon, data, what string) {
	t.Helper()
	kids := childrenOf(tr.cmd.Process.Pid)
	for _, kid := range append(kids, tr.cmd.Process.Pid) {
		dumpAndKill(kid)
	}
	log, _ := os.ReadFile(filepath.Join(data, "herald.log"))
	t.Fatalf("%s; children %v; the tray's and its window's output:\n%s\nherald.log:\n%s", what, kids, tr.out.String(), log)
}

// eventually polls ok until it holds (true) or limit passes (false).
func eventually(limit time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return ok()
}

// dumpAndKill has a stuck herald print its goroutines (SIGQUIT; the
// window's output goes to the tray's), then kills it.
func dumpAndKill(pid int) {
	syscall.Kill(pid, syscall.SIGQUIT)
	eventually(10*time.Second, func() bool { return syscall.Kill(pid, 0) != nil })
	syscall.Kill(pid, syscall.SIGKILL)
}

func needSessionBus(t *testing.T) {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("a D-Bus session bus is required in CI (scripts/desktop-session): %v", err)
		}
		t.Skipf("no D-Bus session bus: %v", err)
	}
	conn.Close()
}

func busHasName(t *testing.T, name string) bool {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var names []string
	if err := conn.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
		t.Fatal(err)
	}
	return slices.Contains(names, name)
}

// glLibraries are the GL libraries (libGL, libEGL, libGLX) process pid maps.
func glLibraries(t *testing.T, pid int) []string {
	t.Helper()
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		lib := filepath.Base(f[5])
		if (strings.HasPrefix(lib, "libGL") || strings.HasPrefix(lib, "libEGL")) && !slices.Contains(found, lib) {
			found = append(found, lib)
		}
	}
	return found
}

// childrenOf lists the child processes of pid not yet reaped, from /proc.
// A zombie counts: an exiting process reads as one while its other
// threads finish, and the tray still holds its standard input until it
// reaped it.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	slices.Sort(kids)
	return kids
}

// windowsOf lists the visible X windows of pid and of its children (the
// desktop app's window is a child of the tray process).
func windowsOf(xdotool string, pid int) []string {
	var ids []string
	for _, p := range append([]int{pid}, childrenOf(pid)...) {
		b, _ := exec.Command(xdotool, "search", "--onlyvisible", "--pid", strconv.Itoa(p)).Output()
		ids = append(ids, strings.Fields(string(b))...)
	}
	return ids
}

// Without a D-Bus session bus there is no tray: herald opens the window in
// its own process, which owns the data folder, and quits cleanly.
func TestNoSessionBusOpensTheOwningWindow(t *testing.T) {
	testenv.NeedDisplay(t)
	xdotool := needTool(t, "xdotool", "xdotool")
	data := t.TempDir()
	if out, err := herald(t, data, "api", "disable"); err != nil {
		t.Fatalf("api disable: %v\n%s", err, out)
	}
	cmd := exec.Command(heraldBin, "--data-dir", data, "--minimized")
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(data, "no-bus"))
	w := &daemon{cmd: cmd, out: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = w.out, w.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if !w.exited() {
			cmd.Process.Kill()
			<-w.done
		}
	})
	pid := cmd.Process.Pid
	waitFor(t, 60*time.Second, "the window to own the folder and show", func() bool {
		h, err := owner.Ping(context.Background(), data)
		return err == nil && h.PID == pid && len(windowsOf(xdotool, pid)) > 0 && len(childrenOf(pid)) == 0
	})
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, w.out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("did not quit on SIGTERM\n%s", w.out.String())
	}
}

// notifications is a fake org.freedesktop.Notifications on the session
// bus: it passes on each summary it is asked to show.
type notifications struct{ summaries chan string }

func (n *notifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	select {
	case n.summaries <- summary:
	default:
	}
	return 1, nil
}

// The tray process notifies a failed run itself, through the session's
// notification server.
func TestTrayNotifiesFailedRuns(t *testing.T) {
	testenv.NeedDisplay(t)
	needSessionBus(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := &notifications{summaries: make(chan string, 16)}
	if err := conn.Export(n, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Skipf("this session has a notification server of its own (%v)", err)
	}
	defer conn.ReleaseName("org.freedesktop.Notifications")
	data := t.TempDir()
	for _, args := range [][]string{
		{"api", "disable"},
		{"task", "add", "flaky", "--command", "exit 3", "--cron", "* * * * * *"},
	} {
		if out, err := herald(t, data, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	startTray(t, data)
	select {
	case s := <-n.summaries:
		if !strings.Contains(s, "flaky") { // "flaky failed", "flaky 失败" by the locale
			t.Fatalf("notified %q, want the failed task named", s)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no notification of the failed run")
	}
}
