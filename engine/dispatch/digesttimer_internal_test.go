package dispatch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func utc(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, time.UTC) }

func batch(first string, interval int) BatchSettings {
	return BatchSettings{Enabled: true, First: first, Interval: interval, SkipEmpty: true}
}

func newYork(t *testing.T) *time.Location {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return ny
}

func TestDigestTimerNext(t *testing.T) {
	ny := newYork(t)
	daily := batch("12:00:00", 86400)
	cases := []struct {
		name        string
		loc         *time.Location
		b           BatchSettings
		last, now   time.Time
		due         time.Time
		wantCatchUp bool
	}{
		{"fresh, before today's first", time.UTC, daily, time.Time{}, utc(10, 9, 0), utc(10, 12, 0), false},
		{"fresh, after today's first", time.UTC, daily, time.Time{}, utc(10, 13, 0), utc(11, 12, 0), false},
		{"last due yesterday", time.UTC, daily, utc(9, 12, 0), utc(10, 9, 0), utc(10, 12, 0), false},
		{"at the due time: not late yet", time.UTC, daily, utc(9, 12, 0), utc(10, 12, 0), utc(10, 12, 0), false},
		{"downtime over several due times", time.UTC, daily, utc(7, 12, 0), utc(10, 9, 0), utc(8, 12, 0), true},
		{"downtime by a minute", time.UTC, daily, utc(9, 12, 0), utc(10, 12, 1), utc(10, 12, 0), true},
		{"hourly", time.UTC, batch("12:00:00", 3600), utc(10, 13, 0), utc(10, 13, 30), utc(10, 14, 0), false},
		{"settings changed to daily at 18:00", time.UTC, batch("18:00:00", 86400), utc(10, 14, 0), utc(10, 14, 0), utc(10, 18, 0), false},
		{"settings changed to an earlier time of day", time.UTC, batch("08:00:00", 86400), utc(10, 12, 0), utc(10, 12, 0), utc(11, 8, 0), false},
		{"across the spring DST change", ny, daily,
			time.Date(2026, 3, 7, 12, 0, 0, 0, ny), time.Date(2026, 3, 8, 9, 0, 0, 0, ny), time.Date(2026, 3, 8, 12, 0, 0, 0, ny), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm := &digestTimer{loc: c.loc, last: c.last}
			due, catchUp := tm.next(c.b, c.now)
			if !due.Equal(c.due) || catchUp != c.wantCatchUp {
				t.Errorf("next = %v, catch-up %v; want %v, %v", due, catchUp, c.due, c.wantCatchUp)
			}
		})
	}
}

func TestDigestTimerWindow(t *testing.T) {
	ny := newYork(t)
	daily := batch("12:00:00", 86400)
	cases := []struct {
		name             string
		loc              *time.Location
		b                BatchSettings
		last, due, fired time.Time
		from, to         time.Time
	}{
		{"after the last digest", time.UTC, daily, utc(9, 12, 0), utc(10, 12, 0), utc(10, 12, 0), utc(9, 12, 0), utc(10, 12, 0)},
		{"first digest: one interval back", time.UTC, daily, time.Time{}, utc(10, 12, 0), utc(10, 12, 0), utc(9, 12, 0), utc(10, 12, 0)},
		{"after a catch-up", time.UTC, daily, utc(10, 9, 0), utc(10, 12, 0), utc(10, 12, 0), utc(10, 9, 0), utc(10, 12, 0)},
		{"fired late, before the next due", time.UTC, daily, utc(9, 12, 0), utc(10, 12, 0), utc(11, 11, 0), utc(9, 12, 0), utc(10, 12, 0)},
		{"fired late, past the next due", time.UTC, daily, utc(9, 12, 0), utc(10, 12, 0), utc(11, 13, 0), utc(9, 12, 0), utc(11, 13, 0)},
		{"after an interval change", time.UTC, batch("18:00:00", 86400), utc(10, 14, 0), utc(10, 18, 0), utc(10, 18, 0), utc(10, 14, 0), utc(10, 18, 0)},
		{"across the spring DST change: 23 hours", ny, daily,
			time.Date(2026, 3, 7, 12, 0, 0, 0, ny), time.Date(2026, 3, 8, 12, 0, 0, 0, ny), time.Date(2026, 3, 8, 12, 0, 0, 0, ny),
			time.Date(2026, 3, 7, 12, 0, 0, 0, ny), time.Date(2026, 3, 8, 12, 0, 0, 0, ny)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm := &digestTimer{loc: c.loc, last: c.last}
			from, to := tm.window(c.b, c.due, c.fired)
			if !from.Equal(c.from) || !to.Equal(c.to) {
				t.Errorf("window = (%v, %v], want (%v, %v]", from, to, c.from, c.to)
			}
		})
	}
}

