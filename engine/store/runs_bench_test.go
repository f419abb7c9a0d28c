package store_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

const (
	benchRuns  = 1_000_000
	benchTasks = 200
	benchDays  = 365
)

// benchEnd is when the benchmark history ends; it spans benchDays before.
var benchEnd = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

// One database of a year of history, built once per test process (only
// when a benchmark asks for it) and removed by TestMain.
var bench struct {
	once  sync.Once
	dir   string
	path  string
	tasks []int64
	err   error
}

func TestMain(m *testing.M) {
	runChild()
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// benchDB returns the path of the shared benchmark database (closed, its
// WAL checkpointed) and its task IDs.
func benchDB(b *testing.B) (string, []int64) {
	b.Helper()
	bench.once.Do(func() {
		start := time.Now()
		bench.dir, bench.err = os.MkdirTemp("", "herald-bench-")
		if bench.err != nil {
			return
		}
		bench.path = filepath.Join(bench.dir, "herald.db")
		bench.tasks, bench.err = buildBenchDB(context.Background(), bench.path)
		b.Logf("built %d runs of %d tasks in %v", benchRuns, benchTasks, time.Since(start).Round(time.Millisecond))
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.path, bench.tasks
}

func buildBenchDB(ctx context.Context, path string) ([]int64, error) {
	s, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var ids []int64
	for i := range benchTasks {
		t := &task.Task{Name: fmt.Sprintf("task %03d", i), Kind: task.KindCommand, Command: &task.Command{Line: "true"}, Enabled: true}
		if err := s.CreateTask(ctx, t); err != nil {
			return nil, err
		}
		ids = append(ids, t.ID)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	step := benchDays * 24 * time.Hour / benchRuns
	first := benchEnd.Add(-benchDays * 24 * time.Hour)
	err = s.BulkInsertRuns(ctx, benchRuns, 100_000, func(i int, r *task.Run) {
		r.TaskID = ids[rnd.IntN(len(ids))]
		r.Trigger = task.TriggerAuto
		switch p := rnd.IntN(100); {
		case p < 8:
			r.Trigger = task.TriggerManual
		case p < 10:
			r.Trigger = task.TriggerTest
		}
		r.Status = task.StatusSuccess
		switch p := rnd.IntN(100); {
		case p < 10:
			r.Status, r.Error = task.StatusFailure, "exit status 1"
		case p < 13:
			r.Status, r.Error = task.StatusTimeout, "timed out after 10m0s"
		case p < 15:
			r.Status = task.StatusSkipped
		}
		r.Started = first.Add(time.Duration(i) * step)
		r.Finished = r.Started.Add(time.Duration(rnd.IntN(20_000)) * time.Millisecond)
		if r.Status != task.StatusTimeout {
			r.ExitCode = new(int)
		}
		r.Output = "synced 1234 files, 56.7 MB in 8.9 s\n"
	})
	return ids, err
}

func openBench(b *testing.B, path string) *store.Store {
	b.Helper()
	s, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkNewest100OfTask(b *testing.B) {
	path, tasks := benchDB(b)
	s := openBench(b, path)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		runs, err := s.TaskRuns(ctx, tasks[i%len(tasks)], 0, 100)
		if err != nil || len(runs) != 100 {
			b.Fatalf("TaskRuns = %d runs, %v", len(runs), err)
		}
	}
}

func BenchmarkFailuresNewest100(b *testing.B) {
	path, _ := benchDB(b)
	s := openBench(b, path)
	ctx := context.Background()
	for _, bb := range []struct {
		name  string
		since time.Time
	}{{"ever", time.Time{}}, {"last 30 days", benchEnd.AddDate(0, 0, -30)}} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				runs, err := s.Failures(ctx, bb.since, 100)
				if err != nil || len(runs) != 100 {
					b.Fatalf("Failures = %d runs, %v", len(runs), err)
				}
			}
		})
	}
}

