package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
)

// Delivery figures measured from outside, with real herald processes and
// loopback receivers: scripts/bench prints them. Each takes a minute or
// more, so they are benchmarks, never run by `make test`.

// run runs the herald binary on dir and returns its output.
func run(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(heraldBin, append([]string{"--data-dir", dir}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		tb.Fatalf("herald %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

func await(tb testing.TB, limit time.Duration, what string, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// arrivals is a loopback webhook receiver that records when each message
// (the body's "id") arrived.
type arrivals struct {
	mu    sync.Mutex
	times map[string][]time.Time
	delay time.Duration
}

func newArrivals(tb testing.TB, delay time.Duration) (*arrivals, string) {
	a := &arrivals{times: map[string][]time.Time{}, delay: delay}
	srv := httptest.NewServer(a)
	tb.Cleanup(srv.Close)
	return a, srv.URL + "/hook"
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var v struct{ ID string }
	if json.Unmarshal(body, &v) != nil || v.ID == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	time.Sleep(a.delay)
	a.mu.Lock()
	a.times[v.ID] = append(a.times[v.ID], time.Now())
	a.mu.Unlock()
}

// counts returns how many distinct messages and how many requests arrived.
func (a *arrivals) counts() (distinct, total int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ts := range a.times {
		distinct++
		total += len(ts)
	}
	return
}

// maxInWindow is the most arrivals within any interval of length w.
func (a *arrivals) maxInWindow(w time.Duration) int {
	a.mu.Lock()
	var all []time.Time
	for _, ts := range a.times {
		all = append(all, ts...)
	}
	a.mu.Unlock()
	slices.SortFunc(all, func(x, y time.Time) int { return x.Compare(y) })
	most := 0
	for i, j := 0, 0; j < len(all); j++ {
		for all[j].Sub(all[i]) >= w {
			i++
		}
		most = max(most, j-i+1)
	}
	return most
}

// newDataDir is a data folder with the local API off (several daemons
// start and stop in it) and n webhook channels posting to url; it returns
// the channel ids.
func newDataDir(tb testing.TB, n int, url string) (string, []string) {
	tb.Helper()
	dir := tb.TempDir()
	run(tb, dir, "api", "disable")
	for i := range n {
		run(tb, dir, "channel", "add", "webhook", fmt.Sprintf("w%d", i), "url="+url, `body={"id":"{log}"}`)
	}
	var chans []struct{ ID string }
	if err := json.Unmarshal([]byte(run(tb, dir, "channel", "list", "--json")), &chans); err != nil || len(chans) != n {
		tb.Fatalf("channel list: %v", err)
	}
	ids := make([]string, n)
	for i, c := range chans {
		ids[i] = c.ID
	}
	return dir, ids
}

// queue puts pushes straight into the outbox, as runs' transactions do.
func queue(tb testing.TB, dir string, ids []string, n int) {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dir, "herald.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	var items []*store.OutboxItem
	for i := range n {
		items = append(items, &store.OutboxItem{Source: store.SourceSend, ChannelID: ids[i%len(ids)], Body: fmt.Sprintf("push-%05d", i), Level: "info"})
	}
	if err := st.Enqueue(context.Background(), items...); err != nil {
		tb.Fatal(err)
	}
}

func spawnDaemon(tb testing.TB, dir string) *exec.Cmd {
	tb.Helper()
	d := exec.Command(heraldBin, "--data-dir", dir, "daemon")
	if err := d.Start(); err != nil {
		tb.Fatal(err)
	}
	return d
}

func stopDaemon(d *exec.Cmd) {
	_ = d.Process.Signal(syscall.SIGTERM)
	_ = d.Wait()
}

// BenchmarkKill9Owner: 10,000 pushes over 10 channels while the delivery
// owner is killed with SIGKILL 20 times, each at a random moment after it
// started delivering. Every push must arrive; duplicates are at most the
// rows in flight at the kills (one per channel).
func BenchmarkKill9Owner(b *testing.B) {
	testenv.NeedKeyring(b)
	const channels, pushes, kills = 10, 10000, 20
	for range b.N {
		rec, url := newArrivals(b, 2*time.Millisecond)
		dir, ids := newDataDir(b, channels, url)
		run(b, dir, "settings", "set", "rate_limits.webhook=1000/sec")
		queue(b, dir, ids, pushes)
		start := time.Now()
		for range kills {
			before, _ := rec.counts()
			d := spawnDaemon(b, dir)
			await(b, time.Minute, "deliveries to start", func() bool { n, _ := rec.counts(); return n > before })
			time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
			_ = d.Process.Signal(syscall.SIGKILL)
			_ = d.Wait()
		}
		d := spawnDaemon(b, dir)
		await(b, 5*time.Minute, "every push", func() bool { n, _ := rec.counts(); return n == pushes })
		took := time.Since(start)
		stopDaemon(d)
		distinct, total := rec.counts()
		b.ReportMetric(float64(distinct), "delivered")
		b.ReportMetric(float64(total-distinct), "duplicates")
		b.ReportMetric(float64(kills*channels), "bound-in-flight")
		b.ReportMetric(took.Seconds(), "seconds")
		if distinct != pushes || total-distinct > kills*channels {
			b.Errorf("%d of %d delivered, %d duplicates (bound %d)", distinct, pushes, total-distinct, kills*channels)
		}
	}
}

// BenchmarkRateLimitAcrossRestartAndCLI: a channel limited to 20/min gets
// 30 pushes from concurrent `herald send`s while the daemon runs, and the
// daemon is restarted in the middle; at the receiver, never more than 20
// arrive within any 60 s.
func BenchmarkRateLimitAcrossRestartAndCLI(b *testing.B) {
	testenv.NeedKeyring(b)
	for range b.N {
		rec, url := newArrivals(b, 0)
		dir, _ := newDataDir(b, 1, url)
		run(b, dir, "settings", "set", "rate_limits.webhook=20/min")
		d := spawnDaemon(b, dir)
		start := time.Now()
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Go(func() {
				cmd := exec.Command(heraldBin, "--data-dir", dir, "send", "--channel", "w0", fmt.Sprintf("cli-%02d", i))
				_ = cmd.Run() // a send cut off by the restart stays queued for the daemon
			})
		}
		await(b, time.Minute, "the first 10 pushes", func() bool { n, _ := rec.counts(); return n >= 10 })
		stopDaemon(d)
		d = spawnDaemon(b, dir)
		await(b, 4*time.Minute, "all 30 pushes", func() bool { n, _ := rec.counts(); return n == 30 })
		took := time.Since(start)
		stopDaemon(d)
		wg.Wait()
		most := rec.maxInWindow(time.Minute)
		b.ReportMetric(float64(most), "max-in-60s")
		b.ReportMetric(took.Seconds(), "seconds")
		if most > 20 {
			b.Errorf("%d pushes arrived within 60 s on a 20/min channel", most)
		}
	}
}

// envClaimChild makes the test binary a sender that claims one row and
// hangs until killed: "DB|CHANNEL".
const envClaimChild = "HERALD_TEST_CLAIM_CHILD"

// claimChild is called from TestMain in a child process.
func claimChild() {
	v := os.Getenv(envClaimChild)
	if v == "" {
		return
	}
	var db, ch string
	if _, err := fmt.Sscanf(v, "%s %s", &db, &ch); err != nil {
		os.Exit(2)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		os.Exit(2)
	}
	// Due in an hour: only a reclaim makes it due for the owner.
	it := &store.OutboxItem{Source: store.SourceSend, ChannelID: ch, Body: "orphan", Level: "info", NextAt: time.Now().Add(time.Hour)}
	if err := st.Enqueue(ctx, it); err != nil {
		os.Exit(2)
	}
	if _, err := st.ClaimID(ctx, it.ID, time.Now()); err != nil {
		os.Exit(2)
	}
	fmt.Println("claimed")
	select {}
}

// BenchmarkDeadSenderWithinLease: another process claims a row and is
// killed with SIGKILL while the daemon runs; the row arrives once its
// lease (30 s) has run out, without a restart.
func BenchmarkDeadSenderWithinLease(b *testing.B) {
	testenv.NeedKeyring(b)
	for range b.N {
		rec, url := newArrivals(b, 0)
		dir, ids := newDataDir(b, 1, url)
		// Started and past its start-up requeue before the other sender
		// claims, so only the lease can bring the row back.
		d := exec.Command(heraldBin, "--data-dir", dir, "daemon")
		var log syncBuffer
		d.Stdout, d.Stderr = &log, &log
		if err := d.Start(); err != nil {
			b.Fatal(err)
		}
		await(b, time.Minute, "the daemon to start", func() bool { return strings.Contains(log.String(), "tasks scheduled") })
		child := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
		child.Env = append(os.Environ(), envClaimChild+"="+filepath.Join(dir, "herald.db")+" "+ids[0])
		var out bytes.Buffer
		child.Stdout = &out
		if err := child.Start(); err != nil {
			b.Fatal(err)
		}
		await(b, time.Minute, "the child's claim", func() bool { return bytes.Contains(out.Bytes(), []byte("claimed")) })
		_ = child.Process.Signal(syscall.SIGKILL)
		_ = child.Wait()
		killed := time.Now()
		await(b, 2*time.Minute, "the orphaned row", func() bool { n, _ := rec.counts(); return n == 1 })
		took := time.Since(killed)
		stopDaemon(d)
		b.ReportMetric(took.Seconds(), "seconds-to-delivery")
		b.ReportMetric(store.DefaultLease.Seconds(), "lease-seconds")
		if took > store.DefaultLease+10*time.Second {
			b.Errorf("delivered %s after the sender died, lease %s", took, store.DefaultLease)
		}
	}
}
