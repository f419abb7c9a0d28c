package dispatch

import (
	"context"
	"fmt"
	"strconv"
	"time"

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

// Planner turns a finished run into outbox rows inside the run's
// transaction: the rules decide which channels hear about it, the templates
// say what they hear.
type Planner struct {
	Registry *registry.Registry
	Location *time.Location
}

// PlanRun is the tasks service's in-transaction hook.
func (p *Planner) PlanRun(tx *store.RunTx, r task.Run) error {
	s := DefaultSettings()
	if _, err := tx.Setting(SettingsKey, &s); err != nil {
		return err
	}
	var o TaskOverrides
	if _, err := tx.Setting(TaskKey(r.TaskID), &o); err != nil {
		return err
	}
	state, err := tx.PushState(r.TaskID)
	if err != nil {
		return err
	}
	// Channel ids come from the read pool: WAL lets it read beside the open
	// write transaction, and channels are not written by it.
	channels, err := p.Registry.List(context.Background())
	if err != nil {
		return err
	}
	ids := make([]string, len(channels))
	for i, c := range channels {
		ids[i] = c.ID
	}
	d := Decide(s, o, state, r, ids)
	if err := tx.SetPushState(r.TaskID, d.State); err != nil {
		return err
	}
	if len(d.Channels) == 0 {
		return nil
	}
	msg, err := Render(s, r, d.Reason, p.Location)
	if err != nil {
		return err
	}
	items := make([]*store.OutboxItem, len(d.Channels))
	for i, id := range d.Channels {
		items[i] = &store.OutboxItem{RunID: r.ID, Source: "run", ChannelID: id, Title: msg.Title, Body: msg.Body,
			Markdown: msg.Markdown, Level: string(msg.Level), PictureURL: msg.PictureURL}
	}
	return tx.Enqueue(items...)
}
