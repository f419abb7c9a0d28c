package host

import (
	"context"
	"time"

	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Overview is the engine at a glance: what the tray shows.
type Overview struct {
	Tasks    []store.TaskHealth // by name
	Channels []registry.Channel
	Failures []task.Run // newest first, TaskName set
}

// Overview reads the tasks with their last run's status, the channels and
// the last failures since since (at most limit) — a fixed number of
// queries whatever the number of tasks.
func (e *Env) Overview(ctx context.Context, since time.Time, limit int) (Overview, error) {
	var o Overview
	var err error
	if o.Tasks, err = e.Store.TasksHealth(ctx); err != nil {
		return o, err
	}
	if o.Channels, err = e.Registry.List(ctx); err != nil {
		return o, err
	}
	o.Failures, err = e.Store.Failures(ctx, since, limit)
	return o, err
}
