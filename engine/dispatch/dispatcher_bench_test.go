package dispatch_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/jonboulle/clockwork"
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

// BenchmarkDurableDeliveries: 2000 rows through the outbox to loopback
// webhooks, each attempt recorded in SQLite before it counts; rate limits
// off, so the figure is the dispatcher's own cost (claim, keyring-backed
// channel lookup, HTTP, Finish).
func BenchmarkDurableDeliveries(b *testing.B) {
	const rows = 2000
	for _, channels := range []int{1, 8} {
		b.Run(fmt.Sprintf("channels=%d", channels), func(b *testing.B) {
			e := newDeliveryEnv(b)
			srv := sink(b, nil)
			var cs []registry.Channel
			for i := range channels {
				cs = append(cs, e.addChannel("webhook", fmt.Sprintf("sink %d", i), hookConfig(srv.URL+"/hook")))
			}
			d := e.dispatcher(dispatch.Params{RateLimits: map[string]dispatch.Limit{"webhook": nil}})
			var sent atomic.Int64
			target := atomic.Int64{}
			done := make(chan struct{}, 1)
			d.Subscribe(func(ev dispatch.Event) {
				if ev.Type == dispatch.Sent && sent.Add(1) == target.Load() {
					done <- struct{}{}
				}
			})
			if err := d.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			clock := clockwork.NewRealClock()
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j, c := range cs {
					n := rows / channels
					if j == 0 {
						n += rows % channels
					}
					e.queue(clock, c, fmt.Sprintf("b%d", i), n)
				}
				target.Store(int64(rows * (i + 1)))
				b.StartTimer()
				start := time.Now()
				d.Notify()
				select {
				case <-done:
				case <-time.After(2 * time.Minute):
					b.Fatalf("only %d of %d rows sent", sent.Load(), target.Load())
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(0, "ns/op")
		})
	}
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
