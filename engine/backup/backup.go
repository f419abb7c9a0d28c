// Package backup saves Herald's configuration — channels, tasks with their
// environment and headers, push settings and rules — into one document and
// restores it: encrypted with a passphrase (age's scrypt recipient) with
// every secret from the OS keyring, or as plain JSON without secrets for
// keeping configuration in git (see SCHEMA.md beside this file).
package backup

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Format names a Herald document; Version is the schema version this
// Herald writes and the newest it reads.
const (
	Format  = "herald-config"
	Version = 1
)

// Secrets is the keyring channel and task secrets live in.
type Secrets interface {
	Set(id, field, value string) error
	Get(id, field string) (string, error)
	Delete(id, field string) error
}

// ErrBadInput marks a document or a data folder that cannot be restored as
// asked (exit code 2 in the CLI); nothing was changed.
var ErrBadInput = errors.New("bad input")

// Document is Herald's configuration: the schema of `herald export`, and
// what a backup file holds once decrypted.
type Document struct {
	Format   string    `json:"format"`
	Version  int       `json:"version"`
	Created  time.Time `json:"created"`
	Channels []Channel `json:"channels"`
	Tasks    []Task    `json:"tasks"`
	// Settings are the global settings by key ("push": push settings and
	// rules), as stored.
	Settings map[string]json.RawMessage `json:"settings,omitempty"`
	// History is the run history and the outbox (backup --with-history).
	History *store.History `json:"history,omitempty"`
}

// AddHistory adds the run history and the outbox of st to d.
func (d *Document) AddHistory(ctx context.Context, st *store.Store) error {
	h, err := st.ReadHistory(ctx)
	if err != nil {
		return err
	}
	d.History = h
	return nil
}

// Channel is a registered channel.
type Channel struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	Config       map[string]string `json:"config,omitempty"`        // non-secret fields
	SecretFields []string          `json:"secret_fields,omitempty"` // names of the fields kept in the keyring
	Secrets      map[string]string `json:"secrets,omitempty"`       // their values: backups only
}

