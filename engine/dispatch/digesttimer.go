package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
)

// digestStore keeps where the last digest's window ended, so a due time
// missed while Herald was not running is caught up at the next start.
type digestStore interface {
	Setting(ctx context.Context, key string, into any) (bool, error)
	SetSetting(ctx context.Context, key string, v any) error
	DeleteSetting(ctx context.Context, key string) error
}

// digestTimer keeps the digest cadence: it waits for each due time on the
// clock, decides the window each digest covers, and remembers where the
// last one ended. Deciding (next, window) is kept apart from waiting (run)
// so that the calendar logic is tested without a clock.
type digestTimer struct {
	clock    clockwork.Clock
	loc      *time.Location
	store    digestStore
	settings func() Settings // read again on every cycle
	// send queues the digest of the runs that finished in (from, to].
	send func(ctx context.Context, s Settings, from, to time.Time) error
	wake <-chan struct{} // the settings changed
	stop <-chan struct{} // the dispatcher shuts down
	log  *slog.Logger

	// last is the end of the window the last digest covered; zero: none
	// yet, or the batch was off since.
	last time.Time
}

// next is the due time the timer waits for at now; catchUp reports that a
// due time already passed since the last digest (Herald was not running,
// or the machine slept), so one digest up to now is due at once.
func (t *digestTimer) next(b BatchSettings, now time.Time) (due time.Time, catchUp bool) {
	if t.last.IsZero() {
		return NextDigest(b, now, t.loc), false
	}
	due = NextDigest(b, t.last, t.loc)
	return due, due.Before(now)
}

// window is what the digest due at due covers when the timer fired at
// fired. It starts where the last one ended: normally that is due −
// interval, but it also holds after a catch-up digest (no run reported
// twice), after an interval change, and across a DST change, where due −
// interval seconds is an hour off the previous local due time.
func (t *digestTimer) window(b BatchSettings, due, fired time.Time) (from, to time.Time) {
	from = t.last
	if from.IsZero() {
		from = due.Add(-time.Duration(b.Interval) * time.Second)
	}
	to = due
	if NextDigest(b, due, t.loc).Before(fired) {
		// The timer fired late, past another due time (a suspended
		// machine): one digest up to now instead of one per due time.
		to = fired
	}
	return from, to
}

// run keeps the cadence until ctx ends or the dispatcher stops.
func (t *digestTimer) run(ctx context.Context) {
	if _, err := t.store.Setting(ctx, LastDigestKey, &t.last); err != nil {
		t.log.Error("read the last digest time", "error", err)
	}
	for t.cycle(ctx) {
	}
}

// cycle waits for the next due time, or a settings change, and sends what
// is due; false when the timer stops.
func (t *digestTimer) cycle(ctx context.Context) bool {
	s := t.settings()
	b := s.Batch
	if !b.Enabled {
		t.forget(ctx)
		_, done := t.wait(ctx, time.Time{})
		return !done
	}
	now := t.clock.Now()
	due, catchUp := t.next(b, now)
	if catchUp {
		return t.deliver(ctx, s, t.last, now, "catch-up digest")
	}
	elapsed, done := t.wait(ctx, due)
	if done {
		return false
	}
	if !elapsed {
		return true // settings changed: recompute
	}
	if s = t.settings(); !s.Batch.Enabled {
		return true
	}
	from, to := t.window(b, due, t.clock.Now())
	return t.deliver(ctx, s, from, to, "digest")
}

// deliver sends the digest of (from, to] and records its end. A crash
// between the two repeats the digest at the next start: at least once,
// like every push. After an error it waits digestRetry and tries again
// from the same start; false when the timer stopped meanwhile.
func (t *digestTimer) deliver(ctx context.Context, s Settings, from, to time.Time, what string) bool {
	if err := t.send(ctx, s, from, to); err != nil {
		t.log.Error(what, "from", from, "to", to, "error", err)
		if t.last.IsZero() {
			t.last = from // retried as a catch-up from here
		}
		_, done := t.wait(ctx, t.clock.Now().Add(digestRetry))
		return !done
	}
	t.last = to
	if err := t.store.SetSetting(ctx, LastDigestKey, to); err != nil {
		t.log.Error("save the last digest time", "error", err)
	}
	return true
}

// forget drops the last window's end: a batch turned on again starts
// afresh instead of summarising the whole time it was off.
func (t *digestTimer) forget(ctx context.Context) {
	if t.last.IsZero() {
		return
	}
	t.last = time.Time{}
	if err := t.store.DeleteSetting(ctx, LastDigestKey); err != nil {
		t.log.Error("reset the last digest time", "error", err)
	}
}

// wait blocks until at (forever if zero), the settings change or the
// timer stops; it reports whether at was reached.
func (t *digestTimer) wait(ctx context.Context, at time.Time) (elapsed, done bool) {
	var fire <-chan time.Time
	if !at.IsZero() {
		var stop func()
		fire, stop = timerAt(t.clock, at)
		defer stop()
	}
	select {
	case <-fire:
		return true, false
	case <-t.wake:
		return false, false
	case <-t.stop:
		return false, true
	case <-ctx.Done():
		return false, true
	}
}
