// Package schedule fires the user's tasks on time with gocron v2 and owns
// everything around a fire that gocron does not do the way Herald needs:
// no overlap (a skipped fire is recorded, or one run is queued), a global
// limit on runs at once where extra runs wait, a random delay, pausing,
// the missed-run policy at start-up, and a shutdown that waits for runs and
// then cancels them. It knows no store and no GUI: it is given callbacks.
//
// How gocron is used. Each task with an automatic schedule is one gocron job
// in gocron's standard mode (no singleton mode, no concurrency limit). In
// that mode gocron starts every fire on its own goroutine and schedules the
// next fire before it calls the job function, so a job that is still busy
// never delays or drops a later fire — while singleton mode would drop it
// (LimitModeReschedule) or pile it up (LimitModeWait) without telling us,
// and we must record every skip. Our job function does not run the task: it
// only decides (drop while paused, start a random delay, start a run, queue
// it, or record a skip) and returns at once. The run itself goes on a
// goroutine of ours, so overlap is judged by our own per-task state, which
// sees every fire; gocron's Shutdown (which waits for job functions up to its
// own stop timeout) never waits for a user's run; and Shutdown(ctx) decides
// itself when to cancel runs.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/heraldpush/herald/engine/task"
)

// Errors returned by the Scheduler.
var (
	ErrUnknownTask = errors.New("unknown task")
	ErrShutdown    = errors.New("scheduler is shut down")
)

// Params configure a Scheduler.
type Params struct {
	Clock    clockwork.Clock // nil → real clock
	Location *time.Location  // nil → time.Local (DST-safe: cron/daily are wall-clock times in this zone)
	// MaxConcurrent is the global limit on runs executing at once, across
	// tasks; runs beyond it wait for a slot. 0 → runtime.NumCPU().
	MaxConcurrent int
	// Run executes one run of t and records it; called on its own goroutine
	// with a concurrency slot held. ctx is cancelled by Cancel(taskID),
	// Remove or Shutdown. scheduledAt is the fire time (before random delay)
	// for auto runs, the request time otherwise.
	Run func(ctx context.Context, t task.Task, trigger task.Trigger, scheduledAt time.Time)
	// Skip records a fire that found the previous run of t still going
	// (overlap policy skip, or a queue already holding one). at is the fire
	// time (before random delay) or the request time of a manual run.
	// nil → skips are only logged.
	Skip func(t task.Task, trigger task.Trigger, at time.Time)
	// Rand draws a random delay in [0, max]; nil → uniform from math/rand/v2.
	Rand func(max time.Duration) time.Duration
	Log  *slog.Logger // nil → discard
}

// Scheduler fires tasks. Create it with New, give it tasks with Set, then
// Start it.
type Scheduler struct {
	clock  clockwork.Clock
	loc    *time.Location
	run    func(ctx context.Context, t task.Task, trigger task.Trigger, scheduledAt time.Time)
	skip   func(t task.Task, trigger task.Trigger, at time.Time)
	rand   func(max time.Duration) time.Duration
	log    *slog.Logger
	gs     gocron.Scheduler
	fires  *fireTimes
	slots  chan struct{} // the global concurrency limit
	runCtx context.Context
	kill   context.CancelFunc // cancels every run (Shutdown's deadline)

	// jobMu serialises changes to gocron's jobs (Start, Set, Remove, the
	// gocron part of Shutdown). It is never taken by a fire, and mu is never
	// held while gocron is called, so gocron waiting for a job function can
	// not wait for us.
	jobMu sync.Mutex

	mu       sync.Mutex
	tasks    map[int64]*entry
	started  bool
	closed   bool
	stopping chan struct{} // closed by Shutdown: runs not started yet are dropped
	paused   bool
	wg       sync.WaitGroup // run and delay goroutines

	// onFire, when set (tests), is called at the end of every gocron fire
	// with what became of it.
	onFire func(fireReport)
}

