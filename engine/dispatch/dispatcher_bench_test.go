package dispatch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/containrrr/shoutrrr"
	"github.com/containrrr/shoutrrr/pkg/types"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
)

// sink is a loopback receiver that accepts everything at once.
func sink(b *testing.B, onReceive func(r *http.Request)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if onReceive != nil {
			onReceive(r)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkDurableDeliveries drains rows through the outbox the way the
// delivery owner (`herald daemon`, the app) does: host.Open and
// StartEngine on a real SQLite file in a temporary data folder, channel
// secrets in the real keyring (run it under scripts/desktop-session), the
// info-level log to herald.log, each attempt recorded before it counts,
// the rate limit far above the drain rate. The receiver is another process on loopback (this test
// binary re-run as benchReceiver), so the CPU time measured is the
// sender's alone: cpu-ms/push is this process's user+sys time over the
// drain divided by the pushes, pushes/s the drain rate.
func BenchmarkDurableDeliveries(b *testing.B) {
	const rows = 2000
	for _, channels := range []int{1, 8} {
		b.Run(fmt.Sprintf("channels=%d", channels), func(b *testing.B) {
			testenv.NeedKeyring(b)
			url := startReceiver(b)
			ctx := context.Background()
			env, err := host.Open(ctx, b.TempDir(), host.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { env.Close() })
			if err := env.SavePushSettings(ctx, fastRates(b, env)); err != nil {
				b.Fatal(err)
			}
			var cs []registry.Channel
			for i := range channels {
				c, err := env.Registry.Add(ctx, "webhook", fmt.Sprintf("sink %d", i), hookConfig(url+"/hook"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = env.Registry.Remove(ctx, c.ID) })
				cs = append(cs, c)
			}
			d := env.Dispatcher
			var sent atomic.Int64
			target := atomic.Int64{}
			done := make(chan struct{}, 1)
			d.Subscribe(func(ev dispatch.Event) {
				if ev.Type == dispatch.Sent && sent.Add(1) == target.Load() {
					done <- struct{}{}
				}
			})
			if err := env.StartEngine(ctx); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { env.StopEngine(5 * time.Second) })
			var (
				elapsed time.Duration
				cpu     time.Duration
			)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var items []*store.OutboxItem
				for j, c := range cs {
					n := rows / channels
					if j == 0 {
						n += rows % channels
					}
					for k := range n {
						title := fmt.Sprintf("b%d-%d", i, k)
						items = append(items, &store.OutboxItem{Source: store.SourceSend, ChannelID: c.ID, Title: title, Body: "body of " + title})
					}
				}
				if err := env.Store.Enqueue(ctx, items...); err != nil {
					b.Fatal(err)
				}
				target.Store(int64(rows * (i + 1)))
				b.StartTimer()
				cpu0, start := cpuTime(), time.Now()
				d.Notify() // as the engine's change probe does for rows another process queued
				select {
				case <-done:
				case <-time.After(2 * time.Minute):
					b.Fatalf("only %d of %d rows sent", sent.Load(), target.Load())
				}
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
			}
			reportDrain(b, rows*b.N, elapsed, cpu)
		})
	}
}

// fastRates is the push settings with the webhook rate limit far above
// any drain rate, set as a user would (`herald settings set`): the
// limiter still runs, it never holds a push back.
func fastRates(b *testing.B, env *host.Env) dispatch.Settings {
	s, err := dispatch.LoadSettings(context.Background(), env.Store)
	if err != nil {
		b.Fatal(err)
	}
	s.RateLimits = map[string]string{"webhook": "100000/sec"}
	return s
}

