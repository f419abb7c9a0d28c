package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// LastSuccesses maps each task with a successful run (test runs aside) to
// the end of its newest one: what a dead-man's switch measures from.
func (s *Store) LastSuccesses(ctx context.Context) (map[int64]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT task_id, MAX(finished_at) FROM runs
		WHERE status = 'success' AND trigger != 'test' GROUP BY task_id`)
	if err != nil {
		return nil, fmt.Errorf("list last successes: %w", err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id, ms int64
		if err := rows.Scan(&id, &ms); err != nil {
			return nil, fmt.Errorf("list last successes: %w", err)
		}
		out[id] = time.UnixMilli(ms)
	}
	return out, rows.Err()
}

// SettingsTx is one transaction over settings and the outbox: a rule that
// pushes at most once per event reads its mark, queues the push and writes
// the mark together, so neither a crash nor a second process sends it twice
// or loses it.
type SettingsTx struct {
	ctx context.Context
	tx  *sql.Tx
}

// InSettingsTx runs fn in one transaction; an error rolls everything back.
func (s *Store) InSettingsTx(ctx context.Context, fn func(tx *SettingsTx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return fn(&SettingsTx{ctx: ctx, tx: tx}) })
}

// Setting reads a setting as Store.Setting does.
func (tx *SettingsTx) Setting(key string, into any) (bool, error) {
	return readSetting(tx.ctx, tx.tx, key, into)
}

// SetSetting writes a setting as Store.SetSetting does.
func (tx *SettingsTx) SetSetting(key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save setting %q: %w", key, err)
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, string(data), time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("save setting %q: %w", key, err)
	}
	return nil
}

// Enqueue adds rows as Store.Enqueue does, inside the transaction.
func (tx *SettingsTx) Enqueue(items ...*OutboxItem) error { return enqueue(tx.ctx, tx.tx, items) }