// entry is what the scheduler holds for one task.
type entry struct {
	task     task.Task
	gen      uint64                // bumped on reschedule and removal; stale fires and delays are ignored
	job      gocron.Job            // nil: no automatic runs (or not registered yet)
	inflight *pending              // waiting for a slot or running
	queued   *pending              // OverlapQueue: runs right after inflight
	delays   map[*pending]struct{} // random delays under way (auto fires not yet requested)
	removed  bool
}

// pending is one run from its request until it returns.
type pending struct {
	trigger task.Trigger
	at      time.Time
	ctx     context.Context
	cancel  context.CancelFunc
}

// fireReport tells tests what a gocron fire did.
type fireReport struct {
	TaskID  int64
	At      time.Time
	Outcome string // started, queued, skipped, delayed, paused, stale
	Delay   time.Duration
}

// New builds a scheduler; it fires nothing until Start.
func New(p Params) (*Scheduler, error) {
	if p.Run == nil {
		return nil, errors.New("schedule: Params.Run is required")
	}
	if p.MaxConcurrent < 0 {
		return nil, fmt.Errorf("schedule: MaxConcurrent must not be negative, got %d", p.MaxConcurrent)
	}
	if p.MaxConcurrent == 0 {
		p.MaxConcurrent = runtime.NumCPU()
	}
	if p.Clock == nil {
		p.Clock = clockwork.NewRealClock()
	}
	if p.Location == nil {
		p.Location = time.Local
	}
	if p.Rand == nil {
		p.Rand = uniform
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	fires := &fireTimes{at: map[uuid.UUID]time.Time{}}
	gs, err := gocron.NewScheduler(
		gocron.WithClock(p.Clock),
		gocron.WithLocation(p.Location),
		gocron.WithLogger(p.Log.With("component", "gocron")),
		gocron.WithSchedulerMonitor(fires),
	)
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	runCtx, kill := context.WithCancel(context.Background())
	return &Scheduler{
		clock:    p.Clock,
		loc:      p.Location,
		run:      p.Run,
		skip:     p.Skip,
		rand:     p.Rand,
		log:      p.Log,
		gs:       gs,
		fires:    fires,
		slots:    make(chan struct{}, p.MaxConcurrent),
		runCtx:   runCtx,
		kill:     kill,
		tasks:    map[int64]*entry{},
		stopping: make(chan struct{}),
	}, nil
}

// uniform draws uniformly from [0, max].
func uniform(max time.Duration) time.Duration {
	switch {
	case max <= 0:
		return 0
	case max == math.MaxInt64:
		return rand.N(max)
	}
	return rand.N(max + 1)
}

// Start begins firing the tasks given so far (and any given later).
func (s *Scheduler) Start() {
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return
	}
	s.started = true
	type reg struct {
		gen uint64
		t   task.Task
	}
	var regs []reg
	for _, e := range s.tasks {
		regs = append(regs, reg{e.gen, e.task})
	}
	s.mu.Unlock()
	// Jobs are handed to gocron only once it runs: gocron's Start, like its
	// NewJob, computes each first fire from "now", and a one-shot time that
	// passed in between would make it spin (see oneShotLead).
	s.gs.Start()
	for _, r := range regs {
		if err := s.register(r.t, r.gen); err != nil {
			s.log.Warn("cannot schedule task", "task", r.t.ID, "name", r.t.Name, "error", err)
		}
	}
}

// Set adds a task or replaces its definition (an edit). A change of timing
// reschedules at once; a run in progress goes on. A disabled task, or one
// with ScheduleNone, gets no automatic runs but RunNow still works; an `at`
// in the past (or less than a second ahead) never fires automatically.
func (s *Scheduler) Set(t task.Task) error {
	if err := t.Schedule.Validate(); err != nil {
		return fmt.Errorf("task %d: %w", t.ID, err)
	}
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrShutdown
	}
	e, known := s.tasks[t.ID]
	if !known {
		e = &entry{delays: map[*pending]struct{}{}}
		s.tasks[t.ID] = e
	}
	old := e.task
	e.task = t
	if known && sameTiming(old, t) && (e.job != nil || !s.started) {
		// Nothing about the timing changed: keep the job (and an interval's
		// phase) and any random delay under way; runs use the new definition.
		s.mu.Unlock()
		return nil
	}
	e.gen++
	gen := e.gen
	oldJob := e.job
	e.job = nil
	e.cancelDelays()
	started := s.started
	s.mu.Unlock()

	if oldJob != nil {
		s.removeJob(oldJob)
	}
	if !started {
		return nil
	}
	if err := s.register(t, gen); err != nil {
		return fmt.Errorf("task %d: %w", t.ID, err)
	}
	return nil
}

