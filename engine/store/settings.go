package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// queryRower is what reading one row needs: the read pool, the writer or
// a transaction.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Setting reads the JSON document stored under key into into (as
// json.Unmarshal does). It reports false, leaving into untouched, when key
// was never set, so the caller keeps its defaults.
func (s *Store) Setting(ctx context.Context, key string, into any) (bool, error) {
	return readSetting(ctx, s.r, key, into)
}

// SetSetting stores v, encoded as JSON, under key, replacing what was there.
func (s *Store) SetSetting(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save setting %q: %w", key, err)
	}
	_, err = s.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, string(data), time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("save setting %q: %w", key, err)
	}
	return nil
}

// DeleteSetting removes key, so Setting reports it unset again (a task's
// overrides reset to the global settings). Removing an unset key is not an
// error.
func (s *Store) DeleteSetting(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
		return fmt.Errorf("delete setting %q: %w", key, err)
	}
	return nil
}

func readSetting(ctx context.Context, q queryRower, key string, into any) (bool, error) {
	var data string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read setting %q: %w", key, err)
	}
	if err := json.Unmarshal([]byte(data), into); err != nil {
		return false, fmt.Errorf("setting %q is unreadable: %w", key, err)
	}
	return true, nil
}

// UpdateSetting reads the setting key into into (left as given when key was
// never set), calls change and stores into, all in one write transaction:
// a change to one field never writes back another field read earlier, even
// when another process changes the same setting at the same time.
func (s *Store) UpdateSetting(ctx context.Context, key string, into any, change func() error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := readSetting(ctx, tx, key, into); err != nil {
			return err
		}
		if err := change(); err != nil {
			return err
		}
		data, err := json.Marshal(into)
		if err != nil {
			return fmt.Errorf("save setting %q: %w", key, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			key, string(data), time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("save setting %q: %w", key, err)
		}
		return nil
	})
}
