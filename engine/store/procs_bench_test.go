package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// envChild makes the test binary a second process of BenchmarkTwoProcesses:
// it runs the workload on the database named by the variable and prints
// its result as JSON.
const envChild = "HERALD_STORE_BENCH_CHILD"

// procResult is what one process of the workload did.
type procResult struct {
	Rows, Enqueued, Locked, Errors int
	Seconds                        float64
}

// runChild is called from TestMain: in a child, it runs and exits.
func runChild() {
	path := os.Getenv(envChild)
	if path == "" {
		return
	}
	secs, _ := strconv.Atoi(os.Getenv("HERALD_BENCH_SECONDS"))
	res := processWorkload(path, max(secs, 1))
	_ = json.NewEncoder(os.Stdout).Encode(res)
	os.Exit(0)
}

// processWorkload is one process of a dispatcher-like load for secs
// seconds: an enqueuer adding 5 rows every 2 ms and four claimers that
// claim 3 due rows at a time, "send" each for 10 ms and finish it.
func processWorkload(path string, secs int) procResult {
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		return procResult{Errors: 1}
	}
	defer s.Close()
	var (
		rows, enqueued, locked, errs atomic.Int64
		wg                           sync.WaitGroup
	)
	note := func(err error) {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			locked.Add(1)
		}
		errs.Add(1)
	}
	start := time.Now()
	end := start.Add(time.Duration(secs) * time.Second)
	wg.Go(func() {
		for i := 0; time.Now().Before(end); i++ {
			var batch []*store.OutboxItem
			for j := range 5 {
				batch = append(batch, push(fmt.Sprint("ch", (i*5+j)%10), time.Time{}))
			}
			if err := s.Enqueue(ctx, batch...); err != nil {
				note(err)
			} else {
				enqueued.Add(5)
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	for range 4 {
		wg.Go(func() {
			for time.Now().Before(end) {
				items, err := s.ClaimDue(ctx, time.Now(), 3, nil, nil)
				if err != nil {
					note(err)
				}
				if len(items) == 0 {
					time.Sleep(5 * time.Millisecond)
				}
				for _, it := range items {
					time.Sleep(10 * time.Millisecond)
					if err := s.Finish(ctx, it.ID, store.Delivery{At: time.Now(), OK: true, Answer: "ok"}, store.OutboxSent, time.Time{}); err != nil {
						note(err)
						continue
					}
					rows.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return procResult{Rows: int(rows.Load()), Enqueued: int(enqueued.Load()), Locked: int(locked.Load()), Errors: int(errs.Load()),
		Seconds: time.Since(start).Seconds()}
}

// BenchmarkTwoProcesses runs the workload in this process and in a child
// process on one database at the same time, for HERALD_BENCH_SECONDS
// (default 30): rows finished per second by each and together, and how
// many operations failed with "database is locked".
func BenchmarkTwoProcesses(b *testing.B) {
	secs := 30
	if v, err := strconv.Atoi(os.Getenv("HERALD_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	for range b.N {
		path := filepath.Join(b.TempDir(), "herald.db")
		s, err := store.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		child := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
		child.Env = append(os.Environ(), envChild+"="+path, "HERALD_BENCH_SECONDS="+strconv.Itoa(secs))
		child.Stderr = os.Stderr
		var out strings.Builder
		child.Stdout = &out
		if err := child.Start(); err != nil {
			b.Fatal(err)
		}
		mine := processWorkload(path, secs)
		if err := child.Wait(); err != nil {
			b.Fatalf("child: %v", err)
		}
		var theirs procResult
		if err := json.Unmarshal([]byte(out.String()), &theirs); err != nil {
			b.Fatalf("child result %q: %v", out.String(), err)
		}
		b.ReportMetric(float64(mine.Rows)/mine.Seconds, "rows/s-proc1")
		b.ReportMetric(float64(theirs.Rows)/theirs.Seconds, "rows/s-proc2")
		b.ReportMetric(float64(mine.Rows+theirs.Rows)/max(mine.Seconds, theirs.Seconds), "rows/s-total")
		b.ReportMetric(float64(mine.Locked+theirs.Locked), "locked-errors")
		b.ReportMetric(float64(mine.Errors+theirs.Errors), "errors")
	}
}