// register gives gocron the job for t, if t has automatic runs. The caller
// holds jobMu.
func (s *Scheduler) register(t task.Task, gen uint64) error {
	def, opts, ok, err := s.definition(t, s.clock.Now())
	if err != nil || !ok {
		return err
	}
	id := uuid.New()
	taskID := t.ID
	opts = append(opts, gocron.WithIdentifier(id), gocron.WithName(fmt.Sprintf("task-%d", taskID)))
	job, err := s.gs.NewJob(def, gocron.NewTask(func() { s.fire(taskID, gen, id) }), opts...)
	if err != nil {
		if errors.Is(err, gocron.ErrOneTimeJobStartDateTimePast) {
			return nil // it became past on the way: never fires, like any past `at`
		}
		return err
	}
	s.mu.Lock()
	e := s.tasks[taskID]
	current := e != nil && e.gen == gen
	if current {
		e.job = job
	}
	s.mu.Unlock()
	if !current {
		s.removeJob(job)
	}
	return nil
}

func (s *Scheduler) removeJob(j gocron.Job) {
	if err := s.gs.RemoveJob(j.ID()); err != nil && !errors.Is(err, gocron.ErrJobNotFound) {
		s.log.Warn("cannot remove gocron job", "job", j.Name(), "error", err)
	}
}

// Remove deletes a task: future fires and random delays under way are
// cancelled, and so is a run in progress (and one queued).
func (s *Scheduler) Remove(taskID int64) {
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	s.mu.Lock()
	e := s.tasks[taskID]
	if e == nil {
		s.mu.Unlock()
		return
	}
	delete(s.tasks, taskID)
	e.removed = true
	e.gen++
	e.cancelDelays()
	e.cancelRuns()
	job := e.job
	e.job = nil
	s.mu.Unlock()
	if job != nil {
		s.removeJob(job)
	}
}

// RunNow starts a manual run of a known task. The overlap policy and the
// concurrency limit apply as to automatic runs; a skip is reported through
// Params.Skip, not as an error. It works while paused and for disabled tasks.
func (s *Scheduler) RunNow(taskID int64) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrShutdown
	}
	e := s.tasks[taskID]
	if e == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrUnknownTask, taskID)
	}
	at := s.clock.Now().In(s.loc)
	outcome := s.requestLocked(e, task.TriggerManual, at)
	t := e.task
	s.mu.Unlock()
	if outcome == outcomeSkipped {
		s.recordSkip(t, task.TriggerManual, at)
	}
	return nil
}

// Cancel cancels the run of the task in progress (or waiting for a slot),
// and drops a run queued behind it. It reports whether there was one.
func (s *Scheduler) Cancel(taskID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.tasks[taskID]
	if e == nil || e.inflight == nil {
		return false
	}
	e.cancelRuns()
	return true
}