// Task is a task definition with its per-task push overrides.
type Task struct {
	Name     string           `json:"name"`
	Kind     task.Kind        `json:"kind"`
	Command  *task.Command    `json:"command,omitempty"`
	HTTP     *task.HTTPCheck  `json:"http,omitempty"`
	Schedule task.Schedule    `json:"schedule"`
	AtZone   string           `json:"at_zone,omitempty"` // the zone of schedule.at
	Timeout  string           `json:"timeout,omitempty"` // Go duration; empty: the default
	Enabled  bool             `json:"enabled"`
	Overlap  task.Overlap     `json:"overlap,omitempty"`
	Missed   task.Missed      `json:"missed,omitempty"`
	Push     *json.RawMessage `json:"push,omitempty"` // per-task push overrides
	// Env and Headers are the command's environment and the HTTP check's
	// headers: backups only. A plain export lists their names.
	Env         []string          `json:"env,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	EnvNames    []string          `json:"env_names,omitempty"`
	HeaderNames []string          `json:"header_names,omitempty"`
}

// settingsKey tells whether a stored setting belongs in a document: the
// global configuration, not per-task keys (carried by each Task) nor state.
func settingsKey(key string) bool {
	return !strings.HasPrefix(key, "push.task.") && !strings.HasPrefix(key, taskSecretsPrefix) &&
		key != dispatch.LastDigestKey && !strings.HasPrefix(key, "backup.")
}

const taskSecretsPrefix = "task.secrets."

func taskSecretID(inst string, id int64) string {
	return "task-" + inst + "-" + strconv.FormatInt(id, 10)
}

// Collect reads the configuration of st; withSecrets adds every secret
// from the keyring (a backup), else the document holds none (an export).
func Collect(ctx context.Context, st *store.Store, sec Secrets, withSecrets bool, now time.Time) (*Document, error) {
	doc := &Document{Format: Format, Version: Version, Created: now.UTC(), Channels: []Channel{}, Tasks: []Task{}}
	chs, err := st.Channels(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range chs {
		dc := Channel{ID: c.ID, Name: c.Name, Kind: c.Kind, Config: map[string]string{}, SecretFields: slices.Clone(c.Secrets)}
		k, known := kinds.Get(c.Kind)
		for key, v := range c.Config {
			// An older Herald kept some secret fields in the store.
			if f, ok := fieldOf(k, known, key); ok && f.Secret {
				if !slices.Contains(dc.SecretFields, key) {
					dc.SecretFields = append(dc.SecretFields, key)
				}
				if withSecrets {
					setMap(&dc.Secrets, key, v)
				}
				continue
			}
			dc.Config[key] = v
		}
		if withSecrets {
			for _, f := range c.Secrets {
				if _, ok := dc.Secrets[f]; ok {
					continue
				}
				v, err := sec.Get(c.ID, f)
				if err != nil {
					return nil, fmt.Errorf("channel %q: %w", c.Name, err)
				}
				setMap(&dc.Secrets, f, v)
			}
		}
		slices.Sort(dc.SecretFields)
		doc.Channels = append(doc.Channels, dc)
	}
	ts, err := st.Tasks(ctx)
	if err != nil {
		return nil, err
	}
	inst, err := st.InstanceID(ctx)
	if err != nil {
		return nil, err
	}
	// In the order they were made, so a restore numbers them alike.
	slices.SortFunc(ts, func(a, b task.Task) int { return cmp.Compare(a.ID, b.ID) })
	for _, t := range ts {
		dt := Task{Name: t.Name, Kind: t.Kind, Command: t.Command, HTTP: t.HTTP, Schedule: t.Schedule,
			Enabled: t.Enabled, Overlap: t.Overlap, Missed: t.Missed}
		if !t.Schedule.At.IsZero() {
			dt.AtZone = t.Schedule.At.Location().String()
		}
		if t.Timeout > 0 {
			dt.Timeout = t.Timeout.String()
		}
		var push json.RawMessage
		if ok, err := st.Setting(ctx, dispatch.TaskKey(t.ID), &push); err != nil {
			return nil, err
		} else if ok {
			dt.Push = &push
		}
		var have []string
		if _, err := st.Setting(ctx, taskSecretsPrefix+strconv.FormatInt(t.ID, 10), &have); err != nil {
			return nil, err
		}
		for _, field := range have {
			v, err := sec.Get(taskSecretID(inst, t.ID), field)
			if err != nil {
				return nil, fmt.Errorf("task %q: %w", t.Name, err)
			}
			switch field {
			case "env":
				err = json.Unmarshal([]byte(v), &dt.Env)
				for _, kv := range dt.Env {
					name, _, _ := strings.Cut(kv, "=")
					dt.EnvNames = append(dt.EnvNames, name)
				}
			case "headers":
				err = json.Unmarshal([]byte(v), &dt.Headers)
				for name := range dt.Headers {
					dt.HeaderNames = append(dt.HeaderNames, name)
				}
				slices.Sort(dt.HeaderNames)
			}
			if err != nil {
				return nil, fmt.Errorf("task %q: %s in the keyring is unreadable: %w", t.Name, field, err)
			}
		}
		if !withSecrets {
			dt.Env, dt.Headers = nil, nil
		}
		doc.Tasks = append(doc.Tasks, dt)
	}
	all, err := st.AllSettings(ctx)
	if err != nil {
		return nil, err
	}
	for k, v := range all {
		if settingsKey(k) {
			if doc.Settings == nil {
				doc.Settings = map[string]json.RawMessage{}
			}
			doc.Settings[k] = v
		}
	}
	return doc, nil
}

func fieldOf(k *channel.Kind, known bool, key string) (channel.Field, bool) {
	if !known {
		return channel.Field{}, false
	}
	return k.Field(key)
}

func setMap(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}

// HasSecrets reports whether the document carries secret values.
func (d *Document) HasSecrets() bool {
	for _, c := range d.Channels {
		if len(c.Secrets) > 0 {
			return true
		}
	}
	for _, t := range d.Tasks {
		if len(t.Env) > 0 || len(t.Headers) > 0 {
			return true
		}
	}
	return false
}

// StripSecrets removes every secret value (--no-secrets).
func (d *Document) StripSecrets() {
	for i := range d.Channels {
		d.Channels[i].Secrets = nil
	}
	for i := range d.Tasks {
		d.Tasks[i].Env, d.Tasks[i].Headers = nil, nil
	}
}

// check validates a decoded document before anything is written.
func (d *Document) check() error {
	if d.Format != Format {
		return fmt.Errorf("%w: %w", ErrBadInput, i18n.New("backup.format", "Value", strconv.Quote(d.Format)))
	}
	if d.Version < 1 || d.Version > Version {
		return fmt.Errorf("%w: %w", ErrBadInput, i18n.New("backup.version", "Value", d.Version, "Max", Version))
	}
	seen := map[string]bool{}
	for _, c := range d.Channels {
		if _, ok := kinds.Get(c.Kind); !ok {
			return fmt.Errorf("%w: %w", ErrBadInput, i18n.New("backup.kind", "Name", strconv.Quote(c.Name), "Kind", strconv.Quote(c.Kind)))
		}
		if c.ID == "" || strings.TrimSpace(c.Name) == "" || seen["c"+strings.ToLower(c.Name)] || seen["i"+c.ID] {
			return fmt.Errorf("%w: %w", ErrBadInput, i18n.New("backup.channel_bad", "Name", strconv.Quote(c.Name)))
		}
		seen["c"+strings.ToLower(c.Name)], seen["i"+c.ID] = true, true
	}
	for _, t := range d.Tasks {
		tt, err := t.task()
		if err == nil {
			err = tt.Validate()
		}
		if err == nil && seen["t"+strings.ToLower(t.Name)] {
			err = i18n.New("backup.task_twice")
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadInput, i18n.Wrap(err, "backup.task_bad", "Name", strconv.Quote(t.Name)))
		}
		seen["t"+strings.ToLower(t.Name)] = true
	}
	return nil
}

// task is t as the engine's task (without an id).
func (t Task) task() (*task.Task, error) {
	out := &task.Task{Name: strings.TrimSpace(t.Name), Kind: t.Kind, Schedule: t.Schedule, Enabled: t.Enabled,
		Overlap: t.Overlap, Missed: t.Missed}
	if t.Command != nil {
		c := *t.Command
		c.Env = slices.Clone(t.Env)
		out.Command = &c
	}
	if t.HTTP != nil {
		h := *t.HTTP
		h.Headers = t.Headers
		out.HTTP = &h
	}
	if t.AtZone != "" && !out.Schedule.At.IsZero() {
		if loc, err := time.LoadLocation(t.AtZone); err == nil {
			out.Schedule.At = out.Schedule.At.In(loc)
		}
	}
	if t.Timeout != "" {
		d, err := time.ParseDuration(t.Timeout)
		if err != nil || d < 0 {
			return nil, task.NewFieldError("timeout", i18n.New("backup.timeout", "Value", strconv.Quote(t.Timeout)))
		}
		out.Timeout = d
	}
	return out, nil
}

var _ Secrets = secret.Store(nil)
