package dispatch

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// SettingsKey is where the global push settings are stored.
const SettingsKey = "push"

// TaskKey is where a task's push overrides are stored.
func TaskKey(taskID int64) string { return "push.task." + strconv.FormatInt(taskID, 10) }

// LoadSettings reads the global push settings, defaults where unset.
func LoadSettings(ctx context.Context, st *store.Store) (Settings, error) {
	s := DefaultSettings()
	if _, err := st.Setting(ctx, SettingsKey, &s); err != nil {
		return Settings{}, fmt.Errorf("read push settings: %w", err)
	}
	return s, nil
}

// SaveSettings validates and stores the global push settings.
func SaveSettings(ctx context.Context, st *store.Store, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return st.SetSetting(ctx, SettingsKey, s)
}

// LoadOverrides reads a task's push overrides (none set: all nil).
func LoadOverrides(ctx context.Context, st *store.Store, taskID int64) (TaskOverrides, error) {
	var o TaskOverrides
	if _, err := st.Setting(ctx, TaskKey(taskID), &o); err != nil {
		return TaskOverrides{}, fmt.Errorf("read push overrides: %w", err)
	}
	return o, nil
}

// SaveOverrides validates and stores a task's push overrides.
func SaveOverrides(ctx context.Context, st *store.Store, taskID int64, o TaskOverrides) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return st.SetSetting(ctx, TaskKey(taskID), o)
}

// Planner turns a finished run into outbox rows: the rules decide which
// channels hear about it, the templates say what they hear.
type Planner struct {
	Registry *registry.Registry
	Location *time.Location
}

// PlanRun is the tasks service's run hook. Everything slow happens here,
// before the transaction that records the run: reading the settings and
// rendering the message for every reason the rules may give. The step it
// returns runs inside that transaction and only decides and writes, so a
// slow template never holds the database's one writer.
func (p *Planner) PlanRun(ctx context.Context, st *store.Store, r task.Run) (func(tx *store.RunTx) error, error) {
	s, err := LoadSettings(ctx, st)
	if err != nil {
		return nil, err
	}
	o, err := LoadOverrides(ctx, st, r.TaskID)
	if err != nil {
		return nil, err
	}
	channels, err := p.Registry.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	ids := make([]string, len(channels))
	for i, c := range channels {
		ids[i] = c.ID
	}
	msgs := map[Reason]message.Message{}
	if len(channelsFor(s, o, ids)) > 0 {
		for _, reason := range reasonsFor(r) {
			if msgs[reason], err = Render(s, r, reason, p.Location); err != nil {
				return nil, err
			}
		}
	}
	warn, err := p.anomalyRows(ctx, st, s, o, r, ids)
	if err != nil {
		return nil, err
	}
	loc := p.Location
	return func(tx *store.RunTx) error {
		if err := writePlan(tx, r, s, o, ids, msgs, loc); err != nil {
			return err
		}
		return tx.Enqueue(warn...) // anomaly.go
	}, nil
}

// reasonsFor lists every reason Decide may give r, whatever the push state
// in the database when the run is recorded.
func reasonsFor(r task.Run) []Reason {
	switch {
	case r.Status.Failed():
		return []Reason{ReasonFailure}
	case r.Status == task.StatusSuccess:
		return []Reason{ReasonSuccess, ReasonRecovered}
	}
	return nil
}

// writePlan is PlanRun's step inside the run's transaction: the push state
// is read and written there, so two runs of a task recorded at once still
// count failures right; the message was rendered before.
func writePlan(tx *store.RunTx, r task.Run, s Settings, o TaskOverrides, ids []string, msgs map[Reason]message.Message, loc *time.Location) error {
	state, err := tx.PushState(r.TaskID)
	if err != nil {
		return err
	}
	d := Decide(s, o, state, r, ids)
	if err := tx.SetPushState(r.TaskID, d.State); err != nil {
		return err
	}
	if len(d.Channels) == 0 {
		return writeStreak(tx, r, s, o, ids, d, loc)
	}
	msg, ok := msgs[d.Reason]
	if !ok {
		return fmt.Errorf("plan pushes of run of %s: no message rendered for reason %q", r.TaskName, d.Reason)
	}
	items := make([]*store.OutboxItem, len(d.Channels))
	for i, id := range d.Channels {
		items[i] = &store.OutboxItem{RunID: r.ID, Source: "run", ChannelID: id, Title: msg.Title, Body: msg.Body,
			Markdown: msg.Markdown, Level: string(msg.Level), PictureURL: msg.PictureURL}
	}
	if err := holdItems(tx, s, o, d.Reason, r.Finished, loc, items); err != nil {
		return err
	}
	if err := tx.Enqueue(items...); err != nil {
		return err
	}
	return writeStreak(tx, r, s, o, ids, d, loc)
}
