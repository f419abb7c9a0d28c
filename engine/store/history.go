package store

import (
	"context"
	"database/sql"
	"fmt"
)

// History is the run history and the outbox as rows, for a backup made
// with --with-history. Runs name their task, since task ids are renumbered
// on restore; times are unix milliseconds.
type History struct {
	Runs       []HistoryRun      `json:"runs"`
	Outbox     []HistoryOutbox   `json:"outbox"`
	Deliveries []HistoryDelivery `json:"deliveries"`
}

// HistoryRun is a row of runs.
type HistoryRun struct {
	ID         int64  `json:"id"`
	Task       string `json:"task"`
	Trigger    string `json:"trigger"`
	Status     string `json:"status"`
	Started    int64  `json:"started"`
	Finished   int64  `json:"finished"`
	ExitCode   *int64 `json:"exit_code,omitempty"`
	HTTPStatus *int64 `json:"http_status,omitempty"`
	Output     string `json:"output,omitempty"`
	Error      string `json:"error,omitempty"`
}

// HistoryOutbox is a row of the outbox; an in-flight row comes back pending.
type HistoryOutbox struct {
	ID         int64  `json:"id"`
	RunID      *int64 `json:"run_id,omitempty"`
	Source     string `json:"source"`
	ChannelID  string `json:"channel_id"`
	Title      string `json:"title,omitempty"`
	Body       string `json:"body,omitempty"`
	Markdown   bool   `json:"markdown,omitempty"`
	Level      string `json:"level,omitempty"`
	PictureURL string `json:"picture_url,omitempty"`
	State      string `json:"state"`
	Attempts   int    `json:"attempts"`
	NextAt     int64  `json:"next_at"`
	CreatedAt  int64  `json:"created_at"`
	UpdatedAt  int64  `json:"updated_at"`
	LastError  string `json:"last_error,omitempty"`
}

// HistoryDelivery is a row of deliveries.
type HistoryDelivery struct {
	OutboxID   int64  `json:"outbox_id"`
	At         int64  `json:"at"`
	DurationMS int64  `json:"duration_ms"`
	OK         bool   `json:"ok"`
	Transient  bool   `json:"transient,omitempty"`
	Answer     string `json:"answer,omitempty"`
}

// ReadHistory reads the runs of live tasks, the outbox and its deliveries
// in one read transaction.
func (s *Store) ReadHistory(ctx context.Context) (*History, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	h := &History{Runs: []HistoryRun{}, Outbox: []HistoryOutbox{}, Deliveries: []HistoryDelivery{}}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, t.name, r.trigger, r.status, r.started_at, r.finished_at, r.exit_code, r.http_status, r.output, r.error
		FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.deleted_at IS NULL ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	for rows.Next() {
		var r HistoryRun
		if err := rows.Scan(&r.ID, &r.Task, &r.Trigger, &r.Status, &r.Started, &r.Finished, &r.ExitCode, &r.HTTPStatus, &r.Output, &r.Error); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read history: %w", err)
		}
		h.Runs = append(h.Runs, r)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT id, run_id, source, channel_id, title, body, markdown, level, picture_url, state, attempts, next_at, created_at, updated_at, last_error
		FROM outbox ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	for rows.Next() {
		var o HistoryOutbox
		if err := rows.Scan(&o.ID, &o.RunID, &o.Source, &o.ChannelID, &o.Title, &o.Body, &o.Markdown, &o.Level, &o.PictureURL, &o.State, &o.Attempts, &o.NextAt, &o.CreatedAt, &o.UpdatedAt, &o.LastError); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		h.Outbox = append(h.Outbox, o)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT outbox_id, at, duration_ms, ok, transient, answer FROM deliveries ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d HistoryDelivery
		if err := rows.Scan(&d.OutboxID, &d.At, &d.DurationMS, &d.OK, &d.Transient, &d.Answer); err != nil {
			return nil, fmt.Errorf("read deliveries: %w", err)
		}
		h.Deliveries = append(h.Deliveries, d)
	}
	return h, rows.Err()
}

// writeHistory inserts h inside a restore's transaction: runs of the tasks
// in taskIDs (name → new id), outbox rows of those runs, and with
// standalone the outbox rows of no run (tests, digests, sends).
func writeHistory(ctx context.Context, tx *sql.Tx, h *History, taskIDs map[string]int64, standalone bool) error {
	runIDs := map[int64]int64{}
	for _, r := range h.Runs {
		tid, ok := taskIDs[r.Task]
		if !ok {
			continue
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (task_id, trigger, status, started_at, finished_at, exit_code, http_status, output, error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tid, r.Trigger, r.Status, r.Started, r.Finished, r.ExitCode, r.HTTPStatus, r.Output, r.Error)
		if err != nil {
			return fmt.Errorf("restore run: %w", err)
		}
		if runIDs[r.ID], err = res.LastInsertId(); err != nil {
			return err
		}
	}
	outIDs := map[int64]int64{}
	for _, o := range h.Outbox {
		var run *int64
		if o.RunID != nil {
			id, ok := runIDs[*o.RunID]
			if !ok {
				continue
			}
			run = &id
		} else if !standalone {
			continue
		}
		state := o.State
		if state == "inflight" {
			state = "pending"
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO outbox (run_id, source, channel_id, title, body, markdown, level, picture_url, state, attempts, next_at, created_at, updated_at, last_error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, run, o.Source, o.ChannelID, o.Title, o.Body, o.Markdown, o.Level, o.PictureURL,
			state, o.Attempts, o.NextAt, o.CreatedAt, o.UpdatedAt, o.LastError)
		if err != nil {
			return fmt.Errorf("restore outbox: %w", err)
		}
		if outIDs[o.ID], err = res.LastInsertId(); err != nil {
			return err
		}
	}
	for _, d := range h.Deliveries {
		id, ok := outIDs[d.OutboxID]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (outbox_id, at, duration_ms, ok, transient, answer) VALUES (?, ?, ?, ?, ?, ?)`,
			id, d.At, d.DurationMS, d.OK, d.Transient, d.Answer); err != nil {
			return fmt.Errorf("restore delivery: %w", err)
		}
	}
	return nil
}
