package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// Held rows are never claimed nor counted as due; MergeHeld releases the
// due ones per channel and kind in one go, and only once.
func TestHeldRows(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	now := time.UnixMilli(time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC).UnixMilli())
	release := now.Add(8 * time.Hour)
	items := []*store.OutboxItem{
		{Source: store.SourceSend, ChannelID: "a", Title: "held 1", Hold: "quiet:failure", NextAt: release, CreatedAt: now},
		{Source: store.SourceSend, ChannelID: "a", Title: "held 2", Hold: "quiet:recovered", NextAt: release, CreatedAt: now},
		{Source: store.SourceSend, ChannelID: "a", Title: "burst", Hold: "burst:failure", NextAt: release, CreatedAt: now},
		{Source: store.SourceSend, ChannelID: "b", Title: "lone", Hold: "quiet:failure", NextAt: release, CreatedAt: now},
		{Source: store.SourceSend, ChannelID: "c", Title: "later", Hold: "quiet:failure", NextAt: release.Add(time.Hour), CreatedAt: now},
		{Source: store.SourceSend, ChannelID: "a", Title: "plain", CreatedAt: now},
	}
	if err := s.Enqueue(ctx, items...); err != nil {
		t.Fatal(err)
	}
	if next, ok, err := s.NextDue(ctx); err != nil || !ok || !next.Equal(now) {
		t.Fatalf("NextDue %v %v %v, want the plain row's %v", next, ok, err, now)
	}
	claimed, err := s.ClaimDue(ctx, release.Add(2*time.Hour), 10, nil, nil)
	if err != nil || len(claimed) != 1 || claimed[0].Title != "plain" {
		t.Fatalf("claimed %+v, %v; want only the plain row", claimed, err)
	}
	if next, ok, err := s.NextHeld(ctx); err != nil || !ok || !next.Equal(release) {
		t.Fatalf("NextHeld %v %v %v", next, ok, err)
	}

	var groups []store.HeldGroup
	summarize := func(g store.HeldGroup) *store.OutboxItem {
		groups = append(groups, g)
		if len(g.Items) == 1 {
			return nil
		}
		return &store.OutboxItem{Source: store.SourceDigest, ChannelID: g.ChannelID, Title: "summary of " + g.Kind}
	}
	queued, err := s.MergeHeld(ctx, release, summarize)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 3 || groups[0].ChannelID != "a" || groups[0].Kind != "quiet" || len(groups[0].Items) != 2 ||
		groups[1].Kind != "burst" || groups[2].ChannelID != "b" {
		t.Fatalf("groups %+v", groups)
	}
	if len(queued) != 3 || queued[0].Title != "summary of quiet" || queued[2].Title != "lone" || queued[2].Hold != "" {
		t.Fatalf("queued %+v", queued)
	}
	for _, id := range []int64{items[0].ID, items[1].ID} {
		if it, _ := s.OutboxItemByID(ctx, id); it.State != store.OutboxSent || it.Hold == "" {
			t.Errorf("merged row %d: %s, hold %q; want sent, hold kept", id, it.State, it.Hold)
		}
	}
	if it, _ := s.OutboxItemByID(ctx, items[3].ID); it.State != store.OutboxPending || it.Hold != "" || !it.NextAt.Equal(release) {
		t.Errorf("lone row: %+v, want released as itself", it)
	}
	// Again: nothing more is due until channel c's release.
	groups = nil
	if queued, err := s.MergeHeld(ctx, release, summarize); err != nil || len(queued) != 0 || len(groups) != 0 {
		t.Errorf("second merge queued %+v, %v", queued, err)
	}
	if next, ok, _ := s.NextHeld(ctx); !ok || !next.Equal(release.Add(time.Hour)) {
		t.Errorf("NextHeld after the merge %v %v", next, ok)
	}
}