// Running returns the ids of tasks with a run in progress or waiting for a
// slot, in ascending order.
func (s *Scheduler) Running() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for id, e := range s.tasks {
		if e.inflight != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// NextRun returns the task's next automatic fire as gocron has it (in
// Params.Location, random delay not included), or false when there is none.
// While paused it still answers: the fire will come and be dropped.
func (s *Scheduler) NextRun(taskID int64) (time.Time, bool) {
	s.mu.Lock()
	var job gocron.Job
	if e := s.tasks[taskID]; e != nil {
		job = e.job
	}
	s.mu.Unlock()
	if job == nil {
		return time.Time{}, false
	}
	next, err := job.NextRun()
	if err != nil || next.IsZero() {
		return time.Time{}, false
	}
	return next.In(s.loc), true
}

// Pause stops (true) or resumes (false) all automatic runs. Fires while
// paused — including random delays that end while paused — are dropped
// without being recorded. RunNow still works.
func (s *Scheduler) Pause(paused bool) {
	s.mu.Lock()
	s.paused = paused
	s.mu.Unlock()
}

// CatchUp applies the missed-run policy at start-up: if t is enabled, its
// policy is MissedRun and a fire time fell in (lastRun, now), one automatic
// run of it starts at once (no random delay; scheduledAt is the first missed
// fire time) and CatchUp returns true. Call it after Set(t); an unknown task,
// MissedSkip, a pause, or nothing missed → false. When t has never run, pass
// when it was created or last edited as lastRun.
func (s *Scheduler) CatchUp(t task.Task, lastRun, now time.Time) bool {
	if t.Missed != task.MissedRun || !t.Enabled || t.Schedule.Kind == task.ScheduleNone {
		return false
	}
	due := t.Schedule.Next(lastRun, s.loc)
	if due.IsZero() || !due.Before(now) {
		return false
	}
	s.mu.Lock()
	e := s.tasks[t.ID]
	if s.closed || s.paused || e == nil {
		s.mu.Unlock()
		if e == nil {
			s.log.Warn("catch-up of a task the scheduler does not know", "task", t.ID)
		}
		return false
	}
	outcome := s.requestLocked(e, task.TriggerAuto, due)
	cur := e.task
	s.mu.Unlock()
	if outcome == outcomeSkipped {
		s.recordSkip(cur, task.TriggerAuto, due)
		return false
	}
	return true
}

// Shutdown stops firing and waits for runs in progress to finish; when ctx
// ends first it cancels them and waits for them to return, and returns
// ctx's error. Runs that have not started yet (random delay under way,
// waiting for a slot, queued) are dropped.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.closed
	if first {
		s.closed = true
		close(s.stopping)
		for _, e := range s.tasks {
			e.gen++
			e.job = nil // gocron is going away: NextRun answers none, Remove leaves it alone
			e.cancelDelays()
			if e.queued != nil {
				e.queued.cancel()
				e.queued = nil
			}
		}
	}
	s.mu.Unlock()

	var err error
	if first {
		s.jobMu.Lock()
		// Our job functions return at once, so this is quick; runs are ours.
		if gerr := s.gs.Shutdown(); gerr != nil {
			err = fmt.Errorf("schedule: stop gocron: %w", gerr)
		}
		s.jobMu.Unlock()
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		s.kill()
		<-done
		return errors.Join(ctx.Err(), err)
	}
}

// Fire outcomes.
const (
	outcomeStarted = "started" // a run was started (it may wait for a slot)
	outcomeQueued  = "queued"
	outcomeSkipped = "skipped"
	outcomeDelayed = "delayed"
	outcomePaused  = "paused"
	outcomeStale   = "stale" // removed, rescheduled or shut down meanwhile
)

// fire is the gocron job function of one task's job; gen is the entry's
// generation when the job was made, jobID the gocron job.
func (s *Scheduler) fire(taskID int64, gen uint64, jobID uuid.UUID) {
	at, ok := s.fires.take(jobID)
	if !ok {
		at = s.clock.Now()
	}
	at = at.In(s.loc)
	rep := fireReport{TaskID: taskID, At: at}
	defer func() {
		if s.onFire != nil {
			s.onFire(rep)
		}
	}()

	s.mu.Lock()
	e := s.tasks[taskID]
	switch {
	case e == nil || e.gen != gen || s.closed:
		s.mu.Unlock()
		rep.Outcome = outcomeStale
		return
	case s.paused:
		s.mu.Unlock()
		rep.Outcome = outcomePaused
		s.log.Debug("fire dropped while paused", "task", taskID, "at", at)
		return
	}
	t := e.task
	if limit := t.Schedule.RandomDelay; limit > 0 {
		d := min(max(s.rand(limit), 0), limit)
		rep.Delay = d
		if d > 0 {
			s.delayLocked(e, gen, at, d)
			s.mu.Unlock()
			rep.Outcome = outcomeDelayed
			return
		}
	}
	rep.Outcome = s.requestLocked(e, task.TriggerAuto, at)
	s.mu.Unlock()
	if rep.Outcome == outcomeSkipped {
		s.recordSkip(t, task.TriggerAuto, at)
	}
}

