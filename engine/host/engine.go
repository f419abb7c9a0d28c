package host

import (
	"context"
	"encoding/json"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/tasks"
)

// syncGap: a running engine looks for tasks, settings and pushes another
// herald process (the CLI) changed or queued at most this often, after a
// commit.
const syncGap = 2 * time.Second

// StartEngine starts delivering pushes (after requeueing rows a crash left in
// flight), the digest timer, the task scheduler and the cross-process sync.
// The GUI and `herald daemon` both run it; the CLI verbs don't.
func (e *Env) StartEngine(ctx context.Context) error {
	// Before anything reads the store, so no commit goes unseen by the sync.
	commits, err := e.commitWatch(ctx)
	if err != nil {
		return err
	}
	e.applyPushSettings(ctx)
	if err := e.Dispatcher.Start(ctx); err != nil {
		return err
	}
	loadSettings := func() dispatch.Settings {
		s, err := dispatch.LoadSettings(ctx, e.Store)
		if err != nil {
			e.Log.Warn("read push settings", "error", err)
			return dispatch.DefaultSettings()
		}
		return s
	}
	e.Dispatcher.StartDigests(ctx, loadSettings)
	e.Dispatcher.StartReminders(ctx, loadSettings)
	e.startWatch(ctx, loadSettings) // heartbeat.go
	if err := e.Tasks.Start(ctx); err != nil {
		return err
	}
	e.startAPI(ctx)
	syncCtx, cancel := context.WithCancel(ctx)
	e.stopSync = cancel
	// Woken by commits (the CLI adding a task, `settings set`), never by
	// a clock while nothing changes.
	commits.Subscribe(syncCtx, syncGap, func() {
		// Another process (the CLI) may have queued pushes or made some
		// due: the delivery loop looks now rather than at its safety poll
		// (outboxPoll). A commit of this process's own wakes it too, at
		// most once a syncGap, for one cheap turn.
		e.Dispatcher.Notify()
		if err := e.Tasks.Sync(syncCtx); err != nil && syncCtx.Err() == nil {
			e.Log.Warn("sync tasks", "error", err)
		}
		e.applyPushSettings(syncCtx)
		e.Dispatcher.RemindersChanged()
	})
	e.Tasks.Subscribe(func(ev tasks.Event) {
		if ev.Type == tasks.RunFinished {
			e.Dispatcher.RemindersChanged()
		}
	})
	return nil
}

// applyPushSettings hands changed push settings (rate limits, digest
// timing) to the dispatcher; `herald settings set` in another process
// reaches a running engine this way.
func (e *Env) applyPushSettings(ctx context.Context) {
	s, err := dispatch.LoadSettings(ctx, e.Store)
	if err != nil {
		if ctx.Err() == nil {
			e.Log.Warn("read push settings", "error", err)
		}
		return
	}
	data, _ := json.Marshal(s)
	if string(data) == e.lastSettings {
		return
	}
	first := e.lastSettings == ""
	e.lastSettings = string(data)
	e.Dispatcher.SetRateLimits(dispatch.RatesFrom(s))
	if !first {
		e.Dispatcher.SettingsChanged()
	}
}

// StopEngine stops firing tasks, lets running runs and in-flight pushes
// finish within grace, then cancels what is left (pushes go back to the
// outbox, nothing is lost).
func (e *Env) StopEngine(grace time.Duration) {
	if e.stopSync != nil {
		e.stopSync()
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if e.api != nil {
		if err := e.api.Shutdown(ctx); err != nil {
			e.Log.Warn("stop local API", "error", err)
		}
		e.api, e.APIAddr = nil, ""
	}
	if err := e.Tasks.Shutdown(ctx); err != nil {
		e.Log.Warn("stop tasks", "error", err)
	}
	// After the tasks: their last runs' pushes are queued by now.
	if err := e.Dispatcher.Shutdown(ctx); err != nil {
		e.Log.Warn("stop deliveries", "error", err)
	}
}
