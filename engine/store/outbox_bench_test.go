package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

const (
	benchSent    = 100_000
	benchPending = 10_000
)

// buildOutboxBench fills a new database with benchSent sent rows (history)
// and benchPending pending ones, due now: backlog of them on channel
// "hung", the rest spread over channels ch00, ch01, … (channels of them).
func buildOutboxBench(b *testing.B, channels, backlog int) *store.Store {
	b.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(b.TempDir(), "herald.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	created := start.Add(-30 * 24 * time.Hour)
	for done := 0; done < benchSent; {
		batch := make([]*store.OutboxItem, 0, 10_000)
		for ; len(batch) < cap(batch) && done < benchSent; done++ {
			batch = append(batch, &store.OutboxItem{Source: store.SourceRun, ChannelID: fmt.Sprintf("ch%02d", done%channels),
				Title: "Backup failed", Body: "exit status 1\nsome output", CreatedAt: created.Add(time.Duration(done) * time.Second)})
		}
		mustEnqueue(b, s, batch...)
	}
	if _, err := s.Exec(ctx, `UPDATE outbox SET state = 'sent', attempts = 1`); err != nil {
		b.Fatal(err)
	}
	var pending []*store.OutboxItem
	for i := range benchPending {
		ch := "hung"
		if i >= backlog {
			ch = fmt.Sprintf("ch%02d", i%channels)
		}
		pending = append(pending, push(ch, start.Add(-time.Minute)))
	}
	mustEnqueue(b, s, pending...)
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d sent and %d pending rows in %v", benchSent, benchPending, time.Since(start).Round(time.Millisecond))
	return s
}

// BenchmarkClaimAndFinish is the dispatcher's store work: one ClaimDue of
// up to 16 rows, then one Finish (sent) per row. Claimed rows are replaced
// (outside the timing) so the table keeps about benchPending pending rows.
func BenchmarkClaimAndFinish(b *testing.B) {
	hung := make([]string, 8)
	for i := range hung {
		hung[i] = fmt.Sprintf("ch%02d", i)
	}
	for _, bb := range []struct {
		name     string
		channels int
		backlog  int // pending rows on channel "hung"
		skip     []string
	}{
		{"64 channels", 64, 0, nil},
		{"64 channels, 8 busy", 64, 0, hung},
		{"9k backlog on a busy channel, 64 others", 64, 9_000, []string{"hung"}},
	} {
		// Built once per case: b.Run calls the function several times,
		// and the refill below keeps the table's shape between calls.
		s := buildOutboxBench(b, bb.channels, bb.backlog)
		b.Run(bb.name, func(b *testing.B) {
			ctx := context.Background()
			counts, err := s.OutboxCounts(ctx)
			if err != nil {
				b.Fatal(err)
			}
			pending, rows := counts[store.OutboxPending], 0
			ok := store.Delivery{At: time.Now(), Duration: 120 * time.Millisecond, OK: true, Answer: "ok"}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				items, err := s.ClaimDue(ctx, time.Now(), 16, bb.skip, nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(items) == 0 {
					b.Fatal("nothing claimed")
				}
				for _, it := range items {
					if err := s.Finish(ctx, it.ID, ok, store.OutboxSent, time.Time{}); err != nil {
						b.Fatal(err)
					}
				}
				rows += len(items)
				if pending -= len(items); pending <= benchPending-1000 {
					b.StopTimer()
					more := make([]*store.OutboxItem, 0, benchPending-pending)
					for j := range cap(more) {
						more = append(more, push(fmt.Sprintf("ch%02d", j%bb.channels), time.Time{}))
					}
					mustEnqueue(b, s, more...)
					pending = benchPending
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
		})
	}
}
