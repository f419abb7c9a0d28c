// Package ownerclient is the engine as a window process beside the tray
// sees it: the data folder's store read and written directly (host.Env),
// the scheduler and deliveries reached through the tray, which owns the
// folder (app/owner's socket). The window process runs no engine.
package ownerclient

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
)

// requestWait bounds a request to the owner made for the window.
const requestWait = 10 * time.Second

// Engine is host.Env with the scheduler's and the dispatcher's work done
// by the owner.
type Engine struct {
	*host.Env

	mu     sync.Mutex
	status owner.TaskStatus // as last read from the owner
	api    string           // where the owner's API listens, as last read
}

// New wraps env, a client of its data folder whose owner runs.
func New(env *host.Env) *Engine {
	e := &Engine{Env: env}
	e.readAPI()
	return e
}

// RunTask has the owner run task name now.
func (e *Engine) RunTask(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, requestWait)
	defer cancel()
	return owner.RunTask(ctx, e.DataDir, name)
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
	ctx, cancel := context.WithTimeout(context.Background(), requestWait)
	defer cancel()
	st, err := owner.Tasks(ctx, e.DataDir)
	if err != nil {
		e.Log.Warn("read the owner's tasks", "error", err)
		return nil
	}
	e.mu.Lock()
	e.status = st
	e.mu.Unlock()
	return st.Running
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
	go e.readAPI()
	return e.api
}

func (e *Engine) readAPI() {
	ctx, cancel := context.WithTimeout(context.Background(), requestWait)
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