// delayLocked waits d on the scheduler's clock, then requests the run of
// the fire at `at`. Set (reschedule), Remove and Shutdown cancel the wait.
func (s *Scheduler) delayLocked(e *entry, gen uint64, at time.Time, d time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	key := &pending{trigger: task.TriggerAuto, at: at, ctx: ctx, cancel: cancel}
	e.delays[key] = struct{}{}
	// The timer is made here, not in the goroutine, so it exists when the
	// fire returns (tests advance the fake clock right after).
	timer := s.clock.NewTimer(d)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		select {
		case <-timer.Chan():
		case <-ctx.Done():
			timer.Stop()
			s.mu.Lock()
			delete(e.delays, key)
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		delete(e.delays, key)
		if e.gen != gen || s.closed || ctx.Err() != nil {
			s.mu.Unlock()
			return
		}
		if s.paused {
			s.mu.Unlock()
			s.log.Debug("delayed fire dropped while paused", "task", e.task.ID, "at", at)
			return
		}
		outcome := s.requestLocked(e, task.TriggerAuto, at)
		t := e.task
		s.mu.Unlock()
		if outcome == outcomeSkipped {
			s.recordSkip(t, task.TriggerAuto, at)
		}
	}()
}

// requestLocked applies the overlap policy to a new run request: start it
// when the task has no run in flight (running or waiting for a slot), queue
// it when the policy is queue and nothing is queued yet, else skip it (the
// caller records the skip after unlocking).
func (s *Scheduler) requestLocked(e *entry, trigger task.Trigger, at time.Time) string {
	r := &pending{trigger: trigger, at: at}
	switch {
	case e.inflight == nil:
		r.ctx, r.cancel = context.WithCancel(s.runCtx)
		e.inflight = r
		s.wg.Add(1)
		go s.execute(e, r)
		return outcomeStarted
	case e.task.Overlap == task.OverlapQueue && e.queued == nil:
		r.ctx, r.cancel = context.WithCancel(s.runCtx)
		e.queued = r
		return outcomeQueued
	}
	return outcomeSkipped
}

// execute runs r once a slot is free, then the run queued behind it, if any.
func (s *Scheduler) execute(e *entry, r *pending) {
	defer s.wg.Done()
	for r != nil {
		if s.acquire(r.ctx) {
			s.mu.Lock()
			t := e.task
			s.mu.Unlock()
			s.call(r, t)
			<-s.slots
		}
		r.cancel()

		s.mu.Lock()
		e.inflight = nil
		next := e.queued
		e.queued = nil
		if next != nil && (e.removed || s.closed) {
			next.cancel()
			next = nil
		}
		e.inflight = next
		s.mu.Unlock()
		r = next
	}
}

// acquire waits for a concurrency slot; false when the run was cancelled or
// the scheduler is shutting down before it got one.
func (s *Scheduler) acquire(ctx context.Context) bool {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return false
	case <-s.stopping:
		return false
	}
	select {
	case <-s.stopping:
	default:
		if ctx.Err() == nil {
			return true
		}
	}
	<-s.slots
	return false
}

func (s *Scheduler) call(r *pending, t task.Task) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("task run panicked", "task", t.ID, "name", t.Name, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	s.run(r.ctx, t, r.trigger, r.at)
}

func (s *Scheduler) recordSkip(t task.Task, trigger task.Trigger, at time.Time) {
	s.log.Debug("run skipped: the previous run is still going", "task", t.ID, "name", t.Name, "trigger", trigger, "at", at)
	if s.skip != nil {
		s.skip(t, trigger, at)
	}
}

func (e *entry) cancelDelays() {
	for p := range e.delays {
		p.cancel()
		delete(e.delays, p)
	}
}

func (e *entry) cancelRuns() {
	if e.queued != nil {
		e.queued.cancel()
		e.queued = nil
	}
	if e.inflight != nil {
		e.inflight.cancel()
	}
}
