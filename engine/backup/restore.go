package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Options say how a document is restored.
type Options struct {
	// Merge adds to a data folder that already has channels or tasks;
	// without it the data folder must be empty.
	Merge bool
	// Replace overwrites what conflicts (with Merge); without it conflicts
	// are listed and left as they are.
	Replace bool
}

// Conflict is an item of the document that exists already.
type Conflict struct {
	What string // "channel", "task" or "setting"
	Name string
}

// Report says what a restore did.
type Report struct {
	Channels, Tasks, Settings int        // written
	Conflicts                 []Conflict // kept as they were (no Replace)
	Replaced                  []Conflict
	// MissingSecrets are secret fields the document had no value for and
	// the keyring neither: set them with `channel edit` / `task edit`.
	MissingSecrets []string
}

// Restore writes doc into st and its secrets into sec. Everything is
// written in one transaction, the keyring entries before its commit; on
// any error the store is unchanged and the keyring entries written are
// put back as they were.
func Restore(ctx context.Context, st *store.Store, sec Secrets, doc *Document, opt Options) (Report, error) {
	var rep Report
	if err := doc.check(); err != nil {
		return rep, err
	}
	chs, err := st.Channels(ctx)
	if err != nil {
		return rep, err
	}
	ts, err := st.Tasks(ctx)
	if err != nil {
		return rep, err
	}
	if !opt.Merge && (len(chs) > 0 || len(ts) > 0) {
		return rep, fmt.Errorf("%w: %w", ErrBadInput, i18n.New("backup.not_empty", "Channels", len(chs), "Tasks", len(ts)))
	}
	// An empty data folder may still hold settings (the window's, saved
	// defaults): the backup's take their place.
	replaceSettings := opt.Replace || !opt.Merge
	inst, err := st.InstanceID(ctx)
	if err != nil {
		return rep, err
	}
	settings, err := st.AllSettings(ctx)
	if err != nil {
		return rep, err
	}
	var w store.ConfigWrite
	type secretWrite struct{ id, field, value string }
	var channelSecrets []secretWrite
	var replacedTaskSecrets []secretWrite // to delete after the commit

	for _, c := range doc.Channels {
		i := slices.IndexFunc(chs, func(e store.Channel) bool { return strings.EqualFold(e.Name, c.Name) || e.ID == c.ID })
		if i >= 0 {
			cf := Conflict{"channel", c.Name}
			if !opt.Replace {
				rep.Conflicts = append(rep.Conflicts, cf)
				continue
			}
			rep.Replaced = append(rep.Replaced, cf)
			w.RemoveChannels = append(w.RemoveChannels, chs[i].ID)
			// Another channel may hold the name while this one holds the id.
			for _, e := range chs {
				if e.ID != chs[i].ID && (strings.EqualFold(e.Name, c.Name) || e.ID == c.ID) {
					w.RemoveChannels = append(w.RemoveChannels, e.ID)
				}
			}
		}
		sc := store.Channel{ID: c.ID, Name: strings.TrimSpace(c.Name), Kind: c.Kind, Config: maps.Clone(c.Config)}
		fields := slices.Clone(c.SecretFields)
		for f := range c.Secrets {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
		slices.Sort(fields)
		for _, f := range fields {
			sc.Secrets = append(sc.Secrets, f)
			if v, ok := c.Secrets[f]; ok {
				channelSecrets = append(channelSecrets, secretWrite{c.ID, f, v})
				continue
			}
			if _, err := sec.Get(c.ID, f); errors.Is(err, secret.ErrNotFound) {
				rep.MissingSecrets = append(rep.MissingSecrets, fmt.Sprintf("channel %q: %s", c.Name, f))
			} else if err != nil {
				return Report{}, err
			}
		}
		w.Channels = append(w.Channels, sc)
	}

	type taskSecrets struct{ env, headers string }
	var tsecrets []taskSecrets
	for _, t := range doc.Tasks {
		i := slices.IndexFunc(ts, func(e task.Task) bool { return strings.EqualFold(e.Name, strings.TrimSpace(t.Name)) })
		if i >= 0 {
			cf := Conflict{"task", t.Name}
			if !opt.Replace {
				rep.Conflicts = append(rep.Conflicts, cf)
				continue
			}
			rep.Replaced = append(rep.Replaced, cf)
			old := ts[i].ID
			w.RemoveTasks = append(w.RemoveTasks, old)
			w.RemoveSettings = append(w.RemoveSettings, dispatch.TaskKey(old), taskSecretsPrefix+strconv.FormatInt(old, 10))
			var had []string
			if _, err := st.Setting(ctx, taskSecretsPrefix+strconv.FormatInt(old, 10), &had); err != nil {
				return Report{}, err
			}
			for _, f := range had {
				replacedTaskSecrets = append(replacedTaskSecrets, secretWrite{taskSecretID(inst, old), f, ""})
			}
		}
		tt, err := t.task()
		if err != nil {
			return Report{}, err
		}
		extra := map[string]any{}
		if t.Push != nil {
			extra["push.task."] = t.Push
		}
		var s taskSecrets
		var have []string
		if len(t.Env) > 0 {
			s.env = secretBlob(t.Env)
			have = append(have, "env")
		} else if len(t.EnvNames) > 0 {
			rep.MissingSecrets = append(rep.MissingSecrets, fmt.Sprintf("task %q: env %s", t.Name, strings.Join(t.EnvNames, ", ")))
		}
		if len(t.Headers) > 0 {
			s.headers = secretBlob(t.Headers)
			have = append(have, "headers")
		} else if len(t.HeaderNames) > 0 {
			rep.MissingSecrets = append(rep.MissingSecrets, fmt.Sprintf("task %q: headers %s", t.Name, strings.Join(t.HeaderNames, ", ")))
		}
		if len(have) > 0 {
			extra[taskSecretsPrefix] = have
		}
		w.Tasks = append(w.Tasks, tt)
		w.TaskSettings = append(w.TaskSettings, extra)
		tsecrets = append(tsecrets, s)
	}

	w.Settings = map[string]json.RawMessage{}
	for _, k := range slices.Sorted(maps.Keys(doc.Settings)) {
		v := doc.Settings[k]
		if !settingsKey(k) || !json.Valid(v) {
			return Report{}, fmt.Errorf("%w: %w", ErrBadInput, i18n.New("backup.setting_bad", "Key", strconv.Quote(k)))
		}
		if old, ok := settings[k]; ok {
			if sameJSON(old, v) {
				continue
			}
			cf := Conflict{"setting", k}
			if !replaceSettings {
				rep.Conflicts = append(rep.Conflicts, cf)
				continue
			}
			rep.Replaced = append(rep.Replaced, cf)
		}
		w.Settings[k] = v
	}

	w.History, w.HistoryStandalone = doc.History, !opt.Merge

	// Keyring writes happen inside the transaction, and are undone when it
	// fails.
	type undo struct {
		id, field, old string
		had            bool
	}
	var undos []undo
	set := func(id, field, value string) error {
		old, err := sec.Get(id, field)
		had := err == nil
		if err != nil && !errors.Is(err, secret.ErrNotFound) {
			return err
		}
		if err := sec.Set(id, field, value); err != nil {
			return err
		}
		undos = append(undos, undo{id, field, old, had})
		return nil
	}
	w.InTx = func() error {
		for _, s := range channelSecrets {
			if err := set(s.id, s.field, s.value); err != nil {
				return err
			}
		}
		for i, t := range w.Tasks {
			id := taskSecretID(inst, t.ID)
			if v := tsecrets[i].env; v != "" {
				if err := set(id, "env", v); err != nil {
					return err
				}
			}
			if v := tsecrets[i].headers; v != "" {
				if err := set(id, "headers", v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := st.WriteConfig(ctx, w); err != nil {
		for _, u := range slices.Backward(undos) {
			if u.had {
				_ = sec.Set(u.id, u.field, u.old)
			} else {
				_ = sec.Delete(u.id, u.field)
			}
		}
		return Report{}, err
	}
	for _, s := range replacedTaskSecrets {
		_ = sec.Delete(s.id, s.field)
	}
	// Secrets of replaced channels that the new one no longer has.
	for _, id := range w.RemoveChannels {
		old := chs[slices.IndexFunc(chs, func(e store.Channel) bool { return e.ID == id })]
		for _, f := range old.Secrets {
			i := slices.IndexFunc(w.Channels, func(c store.Channel) bool { return c.ID == id })
			if i < 0 || !slices.Contains(w.Channels[i].Secrets, f) {
				_ = sec.Delete(id, f)
			}
		}
	}
	rep.Channels, rep.Tasks, rep.Settings = len(w.Channels), len(w.Tasks), len(w.Settings)
	return rep, nil
}

func secretBlob(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}
