// Package tasks runs the user's tasks end to end: it keeps their
// definitions (secrets such as environment values and HTTP headers in the OS
// keyring, the rest in the store), schedules them, executes each run,
// records it and tells subscribers, and prunes old history in the background.
package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/schedule"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// ErrBadInput marks errors caused by what the user asked for.
var ErrBadInput = errors.New("bad input")

// Secrets is where environment values and HTTP headers live.
type Secrets interface {
	Set(id, field, value string) error
	Get(id, field string) (string, error)
	Delete(id, field string) error
}

// Retention says how much history is kept.
type Retention struct {
	MaxAge     time.Duration // runs older than this are pruned; default 90 days
	MaxPerTask int           // runs beyond the newest N of a task are pruned; default 1000
	Every      time.Duration // how often the pruner runs; default 1 h
	Batch      int           // runs deleted per statement; default 500
}

func (r Retention) withDefaults() Retention {
	if r.MaxAge <= 0 {
		r.MaxAge = 90 * 24 * time.Hour
	}
	if r.MaxPerTask <= 0 {
		r.MaxPerTask = 1000
	}
	if r.Every <= 0 {
		r.Every = time.Hour
	}
	if r.Batch <= 0 {
		r.Batch = 500
	}
	return r
}

// Params configure a Service.
type Params struct {
	Store     *store.Store
	Secrets   Secrets
	Redactor  *redact.Redactor
	Log       *slog.Logger
	Clock     clockwork.Clock // nil: real time
	Location  *time.Location  // nil: time.Local
	HTTP      *http.Client    // for http tasks; nil: default
	Retention Retention
	// MaxConcurrent bounds runs at once across tasks; 0: number of CPUs.
	MaxConcurrent int
	// OutputCap bounds the output kept per run; 0: task.DefaultOutputCap.
	OutputCap int
}

// Event tells subscribers that something happened to a task.
type Event struct {
	Type EventType
	Task task.Task
	Run  task.Run // set for run events
}

// EventType names an event.
type EventType string

const (
	RunStarted  EventType = "run-started"
	RunFinished EventType = "run-finished" // includes skipped runs
	TaskChanged EventType = "task-changed" // added, edited, enabled, disabled or removed
)

// Service is the running task engine.
type Service struct {
	p     Params
	sched *schedule.Scheduler

	mu   sync.Mutex
	subs []func(Event)
	// hook runs inside the recording of a run (see OnRecord).
	hook RunHook

	stopPrune chan struct{}
	pruneDone chan struct{}

	// known is what the scheduler holds: task id → UpdatedAt, so Sync can
	// pick up changes another Herald process (the CLI) made in the store.
	known map[int64]time.Time
	// skips are the fires skipped during a task's current run (skip.go).
	skips map[int64]*skipGroup
}

// New builds a service; call Start to schedule tasks.
func New(p Params) (*Service, error) {
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Redactor == nil {
		p.Redactor = &redact.Redactor{}
	}
	if p.Clock == nil {
		p.Clock = clockwork.NewRealClock()
	}
	if p.Location == nil {
		p.Location = time.Local
	}
	p.Retention = p.Retention.withDefaults()
	s := &Service{p: p, known: map[int64]time.Time{}, skips: map[int64]*skipGroup{}}
	sched, err := schedule.New(schedule.Params{
		Clock:         p.Clock,
		Location:      p.Location,
		MaxConcurrent: p.MaxConcurrent,
		Run:           s.execute,
		Skip:          s.skip,
		Log:           p.Log,
	})
	if err != nil {
		return nil, err
	}
	s.sched = sched
	return s, nil
}

// Subscribe registers fn for every event; fn must not block.
func (s *Service) Subscribe(fn func(Event)) {
	s.mu.Lock()
	s.subs = append(s.subs, fn)
	s.mu.Unlock()
}

func (s *Service) publish(e Event) {
	s.mu.Lock()
	subs := append([]func(Event){}, s.subs...)
	s.mu.Unlock()
	for _, fn := range subs {
		fn(e)
	}
}

