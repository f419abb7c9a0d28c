package dispatch

import (
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// Holds, as store.OutboxItem.Hold spells them: "<kind>:<reason>".
const (
	HoldQuiet = "quiet" // quiet hours: released when they end
	HoldBurst = "burst" // burst coalescing: released Window after the first
)

// holdQuiet holds items, pushes of reason made at at, until the quiet
// hours that apply to them end; false when they go out now. Every push
// Herald makes passes here (run pushes, reminders, escalations, missing
// tasks, duration warnings); a fallback inherits the decision of the push
// it replaces, which was held already or broke through.
func holdQuiet(s Settings, o TaskOverrides, reason Reason, at time.Time, loc *time.Location, items []*store.OutboxItem) bool {
	until, ok := QuietUntil(s, o, reason, at, loc)
	if !ok {
		return false
	}
	for _, it := range items {
		// The summary lists each push at the time it was made.
		it.Hold, it.NextAt, it.CreatedAt = HoldQuiet+":"+string(reason), until, at
	}
	return true
}

// holdItems marks a run's pushes to be held, inside the run's transaction:
// in quiet hours (QuietUntil) every channel's row is held until they end;
// otherwise, with burst coalescing on, a channel that already had Max rows
// queued within the last Window seconds gets this one held with its other
// burst rows (until Window after the first of them), so the burst goes out
// as one grouped message. at is the run's end, the time the rules judge.
func holdItems(tx *store.RunTx, s Settings, o TaskOverrides, reason Reason, at time.Time, loc *time.Location, items []*store.OutboxItem) error {
	if at.IsZero() {
		at = time.Now()
	}
	if holdQuiet(s, o, reason, at, loc, items) {
		return nil
	}
	b := s.Burst
	if b.Max <= 0 {
		return nil
	}
	for _, it := range items {
		// Bursts are counted on the runs' ends: the clock the rules use.
		it.CreatedAt = at
	}
	window := b.window()
	for _, it := range items {
		until, held, err := tx.HeldUntil(it.ChannelID, HoldBurst)
		if err != nil {
			return err
		}
		if !held {
			n, err := tx.RecentPushes(it.ChannelID, at.Add(-window), b.Max)
			if err != nil {
				return err
			}
			if n < b.Max {
				continue
			}
			until = at.Add(window)
		}
		it.Hold, it.NextAt = HoldBurst+":"+string(reason), until
	}
	return nil
}
