package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/testenv"
)

// messages is a loopback webhook that keeps every push it got, with when.
type messages struct {
	mu   sync.Mutex
	got  []struct{ Title, Body string }
	when []time.Time
}

func (m *messages) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	data, _ := io.ReadAll(req.Body)
	var v struct{ Title, Body string }
	if err := json.Unmarshal(data, &v); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, v)
	m.when = append(m.when, time.Now())
}

func (m *messages) all() ([]struct{ Title, Body string }, []time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append(m.got[:0:0], m.got...), append(m.when[:0:0], m.when...)
}

// Pushes inside a (short) quiet window are held by the real daemon and
// arrive after it as one summary; a kill -9 during the window loses none,
// and after the restart the summary still arrives exactly once.
func TestQuietHoursEndToEnd(t *testing.T) {
	testenv.NeedKeyring(t)
	t.Setenv("TZ", "UTC") // the daemon and the CLI read the window in UTC
	rec := &messages{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"channel", "add", "webhook", "hook", "url=" + srv.URL + "/hook"},
		{"settings", "set", "rate_limits.webhook=1000/sec", "language=en", "recovery=on"},
		{"api", "disable"},
		{"task", "add", "backup", "--command", "echo disk full >&2; exit 3"},
		{"task", "add", "mail", "--command", "exit 4"},
	} {
		if out, err := herald(t, dir, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	d := startDaemon(t, dir)

	now := time.Now().UTC()
	end := now.Add(20 * time.Second).Truncate(time.Second)
	window := fmt.Sprintf("quiet.windows=%s-%s", now.Add(-2*time.Second).Format("15:04:05"), end.Format("15:04:05"))
	if out, err := herald(t, dir, "settings", "set", window); err != nil {
		t.Fatalf("%s: %v\n%s", window, err, out)
	}
	for _, name := range []string{"backup", "mail", "backup"} {
		herald(t, dir, "task", "run", name) // fails, on purpose
	}
	if time.Now().After(end.Add(-5 * time.Second)) {
		t.Skip("the runs took longer than the quiet window; the machine is too slow for this test")
	}
	out, _ := herald(t, dir, "outbox", "list", "--json")
	var rows []outboxRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("outbox: %v\n%s", err, out)
	}
	for _, r := range rows {
		if r.State != "pending" || r.Attempts != 0 {
			t.Errorf("row %d is %s after %d attempts, want held (pending, untried)", r.ID, r.State, r.Attempts)
		}
	}

	if out, _ := herald(t, dir, "outbox", "list"); strings.Count(out, "pending (held: quiet)") != 3 {
		t.Errorf("outbox list does not show the 3 held rows:\n%s", out)
	}

	// Killed without warning during the window, then started again.
	d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.done
	if got, _ := rec.all(); len(got) != 0 {
		t.Fatalf("pushes sent during quiet hours: %+v", got)
	}
	d = startDaemon(t, dir)
	defer d.stop(t)

	waitFor(t, time.Until(end)+30*time.Second, "the summary after the window", func() bool {
		got, _ := rec.all()
		return len(got) > 0
	})
	time.Sleep(6 * time.Second) // longer than the daemon's poll: any second message would be here
	got, when := rec.all()
	if len(got) != 1 {
		t.Fatalf("%d messages, want one summary: %+v", len(got), got)
	}
	if when[0].Before(end) {
		t.Errorf("the summary arrived at %v, before the window ended at %v", when[0], end)
	}
	if want := "During quiet hours: 3 failures"; got[0].Title != want {
		t.Errorf("title %q, want %q", got[0].Title, want)
	}
	for _, want := range []string{"3 pushes held during quiet hours", "❌ backup failed", "❌ mail failed", "Error: exit status 3", "Error: exit status 4"} {
		if !strings.Contains(got[0].Body, want) {
			t.Errorf("summary lacks %q:\n%s", want, got[0].Body)
		}
	}
	out, _ = herald(t, dir, "outbox", "list", "--json")
	rows = nil
	json.Unmarshal([]byte(out), &rows)
	sent := 0
	for _, r := range rows {
		if r.State == "sent" {
			sent++
		}
	}
	if len(rows) != 4 || sent != 4 {
		t.Errorf("outbox after the summary: %+v, want the 3 held rows and the summary, all sent", rows)
	}
}

// A burst through the real daemon: with burst.max=2 the first two
// failures go out at once and the rest as one grouped message.
func TestBurstCoalescingEndToEnd(t *testing.T) {
	testenv.NeedKeyring(t)
	rec := &messages{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"channel", "add", "webhook", "hook", "url=" + srv.URL + "/hook"},
		{"settings", "set", "rate_limits.webhook=1000/sec", "language=en", "burst.max=2", "burst.window=15"},
		{"api", "disable"},
		{"task", "add", "flaky", "--command", "exit 1"},
	} {
		if out, err := herald(t, dir, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	d := startDaemon(t, dir)
	defer d.stop(t)
	start := time.Now()
	for range 5 {
		herald(t, dir, "task", "run", "flaky") // fails, on purpose
	}
	if time.Since(start) > 12*time.Second {
		t.Skip("the runs took longer than the burst window; the machine is too slow for this test")
	}
	waitFor(t, 40*time.Second, "the grouped message", func() bool {
		got, _ := rec.all()
		return len(got) >= 3
	})
	time.Sleep(6 * time.Second)
	got, _ := rec.all()
	if len(got) != 3 {
		t.Fatalf("%d messages, want 2 and one grouped: %+v", len(got), got)
	}
	if want := "3 pushes at once: 3 failures"; got[2].Title != want {
		t.Errorf("grouped title %q, want %q", got[2].Title, want)
	}
}
