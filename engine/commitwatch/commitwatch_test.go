package commitwatch_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/commitwatch"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// waitFor polls cond until it holds, failing after a generous deadline:
// no assertion depends on how fast it happens.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A commit through another handle on the database (as another process
// makes) reaches a subscriber; each subscriber is also called once when
// it subscribes.
func TestCommitsReachSubscribers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	mine, other := openStore(t, path), openStore(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	probe, err := mine.NewVersionProbe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := commitwatch.Start(ctx, path, probe, slog.New(slog.DiscardHandler))
	var calls atomic.Int32
	w.Subscribe(ctx, 0, func() { calls.Add(1) })
	waitFor(t, "the call on subscribing", func() bool { return calls.Load() == 1 })
	for _, name := range []string{"a", "b", "c"} {
		before := calls.Load()
		tk := task.Task{Name: name, Kind: task.KindCommand, Command: &task.Command{Line: "true"}}
		if err := other.CreateTask(ctx, &tk); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the call after commit "+name, func() bool { return calls.Load() > before })
	}
}

// countingProbe never reports a commit.
type countingProbe struct{ asked atomic.Int32 }

func (p *countingProbe) Changed(context.Context) bool { p.asked.Add(1); return false }

// Writes that the probe does not confirm as commits call nobody (beyond
// the call on subscribing).
func TestUnconfirmedWritesCallNobody(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	other := openStore(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &countingProbe{}
	w := commitwatch.Start(ctx, path, p, slog.New(slog.DiscardHandler))
	var calls atomic.Int32
	w.Subscribe(ctx, 0, func() { calls.Add(1) })
	waitFor(t, "the call on subscribing", func() bool { return calls.Load() == 1 })
	tk := task.Task{Name: "a", Kind: task.KindCommand, Command: &task.Command{Line: "true"}}
	if err := other.CreateTask(ctx, &tk); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the probe to be asked after the write", func() bool { return p.asked.Load() > 0 })
	if n := calls.Load(); n != 1 {
		t.Errorf("%d calls, want only the one on subscribing", n)
	}
}
