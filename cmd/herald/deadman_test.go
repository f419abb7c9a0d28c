package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/testenv"
)

// titles is a loopback webhook that keeps the title of every push.
type titles struct {
	mu  sync.Mutex
	got []string
}

func (r *titles) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var v struct{ T string }
	if err := json.Unmarshal(body, &v); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.got = append(r.got, v.T)
	r.mu.Unlock()
}

func (r *titles) count(sub string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, t := range r.got {
		if strings.Contains(t, sub) {
			n++
		}
	}
	return n
}

func mustHerald(t *testing.T, dir string, args ...string) {
	t.Helper()
	if out, err := herald(t, dir, args...); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

// A task that must succeed every 5 s and never does is pushed as missing
// exactly once through the real daemon, also after a restart. A second
// task, added while the daemon is stopped, goes missing after the restart:
// its push proves the restarted daemon checked (and saw the first task's
// miss already pushed), so "once" needs no waiting on the clock.
func TestDeadmanMissingOnceAcrossRestart(t *testing.T) {
	testenv.NeedKeyring(t)
	dir := t.TempDir()
	rec := &titles{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	mustHerald(t, dir, "channel", "add", "webhook", "hook", "url="+srv.URL+"/hook", `body={"t":"{t}"}`)
	mustHerald(t, dir, "api", "disable")
	mustHerald(t, dir, "settings", "set", "language=en")
	mustHerald(t, dir, "task", "add", "backup", "--command", "exit 1", "--deadman", "5s")

	d := startDaemon(t, dir)
	waitFor(t, 60*time.Second, "the missing push", func() bool { return rec.count("backup is missing") > 0 })
	d.stop(t)

	mustHerald(t, dir, "task", "add", "sentinel", "--command", "true", "--deadman", "5s")
	d = startDaemon(t, dir)
	waitFor(t, 60*time.Second, "the sentinel's missing push", func() bool { return rec.count("sentinel is missing") > 0 })
	d.stop(t)
	if n := rec.count("backup is missing"); n != 1 {
		t.Errorf("backup pushed as missing %d times, want once\n%s", n, d.out.String())
	}
	if n := rec.count("sentinel is missing"); n != 1 {
		t.Errorf("sentinel pushed as missing %d times, want once", n)
	}
	missing := 0
	for _, r := range outboxRows(t, dir) {
		if r.Source == "digest" {
			missing++
		}
	}
	if missing != 2 {
		t.Errorf("%d missing rows in the outbox, want 2", missing)
	}
}

// The heartbeat URL receives pings while the daemon runs and none once it
// is killed; its token is in the keyring, never in the data folder.
func TestHeartbeatPingsStopWhenKilled(t *testing.T) {
	testenv.NeedKeyring(t)
	dir := t.TempDir()
	const token = "hb-7c1e2f-secret-token"
	var mu sync.Mutex
	pings := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping/"+token {
			mu.Lock()
			pings++
			mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	count := func() int { mu.Lock(); defer mu.Unlock(); return pings }
	mustHerald(t, dir, "api", "disable")
	mustHerald(t, dir, "settings", "set", "heartbeat.url="+srv.URL+"/ping/"+token, "heartbeat.interval=5")

	d := startDaemon(t, dir)
	waitFor(t, 60*time.Second, "two heartbeat pings", func() bool { return count() >= 2 })
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-d.done
	d.done <- nil // for the cleanup's stop
	after := count()
	time.Sleep(6 * time.Second) // longer than the interval: a live daemon would have pinged
	if n := count(); n != after {
		t.Errorf("%d pings after the kill", n-after)
	}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if data, _ := os.ReadFile(p); strings.Contains(string(data), token) {
				t.Errorf("%s holds the heartbeat token", p)
			}
		}
		return nil
	})
	if strings.Contains(d.out.String(), token) {
		t.Errorf("daemon output holds the token:\n%s", d.out.String())
	}
}
