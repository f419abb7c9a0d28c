package host_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/testenv"
)

// BenchmarkTaskEndToReceived measures, through the whole engine, the time
// from a task run's end (its Finished time) to a loopback webhook receiving
// the push that run caused: run transaction with the outbox row, claim,
// render, HTTP.
func BenchmarkTaskEndToReceived(b *testing.B) {
	testenv.NeedKeyring(b)
	ctx := context.Background()
	env, err := host.Open(ctx, b.TempDir(), host.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	got := make(chan time.Time, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- time.Now() }))
	defer srv.Close()
	if _, err := env.Registry.Add(ctx, "webhook", "sink", map[string]string{"url": srv.URL + "/hook", "body": `{"t":"{t}"}`}); err != nil {
		b.Fatal(err)
	}
	s := dispatch.DefaultSettings()
	s.ManualSuccess = true
	s.RateLimits = map[string]string{"webhook": "100000/sec"}
	if err := dispatch.SaveSettings(ctx, env.Store, s); err != nil {
		b.Fatal(err)
	}
	if _, err := env.Tasks.Add(ctx, task.Task{Name: "noop", Kind: task.KindCommand, Enabled: true, Command: &task.Command{Line: "true"}}); err != nil {
		b.Fatal(err)
	}
	if err := env.StartEngine(ctx); err != nil {
		b.Fatal(err)
	}
	defer env.StopEngine(5 * time.Second)

	var lat []time.Duration
	for b.Loop() {
		r, err := env.Tasks.RunForeground(ctx, "noop", task.TriggerManual)
		if err != nil || r.Status != task.StatusSuccess {
			b.Fatalf("run: %+v %v", r, err)
		}
		select {
		case at := <-got:
			lat = append(lat, at.Sub(r.Finished))
		case <-time.After(10 * time.Second):
			b.Fatal("push not received")
		}
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