// Start loads the saved tasks into the scheduler, applies each task's
// missed-run policy, and starts the pruner.
func (s *Service) Start(ctx context.Context) error {
	list, err := s.p.Store.Tasks(ctx)
	if err != nil {
		return err
	}
	now := s.p.Clock.Now()
	for _, t := range list {
		s.schedule(t)
	}
	s.sched.Start()
	for _, t := range list {
		if !t.Enabled || t.Missed != task.MissedRun {
			continue
		}
		since := t.UpdatedAt
		if last, err := s.p.Store.LastRun(ctx, t.ID, task.TriggerAuto); err == nil {
			since = last.Started
		}
		if s.sched.CatchUp(t, since, now) {
			s.p.Log.Info("running missed task", "task", t.Name, "last_run", since)
		}
	}
	s.stopPrune = make(chan struct{})
	s.pruneDone = make(chan struct{})
	go s.pruneLoop()
	return nil
}

func (s *Service) schedule(t task.Task) {
	if err := s.sched.Set(t); err != nil {
		s.p.Log.Warn("cannot schedule task", "task", t.Name, "error", err)
	}
	s.mu.Lock()
	s.known[t.ID] = t.UpdatedAt
	s.mu.Unlock()
}

func (s *Service) unschedule(id int64) {
	s.sched.Remove(id)
	s.mu.Lock()
	delete(s.known, id)
	s.mu.Unlock()
}