func BenchmarkDailyCounts30Days(b *testing.B) {
	path, tasks := benchDB(b)
	s := openBench(b, path)
	ctx := context.Background()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	to := benchEnd.In(ny).Add(-time.Minute)
	from := to.AddDate(0, 0, -29)
	for _, bb := range []struct {
		name string
		task int64
	}{{"all tasks", 0}, {"one task", tasks[7]}} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				days, err := s.DailyCounts(ctx, bb.task, from, to, ny)
				if err != nil || len(days) != 30 || days[10].Success == 0 {
					b.Fatalf("DailyCounts = %d days, %v", len(days), err)
				}
			}
		})
	}
}

// BenchmarkPruneBatch deletes 1000 runs per op from a copy of the database,
// by each rule.
func BenchmarkPruneBatch(b *testing.B) {
	path, _ := benchDB(b)
	ctx := context.Background()
	for _, bb := range []struct {
		name      string
		olderThan time.Time // about half the history qualifies
		keep      int       // about 4/5 of each task's ~5000 runs qualify
	}{{"by age", benchEnd.AddDate(0, 0, -180), 0}, {"beyond keep per task", time.Time{}, 1000}} {
		b.Run(bb.name, func(b *testing.B) {
			s := openBench(b, copyFile(b, path))
			for b.Loop() {
				n, err := s.PruneRuns(ctx, bb.olderThan, bb.keep, 1000)
				if err != nil || n != 1000 {
					b.Fatalf("PruneRuns = %d, %v; want 1000 (is the benchmark asking for more than the data has?)", n, err)
				}
			}
		})
	}
}

func BenchmarkLastRun(b *testing.B) {
	path, tasks := benchDB(b)
	s := openBench(b, path)
	ctx := context.Background()
	for _, bb := range []struct {
		name     string
		triggers []task.Trigger
	}{{"any", nil}, {"test (2% of runs)", []task.Trigger{task.TriggerTest}}} {
		b.Run(bb.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := s.LastRun(ctx, tasks[i%len(tasks)], bb.triggers...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHistoryFilter is the History tab with filters but no task chosen.
func BenchmarkHistoryFilter(b *testing.B) {
	path, _ := benchDB(b)
	s := openBench(b, path)
	ctx := context.Background()
	past := benchEnd.AddDate(0, 0, -200)
	for _, bb := range []struct {
		name string
		f    store.RunFilter
	}{
		{"newest 100", store.RunFilter{Limit: 100}},
		{"manual failures", store.RunFilter{Statuses: []task.Status{task.StatusFailure, task.StatusTimeout}, Trigger: task.TriggerManual, Limit: 100}},
		{"one week, 200 days ago", store.RunFilter{From: past, To: past.AddDate(0, 0, 7), Limit: 100}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				runs, err := s.Runs(ctx, bb.f)
				if err != nil || len(runs) != 100 {
					b.Fatalf("Runs = %d runs, %v", len(runs), err)
				}
			}
		})
	}
}

func copyFile(b *testing.B, src string) string {
	b.Helper()
	dst := filepath.Join(b.TempDir(), "herald.db")
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return dst
}

// BenchmarkTaskList is `herald task list`: every task with its newest run,
// in one query, beside the former way (a name lookup and a newest-run
// query per task).
func BenchmarkTaskList(b *testing.B) {
	path, tasks := benchDB(b)
	s := openBench(b, path)
	ctx := context.Background()
	b.Run("one query", func(b *testing.B) {
		for b.Loop() {
			list, err := s.TasksWithLastRun(ctx)
			if err != nil || len(list) != len(tasks) {
				b.Fatalf("TasksWithLastRun = %d, %v", len(list), err)
			}
		}
	})
	b.Run("two queries per task", func(b *testing.B) {
		for b.Loop() {
			list, err := s.Tasks(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, t := range list {
				if _, err := s.TaskByName(ctx, t.Name); err != nil {
					b.Fatal(err)
				}
				if _, err := s.TaskRuns(ctx, t.ID, 0, 1); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
