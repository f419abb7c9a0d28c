package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/task"
	"github.com/mattn/go-sqlite3"
)

const taskCols = `id, name, kind, spec, schedule, timeout_ms, enabled, overlap, missed, created_at, updated_at`

// CreateTask inserts t and sets its ID, CreatedAt and UpdatedAt. The
// command's Env and the HTTP check's Headers are not stored: they may hold
// secrets, which the caller keeps in the OS keyring. A live task with the
// same name (case-insensitive) gives ErrNameTaken.
func (s *Store) CreateTask(ctx context.Context, t *task.Task) error {
	spec, sched, err := encodeTask(t)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	res, err := s.exec(ctx, `INSERT INTO tasks (name, kind, spec, schedule, timeout_ms, enabled, overlap, missed, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Name, t.Kind, spec, sched, t.Timeout.Milliseconds(), t.Enabled, t.Overlap, t.Missed, now, now)
	if err != nil {
		return taskWriteError(t.Name, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("save task %q: %w", t.Name, err)
	}
	t.ID = id
	t.CreatedAt = time.UnixMilli(now)
	t.UpdatedAt = t.CreatedAt
	return nil
}

// UpdateTask replaces every stored field of live task t.ID, its name
// included, and sets t.UpdatedAt. As with CreateTask, Env and Headers are
// not stored.
func (s *Store) UpdateTask(ctx context.Context, t *task.Task) error {
	spec, sched, err := encodeTask(t)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	res, err := s.exec(ctx, `UPDATE tasks SET name = ?, kind = ?, spec = ?, schedule = ?, timeout_ms = ?, enabled = ?, overlap = ?, missed = ?, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL`,
		t.Name, t.Kind, spec, sched, t.Timeout.Milliseconds(), t.Enabled, t.Overlap, t.Missed, now, t.ID)
	if err != nil {
		return taskWriteError(t.Name, err)
	}
	if err := mustAffect(res, fmt.Sprintf("task %d", t.ID)); err != nil {
		return err
	}
	t.UpdatedAt = time.UnixMilli(now)
	return nil
}

// DeleteTask marks task id deleted: it leaves TaskByName and Tasks and its
// name is free again, but it stays readable through Task while runs refer
// to it. PruneRuns removes it once its last run is gone.
func (s *Store) DeleteTask(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, `UPDATE tasks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, time.Now().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("delete task %d: %w", id, err)
	}
	return mustAffect(res, fmt.Sprintf("task %d", id))
}

// Task returns task id, deleted or not (a deleted task's history still
// names it).
func (s *Store) Task(ctx context.Context, id int64) (task.Task, error) {
	t, err := scanTask(s.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return task.Task{}, fmt.Errorf("task %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return task.Task{}, fmt.Errorf("read task %d: %w", id, err)
	}
	return t, nil
}

// TaskByName finds a live task by name, case-insensitively.
func (s *Store) TaskByName(ctx context.Context, name string) (task.Task, error) {
	t, err := scanTask(s.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE name = ? AND deleted_at IS NULL`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return task.Task{}, fmt.Errorf("task %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return task.Task{}, fmt.Errorf("read task %q: %w", name, err)
	}
	return t, nil
}

// Tasks lists the live tasks by name.
func (s *Store) Tasks(ctx context.Context) ([]task.Task, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE deleted_at IS NULL ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	var out []task.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return out, nil
}

// storedSchedule is task.Schedule as stored. JSON keeps only the offset of
// At, so the zone's name goes alongside to give At back in its zone.
type storedSchedule struct {
	task.Schedule
	AtZone string `json:"at_zone,omitempty"`
}

func encodeTask(t *task.Task) (spec, sched string, err error) {
	var v any // a nil pointer encodes as null and decodes back to nil
	switch t.Kind {
	case task.KindCommand:
		v = t.Command
	case task.KindHTTP:
		v = t.HTTP
	}
	a, err := json.Marshal(v)
	if err != nil {
		return "", "", fmt.Errorf("save task %q: encode %s settings: %w", t.Name, t.Kind, err)
	}
	ss := storedSchedule{Schedule: t.Schedule}
	if !t.Schedule.At.IsZero() {
		ss.AtZone = t.Schedule.At.Location().String()
	}
	b, err := json.Marshal(ss)
	if err != nil {
		return "", "", fmt.Errorf("save task %q: encode schedule: %w", t.Name, err)
	}
	return string(a), string(b), nil
}

func scanTask(row scanner) (task.Task, error) {
	var (
		t                task.Task
		spec, sched      string
		timeoutMS        int64
		created, updated int64
	)
	if err := row.Scan(&t.ID, &t.Name, &t.Kind, &spec, &sched, &timeoutMS, &t.Enabled, &t.Overlap, &t.Missed, &created, &updated); err != nil {
		return task.Task{}, err
	}
	var err error
	switch t.Kind {
	case task.KindCommand:
		err = json.Unmarshal([]byte(spec), &t.Command)
	case task.KindHTTP:
		err = json.Unmarshal([]byte(spec), &t.HTTP)
	}
	if err != nil {
		return task.Task{}, fmt.Errorf("task %s: %s settings unreadable: %w", t.Name, t.Kind, err)
	}
	var ss storedSchedule
	if err := json.Unmarshal([]byte(sched), &ss); err != nil {
		return task.Task{}, fmt.Errorf("task %s: schedule unreadable: %w", t.Name, err)
	}
	t.Schedule = ss.Schedule
	if ss.AtZone != "" && !t.Schedule.At.IsZero() {
		// A zone that does not load (a fixed offset has no name to load) keeps the offset JSON gave.
		if loc, err := time.LoadLocation(ss.AtZone); err == nil {
			t.Schedule.At = t.Schedule.At.In(loc)
		}
	}
	t.Timeout = time.Duration(timeoutMS) * time.Millisecond
	t.CreatedAt = time.UnixMilli(created)
	t.UpdatedAt = time.UnixMilli(updated)
	return t, nil
}

func taskWriteError(name string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		return fmt.Errorf("task name %q: %w", name, ErrNameTaken)
	}
	return fmt.Errorf("save task %q: %w", name, err)
}

// LastRunSummary is what a task list shows of a task's newest run.
type LastRunSummary struct {
	Started time.Time
	Status  task.Status
}

// TaskWithLastRun is a task and its newest run (nil: it never ran).
type TaskWithLastRun struct {
	Task task.Task
	Last *LastRunSummary
}

// TasksWithLastRun lists the tasks by name with their newest run, in one
// query (the newest run is found through the runs_task_id index).
func (s *Store) TasksWithLastRun(ctx context.Context) ([]TaskWithLastRun, error) {
	cols := "t." + strings.ReplaceAll(taskCols, ", ", ", t.")
	rows, err := s.r.QueryContext(ctx, `SELECT `+cols+`, r.started_at, r.status FROM tasks t
		LEFT JOIN runs r ON r.id = (SELECT max(id) FROM runs WHERE task_id = t.id)
		WHERE t.deleted_at IS NULL ORDER BY t.name`)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	var out []TaskWithLastRun
	for rows.Next() {
		var started sql.NullInt64
		var status sql.NullString
		t, err := scanTask(withExtra{rows, []any{&started, &status}})
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		tl := TaskWithLastRun{Task: t}
		if started.Valid {
			tl.Last = &LastRunSummary{Started: time.UnixMilli(started.Int64), Status: task.Status(status.String)}
		}
		out = append(out, tl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return out, nil
}

// withExtra scans a row's leading columns as row would and the rest into
// extra.
type withExtra struct {
	row   scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }
