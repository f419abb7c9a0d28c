package schedule

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/heraldpush/herald/engine/task"
)

// wait bounds every wait for a goroutine; tests never sleep for fire times,
// they advance a fake clock.
const wait = 5 * time.Second

type runRec struct {
	id      int64
	name    string
	trigger task.Trigger
	at      time.Time // scheduledAt
	now     time.Time // the clock when Run was called
	ctx     context.Context
	release chan struct{}
	once    sync.Once
	done    chan struct{} // closed when Run returned
}

func (r *runRec) finish() { r.once.Do(func() { close(r.release) }) }

type skipRec struct {
	id      int64
	trigger task.Trigger
	at      time.Time
}

type harness struct {
	t     *testing.T
	clk   *clockwork.FakeClock
	loc   *time.Location
	s     *Scheduler
	runs  chan *runRec
	skips chan skipRec
	fires chan fireReport

	hold   atomic.Bool // Run blocks until finish() or its ctx ends
	active atomic.Int32
	peak   atomic.Int32

	mu  sync.Mutex
	all []*runRec
}

func newHarness(t *testing.T, start time.Time, tweak func(*Params)) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		clk:   clockwork.NewFakeClockAt(start),
		loc:   start.Location(),
		runs:  make(chan *runRec, 1000),
		skips: make(chan skipRec, 1000),
		fires: make(chan fireReport, 1000),
	}
	p := Params{Clock: h.clk, Location: h.loc, MaxConcurrent: 4, Run: h.runFn, Skip: h.skipFn}
	if tweak != nil {
		tweak(&p)
	}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	s.onFire = func(r fireReport) { h.fires <- r }
	h.s = s
	t.Cleanup(func() {
		h.hold.Store(false)
		h.mu.Lock()
		for _, r := range h.all {
			r.finish()
		}
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := h.s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return h
}

func (h *harness) runFn(ctx context.Context, t task.Task, trigger task.Trigger, at time.Time) {
	r := &runRec{id: t.ID, name: t.Name, trigger: trigger, at: at, now: h.clk.Now(), ctx: ctx,
		release: make(chan struct{}), done: make(chan struct{})}
	n := h.active.Add(1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	h.mu.Lock()
	h.all = append(h.all, r)
	h.mu.Unlock()
	hold := h.hold.Load()
	h.runs <- r
	if hold {
		select {
		case <-r.release:
		case <-ctx.Done():
		}
	}
	h.active.Add(-1)
	close(r.done)
}

func (h *harness) skipFn(t task.Task, trigger task.Trigger, at time.Time) {
	h.skips <- skipRec{id: t.ID, trigger: trigger, at: at}
}

func (h *harness) set(t task.Task) {
	h.t.Helper()
	if err := h.s.Set(t); err != nil {
		h.t.Fatalf("Set(%d): %v", t.ID, err)
	}
}

func (h *harness) advanceTo(at time.Time) {
	h.t.Helper()
	d := at.Sub(h.clk.Now())
	if d < 0 {
		h.t.Fatalf("advance back in time to %v from %v", at, h.clk.Now())
	}
	h.clk.Advance(d)
}

func (h *harness) run() *runRec {
	h.t.Helper()
	select {
	case r := <-h.runs:
		return r
	case <-time.After(wait):
		h.t.Fatal("no run started")
	}
	return nil
}

func (h *harness) fire() fireReport {
	h.t.Helper()
	select {
	case f := <-h.fires:
		// Let gocron finish its own bookkeeping of this fire before the
		// test moves the clock on: it prunes past fire times with "now" on
		// its scheduler goroutine after it has called the job function, and
		// a clock that has already jumped past the next fire there makes it
		// forget that fire and fire it twice (a fake-clock artefact: real
		// time cannot jump a whole interval in those microseconds). A
		// NextRun request is served by that goroutine after that work.
		h.s.NextRun(f.TaskID)
		return f
	case <-time.After(wait):
		h.t.Fatal("no fire")
	}
	return fireReport{}
}

func (h *harness) skip() skipRec {
	h.t.Helper()
	select {
	case s := <-h.skips:
		return s
	case <-time.After(wait):
		h.t.Fatal("no skip recorded")
	}
	return skipRec{}
}

func (h *harness) done(r *runRec) {
	h.t.Helper()
	select {
	case <-r.done:
	case <-time.After(wait):
		h.t.Fatal("run did not return")
	}
}

// idle waits until the task has no run in flight: Run returning is not yet
// the scheduler noticing it.
func (h *harness) idle(id int64) {
	h.t.Helper()
	waitFor(h.t, func() bool { return !slices.Contains(h.s.Running(), id) })
}

// quiet asserts that nothing fires, runs or is skipped for a moment.
func (h *harness) quiet() {
	h.t.Helper()
	select {
	case r := <-h.runs:
		h.t.Fatalf("unexpected run of %d (%s) at %v", r.id, r.trigger, r.at)
	case s := <-h.skips:
		h.t.Fatalf("unexpected skip of %d at %v", s.id, s.at)
	case f := <-h.fires:
		h.t.Fatalf("unexpected fire of %d at %v (%s)", f.TaskID, f.At, f.Outcome)
	case <-time.After(50 * time.Millisecond):
	}
}

func (h *harness) next(id int64) time.Time {
	h.t.Helper()
	at, ok := h.s.NextRun(id)
	if !ok {
		h.t.Fatalf("task %d has no next run", id)
	}
	return at
}

func (h *harness) noNext(id int64) {
	h.t.Helper()
	if at, ok := h.s.NextRun(id); ok {
		h.t.Fatalf("task %d: next run %v, want none", id, at)
	}
}

// expectFires steps the clock to each time and checks that the task fires
// exactly then: NextRun announces it, and Run gets it as scheduledAt with
// the clock showing it (an earlier fire would show up as an earlier time).
func (h *harness) expectFires(id int64, times ...time.Time) {
	h.t.Helper()
	for _, want := range times {
		if got := h.next(id); !got.Equal(want) {
			h.t.Fatalf("task %d: NextRun %v, want %v", id, got, want)
		}
		h.advanceTo(want)
		if f := h.fire(); f.TaskID != id || !f.At.Equal(want) || f.Outcome != outcomeStarted {
			h.t.Fatalf("fire %+v, want task %d at %v started", f, id, want)
		}
		r := h.run()
		if r.id != id || r.trigger != task.TriggerAuto || !r.at.Equal(want) || !r.now.Equal(want) {
			h.t.Fatalf("run of %d (%s) scheduled %v at %v, want %d auto at %v", r.id, r.trigger, r.at, r.now, id, want)
		}
		if r.at.Location() != h.loc {
			h.t.Fatalf("scheduledAt in %v, want %v", r.at.Location(), h.loc)
		}
		h.done(r)
		h.idle(id)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func cmdTask(id int64, sc task.Schedule) task.Task {
	return task.Task{ID: id, Name: "t", Kind: task.KindCommand, Command: &task.Command{Line: "true"},
		Schedule: sc, Enabled: true}
}

func every(d time.Duration) task.Schedule { return task.Schedule{Kind: task.ScheduleEvery, Every: d} }

func TestSchedules(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	at := func(h, m, s int) time.Time { return time.Date(2026, 1, 5, h, m, s, 0, sh) }
	day := func(d, h, m, s int) time.Time { return time.Date(2026, 1, d, h, m, s, 0, sh) }
	tests := []struct {
		name  string
		start time.Time
		sc    task.Schedule
		want  []time.Time
	}{
		{"cron 5 fields", at(8, 50, 0), task.Schedule{Kind: task.ScheduleCron, Cron: "*/15 * * * *"},
			[]time.Time{at(9, 0, 0), at(9, 15, 0), at(9, 30, 0), at(9, 45, 0)}},
		{"cron 6 fields", at(8, 50, 3), task.Schedule{Kind: task.ScheduleCron, Cron: "*/10 * * * * *"},
			[]time.Time{at(8, 50, 10), at(8, 50, 20), at(8, 50, 30), at(8, 50, 40)}},
		{"cron descriptor", at(8, 50, 0), task.Schedule{Kind: task.ScheduleCron, Cron: "@hourly"},
			[]time.Time{at(9, 0, 0), at(10, 0, 0)}},
		{"every 5m", at(9, 0, 7), every(5 * time.Minute),
			[]time.Time{at(9, 5, 7), at(9, 10, 7), at(9, 15, 7)}},
		{"daily two times over two days", at(12, 0, 0), task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"20:30:15", "08:00"}},
			[]time.Time{day(5, 20, 30, 15), day(6, 8, 0, 0), day(6, 20, 30, 15), day(7, 8, 0, 0)}},
		{"at", at(12, 0, 0), task.Schedule{Kind: task.ScheduleAt, At: at(13, 0, 0)},
			[]time.Time{at(13, 0, 0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.start, nil)
			h.set(cmdTask(1, tc.sc))
			h.s.Start()
			h.expectFires(1, tc.want...)
			if tc.sc.Kind == task.ScheduleAt {
				// Once, never again.
				h.noNext(1)
				h.advanceTo(tc.start.Add(72 * time.Hour))
				h.quiet()
			}
		})
	}
}

func TestAtInThePastNeverFires(t *testing.T) {
	start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.s.Start()
	h.set(cmdTask(1, task.Schedule{Kind: task.ScheduleAt, At: start.Add(-time.Hour)}))
	h.set(cmdTask(2, task.Schedule{Kind: task.ScheduleAt, At: start.Add(time.Second / 2)})) // too close: counts as past
	h.noNext(1)
	h.noNext(2)
	h.advanceTo(start.Add(48 * time.Hour))
	h.quiet()
	if err := h.s.RunNow(1); err != nil { // still runnable by hand
		t.Fatal(err)
	}
	if r := h.run(); r.id != 1 || r.trigger != task.TriggerManual {
		t.Fatalf("run %d %s, want 1 manual", r.id, r.trigger)
	}
}

func TestRandomDelayFixed(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	delays := []time.Duration{90 * time.Second, 0, 7 * time.Minute, 90 * time.Second}
	var (
		mu   sync.Mutex
		asks []time.Duration
	)
	h := newHarness(t, start, func(p *Params) {
		p.Rand = func(max time.Duration) time.Duration {
			mu.Lock()
			defer mu.Unlock()
			asks = append(asks, max)
			d := delays[0]
			delays = delays[1:]
			return d
		}
	})
	sc := every(10 * time.Minute)
	sc.RandomDelay = 5 * time.Minute
	h.set(cmdTask(1, sc))
	h.s.Start()

	check := func(fire time.Time, delay time.Duration) {
		t.Helper()
		h.advanceTo(fire)
		f := h.fire()
		if !f.At.Equal(fire) || f.Delay != delay {
			t.Fatalf("fire %+v, want at %v with delay %v", f, fire, delay)
		}
		if delay > 0 {
			if f.Outcome != outcomeDelayed {
				t.Fatalf("outcome %s, want delayed", f.Outcome)
			}
			h.advanceTo(fire.Add(delay))
		}
		r := h.run()
		if !r.at.Equal(fire) || !r.now.Equal(fire.Add(delay)) {
			t.Fatalf("run scheduled %v started %v, want %v and %v", r.at, r.now, fire, fire.Add(delay))
		}
		h.done(r)
		h.idle(1)
	}
	check(start.Add(10*time.Minute), 90*time.Second)
	check(start.Add(20*time.Minute), 0)
	check(start.Add(30*time.Minute), 5*time.Minute) // Rand said 7m: clamped to the maximum

	// A delay under way is cancelled by Remove.
	h.advanceTo(start.Add(40 * time.Minute))
	if f := h.fire(); f.Outcome != outcomeDelayed || f.Delay != 90*time.Second {
		t.Fatalf("fire %+v, want delayed 90s", f)
	}
	h.s.Remove(1)
	h.advanceTo(start.Add(45 * time.Minute))
	h.quiet()
	mu.Lock()
	defer mu.Unlock()
	for _, a := range asks {
		if a != 5*time.Minute {
			t.Fatalf("Rand asked for %v, want the task's 5m", a)
		}
	}
}

func TestRandomDelayDefault(t *testing.T) {
	const n = 20 * time.Second
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	sc := every(time.Minute)
	sc.RandomDelay = n
	h.set(cmdTask(1, sc))
	h.s.Start()
	seen := map[time.Duration]bool{}
	for i := 1; i <= 60; i++ {
		fire := start.Add(time.Duration(i) * time.Minute)
		h.advanceTo(fire)
		f := h.fire()
		if f.Delay < 0 || f.Delay > n {
			t.Fatalf("delay %v outside [0, %v]", f.Delay, n)
		}
		seen[f.Delay] = true
		if f.Delay > 0 {
			h.advanceTo(fire.Add(n))
		}
		r := h.run()
		if !r.at.Equal(fire) || r.now.Before(fire) || r.now.After(fire.Add(n)) {
			t.Fatalf("run scheduled %v started %v, want %v within %v", r.at, r.now, fire, n)
		}
		h.done(r)
		h.idle(1)
	}
	if len(seen) < 50 {
		t.Fatalf("only %d distinct delays in 60 fires", len(seen))
	}

	// The default draws from the closed interval [0, max].
	counts := map[time.Duration]int{}
	for range 4000 {
		d := uniform(3)
		if d < 0 || d > 3 {
			t.Fatalf("uniform(3) = %v", d)
		}
		counts[d]++
	}
	if len(counts) != 4 {
		t.Fatalf("uniform(3) drew %v, want each of 0..3", counts)
	}
}

func TestDST(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	utc := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		start time.Time
		sc    task.Schedule
		want  []time.Time
	}{
		// 02:30 does not exist on 2026-03-08 in New York: the run comes
		// right after the jump, at 03:30 EDT (07:30Z); the next day at 02:30 EDT.
		{"daily in the spring-forward gap", time.Date(2026, 3, 7, 12, 0, 0, 0, ny),
			task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"02:30"}},
			[]time.Time{utc(3, 8, 7, 30), utc(3, 9, 6, 30)}},
		// 01:30 happens twice on 2026-11-01: one run, at the first (EDT, 05:30Z);
		// next at 01:30 EST on 11-02 (06:30Z), nothing at 06:30Z on 11-01.
		{"daily in the fall-back hour", time.Date(2026, 10, 31, 12, 0, 0, 0, ny),
			task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"01:30"}},
			[]time.Time{utc(11, 1, 5, 30), utc(11, 2, 6, 30)}},
		// East of UTC Go's time.Date picks the second 02:30 (CET, 01:30Z) on
		// 2026-10-25; still one run that day.
		{"daily in the fall-back hour, Berlin", time.Date(2026, 10, 24, 12, 0, 0, 0, berlin),
			task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"02:30"}},
			[]time.Time{utc(10, 25, 1, 30), utc(10, 26, 1, 30)}},
		// Hourly cron fires at every real hour: 01:00 EDT and 01:00 EST both.
		{"hourly cron at fall-back", time.Date(2026, 10, 31, 23, 30, 0, 0, ny),
			task.Schedule{Kind: task.ScheduleCron, Cron: "0 * * * *"},
			[]time.Time{utc(11, 1, 4, 0), utc(11, 1, 5, 0), utc(11, 1, 6, 0), utc(11, 1, 7, 0), utc(11, 1, 8, 0)}},
		// …and at spring-forward there is no 02:00: 01:00 EST then 03:00 EDT.
		{"hourly cron at spring-forward", time.Date(2026, 3, 7, 23, 30, 0, 0, ny),
			task.Schedule{Kind: task.ScheduleCron, Cron: "0 * * * *"},
			[]time.Time{utc(3, 8, 5, 0), utc(3, 8, 6, 0), utc(3, 8, 7, 0), utc(3, 8, 8, 0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.start, nil)
			h.set(cmdTask(1, tc.sc))
			h.s.Start()
			h.expectFires(1, tc.want...)
			if tc.sc.Kind == task.ScheduleCron {
				// The scheduler and the previews (task.Schedule.NextN) agree.
				if got := tc.sc.NextN(tc.start, len(tc.want), h.loc); !slices.EqualFunc(got, tc.want, time.Time.Equal) {
					t.Fatalf("Schedule.NextN = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestOverlapSkip(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.hold.Store(true)
	h.set(cmdTask(1, every(time.Minute)))
	h.s.Start()

	f1 := start.Add(time.Minute)
	h.advanceTo(f1)
	r1 := h.run()
	if !r1.at.Equal(f1) {
		t.Fatalf("first run scheduled %v, want %v", r1.at, f1)
	}
	h.fire()

	// The next fire finds it running: a skip at exactly that fire time.
	f2 := start.Add(2 * time.Minute)
	h.advanceTo(f2)
	if f := h.fire(); f.Outcome != outcomeSkipped {
		t.Fatalf("fire %+v, want skipped", f)
	}
	if s := h.skip(); s.id != 1 || s.trigger != task.TriggerAuto || !s.at.Equal(f2) {
		t.Fatalf("skip %+v, want task 1 auto at %v", s, f2)
	}
	// A manual run while it runs follows the same policy.
	h.advanceTo(f2.Add(10 * time.Second))
	if err := h.s.RunNow(1); err != nil {
		t.Fatal(err)
	}
	if s := h.skip(); s.trigger != task.TriggerManual || !s.at.Equal(f2.Add(10*time.Second)) {
		t.Fatalf("skip %+v, want manual at %v", s, f2.Add(10*time.Second))
	}
	if got := h.s.Running(); !slices.Equal(got, []int64{1}) {
		t.Fatalf("Running = %v", got)
	}

	r1.finish()
	h.done(r1)
	h.idle(1)
	h.quiet() // skip means nothing runs after it
	if got := h.s.Running(); len(got) != 0 {
		t.Fatalf("Running = %v after the run", got)
	}
	h.hold.Store(false)
	h.expectFires(1, start.Add(3*time.Minute))
	if p := h.peak.Load(); p != 1 {
		t.Fatalf("%d runs at once, want 1", p)
	}
}

func TestOverlapQueue(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.hold.Store(true)
	tk := cmdTask(1, every(time.Minute))
	tk.Overlap = task.OverlapQueue
	h.set(tk)
	h.s.Start()

	f1, f2, f3 := start.Add(time.Minute), start.Add(2*time.Minute), start.Add(3*time.Minute)
	h.advanceTo(f1)
	r1 := h.run()
	h.fire()
	h.advanceTo(f2)
	if f := h.fire(); f.Outcome != outcomeQueued {
		t.Fatalf("fire %+v, want queued", f)
	}
	// The queue holds one: a manual run and the next fire are skipped.
	if err := h.s.RunNow(1); err != nil {
		t.Fatal(err)
	}
	if s := h.skip(); s.trigger != task.TriggerManual || !s.at.Equal(f2) {
		t.Fatalf("skip %+v, want manual at %v", s, f2)
	}
	h.advanceTo(f3)
	if f := h.fire(); f.Outcome != outcomeSkipped {
		t.Fatalf("fire %+v, want skipped", f)
	}
	if s := h.skip(); s.trigger != task.TriggerAuto || !s.at.Equal(f3) {
		t.Fatalf("skip %+v, want auto at %v", s, f3)
	}

	// The queued run starts the moment the first finishes.
	end := f3.Add(20 * time.Second)
	h.advanceTo(end)
	r1.finish()
	r2 := h.run()
	if r2.trigger != task.TriggerAuto || !r2.at.Equal(f2) || !r2.now.Equal(end) {
		t.Fatalf("queued run %s scheduled %v started %v, want auto, %v, %v", r2.trigger, r2.at, r2.now, f2, end)
	}
	r2.finish()
	h.done(r2)
	h.idle(1)
	h.quiet() // exactly one extra run
	h.hold.Store(false)
	h.expectFires(1, start.Add(4*time.Minute))
	if p := h.peak.Load(); p != 1 {
		t.Fatalf("%d runs at once, want 1", p)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, func(p *Params) { p.MaxConcurrent = 2 })
	h.hold.Store(true)
	for id := int64(1); id <= 3; id++ {
		h.set(cmdTask(id, every(time.Minute)))
	}
	h.s.Start()
	f1 := start.Add(time.Minute)
	h.advanceTo(f1)
	for range 3 {
		if f := h.fire(); f.Outcome != outcomeStarted {
			t.Fatalf("fire %+v, want started", f)
		}
	}
	a, b := h.run(), h.run()
	h.quiet() // the third waits for a slot…
	if got := h.s.Running(); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("Running = %v, want all three (a waiting run counts)", got)
	}
	a.finish()
	c := h.run() // …and starts when one frees
	if c.id == a.id || c.id == b.id || !c.at.Equal(f1) || !c.now.Equal(f1) {
		t.Fatalf("third run %d scheduled %v at %v", c.id, c.at, c.now)
	}
	b.finish()
	c.finish()
	h.done(b)
	h.done(c)
	if p := h.peak.Load(); p != 2 {
		t.Fatalf("%d runs at once, want at most (and here exactly) 2", p)
	}
}

func TestCatchUp(t *testing.T) {
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	daily := task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"08:00"}}
	tests := []struct {
		name    string
		missed  task.Missed
		enabled bool
		lastRun time.Time
		want    bool
		at      time.Time // scheduledAt of the catch-up run: the first missed fire
	}{
		{"missed, policy run", task.MissedRun, true, time.Date(2025, 12, 30, 8, 0, 0, 0, time.UTC), true,
			time.Date(2025, 12, 31, 8, 0, 0, 0, time.UTC)},
		{"missed, policy skip", task.MissedSkip, true, time.Date(2025, 12, 30, 8, 0, 0, 0, time.UTC), false, time.Time{}},
		{"missed, default policy", "", true, time.Date(2025, 12, 30, 8, 0, 0, 0, time.UTC), false, time.Time{}},
		{"nothing missed", task.MissedRun, true, time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC), false, time.Time{}},
		{"disabled", task.MissedRun, false, time.Date(2025, 12, 30, 8, 0, 0, 0, time.UTC), false, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, now, nil)
			tk := cmdTask(1, daily)
			tk.Missed, tk.Enabled = tc.missed, tc.enabled
			h.set(tk)
			h.s.Start()
			if got := h.s.CatchUp(tk, tc.lastRun, now); got != tc.want {
				t.Fatalf("CatchUp = %v, want %v", got, tc.want)
			}
			if tc.want {
				r := h.run()
				if r.trigger != task.TriggerAuto || !r.at.Equal(tc.at) || !r.now.Equal(now) {
					t.Fatalf("run %s scheduled %v at %v, want auto %v at %v", r.trigger, r.at, r.now, tc.at, now)
				}
			}
			h.quiet() // one run at most, no skips
		})
	}
}

func TestEdit(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, t0, nil)
	tk := cmdTask(1, every(5*time.Minute))
	h.set(tk)
	h.s.Start()
	h.expectFires(1, t0.Add(5*time.Minute))

	// Every 5m → every 1m at 09:07:30: the next fires follow the new
	// schedule exactly (09:10:00 of the old one would show up first).
	h.advanceTo(t0.Add(7*time.Minute + 30*time.Second))
	tk.Schedule = every(time.Minute)
	h.set(tk)
	h.expectFires(1, t0.Add(8*time.Minute+30*time.Second), t0.Add(9*time.Minute+30*time.Second), t0.Add(10*time.Minute+30*time.Second))

	// An edit that keeps the timing keeps the phase; runs see the new definition.
	tk.Name = "renamed"
	h.set(tk)
	next := t0.Add(11*time.Minute + 30*time.Second)
	if got := h.next(1); !got.Equal(next) {
		t.Fatalf("NextRun %v after a rename, want %v", got, next)
	}

	// An edit does not cancel the run in progress.
	h.hold.Store(true)
	h.advanceTo(next)
	r := h.run()
	h.fire()
	if r.name != "renamed" {
		t.Fatalf("run of %q, want the edited task", r.name)
	}
	tk.Schedule = every(2 * time.Minute)
	h.set(tk)
	if r.ctx.Err() != nil || !slices.Equal(h.s.Running(), []int64{1}) {
		t.Fatal("the edit cancelled the run in progress")
	}
	if got, want := h.next(1), next.Add(2*time.Minute); !got.Equal(want) {
		t.Fatalf("NextRun %v, want %v", got, want)
	}
	r.finish()
	h.done(r)
	h.idle(1)
	h.hold.Store(false)

	// Disabled: no automatic runs; RunNow still works.
	tk.Enabled = false
	h.set(tk)
	h.noNext(1)
	h.advanceTo(next.Add(time.Hour))
	h.quiet()
	if err := h.s.RunNow(1); err != nil {
		t.Fatal(err)
	}
	if r := h.run(); r.trigger != task.TriggerManual {
		t.Fatalf("run %s, want manual", r.trigger)
	}
	h.idle(1)

	// Enabled again: scheduled from now.
	tk.Enabled = true
	h.set(tk)
	h.expectFires(1, next.Add(time.Hour+2*time.Minute))
}

