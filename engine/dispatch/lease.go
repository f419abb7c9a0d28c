package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// finishRetries are the waits between tries to record an attempt when the
// store refuses (locked by another process, disk full for a moment). Real
// time, like storeTimeout: they guard I/O.
var finishRetries = []time.Duration{250 * time.Millisecond, time.Second, 2 * time.Second}

// record writes the attempt and the row's new state, trying again a few
// times. A row it cannot write stays claimed by this process: it becomes
// an orphan, released by the claim loop once the store lets it, so the row
// is neither stuck in flight nor sent twice meanwhile.
//
// With next, the same transaction claims the channel's next due row
// (store.FinishNext); a retry records the attempt alone.
func (d *Dispatcher) record(id int64, del store.Delivery, state store.OutboxState, nextAt time.Time, next *store.NextClaim) (store.Next, error) {
	var (
		err error
		out store.Next
	)
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(d.base), storeTimeout)
		out, err = d.p.Store.FinishNext(ctx, id, del, state, nextAt, next)
		cancel()
		if err == nil || errors.Is(err, store.ErrNotFound) || i == len(finishRetries) {
			break
		}
		next = nil
		time.Sleep(finishRetries[i])
	}
	if err == nil {
		return out, nil
	}
	d.log.Error("record push attempt", "outbox", id, "error", err)
	if !errors.Is(err, store.ErrNotFound) {
		d.mu.Lock()
		d.orphans[id] = true
		d.mu.Unlock()
	}
	return store.Next{}, err
}

// releaseOrphans puts rows whose attempt could not be recorded back to
// pending: whether the attempt reached the service is unknown, so it is
// made again (at least once, as after a crash).
func (d *Dispatcher) releaseOrphans(ctx context.Context, now time.Time) {
	d.mu.Lock()
	ids := make([]int64, 0, len(d.orphans))
	for id := range d.orphans {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	for _, id := range ids {
		err := d.p.Store.Release(ctx, id, now)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			continue
		}
		d.mu.Lock()
		delete(d.orphans, id)
		d.mu.Unlock()
	}
}

// hold counts a claimed row and starts the lease renewer if it is not
// running. Callers hold d.mu.
func (d *Dispatcher) hold() {
	d.held++
	if !d.renewing {
		d.renewing = true
		go d.renewLeases()
	}
}

// renewLeases keeps the leases of this dispatcher's rows alive while it
// holds any, a third of the lease at a time, so two renewals may fail
// before another process could take them. Real time on purpose: leases
// guard against dead processes, not delivery logic.
func (d *Dispatcher) renewLeases() {
	every := d.p.Store.Lease() / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			d.mu.Lock()
			d.renewing = false
			d.mu.Unlock()
			return
		case <-t.C:
		}
		d.mu.Lock()
		if d.held == 0 && len(d.orphans) == 0 {
			d.renewing = false
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		if _, err := d.p.Store.RenewLeases(ctx, d.p.Clock.Now()); err != nil {
			d.log.Warn("renew leases of pushes in flight", "error", err)
		}
		cancel()
	}
}

// reclaim takes back the rows of senders that died (their lease ran out)
// and counts them as sent for their channel's rate. It returns when the
// next lease of another sender runs out, if one is running: one read per
// loop turn finds both.
func (d *Dispatcher) reclaim(ctx context.Context, now time.Time) (time.Time, bool) {
	end, ok, err := d.p.Store.NextLeaseEnd(ctx)
	if err != nil || !ok || end.After(now) {
		return end, ok && err == nil
	}
	items, err := d.p.Store.ReclaimExpired(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("take back pushes whose sender died", "error", err)
		}
		return time.Time{}, false
	}
	if len(items) > 0 {
		d.countSent(items, now)
		d.log.Info("pushes of a sender that stopped queued again", "rows", len(items))
	}
	// Rows of other senders still leased: look again on the next turn.
	return time.Time{}, false
}

// loadHistory fills the rate limiters with the send times the store
// recorded, once: sends made before a restart or by another process count.
func (d *Dispatcher) loadHistory(ctx context.Context) error {
	d.mu.Lock()
	done := d.history
	longest := longestWindow(DefaultRates(), d.p.RateLimits, map[string]Limit{"": FallbackRate})
	d.mu.Unlock()
	if done {
		return nil
	}
	sends, err := d.p.Store.RecentSends(ctx, d.p.Clock.Now().Add(-longest))
	if err != nil {
		return err
	}
	kinds := map[string]string{}
	if len(sends) > 0 {
		list, err := d.p.Registry.List(ctx)
		if err != nil {
			return err
		}
		for _, c := range list {
			kinds[c.ID] = c.Channel.Kind
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.history {
		return nil
	}
	d.history = true
	for id, times := range sends {
		kind, ok := kinds[id]
		if !ok {
			continue // removed: its rows fail without sending
		}
		w := d.limiter(id, kind)
		for _, t := range times {
			w.record(t)
		}
	}
	return nil
}

// countSent counts each row's channel as having sent at t (its kind read
// from the registry; rows of removed channels are skipped).
func (d *Dispatcher) countSent(items []store.OutboxItem, t time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(d.base), storeTimeout)
	defer cancel()
	for _, it := range items {
		c, err := d.channel(ctx, it.ChannelID)
		if err != nil {
			continue
		}
		d.recordSend(c.ID, c.Channel.Kind, t)
	}
}

// pause is a channel's run of timed-out attempts and how long the claim
// loop leaves it alone for it.
type pause struct {
	timeouts int
	until    time.Time
}

// timeoutPause is how long a channel is left alone after n timeouts in a
// row: 5 s doubling up to 5 min. Its rows wait without holding a slot.
func timeoutPause(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	return min(5*time.Second<<min(n-2, 6), 5*time.Minute)
}

// notePace records how the channel's attempt ended: a timeout lengthens
// its pause, any answer ends it.
func (d *Dispatcher) notePace(channelID string, timedOut bool, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !timedOut {
		delete(d.paused, channelID)
		return
	}
	p := d.paused[channelID]
	p.timeouts++
	p.until = now.Add(timeoutPause(p.timeouts))
	d.paused[channelID] = p
}
