package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/task"
)

// DefaultRunLimit is the page size used when a run query is given a limit
// of zero or less.
const DefaultRunLimit = 100

// maxDailyCountDays bounds DailyCounts so a wrong date cannot make it build
// millions of empty days.
const maxDailyCountDays = 3700

// RunFilter selects runs for the History tab. Zero fields select everything.
type RunFilter struct {
	TaskID   int64         // 0: all tasks
	Statuses []task.Status // any of these; empty: all
	Trigger  task.Trigger  // "": all
	From, To time.Time     // started in [From, To); a zero bound is open
	BeforeID int64         // keyset paging: only runs with a smaller ID; 0: from the newest
	Limit    int           // ≤ 0: DefaultRunLimit
}

// DayCount is how a day's runs ended.
type DayCount struct {
	Day     time.Time // local midnight (or the day's first instant where midnight falls in a DST gap)
	Success int
	Failure int // failures and timeouts
	Skipped int
}

// runSelect reads runs with their task's name: every run query joins tasks.
const runSelect = `SELECT runs.id, runs.task_id, tasks.name, runs.trigger, runs.status, runs.started_at, runs.finished_at,
	runs.exit_code, runs.http_status, runs.output, runs.error
	FROM runs JOIN tasks ON tasks.id = runs.task_id`

// InsertRun records a finished run and sets r.ID. Output and Error are
// stored as given: the caller redacts them. A task ID that does not exist
// gives ErrNotFound. A run that may push goes through InsertRunTx instead.
func (s *Store) InsertRun(ctx context.Context, r *task.Run) error {
	return s.InsertRunTx(ctx, r, nil)
}

const insertRunSQL = `INSERT INTO runs (task_id, trigger, status, started_at, finished_at, exit_code, http_status, output, error)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

func insertRunArgs(r *task.Run) []any {
	var exitCode, httpStatus any // NULL unless known
	if r.ExitCode != nil {
		exitCode = *r.ExitCode
	}
	if r.HTTPStatus != 0 {
		httpStatus = r.HTTPStatus
	}
	return []any{r.TaskID, r.Trigger, r.Status, r.Started.UnixMilli(), r.Finished.UnixMilli(), exitCode, httpStatus, r.Output, r.Error}
}

// Run returns run id.
func (s *Store) Run(ctx context.Context, id int64) (task.Run, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, runSelect+` WHERE runs.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return task.Run{}, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return task.Run{}, fmt.Errorf("read run %d: %w", id, err)
	}
	return r, nil
}

// TaskRuns pages through a task's runs, newest (highest ID) first: pass
// the last ID of a page as beforeID to get the next one, 0 for the first.
func (s *Store) TaskRuns(ctx context.Context, taskID int64, beforeID int64, limit int) ([]task.Run, error) {
	return s.Runs(ctx, RunFilter{TaskID: taskID, BeforeID: beforeID, Limit: limit})
}