func TestRemove(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.hold.Store(true)
	tk := cmdTask(1, every(time.Minute))
	tk.Overlap = task.OverlapQueue
	h.set(tk)
	h.s.Start()
	h.advanceTo(start.Add(time.Minute))
	r := h.run()
	h.fire()
	h.advanceTo(start.Add(2 * time.Minute))
	if f := h.fire(); f.Outcome != outcomeQueued {
		t.Fatalf("fire %+v, want queued", f)
	}

	h.s.Remove(1)
	select {
	case <-r.ctx.Done():
	case <-time.After(wait):
		t.Fatal("Remove did not cancel the running run")
	}
	h.done(r)
	h.noNext(1)
	if got := h.s.Running(); len(got) != 0 {
		t.Fatalf("Running = %v", got)
	}
	if err := h.s.RunNow(1); !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("RunNow after Remove: %v, want ErrUnknownTask", err)
	}
	h.advanceTo(start.Add(10 * time.Minute))
	h.quiet() // no fires, and the queued run is gone too
}

func TestRunNowAndCancel(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.hold.Store(true)
	h.set(cmdTask(1, task.Schedule{}))
	h.s.Start()
	h.noNext(1)
	if h.s.Cancel(1) {
		t.Fatal("Cancel with nothing running returned true")
	}
	if h.s.Cancel(99) {
		t.Fatal("Cancel of an unknown task returned true")
	}
	if err := h.s.RunNow(99); !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("RunNow(99): %v, want ErrUnknownTask", err)
	}

	at := start.Add(42 * time.Second)
	h.advanceTo(at)
	if err := h.s.RunNow(1); err != nil {
		t.Fatal(err)
	}
	r := h.run()
	if r.trigger != task.TriggerManual || !r.at.Equal(at) || !r.now.Equal(at) {
		t.Fatalf("run %s scheduled %v at %v, want manual at %v", r.trigger, r.at, r.now, at)
	}
	if !h.s.Cancel(1) {
		t.Fatal("Cancel of a running run returned false")
	}
	select {
	case <-r.ctx.Done():
	case <-time.After(wait):
		t.Fatal("Cancel did not cancel the run's context")
	}
	h.done(r)
	waitFor(t, func() bool { return len(h.s.Running()) == 0 })
	if h.s.Cancel(1) {
		t.Fatal("Cancel after the run ended returned true")
	}
}

