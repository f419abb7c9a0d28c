package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// LastDigestKey is the setting holding the end of the last window a digest
// covered (a time). A missed due time is detected against it at start-up.
const LastDigestKey = "digest.last_due"

// digestRetry is how long the digest timer waits after the store failed
// before it tries the same window again.
const digestRetry = time.Minute

// StartDigests starts the digest timer: at each due time of the batch
// settings (NextDigest) it summarises the runs that finished in
// (due − interval, due] (precisely: since the end of the last digest's
// window, which is the same instant except after a catch-up, an interval
// change or a DST change) and queues the digest for the settings'
// channels, one outbox row each. settings is read again on every cycle; call
// SettingsChanged after a change so the next due time is recomputed at
// once. When a due time passed while Herald was not running, one catch-up
// digest covers everything since the last one. The timer stops when ctx
// ends or at Shutdown.
func (d *Dispatcher) StartDigests(ctx context.Context, settings func() Settings) {
	d.mu.Lock()
	if d.digesting != nil || d.stopping {
		d.mu.Unlock()
		return
	}
	d.digesting = make(chan struct{})
	d.mu.Unlock()
	go d.digestLoop(ctx, settings)
}

// SettingsChanged wakes the digest timer to recompute its next due time.
func (d *Dispatcher) SettingsChanged() { poke(d.digestWake) }

func (d *Dispatcher) digestLoop(ctx context.Context, settings func() Settings) {
	defer close(d.digesting)
	clock, loc := d.p.Clock, d.p.Location
	// last is the end of the window the last digest covered; zero: none
	// yet, or the batch was off since.
	var last time.Time
	if _, err := d.p.Store.Setting(ctx, LastDigestKey, &last); err != nil {
		d.log.Error("read the last digest time", "error", err)
	}
	// wait blocks until at (forever if zero), the settings change or the
	// timer stops; it reports whether at was reached.
	wait := func(at time.Time) (elapsed, done bool) {
		var fire <-chan time.Time
		if !at.IsZero() {
			var stop func()
			fire, stop = timerAt(clock, at)
			defer stop()
		}
		select {
		case <-fire:
			return true, false
		case <-d.digestWake:
			return false, false
		case <-d.stop:
			return false, true
		case <-ctx.Done():
			return false, true
		}
	}
	// save records the window's end once its digest is queued. A crash
	// between the two repeats the digest at the next start: at least once,
	// like every push.
	save := func(end time.Time) {
		last = end
		if err := d.p.Store.SetSetting(ctx, LastDigestKey, end); err != nil {
			d.log.Error("save the last digest time", "error", err)
		}
	}

	for {
		s := settings()
		b := s.Batch
		now := clock.Now()
		if !b.Enabled {
			// A batch turned on again starts afresh instead of summarising
			// the whole time it was off.
			if !last.IsZero() {
				last = time.Time{}
				if err := d.p.Store.DeleteSetting(ctx, LastDigestKey); err != nil {
					d.log.Error("reset the last digest time", "error", err)
				}
			}
			if _, done := wait(time.Time{}); done {
				return
			}
			continue
		}
		if !last.IsZero() && NextDigest(b, last, loc).Before(now) {
			// Due times passed while Herald was not running (or the machine
			// slept): one catch-up digest for all of it, then the cadence.
			if err := d.digest(ctx, s, last, now); err != nil {
				d.log.Error("catch-up digest", "from", last, "to", now, "error", err)
				if _, done := wait(clock.Now().Add(digestRetry)); done {
					return
				}
				continue
			}
			save(now)
			continue
		}
		due := NextDigest(b, now, loc)
		if !last.IsZero() {
			due = NextDigest(b, last, loc)
		}
		elapsed, done := wait(due)
		if done {
			return
		}
		if !elapsed {
			continue // settings changed: recompute
		}
		s = settings()
		if !s.Batch.Enabled {
			continue
		}
		// The window starts where the last one ended: normally that is
		// due − interval, but it also holds after a catch-up digest (no
		// run reported twice), after an interval change, and across a DST
		// change, where due − interval seconds is an hour off the previous
		// local due time.
		from := last
		if from.IsZero() {
			from = due.Add(-time.Duration(b.Interval) * time.Second)
		}
		to := due
		if fired := clock.Now(); NextDigest(b, due, loc).Before(fired) {
			// The timer fired late, past another due time (a suspended
			// machine): one digest up to now instead of one per due time.
			to = fired
		}
		if err := d.digest(ctx, s, from, to); err != nil {
			d.log.Error("digest", "from", from, "to", to, "error", err)
			if last.IsZero() {
				last = from // retried as a catch-up from here
			}
			if _, done := wait(clock.Now().Add(digestRetry)); done {
				return
			}
			continue
		}
		save(to)
	}
}

// digest queues the summary of the runs that finished in (from, to] for
// the settings' channels; nothing when Digest has nothing to say or push
// is switched off globally.
func (d *Dispatcher) digest(ctx context.Context, s Settings, from, to time.Time) error {
	if !s.Enabled {
		return nil
	}
	runs, err := d.p.Store.RunsFinishedBetween(ctx, from, to)
	if err != nil {
		return err
	}
	msg, ok := Digest(s, runs, from, to, d.p.Location)
	if !ok {
		return nil
	}
	ids, err := d.digestChannels(ctx, s)
	if err != nil {
		return err
	}
	items := make([]*store.OutboxItem, len(ids))
	for i, id := range ids {
		items[i] = &store.OutboxItem{Source: store.SourceDigest, ChannelID: id, Title: msg.Title, Body: msg.Body,
			Markdown: msg.Markdown, Level: string(msg.Level), PictureURL: msg.PictureURL}
	}
	if err := d.Enqueue(ctx, items...); err != nil {
		return fmt.Errorf("queue digest: %w", err)
	}
	d.log.Info("digest queued", "from", from, "to", to, "runs", len(runs), "channels", len(ids))
	return nil
}

// digestChannels are the ids of the settings' channels that still exist:
// every registered one with AllChannels, else the chosen ones.
func (d *Dispatcher) digestChannels(ctx context.Context, s Settings) ([]string, error) {
	list, err := d.p.Registry.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list channels for the digest: %w", err)
	}
	var ids []string
	for _, c := range list {
		if s.AllChannels || slices.Contains(s.Channels, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}
