package host

import (
	"context"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// What the window's views ask of the engine, one method each, so that every
// view can declare the few it uses as an interface (and no view reaches
// into the store).

// ListTasks lists the tasks by name.
func (e *Env) ListTasks(ctx context.Context) ([]task.Task, error) { return e.Tasks.List(ctx) }

// GetTask reads a task with its secrets.
func (e *Env) GetTask(ctx context.Context, name string) (task.Task, error) {
	return e.Tasks.Get(ctx, name)
}

// AddTask adds a task.
func (e *Env) AddTask(ctx context.Context, t task.Task) (task.Task, error) {
	return e.Tasks.Add(ctx, t)
}

// UpdateTask changes a task.
func (e *Env) UpdateTask(ctx context.Context, t task.Task) (task.Task, error) {
	return e.Tasks.Update(ctx, t)
}

// RemoveTask removes a task.
func (e *Env) RemoveTask(ctx context.Context, name string) error { return e.Tasks.Remove(ctx, name) }

// SetTaskEnabled turns a task's schedule on or off.
func (e *Env) SetTaskEnabled(ctx context.Context, name string, on bool) (task.Task, error) {
	return e.Tasks.SetEnabled(ctx, name, on)
}

// RunTask starts a manual run of a task in the background.
func (e *Env) RunTask(ctx context.Context, name string) error { return e.Tasks.RunNow(ctx, name) }

// CancelRun cancels the running run of task id; false when none runs.
func (e *Env) CancelRun(id int64) bool { return e.Tasks.Cancel(id) }

// RunningTasks lists the ids of the tasks running now.
func (e *Env) RunningTasks() []int64 { return e.Tasks.Running() }

// NextRun is when task id fires next.
func (e *Env) NextRun(id int64) (time.Time, bool) { return e.Tasks.NextRun(id) }

// PauseTasks pauses or resumes the scheduler.
func (e *Env) PauseTasks(paused bool) { e.Tasks.Pause(paused) }

// OnRun subscribes fn to the task service's run events.
func (e *Env) OnRun(fn func(tasks.Event)) { e.Tasks.Subscribe(fn) }

// OnDelivery subscribes fn to the dispatcher's outbox events.
func (e *Env) OnDelivery(fn func(dispatch.Event)) { e.Dispatcher.Subscribe(fn) }

// LastRun is task id's newest run (store.ErrNotFound when it never ran).
func (e *Env) LastRun(ctx context.Context, taskID int64) (task.Run, error) {
	return e.Store.LastRun(ctx, taskID)
}

// Runs pages through the runs f selects, newest first.
func (e *Env) Runs(ctx context.Context, f store.RunFilter) ([]task.Run, error) {
	return e.Store.Runs(ctx, f)
}

// DailyCounts counts task taskID's runs (0: all tasks) per day.
func (e *Env) DailyCounts(ctx context.Context, taskID int64, from, to time.Time, loc *time.Location) ([]store.DayCount, error) {
	return e.Store.DailyCounts(ctx, taskID, from, to, loc)
}

// RunPushes lists the outbox rows run id caused.
func (e *Env) RunPushes(ctx context.Context, runID int64) ([]store.OutboxItem, error) {
	return e.Store.OutboxItems(ctx, store.OutboxFilter{RunID: runID})
}

// Deliveries lists the attempts to deliver outbox row id.
func (e *Env) Deliveries(ctx context.Context, outboxID int64) ([]store.Delivery, error) {
	return e.Store.Deliveries(ctx, outboxID)
}

// ListChannels lists the registered channels.
func (e *Env) ListChannels(ctx context.Context) ([]registry.Channel, error) {
	return e.Registry.List(ctx)
}

// TaskOverrides reads task taskID's push overrides.
func (e *Env) TaskOverrides(ctx context.Context, taskID int64) (dispatch.TaskOverrides, error) {
	return dispatch.LoadOverrides(ctx, e.Store, taskID)
}

// SaveTaskOverrides stores task taskID's push overrides.
func (e *Env) SaveTaskOverrides(ctx context.Context, taskID int64, o dispatch.TaskOverrides) error {
	return dispatch.SaveOverrides(ctx, e.Store, taskID, o)
}

// PushSettings reads the push settings.
func (e *Env) PushSettings(ctx context.Context) (dispatch.Settings, error) {
	return dispatch.LoadSettings(ctx, e.Store)
}

// SavePushSettings stores the push settings and has the dispatcher apply
// them now (rate limits, digest timing).
func (e *Env) SavePushSettings(ctx context.Context, s dispatch.Settings) error {
	if err := dispatch.SaveSettings(ctx, e.Store, s); err != nil {
		return err
	}
	e.Dispatcher.SettingsChanged()
	return nil
}

// Setting reads the JSON setting key into v; false when it was never set.
func (e *Env) Setting(ctx context.Context, key string, v any) (bool, error) {
	return e.Store.Setting(ctx, key, v)
}

// SetSetting stores v as the JSON setting key.
func (e *Env) SetSetting(ctx context.Context, key string, v any) error {
	return e.Store.SetSetting(ctx, key, v)
}

// UpdateSetting reads the JSON setting key into v, calls change and stores
// v, in one transaction (see store.Store.UpdateSetting).
func (e *Env) UpdateSetting(ctx context.Context, key string, v any, change func() error) error {
	return e.Store.UpdateSetting(ctx, key, v, change)
}

// APIListening is where the local API listens while the engine runs, ""
// when it does not.
func (e *Env) APIListening() string { return e.APIAddr }

// Folder is the data folder.
func (e *Env) Folder() string { return e.DataDir }