func TestPause(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.set(cmdTask(1, every(time.Minute)))
	h.s.Start()
	h.s.Pause(true)
	h.advanceTo(start.Add(time.Minute))
	if f := h.fire(); f.Outcome != outcomePaused {
		t.Fatalf("fire %+v, want dropped while paused", f)
	}
	h.quiet() // no run, no skip recorded
	if err := h.s.RunNow(1); err != nil {
		t.Fatal(err)
	}
	if r := h.run(); r.trigger != task.TriggerManual {
		t.Fatalf("run %s, want manual", r.trigger)
	}
	h.idle(1)
	h.s.Pause(false)
	h.expectFires(1, start.Add(2*time.Minute))
}

func TestShutdownWaitsForRuns(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, func(p *Params) { p.MaxConcurrent = 1 })
	h.hold.Store(true)
	h.set(cmdTask(1, every(time.Minute)))
	h.set(cmdTask(2, task.Schedule{}))
	h.s.Start()
	if err := h.s.RunNow(1); err != nil {
		t.Fatal(err)
	}
	r := h.run()
	if err := h.s.RunNow(2); err != nil { // waits for the only slot
		t.Fatal(err)
	}

	res := make(chan error, 1)
	go func() { res <- h.s.Shutdown(context.Background()) }()
	select {
	case err := <-res:
		t.Fatalf("Shutdown returned %v with a run in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	if r.ctx.Err() != nil {
		t.Fatal("Shutdown cancelled the run before its deadline")
	}
	r.finish()
	select {
	case err := <-res:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Shutdown did not return after the run finished")
	}
	// The waiting run was dropped; nothing fires any more.
	h.advanceTo(start.Add(5 * time.Minute))
	h.quiet()
	if err := h.s.RunNow(1); !errors.Is(err, ErrShutdown) {
		t.Fatalf("RunNow after Shutdown: %v", err)
	}
	if err := h.s.Set(cmdTask(3, task.Schedule{})); !errors.Is(err, ErrShutdown) {
		t.Fatalf("Set after Shutdown: %v", err)
	}
}