// BenchmarkLibraryLoop is the baseline DurableDeliveries is read against,
// measured the same way in the same run: a notification library's send
// loop with no store, posting the same JSON (title, body, bearer token) to
// the same out-of-process loopback receiver. nethttp is a plain
// net/http client; shoutrrr is containrrr/shoutrrr's generic webhook
// service, a test-only dependency.
func BenchmarkLibraryLoop(b *testing.B) {
	const rows = 2000
	b.Run("nethttp", func(b *testing.B) {
		url := startReceiver(b) + "/hook"
		client := &http.Client{Timeout: 30 * time.Second}
		libraryLoop(b, rows, func(title, body string) error {
			payload, err := json.Marshal(map[string]string{"title": title, "log": body})
			if err != nil {
				return err
			}
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer dispatch-test-token-42")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				return fmt.Errorf("receiver answered %s", resp.Status)
			}
			return nil
		})
	})
	b.Run("shoutrrr", func(b *testing.B) {
		addr := strings.TrimPrefix(startReceiver(b), "http://")
		sender, err := shoutrrr.CreateSender("generic://" + addr + "/hook?disabletls=yes&template=json&messagekey=log")
		if err != nil {
			b.Fatal(err)
		}
		libraryLoop(b, rows, func(title, body string) error {
			params := types.Params{"title": title}
			for _, err := range sender.Send(body, &params) {
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// libraryLoop sends rows messages one after the other with send, b.N
// times, and reports as DurableDeliveries does.
func libraryLoop(b *testing.B, rows int, send func(title, body string) error) {
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		cpu0, start := cpuTime(), time.Now()
		for k := range rows {
			title := fmt.Sprintf("b%d-%d", i, k)
			if err := send(title, "body of "+title); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
	}
	reportDrain(b, rows*b.N, elapsed, cpu)
}

// reportDrain reports pushes/s and the CPU milliseconds spent per push.
func reportDrain(b *testing.B, pushes int, elapsed, cpu time.Duration) {
	b.ReportMetric(float64(pushes)/elapsed.Seconds(), "pushes/s")
	if cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1000/float64(pushes), "cpu-ms/push")
	}
	b.ReportMetric(0, "ns/op")
}

// envReceiver makes this test binary, re-run with it set, a loopback
// receiver (TestBenchReceiver) instead of running tests.
const envReceiver = "HERALD_BENCH_RECEIVER"

// startReceiver starts the loopback receiver in another process and
// returns its base URL; it stops when the benchmark ends.
func startReceiver(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchReceiver$", "-test.count=1")
	cmd.Env = append(os.Environ(), envReceiver+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the receiver stops when its stdin closes
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("start the receiver: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		b.Fatalf("start the receiver: it said %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return "http://" + addr
}

// TestBenchReceiver is the benchmarks' receiver process: it accepts every
// request at once until its standard input closes. It is skipped unless
// startReceiver runs it.
func TestBenchReceiver(t *testing.T) {
	if os.Getenv(envReceiver) == "" {
		t.Skip("the benchmarks' receiver process; run by startReceiver")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("listening %s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

// BenchmarkEnqueueToReceived: the latency from queueing one row (Enqueue
// commits it and wakes the claim loop) to the receiver getting the request.
func BenchmarkEnqueueToReceived(b *testing.B) {
	e := newDeliveryEnv(b)
	got := make(chan time.Time, 1)
	srv := sink(b, func(*http.Request) { got <- time.Now() })
	c := e.addChannel("webhook", "sink", hookConfig(srv.URL+"/hook"))
	d := e.dispatcher(dispatch.Params{RateLimits: map[string]dispatch.Limit{"webhook": nil}})
	if err := d.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	for b.Loop() {
		lat = append(lat, queueOne(b, d, c, got))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return percentileMS(lat, p) }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkHealthyBesideHungChannels: a healthy channel's latency from
// queueing a row to the receiver getting it, alone, then while 100 other
// channels hang (each holding its request until the send timeout). The
// promise is that a hung service delays only itself: p99 beside them
// within 2× p99 alone.
func BenchmarkHealthyBesideHungChannels(b *testing.B) {
	e := newDeliveryEnv(b)
	got := make(chan time.Time, 1)
	srv := sink(b, func(*http.Request) { got <- time.Now() })
	c := e.addChannel("webhook", "healthy", hookConfig(srv.URL+"/hook"))
	hung := newHangServer(b)
	const hungChannels = 100
	var hungIDs []registry.Channel
	for i := range hungChannels {
		hungIDs = append(hungIDs, e.addChannel("webhook", fmt.Sprintf("hung %d", i), hookConfig(hung.URL+"/hook")))
	}
	d := e.dispatcher(dispatch.Params{RateLimits: map[string]dispatch.Limit{"webhook": nil}})
	if err := d.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	measure := func(n int) []time.Duration {
		var lat []time.Duration
		for range n {
			lat = append(lat, queueOne(b, d, c, got))
		}
		slices.Sort(lat)
		return lat
	}
	pct := percentileMS
	const n = 300
	for range b.N {
		alone := measure(n)
		// The hung channels' rows are queued at once, and the healthy
		// channel's are measured from that moment on.
		var rows []*store.OutboxItem
		for _, h := range hungIDs {
			for range 3 {
				rows = append(rows, &store.OutboxItem{Source: store.SourceSend, ChannelID: h.ID, Title: "hang", Body: "hang"})
			}
		}
		if err := d.Enqueue(ctx, rows...); err != nil {
			b.Fatal(err)
		}
		beside := measure(n)
		b.ReportMetric(pct(alone, 0.50), "alone-p50-ms")
		b.ReportMetric(pct(alone, 0.99), "alone-p99-ms")
		b.ReportMetric(pct(beside, 0.50), "beside-p50-ms")
		b.ReportMetric(pct(beside, 0.99), "beside-p99-ms")
		b.ReportMetric(float64(hung.now.Load()), "hung-requests-open")
		b.ReportMetric(pct(beside, 0.99)/pct(alone, 0.99), "p99-ratio")
	}
	shutdownNow(d)
}

// queueOne queues a row for c and returns how long it took to reach the
// receiver, which reports on got.
func queueOne(b *testing.B, d *dispatch.Dispatcher, c registry.Channel, got <-chan time.Time) time.Duration {
	start := time.Now()
	if err := d.Enqueue(context.Background(), &store.OutboxItem{Source: store.SourceSend, ChannelID: c.ID, Title: "ping", Body: "latency"}); err != nil {
		b.Fatal(err)
	}
	select {
	case at := <-got:
		return at.Sub(start)
	case <-time.After(60 * time.Second):
		b.Fatal("row not received")
	}
	return 0
}

// percentileMS is the p-th percentile of sorted latencies, in milliseconds.
func percentileMS(lat []time.Duration, p float64) float64 {
	return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
}
