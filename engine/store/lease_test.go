package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// Two handles on one file, as two processes.
func twoHandles(t *testing.T) (a, b *store.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "herald.db")
	hs := make([]*store.Store, 2)
	for i := range hs {
		s, err := store.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		hs[i] = s
	}
	if hs[0].LeaseOwner() == hs[1].LeaseOwner() {
		t.Fatal("two handles share a lease owner id")
	}
	return hs[0], hs[1]
}

// A claim is leased to the handle that made it: only it may finish or
// release the row; another handle gets a StateError that says so.
func TestLeaseBelongsToItsHandle(t *testing.T) {
	ctx := context.Background()
	a, b := twoHandles(t)
	id := mustEnqueue(t, a, push("c", base))[0]
	it, err := a.ClaimID(ctx, id, base)
	if err != nil {
		t.Fatal(err)
	}
	if it.LeaseOwner != a.LeaseOwner() || !it.LeaseUntil.Equal(base.Add(store.DefaultLease)) {
		t.Fatalf("claimed row leased to %q until %v; want %q until +%s", it.LeaseOwner, it.LeaseUntil, a.LeaseOwner(), store.DefaultLease)
	}
	var se *store.StateError
	err = b.Finish(ctx, id, store.Delivery{At: base, OK: true}, store.OutboxSent, time.Time{})
	if !errors.As(err, &se) || !se.Taken || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Finish by another handle = %v; want a StateError saying another process sends it", err)
	}
	if err := b.Release(ctx, id, base); !errors.As(err, &se) || !se.Taken {
		t.Fatalf("Release by another handle = %v; want a StateError saying another process sends it", err)
	}
	if err := a.Finish(ctx, id, store.Delivery{At: base, OK: true}, store.OutboxSent, time.Time{}); err != nil {
		t.Fatalf("Finish by the claiming handle: %v", err)
	}
}

// A dead sender's rows come back once their lease ran out, and only then;
// a handle never takes back its own rows, and renewing keeps them.
func TestReclaimExpired(t *testing.T) {
	ctx := context.Background()
	a, b := twoHandles(t)
	a.SetLease(time.Minute)
	ids := mustEnqueue(t, a, push("x", base), push("y", base))
	if got := mustClaim(t, a, base, 10); len(got) != 2 {
		t.Fatalf("claimed %v", got)
	}
	steps := []struct {
		name    string
		by      *store.Store
		at      time.Time
		renew   bool
		reclaim int
	}{
		{"lease running", b, base.Add(59 * time.Second), false, 0},
		{"own rows, even expired", a, base.Add(2 * time.Minute), false, 0},
		{"renewed at +50s", b, base.Add(100 * time.Second), true, 0},
		{"expired", b, base.Add(111 * time.Second), false, 2},
		{"nothing left", b, base.Add(time.Hour), false, 0},
	}
	for _, s := range steps {
		if s.renew {
			if n, err := a.RenewLeases(ctx, base.Add(50*time.Second)); err != nil || n != 2 {
				t.Fatalf("RenewLeases = %d, %v; want 2", n, err)
			}
		}
		got, err := s.by.ReclaimExpired(ctx, s.at)
		if err != nil || len(got) != s.reclaim {
			t.Fatalf("%s: ReclaimExpired = %d rows, %v; want %d", s.name, len(got), err, s.reclaim)
		}
	}
	for _, id := range ids {
		it := mustItem(t, b, id)
		if it.State != store.OutboxPending || it.LeaseOwner != "" || !it.NextAt.Equal(base.Add(111*time.Second)) || it.Attempts != 0 {
			t.Errorf("reclaimed row %d: %s, owner %q, due %v, %d attempts; want pending, no owner, due at the reclaim, 0",
				id, it.State, it.LeaseOwner, it.NextAt, it.Attempts)
		}
	}
	// The dead sender's late Finish changes nothing.
	if err := a.Finish(ctx, ids[0], store.Delivery{At: base, OK: true}, store.OutboxSent, time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("late Finish = %v, want ErrNotFound", err)
	}
}

// Free slots go round robin: the channels served longest ago (or never)
// are claimed first, whatever their rows' age.
func TestClaimDueRoundRobin(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	for i := range 3 {
		at := base.Add(time.Duration(i) * time.Second)
		mustEnqueue(t, s, push("old", at), push("mid", at.Add(10*time.Second)), push("new", at.Add(20*time.Second)))
	}
	tests := []struct {
		served map[string]int64
		want   string
	}{
		{nil, "old"},
		{map[string]int64{"old": 5}, "mid"},
		{map[string]int64{"old": 5, "mid": 6}, "new"},
		{map[string]int64{"old": 7, "mid": 6, "new": 8}, "mid"},
	}
	for _, tt := range tests {
		got, err := s.ClaimDue(ctx, base.Add(time.Hour), 1, nil, tt.served)
		if err != nil || len(got) != 1 || got[0].ChannelID != tt.want {
			t.Fatalf("served %v: claimed %+v, %v; want a row of %s", tt.served, got, err, tt.want)
		}
		if err := s.Release(ctx, got[0].ID, got[0].NextAt); err != nil {
			t.Fatal(err)
		}
	}
}

// RecentSends lists attempt start times per channel, oldest first, from
// since on: what rate limits are rebuilt from after a restart.
func TestRecentSends(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	ids := mustEnqueue(t, s, push("a", base), push("b", base), push("a", base))
	for i, id := range ids {
		if _, err := s.ClaimID(ctx, id, base); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(10-i) * time.Second)
		if err := s.Finish(ctx, id, store.Delivery{At: at, OK: false, Transient: true, Answer: "busy"}, store.OutboxPending, at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.RecentSends(ctx, base.Add(9*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["a"]) != 1 || !got["a"][0].Equal(base.Add(10*time.Second)) || len(got["b"]) != 1 {
		t.Fatalf("RecentSends = %v; want a at +10s and b at +9s", got)
	}
}

// Two handles opening a new file at once both end with the full schema.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := store.Open(context.Background(), path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
}
