package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/heraldpush/herald/engine/task"
	"github.com/mattn/go-sqlite3"
)

// PushState is what the push rules remember about a task between runs.
type PushState struct {
	AutoFailures  int  // consecutive automatic failures since the last automatic success
	FailurePushed bool // a failure was pushed and no success has followed: the next success is a recovery
}

// RunTx is the run's transaction: the run row, the task's push state and
// its outbox rows commit together, so a crash never leaves a recorded run
// whose pushes were lost, nor pushes of a run that was not recorded. It is
// valid only inside the fn given to InsertRunTx.
type RunTx struct {
	ctx    context.Context
	tx     *sql.Tx
	runID  int64
	queued int // outbox rows Enqueue added
}

// InsertRunTx records the finished run r, setting r.ID, and calls fn (if
// not nil) in the same transaction; an error from fn, or from recording,
// rolls everything back and leaves r.ID zero. Output and Error are stored
// as given: the caller redacts them. A task ID that does not exist gives
// ErrNotFound.
func (s *Store) InsertRunTx(ctx context.Context, r *task.Run, fn func(tx *RunTx) error) (err error) {
	committed := false
	defer func() { // also when fn panics
		if !committed {
			r.ID = 0
		}
	}()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insertRunSQL, insertRunArgs(r)...)
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey {
			return fmt.Errorf("record run: task %d: %w", r.TaskID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("record run of task %d: %w", r.TaskID, err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("record run of task %d: %w", r.TaskID, err)
		}
		r.ID = id
		if fn == nil {
			return nil
		}
		return fn(&RunTx{ctx: ctx, tx: tx, runID: id})
	})
	committed = err == nil
	return err
}

// RunID is the ID of the run being recorded.
func (tx *RunTx) RunID() int64 { return tx.runID }

// PushState reads task taskID's push state; the zero value when none was
// saved yet.
func (tx *RunTx) PushState(taskID int64) (PushState, error) {
	return readPushState(tx.ctx, tx.tx, taskID)
}

// SetPushState saves task taskID's push state. A task that does not exist
// gives ErrNotFound.
func (tx *RunTx) SetPushState(taskID int64, st PushState) error {
	_, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO push_state (task_id, auto_failures, failure_pushed) VALUES (?, ?, ?)
		ON CONFLICT (task_id) DO UPDATE SET auto_failures = excluded.auto_failures, failure_pushed = excluded.failure_pushed`,
		taskID, st.AutoFailures, st.FailurePushed)
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey {
		return fmt.Errorf("save push state: task %d: %w", taskID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("save push state of task %d: %w", taskID, err)
	}
	return nil
}

// Enqueue adds items to the outbox as pending rows, as Store.Enqueue does.
// An item without a RunID gets this run's, and one without a Source gets
// "run": the usual case needs neither.
func (tx *RunTx) Enqueue(items ...*OutboxItem) error {
	for _, it := range items {
		if it.RunID == 0 {
			it.RunID = tx.runID
		}
		if it.Source == "" {
			it.Source = SourceRun
		}
	}
	if err := enqueue(tx.ctx, tx.tx, items); err != nil {
		return err
	}
	tx.queued += len(items)
	return nil
}

// Queued is how many outbox rows were added through tx so far: whoever
// commits it wakes the dispatcher only when there are some.
func (tx *RunTx) Queued() int { return tx.queued }

// Setting reads a setting inside the transaction, as Store.Setting does.
func (tx *RunTx) Setting(key string, into any) (bool, error) {
	return readSetting(tx.ctx, tx.tx, key, into)
}

// PushState reads task taskID's push state outside a run (for display);
// the zero value when none was saved yet.
func (s *Store) PushState(ctx context.Context, taskID int64) (PushState, error) {
	return readPushState(ctx, s.r, taskID)
}

func readPushState(ctx context.Context, q queryRower, taskID int64) (PushState, error) {
	var st PushState
	err := q.QueryRowContext(ctx, `SELECT auto_failures, failure_pushed FROM push_state WHERE task_id = ?`, taskID).
		Scan(&st.AutoFailures, &st.FailurePushed)
	if errors.Is(err, sql.ErrNoRows) {
		return PushState{}, nil
	}
	if err != nil {
		return PushState{}, fmt.Errorf("read push state of task %d: %w", taskID, err)
	}
	return st, nil
}