// Sync reschedules tasks that another process added, edited or removed in
// the store since this service last saw them.
func (s *Service) Sync(ctx context.Context) error {
	list, err := s.p.Store.Tasks(ctx)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, t := range list {
		seen[t.ID] = true
		s.mu.Lock()
		at, ok := s.known[t.ID]
		s.mu.Unlock()
		if !ok || !at.Equal(t.UpdatedAt) {
			s.schedule(t)
			s.publish(Event{Type: TaskChanged, Task: t})
		}
	}
	s.mu.Lock()
	var gone []int64
	for id := range s.known {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	s.mu.Unlock()
	for _, id := range gone {
		s.unschedule(id)
		s.publish(Event{Type: TaskChanged, Task: task.Task{ID: id}})
	}
	return nil
}

// Shutdown stops firing, lets running runs finish until ctx ends, then
// cancels them, and stops the pruner.
func (s *Service) Shutdown(ctx context.Context) error {
	err := s.sched.Shutdown(ctx)
	s.flushAllSkips()
	if s.stopPrune != nil {
		close(s.stopPrune)
		<-s.pruneDone
		s.stopPrune = nil
	}
	return err
}

// Pause stops or resumes automatic runs.
func (s *Service) Pause(paused bool) { s.sched.Pause(paused) }

// NextRun is the next automatic fire of a task.
func (s *Service) NextRun(id int64) (time.Time, bool) { return s.sched.NextRun(id) }

// Running lists the tasks with a run in progress.
func (s *Service) Running() []int64 { return s.sched.Running() }

// Cancel stops the running run of a task.
func (s *Service) Cancel(id int64) bool { return s.sched.Cancel(id) }

// --- definitions -----------------------------------------------------------

// secretID names a task's keyring entries: herald/task-<instance>-<id>/env.
// The database's instance id keeps two data folders apart.
func (s *Service) secretID(id int64) (string, error) {
	inst, err := s.p.Store.InstanceID(context.Background())
	if err != nil {
		return "", err
	}
	return "task-" + inst + "-" + strconv.FormatInt(id, 10), nil
}

// nameTaken is bad input: another task has the name.
func nameTaken(name string) error {
	return fmt.Errorf("%w: %w", ErrBadInput, task.NewFieldError("name", i18n.New("service.task.name_taken", "Name", strconv.Quote(name))))
}

// Add validates and saves a new task and schedules it.
func (s *Service) Add(ctx context.Context, t task.Task) (task.Task, error) {
	t.Name = strings.TrimSpace(t.Name)
	if err := t.Validate(); err != nil {
		return task.Task{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err := checkSecretSizes(t); err != nil {
		return task.Task{}, err
	}
	if err := s.p.Store.CreateTask(ctx, &t); err != nil {
		if errors.Is(err, store.ErrNameTaken) {
			return task.Task{}, nameTaken(t.Name)
		}
		return task.Task{}, err
	}
	if err := s.saveSecrets(t); err != nil {
		// Keep nothing half-saved: the task without its secrets would run wrong.
		_ = s.p.Store.DeleteTask(ctx, t.ID)
		return task.Task{}, err
	}
	s.schedule(t)
	s.publish(Event{Type: TaskChanged, Task: t})
	return t, nil
}

// Update replaces a task's definition (found by t.ID) and reschedules it.
func (s *Service) Update(ctx context.Context, t task.Task) (task.Task, error) {
	t.Name = strings.TrimSpace(t.Name)
	if err := t.Validate(); err != nil {
		return task.Task{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err := checkSecretSizes(t); err != nil {
		return task.Task{}, err
	}
	if err := s.saveSecrets(t); err != nil {
		return task.Task{}, err
	}
	if err := s.p.Store.UpdateTask(ctx, &t); err != nil {
		if errors.Is(err, store.ErrNameTaken) {
			return task.Task{}, nameTaken(t.Name)
		}
		return task.Task{}, err
	}
	s.schedule(t)
	s.publish(Event{Type: TaskChanged, Task: t})
	return t, nil
}

// Remove deletes a task: future runs are cancelled, a running one too, and
// its history stays until pruned.
func (s *Service) Remove(ctx context.Context, name string) error {
	t, err := s.Get(ctx, name)
	if err != nil {
		return err
	}
	s.unschedule(t.ID)
	if err := s.p.Store.DeleteTask(ctx, t.ID); err != nil {
		return err
	}
	var had []string
	_, _ = s.p.Store.Setting(ctx, secretsKey(t.ID), &had)
	if sid, err := s.secretID(t.ID); err == nil {
		for _, f := range had {
			_ = s.p.Secrets.Delete(sid, f)
		}
	}
	_ = s.p.Store.DeleteSetting(ctx, secretsKey(t.ID))
	s.publish(Event{Type: TaskChanged, Task: t})
	return nil
}

// SetEnabled turns a task's schedule on or off.
func (s *Service) SetEnabled(ctx context.Context, name string, on bool) (task.Task, error) {
	t, err := s.Get(ctx, name)
	if err != nil {
		return task.Task{}, err
	}
	t.Enabled = on
	return s.Update(ctx, t)
}

// Get loads a task by name with its secrets.
func (s *Service) Get(ctx context.Context, name string) (task.Task, error) {
	t, err := s.p.Store.TaskByName(ctx, strings.TrimSpace(name))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return task.Task{}, fmt.Errorf("%w: %w", ErrBadInput, i18n.New("service.task.missing_cli", "Name", strconv.Quote(name)))
		}
		return task.Task{}, err
	}
	return t, s.loadSecrets(&t)
}

// List returns every task (without secrets).
func (s *Service) List(ctx context.Context) ([]task.Task, error) {
	return s.p.Store.Tasks(ctx)
}

// ListWithLastRun lists the tasks with their newest run, in one query.
func (s *Service) ListWithLastRun(ctx context.Context) ([]store.TaskWithLastRun, error) {
	return s.p.Store.TasksWithLastRun(ctx)
}

// secretsKey records which of a task's fields live in the keyring (names
// only), so a task without secrets never needs the keyring.
func secretsKey(id int64) string { return "task.secrets." + strconv.FormatInt(id, 10) }

func (s *Service) saveSecrets(t task.Task) error {
	id, err := s.secretID(t.ID)
	if err != nil {
		return err
	}
	var env []string
	var headers map[string]string
	if t.Command != nil {
		env = t.Command.Env
	}
	if t.HTTP != nil {
		headers = t.HTTP.Headers
	}
	var had []string
	if _, err := s.p.Store.Setting(context.Background(), secretsKey(t.ID), &had); err != nil {
		return err
	}
	var have []string
	for _, f := range []struct {
		name  string
		value any
		empty bool
	}{{"env", env, len(env) == 0}, {"headers", headers, len(headers) == 0}} {
		if f.empty {
			if slices.Contains(had, f.name) {
				if err := s.p.Secrets.Delete(id, f.name); err != nil {
					return fmt.Errorf("remove %s of task %q: %w", f.name, t.Name, err)
				}
			}
			continue
		}
		if err := s.p.Secrets.Set(id, f.name, secretBlob(f.value)); err != nil {
			return fmt.Errorf("save %s of task %q: %w", f.name, t.Name, err)
		}
		have = append(have, f.name)
	}
	return s.p.Store.SetSetting(context.Background(), secretsKey(t.ID), have)
}

func (s *Service) loadSecrets(t *task.Task) error {
	var have []string
	if _, err := s.p.Store.Setting(context.Background(), secretsKey(t.ID), &have); err != nil {
		return err
	}
	if len(have) == 0 {
		return nil
	}
	id, err := s.secretID(t.ID)
	if err != nil {
		return err
	}
	get := func(field string, into any) error {
		if !slices.Contains(have, field) {
			return nil
		}
		v, err := s.p.Secrets.Get(id, field)
		if errors.Is(err, secret.ErrNotFound) {
			return i18n.New("service.task.secret_missing", "Task", strconv.Quote(t.Name), "Field", field)
		}
		if err != nil {
			return fmt.Errorf("task %q: %w", t.Name, err)
		}
		if err := json.Unmarshal([]byte(v), into); err != nil {
			return fmt.Errorf("task %q: %s in the keyring is unreadable: %w", t.Name, field, err)
		}
		return nil
	}
	if t.Command != nil {
		if err := get("env", &t.Command.Env); err != nil {
			return err
		}
		for _, kv := range t.Command.Env {
			if _, v, ok := strings.Cut(kv, "="); ok {
				s.p.Redactor.Add(v)
			}
		}
	}
	if t.HTTP != nil {
		if err := get("headers", &t.HTTP.Headers); err != nil {
			return err
		}
		for _, v := range t.HTTP.Headers {
			s.p.Redactor.Add(v)
		}
	}
	return nil
}

// --- runs ------------------------------------------------------------------

// RunHook plans what a run causes (its pushes). Prepare runs before the
// transaction that records the run and does the slow part (reading
// settings, rendering templates); the step it returns runs inside that
// transaction and only writes, so the run and its outbox rows are stored
// together or not at all while the database's one writer is held briefly.
// After is called once the transaction has committed, with the number of
// outbox rows it queued (0 when planning failed or queued nothing).
type RunHook struct {
	Prepare func(ctx context.Context, st *store.Store, r task.Run) (inTx func(tx *store.RunTx) error, err error)
	After   func(r task.Run, queued int)
}

// OnRecord installs the run hook (the push dispatcher).
func (s *Service) OnRecord(h RunHook) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

// RunNow starts a manual run through the scheduler (overlap rules and the
// concurrency limit apply) and returns at once.
func (s *Service) RunNow(ctx context.Context, name string) error {
	t, err := s.Get(ctx, name)
	if err != nil {
		return err
	}
	return s.sched.RunNow(t.ID)
}

// RunForeground runs a task now in the calling goroutine and returns the
// recorded run (the CLI's `task run`).
func (s *Service) RunForeground(ctx context.Context, name string, trigger task.Trigger) (task.Run, error) {
	t, err := s.Get(ctx, name)
	if err != nil {
		return task.Run{}, err
	}
	return s.runAndRecord(ctx, t, trigger), nil
}

// execute is the scheduler's Run callback.
func (s *Service) execute(ctx context.Context, t task.Task, trigger task.Trigger, _ time.Time) {
	// The scheduler holds the definition it was given; secrets are read
	// fresh so an edit in the keyring is honoured.
	if err := s.loadSecrets(&t); err != nil {
		now := s.p.Clock.Now()
		s.record(task.Run{TaskID: t.ID, TaskName: t.Name, Trigger: trigger, Status: task.StatusFailure,
			Started: now, Finished: now, Error: err.Error()}, t)
		return
	}
	s.runAndRecord(ctx, t, trigger)
	s.flushSkips(t)
}

func (s *Service) runAndRecord(ctx context.Context, t task.Task, trigger task.Trigger) task.Run {
	s.publish(Event{Type: RunStarted, Task: t, Run: task.Run{TaskID: t.ID, TaskName: t.Name, Trigger: trigger, Started: s.p.Clock.Now()}})
	r := task.Execute(ctx, t, trigger, task.ExecOptions{
		OutputCap:  s.p.OutputCap,
		HTTPClient: s.p.HTTP,
		Now:        s.p.Clock.Now,
	})
	return s.record(r, t)
}

func (s *Service) record(r task.Run, t task.Task) task.Run {
	r.Output = s.p.Redactor.String(r.Output)
	r.Error = s.p.Redactor.String(r.Error)
	// Recording must survive the run's own cancellation.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	var inTx func(tx *store.RunTx) error
	if hook.Prepare != nil {
		var err error
		if inTx, err = hook.Prepare(ctx, s.p.Store, r); err != nil {
			s.p.Log.Error("planning pushes failed; recording the run without them", "task", t.Name, "error", err)
			inTx = nil
		}
	}
	queued := 0
	var fn func(tx *store.RunTx) error
	if inTx != nil {
		fn = func(tx *store.RunTx) error {
			err := inTx(tx)
			queued = tx.Queued()
			return err
		}
	}
	err := s.p.Store.InsertRunTx(ctx, &r, fn)
	if err != nil && inTx != nil {
		queued = 0
		// Planning the pushes failed (a broken template, say): the run must
		// still be recorded; a push problem never costs the run.
		s.p.Log.Error("planning pushes failed; recording the run without them", "task", t.Name, "error", err)
		err = s.p.Store.InsertRunTx(ctx, &r, nil)
	}
	if err != nil {
		s.p.Log.Error("cannot record run", "task", t.Name, "error", err)
		return r
	}
	if hook.After != nil {
		hook.After(r, queued)
	}
	level := slog.LevelInfo
	if r.Status.Failed() {
		level = slog.LevelWarn
	}
	s.p.Log.Log(ctx, level, "run finished", "task", t.Name, "trigger", r.Trigger, "status", r.Status,
		"duration", r.Duration().Round(time.Millisecond), "error", r.Error)
	s.publish(Event{Type: RunFinished, Task: t, Run: r})
	return r
}

// History returns the newest runs of a task, paged by run id.
func (s *Service) History(ctx context.Context, name string, beforeID int64, limit int) ([]task.Run, error) {
	t, err := s.p.Store.TaskByName(ctx, strings.TrimSpace(name))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", ErrBadInput, i18n.New("service.task.missing", "Name", strconv.Quote(name)))
		}
		return nil, err
	}
	runs, err := s.p.Store.TaskRuns(ctx, t.ID, beforeID, limit)
	for i := range runs {
		runs[i].TaskName = t.Name
	}
	return runs, err
}

// --- retention -------------------------------------------------------------

func (s *Service) pruneLoop() {
	defer close(s.pruneDone)
	tick := s.p.Clock.NewTicker(s.p.Retention.Every)
	defer tick.Stop()
	s.Prune(context.Background())
	for {
		select {
		case <-s.stopPrune:
			return
		case <-tick.Chan():
			s.Prune(context.Background())
		}
	}
}

// Prune deletes expired history in small batches, yielding between them so
// the single database writer is never held long: runs older than MaxAge or
// beyond MaxPerTask per task, and finished outbox rows (with their delivery
// attempts) older than MaxAge.
func (s *Service) Prune(ctx context.Context) int {
	r := s.p.Retention
	cutoff := s.p.Clock.Now().Add(-r.MaxAge)
	total := 0
	for _, prune := range []func() (int, error){
		func() (int, error) { return s.p.Store.PruneRuns(ctx, cutoff, r.MaxPerTask, r.Batch) },
		func() (int, error) { return s.p.Store.PruneOutbox(ctx, cutoff, r.Batch) },
	} {
		for {
			n, err := prune()
			total += n
			if err != nil {
				s.p.Log.Warn("pruning history failed", "error", err)
				break
			}
			if n < r.Batch {
				break
			}
			select {
			case <-s.stopPrune:
				return total
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	if total > 0 {
		s.p.Log.Info("pruned history", "rows", total)
	}
	return total
}