// fakeDigestStore keeps the last digest time in memory.
type fakeDigestStore struct {
	mu      sync.Mutex
	last    time.Time // zero: no setting
	loadErr error
	deletes int
}

func (f *fakeDigestStore) Setting(_ context.Context, key string, into any) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loadErr != nil {
		return false, f.loadErr
	}
	if key != LastDigestKey || f.last.IsZero() {
		return false, nil
	}
	*into.(*time.Time) = f.last
	return true, nil
}

func (f *fakeDigestStore) SetSetting(_ context.Context, key string, v any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = v.(time.Time)
	return nil
}

func (f *fakeDigestStore) DeleteSetting(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = time.Time{}
	f.deletes++
	return nil
}

func (f *fakeDigestStore) saved() (time.Time, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last, f.deletes
}

type window struct{ from, to time.Time }

// timerRun is a digestTimer running on a fake clock, with a send that
// records each window and fails as often as told.
type timerRun struct {
	t        *testing.T
	clock    *clockwork.FakeClock
	store    *fakeDigestStore
	sends    chan window
	wake     chan struct{}
	mu       sync.Mutex
	settings Settings
	reads    int // of the settings
	failures int // sends still to fail
}

func startTimer(t *testing.T, now time.Time, st *fakeDigestStore, b BatchSettings, failures int) *timerRun {
	t.Helper()
	r := &timerRun{t: t, clock: clockwork.NewFakeClockAt(now), store: st, sends: make(chan window, 10),
		wake: make(chan struct{}, 1), failures: failures}
	r.settings = DefaultSettings()
	r.settings.Batch = b
	tm := &digestTimer{clock: r.clock, loc: time.UTC, store: st, settings: r.get, send: r.send, wake: r.wake,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tm.run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return r
}

func (r *timerRun) get() Settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	return r.settings
}

// change hands the timer new batch settings and waits until it read them,
// so it no longer waits for the old due time.
func (r *timerRun) change(b BatchSettings) {
	r.t.Helper()
	r.mu.Lock()
	r.settings.Batch = b
	reads := r.reads
	r.mu.Unlock()
	poke(r.wake)
	r.await("the settings read again", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.reads > reads
	})
}

