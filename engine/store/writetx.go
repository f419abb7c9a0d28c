package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"context"
)

// WriteTx runs fn in one write transaction that is not a run's: the same
// RunTx methods (settings, push state, outbox rows) commit together or not
// at all. RunID is 0 inside it, so queued rows keep the RunID they are
// given.
func (s *Store) WriteTx(ctx context.Context, fn func(tx *RunTx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return fn(&RunTx{ctx: ctx, tx: tx}) })
}

// SetSetting stores v under key inside the transaction, as Store.SetSetting
// does.
func (tx *RunTx) SetSetting(key string, v any) error {
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

// DeleteSetting removes key inside the transaction, as Store.DeleteSetting
// does.
func (tx *RunTx) DeleteSetting(key string) error {
	if _, err := tx.tx.ExecContext(tx.ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
		return fmt.Errorf("delete setting %q: %w", key, err)
	}
	return nil
}
