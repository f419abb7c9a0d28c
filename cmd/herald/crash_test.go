package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
)

// receiver is a slow loopback webhook that counts each push id it got.
type receiver struct {
	mu   sync.Mutex
	seen map[string]int
	// failFirst ids are refused (400, a permanent failure) the first time.
	failFirst map[string]bool
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var v struct{ ID string }
	if err := json.Unmarshal(body, &v); err != nil || v.ID == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	time.Sleep(5 * time.Millisecond) // slow enough that kills land mid-delivery
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failFirst[v.ID] {
		delete(r.failFirst, v.ID)
		http.Error(w, "refused once", http.StatusBadRequest)
		return
	}
	r.seen[v.ID]++
}

func (r *receiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[id]
}

func (r *receiver) counts() (distinct, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.seen {
		distinct++
		total += n
	}
	return
}

// 1,000 queued pushes survive the daemon being killed with SIGKILL several
// times mid-delivery: after restarts every push arrived at least once, and
// the only duplicates are rows that were in flight at a kill (at most one
// per channel per kill).
func TestDeliveriesSurviveKill9(t *testing.T) {
	testenv.NeedKeyring(t)
	dir := t.TempDir()
	rec := &receiver{seen: map[string]int{}}
	srv := httptest.NewServer(rec)
	defer srv.Close()

	const channels, pushes, kills = 4, 1000, 4
	for i := range channels {
		out, err := herald(t, dir, "channel", "add", "webhook", fmt.Sprintf("w%d", i), "url="+srv.URL+"/hook", `body={"id":"{log}"}`)
		if err != nil {
			t.Fatalf("channel add: %v\n%s", err, out)
		}
	}
	if out, err := herald(t, dir, "settings", "set", "rate_limits.webhook=1000/sec"); err != nil {
		t.Fatalf("settings: %v\n%s", err, out)
	}
	// Queue directly in the database, as a run's transaction would.
	st, err := store.Open(context.Background(), filepath.Join(dir, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	out, _ := herald(t, dir, "channel", "list", "--json")
	var chans []struct{ ID string }
	if err := json.Unmarshal([]byte(out), &chans); err != nil || len(chans) != channels {
		t.Fatalf("channel list: %v %s", err, out)
	}
	for _, c := range chans {
		ids = append(ids, c.ID)
	}
	var items []*store.OutboxItem
	for i := range pushes {
		items = append(items, &store.OutboxItem{Source: "send", ChannelID: ids[i%channels], Body: fmt.Sprintf("push-%04d", i), Level: "info"})
	}
	if err := st.Enqueue(context.Background(), items...); err != nil {
		t.Fatal(err)
	}
	st.Close()

	start := func() *exec.Cmd {
		d := exec.Command(heraldBin, "--data-dir", dir, "daemon")
		if err := d.Start(); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for k := range kills {
		d := start()
		// Let it deliver a while, then kill it without warning.
		target := (k + 1) * pushes / (kills + 2)
		waitFor(t, 30*time.Second, fmt.Sprintf("%d deliveries before kill %d", target, k+1), func() bool {
			n, _ := rec.counts()
			return n >= target
		})
		d.Process.Signal(syscall.SIGKILL)
		d.Wait()
	}
	d := start()
	defer func() { d.Process.Signal(syscall.SIGTERM); d.Wait() }()
	waitFor(t, 60*time.Second, "every push to arrive", func() bool {
		n, _ := rec.counts()
		return n == pushes
	})
	distinct, total := rec.counts()
	dupes := total - distinct
	t.Logf("%d pushes, %d deliveries, %d duplicates after %d kills", distinct, total, dupes, kills)
	if dupes > kills*channels {
		t.Fatalf("%d duplicates; at most %d rows can be in flight at %d kills", dupes, kills*channels, kills)
	}
	for i := range pushes {
		if rec.seen[fmt.Sprintf("push-%04d", i)] == 0 {
			t.Fatalf("push-%04d never arrived", i)
		}
	}
	// And the outbox agrees: nothing pending, failed or in flight.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := herald(t, dir, "outbox", "list", "--json", "--limit", "2000")
		var rows []struct{ State string }
		json.Unmarshal([]byte(out), &rows)
		bad := 0
		for _, r := range rows {
			if r.State != "sent" {
				bad++
			}
		}
		if len(rows) == pushes && bad == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox: %d rows, %d not sent", len(rows), bad)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
