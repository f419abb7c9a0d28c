package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// FinishNext records the attempt and, in the same transaction, claims the
// channel's oldest due row, as ClaimDue would pick it for that channel,
// with the channel's updated_at.
func TestFinishNextClaimsTheChannelsNextDueRow(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if err := s.CreateChannel(ctx, store.Channel{ID: "a", Name: "a", Kind: "webhook"}); err != nil {
		t.Fatal(err)
	}
	ch, err := s.ChannelByName(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	ids := mustEnqueue(t, s,
		push("a", base),                    // sent first
		push("a", base.Add(2*time.Second)), // due second
		push("a", base.Add(time.Second)),   // due first of the rest
		push("a", base.Add(time.Hour)),     // not due
		push("b", base),                    // another channel
	)
	if _, err := s.ClaimID(ctx, ids[0], base); err != nil {
		t.Fatal(err)
	}
	now := base.Add(3 * time.Second)
	ok := store.Delivery{At: now, OK: true, Answer: "ok"}
	next, err := s.FinishNext(ctx, ids[0], ok, store.OutboxSent, time.Time{}, &store.NextClaim{ChannelID: "a", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if next.Item.ID != ids[2] || next.Item.State != store.OutboxInflight || next.Item.LeaseOwner != s.LeaseOwner() ||
		!next.Item.LeaseUntil.Equal(now.Add(s.Lease())) {
		t.Fatalf("claimed %+v, want row %d inflight, leased to this handle until %v", next.Item, ids[2], now.Add(s.Lease()))
	}
	if !next.ChannelUpdatedAt.Equal(ch.UpdatedAt) {
		t.Errorf("channel stamp %v, want %v", next.ChannelUpdatedAt, ch.UpdatedAt)
	}
	if it := mustItem(t, s, ids[0]); it.State != store.OutboxSent || it.Attempts != 1 {
		t.Errorf("finished row is %s after %d attempts, want sent after 1", it.State, it.Attempts)
	}
	if it := mustItem(t, s, ids[1]); it.State != store.OutboxPending {
		t.Errorf("row due later is %s, want pending", it.State)
	}
	if it := mustItem(t, s, ids[4]); it.State != store.OutboxPending {
		t.Errorf("other channel's row is %s, want pending", it.State)
	}

	// The last due row, then nothing: the attempt is recorded all the same.
	next, err = s.FinishNext(ctx, ids[2], ok, store.OutboxSent, time.Time{}, &store.NextClaim{ChannelID: "a", Now: now})
	if err != nil || next.Item.ID != ids[1] {
		t.Fatalf("claimed %d, %v; want %d", next.Item.ID, err, ids[1])
	}
	next, err = s.FinishNext(ctx, ids[1], ok, store.OutboxSent, time.Time{}, &store.NextClaim{ChannelID: "a", Now: now})
	if err != nil || next.Item.ID != 0 {
		t.Fatalf("claimed %d, %v; want nothing (the last row is not due)", next.Item.ID, err)
	}
	if it := mustItem(t, s, ids[1]); it.State != store.OutboxSent {
		t.Errorf("row is %s, want sent", it.State)
	}
}

// A row of a removed channel is claimed with a zero stamp, so the sender
// looks the channel up (and fails the row); an attempt that cannot be
// recorded (the row is no longer this handle's) claims nothing.
func TestFinishNextRemovedChannelAndLostLease(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	ids := mustEnqueue(t, s, push("gone", base), push("gone", base))
	if _, err := s.ClaimID(ctx, ids[0], base); err != nil {
		t.Fatal(err)
	}
	ok := store.Delivery{At: base, OK: true, Answer: "ok"}
	next, err := s.FinishNext(ctx, ids[0], ok, store.OutboxSent, time.Time{}, &store.NextClaim{ChannelID: "gone", Now: base})
	if err != nil || next.Item.ID != ids[1] || !next.ChannelUpdatedAt.IsZero() {
		t.Fatalf("got %+v, %v; want row %d with a zero channel stamp", next, err, ids[1])
	}

	more := mustEnqueue(t, s, push("gone", base))
	if err := s.Release(ctx, ids[1], base); err != nil { // no longer in flight
		t.Fatal(err)
	}
	next, err = s.FinishNext(ctx, ids[1], ok, store.OutboxSent, time.Time{}, &store.NextClaim{ChannelID: "gone", Now: base})
	if !errors.Is(err, store.ErrNotFound) || next.Item.ID != 0 {
		t.Fatalf("got %+v, %v; want ErrNotFound and no claim", next, err)
	}
	if it := mustItem(t, s, more[0]); it.State != store.OutboxPending {
		t.Errorf("row is %s, want pending: a failed finish claims nothing", it.State)
	}
}

func TestNextDueAfter(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if _, ok, err := s.NextDueAfter(ctx, base); ok || err != nil {
		t.Fatalf("empty outbox: ok %v, %v", ok, err)
	}
	held := push("a", base.Add(time.Minute))
	held.Hold = "quiet:failure"
	mustEnqueue(t, s, push("a", base.Add(-time.Hour)), push("b", base), held, push("c", base.Add(time.Hour)))
	if next, ok, err := s.NextDueAfter(ctx, base); err != nil || !ok || !next.Equal(base.Add(time.Hour)) {
		t.Fatalf("NextDueAfter = %v, %v, %v; want %v (rows due by then and held rows left out)", next, ok, err, base.Add(time.Hour))
	}
	if _, ok, err := s.NextDueAfter(ctx, base.Add(time.Hour)); ok || err != nil {
		t.Fatalf("nothing later: ok %v, %v", ok, err)
	}
}
