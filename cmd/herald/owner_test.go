package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/testenv"
)

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// daemon is a running `herald daemon`.
type daemon struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

// startDaemon starts `herald daemon` on dir and waits until it answers
// for the folder.
func startDaemon(t *testing.T, dir string) *daemon {
	t.Helper()
	d := startDaemonProcess(t, dir)
	waitFor(t, 60*time.Second, "the daemon to own the folder", func() bool {
		return strings.Contains(d.out.String(), "tasks scheduled") || d.exited()
	})
	if d.exited() {
		t.Fatalf("daemon exited: %s", d.out.String())
	}
	return d
}

func startDaemonProcess(t *testing.T, dir string) *daemon {
	t.Helper()
	d := &daemon{cmd: exec.Command(heraldBin, "--data-dir", dir, "daemon"), out: &syncBuffer{}, done: make(chan error, 1)}
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() { d.stop(t) })
	return d
}

func (d *daemon) exited() bool { return d.cmd.ProcessState != nil || len(d.done) > 0 }

// stop ends the daemon with SIGTERM and expects a clean exit.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("daemon exit: %v\n%s", err, d.out.String())
		}
	case <-time.After(60 * time.Second):
		d.cmd.Process.Kill()
		t.Errorf("daemon did not stop on SIGTERM\n%s", d.out.String())
	}
}

// hookFolder is a data folder with a webhook channel "hook" pointed at a
// loopback receiver, no rate limit to speak of and the API off (daemons
// of several tests would race for its port).
func hookFolder(t *testing.T, rec http.Handler) string {
	t.Helper()
	testenv.NeedKeyring(t)
	dir := t.TempDir()
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	for _, args := range [][]string{
		{"channel", "add", "webhook", "hook", "url=" + srv.URL + "/hook", `body={"id":"{log}"}`},
		{"settings", "set", "rate_limits.webhook=1000/sec"},
		{"api", "disable"},
	} {
		if out, err := herald(t, dir, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	return dir
}

type outboxRow struct {
	ID       int64
	State    string
	Attempts int
	Source   string
}

func outboxRows(t *testing.T, dir string) []outboxRow {
	t.Helper()
	out, err := herald(t, dir, "outbox", "list", "--json", "--limit", "1000")
	var rows []outboxRow
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil {
		t.Fatalf("outbox list: %v\n%s", err, out)
	}
	return rows
}

// A second daemon on a folder refuses, naming the first, which runs on.
func TestSecondDaemonRefused(t *testing.T) {
	dir := hookFolder(t, &receiver{seen: map[string]int{}})
	first := startDaemon(t, dir)

	out, err := bounded(t, "--data-dir", dir, "daemon").CombinedOutput()
	if code := exitCode(err); code != 1 {
		t.Fatalf("second daemon: exit %d, want 1\n%s", code, out)
	}
	if want := fmt.Sprintf("the daemon (pid %d) owns the data folder", first.cmd.Process.Pid); !strings.Contains(string(out), want) {
		t.Fatalf("second daemon's message lacks %q:\n%s", want, out)
	}
	if first.exited() {
		t.Fatalf("the first daemon stopped: %s", first.out.String())
	}
	if h, err := owner.Ping(context.Background(), dir); err != nil || h.PID != first.cmd.Process.Pid {
		t.Fatalf("the first daemon no longer answers: %+v %v", h, err)
	}
}

// sendConcurrently runs n `herald send` at once and expects each to exit 0
// with "hook: ok"; each message then arrived exactly once and its row was
// sent in one attempt.
func sendConcurrently(t *testing.T, dir string, rec *receiver, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := herald(t, dir, "send", "--channel", "hook", fmt.Sprintf("msg-%02d", i))
			if err != nil || !strings.Contains(out, "hook: ok") {
				errs <- fmt.Sprintf("send msg-%02d: exit %d\n%s", i, exitCode(err), out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for i := range n {
		if got := rec.count(fmt.Sprintf("msg-%02d", i)); got != 1 {
			t.Errorf("msg-%02d arrived %d times, want 1", i, got)
		}
	}
	rows := outboxRows(t, dir)
	if len(rows) != n {
		t.Fatalf("%d outbox rows, want %d", len(rows), n)
	}
	for _, r := range rows {
		if r.State != "sent" || r.Attempts != 1 {
			t.Errorf("outbox row %+v; want sent in one attempt", r)
		}
	}
}

// With a daemon running, every `herald send` hands its row to it (the
// daemon owns the lock) and reports the daemon's result.
func TestConcurrentSendsThroughDaemon(t *testing.T) {
	rec := &receiver{seen: map[string]int{}}
	dir := hookFolder(t, rec)
	d := startDaemon(t, dir)
	sendConcurrently(t, dir, rec, 20)
	if d.exited() {
		t.Fatalf("daemon stopped: %s", d.out.String())
	}
}

// Without an owner, concurrent sends take the lock in turn.
func TestConcurrentSendsWithoutOwner(t *testing.T) {
	rec := &receiver{seen: map[string]int{}}
	dir := hookFolder(t, rec)
	sendConcurrently(t, dir, rec, 20)
}

// `herald channel test` through a running daemon records the test, and
// `herald outbox retry` makes a failed row pending and delivers it through
// the daemon.
func TestChannelTestAndRetryThroughDaemon(t *testing.T) {
	rec := &receiver{seen: map[string]int{}, failFirst: map[string]bool{"flaky": true}}
	dir := hookFolder(t, rec)
	startDaemon(t, dir)

	out, err := herald(t, dir, "channel", "test", "hook")
	if err != nil || !strings.Contains(out, "hook: ok") {
		t.Fatalf("channel test: exit %d\n%s", exitCode(err), out)
	}
	out, _ = herald(t, dir, "channel", "list", "--json")
	var chans []struct {
		Name   string
		TestOK *bool `json:"test_ok"`
	}
	if err := json.Unmarshal([]byte(out), &chans); err != nil || len(chans) != 1 || chans[0].TestOK == nil || !*chans[0].TestOK {
		t.Fatalf("test not recorded: %v\n%s", err, out)
	}
	if _, total := rec.counts(); total != 1 {
		t.Fatalf("the test push arrived %d times", total)
	}

	out, err = herald(t, dir, "send", "--channel", "hook", "flaky")
	if exitCode(err) != 1 || !strings.Contains(out, "failed (permanent)") {
		t.Fatalf("send flaky: exit %d\n%s", exitCode(err), out)
	}
	id := regexp.MustCompile(`outbox (\d+)`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no outbox id in %q", out)
	}
	out, err = herald(t, dir, "outbox", "retry", id[1])
	if err != nil || !strings.Contains(out, "(hook): ok") {
		t.Fatalf("outbox retry: exit %d\n%s", exitCode(err), out)
	}
	if got := rec.count("flaky"); got != 1 {
		t.Fatalf("flaky accepted %d times, want 1", got)
	}
}

// A daemon started while a command holds the lock waits for it instead of
// refusing, then owns the folder.
func TestDaemonWaitsForCommandHoldingTheLock(t *testing.T) {
	dir := hookFolder(t, &receiver{seen: map[string]int{}})
	cliLock, err := owner.TryLock(dir, owner.RoleCLI)
	if err != nil {
		t.Fatal(err)
	}
	d := startDaemonProcess(t, dir)
	waitFor(t, 60*time.Second, "the daemon to say it waits", func() bool {
		return strings.Contains(d.out.String(), "waiting for a herald command") || d.exited()
	})
	if d.exited() || strings.Contains(d.out.String(), "tasks scheduled") {
		t.Fatalf("daemon did not wait for the lock: %s", d.out.String())
	}
	cliLock.Release()
	waitFor(t, 60*time.Second, "the daemon to own the folder", func() bool {
		return strings.Contains(d.out.String(), "tasks scheduled") || d.exited()
	})
	if h, err := owner.Ping(context.Background(), dir); err != nil || h.Role != owner.RoleDaemon {
		t.Fatalf("after the command: %+v %v\n%s", h, err, d.out.String())
	}
}

// A window started while a daemon owns the folder says so and exits 1.
// The check comes before any window opens, so any DISPLAY will do.
func TestWindowRefusedWhileDaemonOwns(t *testing.T) {
	dir := hookFolder(t, &receiver{seen: map[string]int{}})
	d := startDaemon(t, dir)
	cmd := bounded(t, "--data-dir", dir)
	cmd.Env = os.Environ()
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		cmd.Env = append(cmd.Env, "DISPLAY=:999")
	}
	out, err := cmd.CombinedOutput()
	want := fmt.Sprintf("the daemon (pid %d) delivers for %s; stop it before opening the window", d.cmd.Process.Pid, dir)
	if exitCode(err) != 1 || !strings.Contains(string(out), want) {
		t.Fatalf("window: exit %d, want 1 with %q\n%s", exitCode(err), want, out)
	}
}

// Without a display the window refuses before it opens or creates anything.
func TestNoDisplay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "first-start")
	cmd := bounded(t, "--data-dir", dir)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	want := "herald: no display — run \"herald daemon\" to deliver without a window\n"
	if exitCode(err) != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Fatalf("exit %d, stderr %q, stdout %q; want 1 and %q", exitCode(err), stderr.String(), stdout.String(), want)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the data folder was created: %v", err)
	}
}

