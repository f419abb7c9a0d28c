// Package ownerclient is the engine as a window process beside the tray
// sees it: the data folder's store read and written directly (host.Env),
// the scheduler and deliveries reached through the tray, which owns the
// folder (app/owner's socket). The window process runs no engine.
package ownerclient

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// requestWait bounds a request to the owner made for the window.
const requestWait = 10 * time.Second

// runPoll is how often the window asks the owner which tasks run, to tell
// its views of runs starting and finishing: it gets no engine events.
const runPoll = time.Second

// Engine is host.Env with the scheduler's and the dispatcher's work done
// by the owner.
type Engine struct {
	*host.Env
	ctx context.Context // ends the run watch

	mu       sync.Mutex
	status   owner.TaskStatus // as last read from the owner
	api      string           // where the owner's API listens, as last read
	subs     []func(tasks.Event)
	watching bool
	// asked holds the tasks run from here, each with the id of its last
	// run before (a run may start and end between two polls).
	asked map[int64]int64
}

// New wraps env, a client of its data folder whose owner runs, until ctx
// ends.
func New(ctx context.Context, env *host.Env) *Engine {
	e := &Engine{Env: env, ctx: ctx, asked: map[int64]int64{}}
	// Asked meanwhile: the window shows without waiting for the owner.
	go e.readAPI(startWait)
	return e
}

// startWait bounds the question New asks the owner.
const startWait = 2 * time.Second

// RunTask has the owner run task name now.
func (e *Engine) RunTask(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, requestWait)
	defer cancel()
	t, err := e.GetTask(ctx, name)
	if err != nil {
		return err
	}
	before, _ := e.LastRun(ctx, t.ID) // none: run 0
	if err := owner.RunTask(ctx, e.DataDir, name); err != nil {
		return err
	}
	e.mu.Lock()
	e.asked[t.ID] = before.ID
	e.mu.Unlock()
	return nil
}

// CancelRun has the owner cancel task id's running run.
func (e *Engine) CancelRun(id int64) bool {
	ctx, cancel := context.WithTimeout(context.Background(), requestWait)
	defer cancel()
	ok, err := owner.CancelRun(ctx, e.DataDir, id)
	if err != nil {
		e.Log.Warn("cancel a run through the owner", "task", id, "error", err)
	}
	return ok
}

// RunningTasks reads from the owner which tasks run, and when each runs
// next (NextRun answers from that read).
func (e *Engine) RunningTasks() []int64 {
	st, err := e.readStatus()
	if err != nil {
		e.Log.Warn("read the owner's tasks", "error", err)
		return nil
	}
	return st.Running
}

// readStatus reads the owner's scheduler and keeps it, returning the
// status it replaced.
func (e *Engine) readStatus() (was owner.TaskStatus, err error) {
	ctx, cancel := context.WithTimeout(e.ctx, requestWait)
	defer cancel()
	st, err := owner.Tasks(ctx, e.DataDir)
	if err != nil {
		return owner.TaskStatus{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	was, e.status = e.status, st
	return was, nil
}

// OnRun subscribes fn to the runs the owner starts and finishes, as
// polling its scheduler sees them: RunStarted carries the task's id only.
func (e *Engine) OnRun(fn func(tasks.Event)) {
	e.mu.Lock()
	e.subs = append(e.subs, fn)
	start := !e.watching
	e.watching = true
	e.mu.Unlock()
	if start {
		go e.watchRuns()
	}
}

func (e *Engine) watchRuns() {
	tick := time.NewTicker(runPoll)
	defer tick.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-tick.C:
			e.pollRuns()
		}
	}
}

// pollRuns tells the subscribers of the runs started and finished since
// the last read of the owner's scheduler.
func (e *Engine) pollRuns() {
	was, err := e.readStatus()
	if err != nil {
		return
	}
	e.mu.Lock()
	now := e.status.Running
	subs := append([]func(tasks.Event){}, e.subs...)
	e.mu.Unlock()
	for _, id := range now {
		if !slices.Contains(was.Running, id) {
			publish(subs, tasks.Event{Type: tasks.RunStarted, Run: task.Run{TaskID: id}})
		}
	}
	for _, id := range e.finished(was.Running, now) {
		r, err := e.LastRun(e.ctx, id)
		if err != nil {
			r = task.Run{TaskID: id}
		}
		publish(subs, tasks.Event{Type: tasks.RunFinished, Run: r})
	}
}

// finished are the tasks that ran before and no longer do, and those run
// from here whose run was recorded meanwhile.
func (e *Engine) finished(was, now []int64) []int64 {
	var out []int64
	for _, id := range was {
		if !slices.Contains(now, id) {
			out = append(out, id)
		}
	}
	e.mu.Lock()
	asked := maps.Clone(e.asked)
	e.mu.Unlock()
	for id, before := range asked {
		if slices.Contains(now, id) {
			continue
		}
		if r, err := e.LastRun(e.ctx, id); err == nil && r.ID > before {
			e.mu.Lock()
			delete(e.asked, id)
			e.mu.Unlock()
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

func publish(subs []func(tasks.Event), ev tasks.Event) {
	for _, fn := range subs {
		fn(ev)
	}
}

// NextRun is when task id runs next, as the owner said at the last
// RunningTasks.
func (e *Engine) NextRun(id int64) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	at, ok := e.status.Next[id]
	return at, ok
}

// APIListening is where the owner's local API listens, "" when it does
// not or the owner did not say: as last read, without waiting (the
// Settings tab asks on the UI goroutine); it is read again meanwhile.
func (e *Engine) APIListening() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	go e.readAPI(requestWait)
	return e.api
}

func (e *Engine) readAPI(wait time.Duration) {
	ctx, cancel := context.WithTimeout(e.ctx, wait)
	defer cancel()
	addr, err := owner.APIListening(ctx, e.DataDir)
	if err != nil {
		e.Log.Warn("ask the owner where its API listens", "error", err)
		return
	}
	e.mu.Lock()
	e.api = addr
	e.mu.Unlock()
}

// Test sends c a test push through the outbox, delivered by the owner,
// and records the answer as the channel's last test. The error's text is
// redacted.
func (e *Engine) Test(ctx context.Context, c registry.Channel) (store.Delivery, error) {
	d, err := e.Dispatcher.TestChannelVia(ctx, c, func(ctx context.Context, id int64) (store.Delivery, error) {
		return owner.Deliver(ctx, e.DataDir, id, 0)
	})
	if err != nil {
		return d, errors.New(e.Redactor.Error(err))
	}
	return d, nil
}