func TestShutdownCancelsAtDeadline(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.hold.Store(true)
	h.set(cmdTask(1, every(time.Minute)))
	h.s.Start()
	h.advanceTo(start.Add(time.Minute))
	r := h.run()

	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- h.s.Shutdown(ctx) }()
	select {
	case err := <-res:
		t.Fatalf("Shutdown returned %v before its deadline", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case <-r.ctx.Done():
	case <-time.After(wait):
		t.Fatal("the run was not cancelled when Shutdown's context ended")
	}
	select {
	case err := <-res:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown: %v, want context.Canceled", err)
		}
	case <-time.After(wait):
		t.Fatal("Shutdown did not return")
	}
	select {
	case <-r.done:
	default:
		t.Fatal("Shutdown returned before the cancelled run did")
	}
}

func TestNewAndSetErrors(t *testing.T) {
	if _, err := New(Params{}); err == nil {
		t.Fatal("New without Run succeeded")
	}
	if _, err := New(Params{Run: func(context.Context, task.Task, task.Trigger, time.Time) {}, MaxConcurrent: -1}); err == nil {
		t.Fatal("New with a negative limit succeeded")
	}
	s, err := New(Params{Run: func(context.Context, task.Task, task.Trigger, time.Time) {}})
	if err != nil {
		t.Fatal(err)
	}
	if cap(s.slots) < 1 {
		t.Fatalf("default limit %d", cap(s.slots))
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	h := newHarness(t, start, nil)
	h.s.Start()
	if err := h.s.Set(cmdTask(1, task.Schedule{Kind: task.ScheduleCron, Cron: "nonsense"})); err == nil {
		t.Fatal("Set with a bad cron succeeded")
	}
	// Valid syntax, but February 30th never comes: an error, yet the task is
	// known and can be run by hand.
	if err := h.s.Set(cmdTask(2, task.Schedule{Kind: task.ScheduleCron, Cron: "0 0 30 2 *"})); err == nil {
		t.Fatal("Set with a cron that never fires succeeded")
	}
	h.noNext(2)
	if err := h.s.RunNow(2); err != nil {
		t.Fatal(err)
	}
	h.run()
}

// waitFor polls cond for a short while (goroutines settling, not time passing).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