// bounded is herald with args, killed if still running after a generous
// while: a process that should refuse at once but starts instead must fail
// the test, not hang it.
func bounded(t *testing.T, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	t.Cleanup(cancel)
	return exec.CommandContext(ctx, heraldBin, args...)
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// A second window asks the first to show itself and exits 0; a daemon
// started beside the window refuses, naming it.
func TestSecondWindowShowsTheFirst(t *testing.T) {
	testenv.NeedDisplay(t)
	dir := hookFolder(t, &receiver{seen: map[string]int{}})
	first := exec.Command(heraldBin, "--data-dir", dir, "--minimized")
	out := &syncBuffer{}
	first.Stdout, first.Stderr = out, out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	defer func() {
		first.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			first.Process.Kill()
			t.Errorf("window did not stop on SIGTERM\n%s", out.String())
		}
	}()
	waitFor(t, 60*time.Second, "the window to own the folder", func() bool {
		h, err := owner.Ping(context.Background(), dir)
		return err == nil && h.Role == owner.RoleWindow && h.PID == first.Process.Pid
	})

	second, err := bounded(t, "--data-dir", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(second), "asked it to show its window") {
		t.Fatalf("second window: exit %d\n%s", exitCode(err), second)
	}
	daemonOut, err := bounded(t, "--data-dir", dir, "daemon").CombinedOutput()
	want := fmt.Sprintf("the window (pid %d) owns the data folder", first.Process.Pid)
	if exitCode(err) != 1 || !strings.Contains(string(daemonOut), want) {
		t.Fatalf("daemon beside the window: exit %d, want 1 with %q\n%s", exitCode(err), want, daemonOut)
	}
	// And a command sends through the window.
	if sent, err := herald(t, dir, "send", "--channel", "hook", "via-window"); err != nil || !strings.Contains(sent, "hook: ok") {
		t.Fatalf("send through the window: exit %d\n%s", exitCode(err), sent)
	}
}