func (r *timerRun) await(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatal("timed out waiting for", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (r *timerRun) send(_ context.Context, _ Settings, from, to time.Time) error {
	r.sends <- window{from, to}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > 0 {
		r.failures--
		return errors.New("database is locked")
	}
	return nil
}

// advance moves the clock by d once the timer waits on it.
func (r *timerRun) advance(d time.Duration) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.clock.BlockUntilContext(ctx, 1); err != nil {
		r.t.Fatal("the digest timer is not waiting:", err)
	}
	r.clock.Advance(d)
}

func (r *timerRun) expectSend(want window) {
	r.t.Helper()
	select {
	case got := <-r.sends:
		if !got.from.Equal(want.from) || !got.to.Equal(want.to) {
			r.t.Fatalf("digest of (%v, %v], want (%v, %v]", got.from, got.to, want.from, want.to)
		}
	case <-time.After(5 * time.Second):
		r.t.Fatalf("no digest of (%v, %v]", want.from, want.to)
	}
}

func (r *timerRun) expectSaved(want time.Time) {
	r.t.Helper()
	r.await("the last digest time "+want.String()+" saved", func() bool {
		got, _ := r.store.saved()
		return got.Equal(want)
	})
}

// The cadence on a fake clock: each step advances the clock (0: the digest
// is due at once) and expects one digest.
func TestDigestTimerRun(t *testing.T) {
	type step struct {
		advance time.Duration
		want    window
	}
	daily := batch("12:00:00", 86400)
	cases := []struct {
		name     string
		stored   time.Time // the last digest time in the store
		loadErr  error
		now      time.Time
		failures int // sends that fail first
		steps    []step
		saved    time.Time
	}{
		{name: "first digest", now: utc(10, 9, 0),
			steps: []step{{3 * time.Hour, window{utc(9, 12, 0), utc(10, 12, 0)}}},
			saved: utc(10, 12, 0)},
		{name: "catch-up after downtime, then the cadence", stored: utc(7, 12, 0), now: utc(10, 9, 0),
			steps: []step{
				{0, window{utc(7, 12, 0), utc(10, 9, 0)}},
				{3 * time.Hour, window{utc(10, 9, 0), utc(10, 12, 0)}},
			},
			saved: utc(10, 12, 0)},
		{name: "machine suspended past a due time", now: utc(10, 11, 0),
			steps: []step{{48 * time.Hour, window{utc(9, 12, 0), utc(12, 11, 0)}}},
			saved: utc(12, 11, 0)},
		{name: "store error: retried from the same start", stored: utc(9, 12, 0), now: utc(10, 11, 0), failures: 2,
			steps: []step{
				{time.Hour, window{utc(9, 12, 0), utc(10, 12, 0)}},
				{digestRetry, window{utc(9, 12, 0), utc(10, 12, 1)}},
				{digestRetry, window{utc(9, 12, 0), utc(10, 12, 2)}},
			},
			saved: utc(10, 12, 2)},
		{name: "store error on the first digest: retried as a catch-up", now: utc(10, 11, 0), failures: 1,
			steps: []step{
				{time.Hour, window{utc(9, 12, 0), utc(10, 12, 0)}},
				{digestRetry, window{utc(9, 12, 0), utc(10, 12, 1)}},
			},
			saved: utc(10, 12, 1)},
		{name: "unreadable last digest time: starts afresh", stored: utc(7, 12, 0), loadErr: errors.New("disk I/O error"),
			now:   utc(10, 9, 0),
			steps: []step{{3 * time.Hour, window{utc(9, 12, 0), utc(10, 12, 0)}}},
			saved: utc(10, 12, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &fakeDigestStore{last: c.stored, loadErr: c.loadErr}
			r := startTimer(t, c.now, st, daily, c.failures)
			for _, s := range c.steps {
				if s.advance > 0 {
					r.advance(s.advance)
				}
				r.expectSend(s.want)
			}
			st.mu.Lock()
			st.loadErr = nil
			st.mu.Unlock()
			r.expectSaved(c.saved)
		})
	}
}

// A settings change wakes the timer, which waits for the new due time;
// turning the batch off forgets the last digest time.
func TestDigestTimerSettingsChange(t *testing.T) {
	st := &fakeDigestStore{last: utc(10, 12, 0)}
	r := startTimer(t, utc(10, 12, 30), st, batch("12:00:00", 3600), 0)
	r.advance(30 * time.Minute)
	r.expectSend(window{utc(10, 12, 0), utc(10, 13, 0)})
	r.expectSaved(utc(10, 13, 0))

	r.change(batch("18:00:00", 86400))
	r.advance(4*time.Hour + 59*time.Minute) // 17:59: the hourly dues are gone
	select {
	case w := <-r.sends:
		t.Fatalf("digest of (%v, %v] before 18:00", w.from, w.to)
	case <-time.After(50 * time.Millisecond):
	}
	r.advance(time.Minute)
	r.expectSend(window{utc(10, 13, 0), utc(10, 18, 0)})
	r.expectSaved(utc(10, 18, 0))

	off := batch("18:00:00", 86400)
	off.Enabled = false
	r.change(off)
	r.await("the last digest time forgotten", func() bool {
		last, deletes := st.saved()
		return last.IsZero() && deletes == 1
	})
}