// Runs pages through the runs f selects, newest (highest ID) first. IDs
// grow as runs are recorded, that is as they end.
func (s *Store) Runs(ctx context.Context, f RunFilter) ([]task.Run, error) {
	q, args := runsQuery(f, nil)
	runs, err := s.queryRuns(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// runsQuery builds the query for f; triggers, if any, widen f.Trigger to
// "any of these" (LastRun's filter).
func runsQuery(f RunFilter, triggers []task.Trigger) (string, []any) {
	var (
		where []string
		args  []any
	)
	if f.TaskID != 0 {
		where = append(where, `runs.task_id = ?`)
		args = append(args, f.TaskID)
	}
	if len(f.Statuses) > 0 {
		where = append(where, `runs.status IN (?`+strings.Repeat(`, ?`, len(f.Statuses)-1)+`)`)
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if f.Trigger != "" {
		triggers = append(triggers[:len(triggers):len(triggers)], f.Trigger)
	}
	if len(triggers) > 0 {
		where = append(where, `runs.trigger IN (?`+strings.Repeat(`, ?`, len(triggers)-1)+`)`)
		for _, tr := range triggers {
			args = append(args, tr)
		}
	}
	if !f.From.IsZero() {
		where = append(where, `runs.started_at >= ?`)
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where = append(where, `runs.started_at < ?`)
		args = append(args, f.To.UnixMilli())
	}
	if f.BeforeID > 0 {
		where = append(where, `runs.id < ?`)
		args = append(args, f.BeforeID)
	}
	q := runSelect
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY runs.id DESC LIMIT ?`
	args = append(args, limitOrDefault(f.Limit))
	return q, args
}

// failuresSQL repeats runs_failed's WHERE word for word: SQLite uses a
// partial index only when the query states its condition.
const failuresSQL = runSelect + `
	WHERE runs.status IN ('failure', 'timeout') AND runs.started_at >= ?
	ORDER BY runs.started_at DESC, runs.id DESC LIMIT ?`

// runsFinishedSQL reads the runs_finished index range; tasks are joined
// whether deleted or not, so a digest still names a task deleted since.
const runsFinishedSQL = runSelect + `
	WHERE runs.finished_at > ? AND runs.finished_at <= ?
	ORDER BY runs.finished_at, runs.id`

// RunsFinishedBetween lists the runs of every task, deleted ones included,
// that finished in (from, to], oldest end first: the runs a digest
// summarises. Consecutive intervals thus count each run exactly once.
func (s *Store) RunsFinishedBetween(ctx context.Context, from, to time.Time) ([]task.Run, error) {
	runs, err := s.queryRuns(ctx, runsFinishedSQL, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("list runs finished between %s and %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return runs, nil
}

// Failures lists failed and timed-out runs of every task that started at
// or after since (zero: ever), newest start first.
func (s *Store) Failures(ctx context.Context, since time.Time, limit int) ([]task.Run, error) {
	from := int64(math.MinInt64)
	if !since.IsZero() {
		from = since.UnixMilli()
	}
	runs, err := s.queryRuns(ctx, failuresSQL, from, limitOrDefault(limit))
	if err != nil {
		return nil, fmt.Errorf("list failures: %w", err)
	}
	return runs, nil
}

// LastRun returns the newest run of task taskID (0: of any task), only
// among the given triggers when some are given.
func (s *Store) LastRun(ctx context.Context, taskID int64, triggers ...task.Trigger) (task.Run, error) {
	q, args := runsQuery(RunFilter{TaskID: taskID, Limit: 1}, triggers)
	runs, err := s.queryRuns(ctx, q, args...)
	if err != nil {
		return task.Run{}, fmt.Errorf("last run of task %d: %w", taskID, err)
	}
	if len(runs) == 0 {
		return task.Run{}, fmt.Errorf("last run of task %d: %w", taskID, ErrNotFound)
	}
	return runs[0], nil
}

func (s *Store) queryRuns(ctx context.Context, q string, args ...any) ([]task.Run, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []task.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanRun(row scanner) (task.Run, error) {
	var (
		r                 task.Run
		started, finished int64
		exitCode, httpSt  sql.NullInt64
	)
	if err := row.Scan(&r.ID, &r.TaskID, &r.TaskName, &r.Trigger, &r.Status, &started, &finished,
		&exitCode, &httpSt, &r.Output, &r.Error); err != nil {
		return task.Run{}, err
	}
	r.Started = time.UnixMilli(started)
	r.Finished = time.UnixMilli(finished)
	if exitCode.Valid {
		c := int(exitCode.Int64)
		r.ExitCode = &c
	}
	r.HTTPStatus = int(httpSt.Int64)
	return r, nil
}

func limitOrDefault(limit int) int {
	if limit <= 0 {
		return DefaultRunLimit
	}
	return limit
}

// dailyCountsSQL counts one day's runs, the day being a [start, end) range
// of unix milliseconds computed in Go, where the zone's rules are: never a
// fixed offset in SQL that DST would make wrong. One covering index range
// per day; no GROUP BY, whose sort costs more than the counting.
func dailyCountsSQL(oneTask bool) string {
	q := `SELECT coalesce(sum(status = 'success'), 0), coalesce(sum(status IN ('failure', 'timeout')), 0), coalesce(sum(status = 'skipped'), 0)
	FROM runs WHERE started_at >= ? AND started_at < ?`
	if oneTask {
		q += ` AND task_id = ?`
	}
	return q
}

// DailyCounts counts the runs of task taskID (0: all tasks) per calendar
// day of loc (nil: Local) by start time, one entry for every day from the
// day of from to the day of to, both whole and included, oldest first, days
// without runs included.
func (s *Store) DailyCounts(ctx context.Context, taskID int64, from, to time.Time, loc *time.Location) ([]DayCount, error) {
	if loc == nil {
		loc = time.Local
	}
	from, to = from.In(loc), to.In(loc)
	var days []DayCount
	y, m, d := from.Date()
	for i := 0; ; i++ {
		start := dayStart(y, m, d+i, loc)
		if start.After(to) {
			break
		}
		if i == maxDailyCountDays {
			return nil, fmt.Errorf("daily counts: %s to %s is more than %d days", from.Format(time.DateOnly), to.Format(time.DateOnly), maxDailyCountDays)
		}
		days = append(days, DayCount{Day: start})
	}
	if len(days) == 0 {
		return nil, nil
	}
	st, err := s.r.PrepareContext(ctx, dailyCountsSQL(taskID != 0))
	if err != nil {
		return nil, fmt.Errorf("daily counts: %w", err)
	}
	defer st.Close()
	for i := range days {
		end := dayStart(y, m, d+i+1, loc)
		args := []any{days[i].Day.UnixMilli(), end.UnixMilli()}
		if taskID != 0 {
			args = append(args, taskID)
		}
		c := &days[i]
		if err := st.QueryRowContext(ctx, args...).Scan(&c.Success, &c.Failure, &c.Skipped); err != nil {
			return nil, fmt.Errorf("daily counts of %s: %w", c.Day.Format(time.DateOnly), err)
		}
	}
	return days, nil
}

// dayStart is the first instant of a calendar day in loc (d may overflow,
// as with time.Date). That is midnight, except where a DST change skips
// midnight: time.Date then answers with the evening before, and the day
// really begins when the clocks jump.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if t.Day() != time.Date(y, m, d, 12, 0, 0, 0, loc).Day() {
		_, end := t.ZoneBounds()
		return end
	}
	return t
}

const (
	pruneByAgeSQL = `SELECT id FROM runs WHERE started_at < ? ORDER BY started_at LIMIT ?`
	// cut holds, per task, the ID of its keep-th newest run (NULL when it
	// has no more than keep); runs below it are beyond the keep count. They
	// are taken oldest first across tasks, so a batch deletes neighbouring
	// rows, which touches far fewer pages than a task's runs scattered over
	// the whole table.
	pruneByCountSQL = `WITH cut (task_id, below) AS MATERIALIZED (
		SELECT tasks.id, (SELECT kept.id FROM runs AS kept WHERE kept.task_id = tasks.id ORDER BY kept.id DESC LIMIT 1 OFFSET ?) FROM tasks)
	SELECT runs.id FROM runs CROSS JOIN cut ON cut.task_id = runs.task_id AND runs.id < cut.below
	WHERE runs.id < (SELECT max(below) FROM cut)
	ORDER BY runs.id LIMIT ?`
	pruneRunsSQL  = `DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))`
	pruneTasksSQL = `DELETE FROM tasks WHERE deleted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.task_id = tasks.id)`
)

// PruneRuns deletes at most batch runs that started before olderThan (zero:
// no age limit) or that are beyond the newest keepPerTask runs of their task
// (≤ 0: no count limit), then removes deleted tasks that have no runs left.
// Small batches keep the single writer free for runs being recorded: call
// it again until it returns fewer than batch.
func (s *Store) PruneRuns(ctx context.Context, olderThan time.Time, keepPerTask int, batch int) (deleted int, err error) {
	if batch <= 0 {
		return 0, fmt.Errorf("prune runs: batch must be at least 1, got %d", batch)
	}
	// Runs are chosen on the read pool, so the writer is held only to
	// delete them. A run chosen from that snapshot still qualifies when it
	// is deleted: runs only grow older, and new runs only push old ones
	// further beyond the keep count.
	var ids []int64
	if !olderThan.IsZero() {
		if ids, err = s.runIDs(ctx, pruneByAgeSQL, olderThan.UnixMilli(), batch); err != nil {
			return 0, fmt.Errorf("prune runs by age: %w", err)
		}
	}
	if keepPerTask > 0 && len(ids) < batch {
		more, err := s.runIDs(ctx, pruneByCountSQL, keepPerTask-1, batch)
		if err != nil {
			return 0, fmt.Errorf("prune runs beyond %d per task: %w", keepPerTask, err)
		}
		ids = append(ids, more...)
	}
	// The two lists may share runs. Oldest first, for neighbouring rows.
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ids = ids[:min(len(ids), batch)]
	list, err := json.Marshal(ids)
	if err != nil {
		return 0, fmt.Errorf("prune runs: %w", err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if len(ids) > 0 {
			n, err := execCount(ctx, tx, pruneRunsSQL, string(list))
			if err != nil {
				return err
			}
			deleted = n
		}
		if _, err := tx.ExecContext(ctx, pruneTasksSQL); err != nil {
			return fmt.Errorf("remove deleted tasks: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune runs: %w", err)
	}
	return deleted, nil
}

func (s *Store) runIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func execCount(ctx context.Context, tx *sql.Tx, q string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
