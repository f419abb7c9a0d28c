package schedule

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/task"
)

// BenchmarkLateness schedules 1,000 tasks on a 1 s cron (all due on the same
// second, the worst case) on the real clock for HERALD_BENCH_SECONDS (default
// 30) and reports how late each run started after its scheduled time, with
// the default concurrency limit (number of CPUs). Run it with -benchtime 1x:
// the measurement is the fixed window, not b.N.
func BenchmarkLateness(b *testing.B) {
	window := 30 * time.Second
	if v := os.Getenv("HERALD_BENCH_SECONDS"); v != "" {
		if d, err := time.ParseDuration(v + "s"); err == nil {
			window = d
		}
	}
	const tasks = 1000
	for range b.N {
		var mu sync.Mutex
		late := make([]time.Duration, 0, tasks*int(window/time.Second))
		s, err := New(Params{
			Run: func(ctx context.Context, t task.Task, trigger task.Trigger, at time.Time) {
				d := time.Since(at)
				mu.Lock()
				late = append(late, d)
				mu.Unlock()
			},
			Skip: func(task.Task, task.Trigger, time.Time) {},
		})
		if err != nil {
			b.Fatal(err)
		}
		s.Start()
		for i := range tasks {
			if err := s.Set(task.Task{ID: int64(i + 1), Name: "t", Kind: task.KindCommand, Enabled: true,
				Command:  &task.Command{Line: "true"},
				Schedule: task.Schedule{Kind: task.ScheduleCron, Cron: "* * * * * *"}}); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(window)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.Shutdown(ctx)
		cancel()

		mu.Lock()
		slices.Sort(late)
		n := len(late)
		mu.Unlock()
		if n == 0 {
			b.Fatal("no runs")
		}
		pct := func(p float64) float64 { return float64(late[int(float64(n-1)*p)].Microseconds()) / 1000 }
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(float64(late[n-1].Microseconds())/1000, "max-ms")
		b.ReportMetric(float64(n)/window.Seconds(), "runs/s")
	}
}
