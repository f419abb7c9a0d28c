package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/heraldpush/herald/engine/task"
)

// AllSettings returns every stored setting as raw JSON by key (backups).
func (s *Store) AllSettings(ctx context.Context) (map[string]json.RawMessage, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT key, value FROM settings ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("list settings: %w", err)
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("list settings: %w", err)
		}
		out[k] = json.RawMessage(v)
	}
	return out, rows.Err()
}

// ConfigWrite is configuration restored from a backup, written by
// WriteConfig in one transaction.
type ConfigWrite struct {
	RemoveChannels []string // ids of channels replaced
	Channels       []Channel
	RemoveTasks    []int64 // ids of live tasks replaced (soft-deleted)
	Tasks          []*task.Task
	// TaskSettings[i] holds settings of Tasks[i] by key prefix: each is
	// stored under prefix + the task's new id.
	TaskSettings   []map[string]any
	RemoveSettings []string
	Settings       map[string]json.RawMessage
	// History, when set, is written for the tasks written here (and, with
	// HistoryStandalone, the outbox rows of no run).
	History           *History
	HistoryStandalone bool
	// InTx runs after every row is written and before the commit (the
	// keyring writes); an error rolls everything back.
	InTx func() error
}

// WriteConfig writes w in one transaction: all of it or nothing. Tasks get
// new ids, set in w.Tasks.
func (s *Store) WriteConfig(ctx context.Context, w ConfigWrite) error {
	ids := make([]int64, len(w.Tasks))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UnixMilli()
		for _, id := range w.RemoveChannels {
			if _, err := tx.ExecContext(ctx, `DELETE FROM channels WHERE id = ?`, id); err != nil {
				return fmt.Errorf("replace channel %s: %w", id, err)
			}
		}
		for _, c := range w.Channels {
			cfg, secrets, err := encodeChannel(c)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO channels (id, name, kind, config, secrets, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				c.ID, c.Name, c.Kind, cfg, secrets, now, now)
			if err := channelWriteError(c.Name, err); err != nil {
				return err
			}
		}
		for _, id := range w.RemoveTasks {
			if _, err := tx.ExecContext(ctx, `UPDATE tasks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, now, id); err != nil {
				return fmt.Errorf("replace task %d: %w", id, err)
			}
		}
		for _, k := range w.RemoveSettings {
			if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, k); err != nil {
				return fmt.Errorf("delete setting %q: %w", k, err)
			}
		}
		put := func(key string, v string) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, v, now)
			if err != nil {
				return fmt.Errorf("save setting %q: %w", key, err)
			}
			return nil
		}
		for i, t := range w.Tasks {
			spec, sched, err := encodeTask(t)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO tasks (name, kind, spec, schedule, timeout_ms, enabled, overlap, missed, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				t.Name, t.Kind, spec, sched, t.Timeout.Milliseconds(), t.Enabled, t.Overlap, t.Missed, now, now)
			if err != nil {
				return taskWriteError(t.Name, err)
			}
			if ids[i], err = res.LastInsertId(); err != nil {
				return err
			}
			if i < len(w.TaskSettings) {
				for prefix, v := range w.TaskSettings[i] {
					data, err := json.Marshal(v)
					if err != nil {
						return err
					}
					if err := put(prefix+strconv.FormatInt(ids[i], 10), string(data)); err != nil {
						return err
					}
				}
			}
		}
		for k, v := range w.Settings {
			if err := put(k, string(v)); err != nil {
				return err
			}
		}
		if w.History != nil {
			byName := map[string]int64{}
			for i, t := range w.Tasks {
				byName[t.Name] = ids[i]
			}
			if err := writeHistory(ctx, tx, w.History, byName, w.HistoryStandalone); err != nil {
				return err
			}
		}
		for i, t := range w.Tasks {
			t.ID = ids[i]
			t.CreatedAt, t.UpdatedAt = time.UnixMilli(now), time.UnixMilli(now)
		}
		if w.InTx != nil {
			return w.InTx()
		}
		return nil
	})
	if err != nil {
		for _, t := range w.Tasks {
			t.ID = 0
		}
	}
	return err
}
