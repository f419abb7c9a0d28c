package host

import (
	"context"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/preview"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// PreviewRun is the run a preview of task t ending with status st shows:
// the task's last run with that outcome replayed as an automatic run ending
// at now, or a sample run.
func (e *Env) PreviewRun(ctx context.Context, t task.Task, st task.Status, now time.Time) task.Run {
	runs, err := e.Store.Runs(ctx, store.RunFilter{TaskID: t.ID, Statuses: []task.Status{st}, Limit: 1})
	if err != nil || len(runs) == 0 {
		return preview.SampleRun(t, st, now)
	}
	r := runs[0]
	r.Trigger = task.TriggerAuto
	r.Started, r.Finished = now.Add(-r.Duration()), now
	return r
}

// PreviewTaskNames lists the tasks a preview can show a run of.
func (e *Env) PreviewTaskNames(ctx context.Context) ([]string, error) {
	ts, err := e.Tasks.List(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names, nil
}

// PreviewChannel shows what channel c would be sent for m; nothing is sent.
func (e *Env) PreviewChannel(ctx context.Context, c registry.Channel, m message.Message) (preview.Result, error) {
	raw, err := e.Registry.Settings(ctx, c)
	if err != nil {
		return preview.Result{}, err
	}
	return preview.Channel(ctx, c.Kind, raw, m, preview.Options{})
}

// PreviewTaskMessage is the message the templates make of a run of task
// name ending now with st (failure or success), whatever the rules say
// about pushing it, and what channel c would be sent for it.
func (e *Env) PreviewTaskMessage(ctx context.Context, c registry.Channel, name string, st task.Status) (message.Message, preview.Result, error) {
	t, err := e.Tasks.Get(ctx, name)
	if err != nil {
		return message.Message{}, preview.Result{}, err
	}
	s, err := dispatch.LoadSettings(ctx, e.Store)
	if err != nil {
		return message.Message{}, preview.Result{}, err
	}
	reason := dispatch.ReasonSuccess
	if st.Failed() {
		reason = dispatch.ReasonFailure
	}
	m, err := dispatch.Render(s, e.PreviewRun(ctx, t, st, time.Now()), reason, time.Local)
	if err != nil {
		return m, preview.Result{}, err
	}
	res, err := e.PreviewChannel(ctx, c, m)
	return m, res, err
}

// PreviewTaskPush runs the push rules on a run of task name ending now
// with st, with the task's current push state, changing nothing: which
// channels would get what, and why. The channels are those of the push,
// in order.
func (e *Env) PreviewTaskPush(ctx context.Context, name string, st task.Status) (preview.Push, []registry.Channel, error) {
	t, err := e.Tasks.Get(ctx, name)
	if err != nil {
		return preview.Push{}, nil, err
	}
	s, err := dispatch.LoadSettings(ctx, e.Store)
	if err != nil {
		return preview.Push{}, nil, err
	}
	o, err := dispatch.LoadOverrides(ctx, e.Store, t.ID)
	if err != nil {
		return preview.Push{}, nil, err
	}
	state, err := e.Store.PushState(ctx, t.ID)
	if err != nil {
		return preview.Push{}, nil, err
	}
	channels, err := e.Registry.List(ctx)
	if err != nil {
		return preview.Push{}, nil, err
	}
	ids := make([]string, len(channels))
	byID := map[string]registry.Channel{}
	for i, c := range channels {
		ids[i], byID[c.ID] = c.ID, c
	}
	p, err := preview.TaskPush(s, o, state, e.PreviewRun(ctx, t, st, time.Now()), ids, time.Local)
	if err != nil {
		return p, nil, err
	}
	var to []registry.Channel
	for _, id := range p.Channels {
		to = append(to, byID[id])
	}
	return p, to, nil
}
