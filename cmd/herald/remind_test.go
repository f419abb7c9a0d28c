package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/testenv"
)

// inbox is a loopback webhook receiver: each path is a channel; /locked
// refuses every request with 401, as a service whose token was revoked.
type inbox struct {
	mu  sync.Mutex
	got map[string][]string // path → "title\nlog" of each message, in order
}

func (b *inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/locked" {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var v struct{ T, Log string }
	if err := json.Unmarshal(body, &v); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got[r.URL.Path] = append(b.got[r.URL.Path], v.T+"\n"+v.Log)
	w.WriteHeader(http.StatusOK)
}

func (b *inbox) messages(path string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.got[path]...)
}

func count(msgs []string, prefix string) int {
	n := 0
	for _, m := range msgs {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	return n
}

// Reminders, escalation and fallback through the real daemon, with short
// intervals: a task fails every second until a file appears. Only its
// first failure is pushed; reminders follow every 2 s until it recovers,
// then stop; the escalation channel hears once; the channel whose token
// was revoked (401) gets every push through its fallback, with the reason.
func TestRemindersEscalationFallbackThroughTheDaemon(t *testing.T) {
	testenv.NeedKeyring(t)
	dir := t.TempDir()
	box := &inbox{got: map[string][]string{}}
	srv := httptest.NewServer(box)
	defer srv.Close()
	must := func(args ...string) {
		t.Helper()
		if out, err := herald(t, dir, args...); err != nil {
			t.Fatalf("herald %v: %v\n%s", args, err, out)
		}
	}
	must("api", "disable")
	body := `body={"t":"{t}","log":"{log}"}`
	must("channel", "add", "webhook", "main", "url="+srv.URL+"/main", body)
	must("channel", "add", "webhook", "pager", "url="+srv.URL+"/pager", body)
	must("channel", "add", "webhook", "backup", "url="+srv.URL+"/backup", body)
	must("channel", "add", "webhook", "locked", "url="+srv.URL+"/locked", body, `headers={"Authorization": "Bearer revoked-token-5521"}`)
	must("channel", "edit", "locked", "--fallback", "backup")
	must("settings", "set", "channels=main,locked", "failures_before_notify=1", "language=en",
		"reminder.interval=2s", "reminder.max=50", "escalation.after=3s", "escalation.channels=pager")
	ok := filepath.Join(dir, "ok")
	must("task", "add", "flaky", "--command", "test -f '"+ok+"'", "--every", "1s")

	var logBuf bytes.Buffer
	d := exec.Command(heraldBin, "--data-dir", dir, "daemon")
	d.Stdout, d.Stderr = &logBuf, &logBuf
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Process.Signal(syscall.SIGTERM); _ = d.Wait() }()

	waitFor(t, 30*time.Second, "two reminders and the escalation", func() bool {
		return count(box.messages("/main"), "⏰ Still failing: flaky") >= 2 && len(box.messages("/pager")) >= 1
	})
	if err := os.WriteFile(ok, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the recovery", func() bool {
		return count(box.messages("/main"), "🔁 flaky recovered") == 1
	})
	// Two reminder intervals and the timer's poll: a reminder still due
	// would have come by now.
	time.Sleep(7 * time.Second)

	main := box.messages("/main")
	last := main[len(main)-1]
	if !strings.HasPrefix(last, "🔁 flaky recovered") {
		t.Errorf("main's last message %q: want the recovery (no reminder after it)\nall: %q", last, main)
	}
	if n := count(main, "❌ flaky failed"); n != 1 {
		t.Errorf("main got %d failure pushes, want 1: %q", n, main)
	}
	reminders := count(main, "⏰ Still failing: flaky")
	if !strings.Contains(strings.Join(main, "\n"), "Failed runs so far: ") || !strings.Contains(strings.Join(main, "\n"), "has been failing for ") {
		t.Errorf("reminders do not say for how long and how many runs failed: %q", main)
	}
	pager := box.messages("/pager")
	if len(pager) != 1 || !strings.HasPrefix(pager[0], "🚨 Escalation: flaky keeps failing") {
		t.Errorf("pager got %q: want exactly one escalation", pager)
	}
	backup := box.messages("/backup")
	if len(backup) != 1+reminders+1 {
		t.Errorf("backup got %d messages, want every push to locked (failure, %d reminders, recovery): %q", len(backup), reminders, backup)
	}
	for _, m := range backup {
		_, text, _ := strings.Cut(m, "\n")
		if !strings.HasPrefix(text, "↪ Sent via backup because locked failed: ") || !strings.Contains(text, "401") {
			t.Errorf("fallback message %q: want the reason with the 401 first", m)
		}
		if strings.Contains(m, "revoked-token-5521") {
			t.Errorf("fallback message %q holds the secret", m)
		}
	}
	if strings.Contains(logBuf.String(), "revoked-token-5521") {
		t.Errorf("the daemon's log holds the secret")
	}
	t.Logf("main: %d messages (%d reminders), pager %d, backup %d", len(main), reminders, len(pager), len(backup))
}
