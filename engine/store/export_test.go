package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/heraldpush/herald/engine/task"
)

// Pragma reads a PRAGMA through the writer connection, which carries the DSN's settings.
func (s *Store) Pragma(ctx context.Context, name string) (string, error) {
	var v string
	err := s.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

func (s *Store) SetSchemaVersionForTest(ctx context.Context, v int) error {
	_, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}

// QueryPlan returns the detail lines of EXPLAIN QUERY PLAN for q, one per line.
func (s *Store) QueryPlan(ctx context.Context, q string, args ...any) (string, error) {
	rows, err := s.w.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			return "", err
		}
		b.WriteString(detail + "\n")
	}
	return b.String(), rows.Err()
}

// Analyze gathers the planner statistics that PRAGMA optimize would.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, "ANALYZE")
	return err
}

// The queries exactly as the store runs them, for plan assertions.

func RunsQuery(f RunFilter) (string, []any) { return runsQuery(f, nil) }

func LastRunQuery(taskID int64, triggers ...task.Trigger) (string, []any) {
	return runsQuery(RunFilter{TaskID: taskID, Limit: 1}, triggers)
}

func DailyCountsSQL(oneTask bool) string { return dailyCountsSQL(oneTask) }

const (
	FailuresSQL     = failuresSQL
	PruneByAgeSQL   = pruneByAgeSQL
	PruneByCountSQL = pruneByCountSQL
	PruneRunsSQL    = pruneRunsSQL
)

// RawRow returns every column of row id of table, NULL as nil, the rest as text.
func (s *Store) RawRow(ctx context.Context, table string, id int64) (map[string]any, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM `+table+` WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, fmt.Errorf("%s %d: %w", table, id, ErrNotFound)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(cols))
	for i, c := range cols {
		if vals[i].Valid {
			out[c] = vals[i].String
		} else {
			out[c] = nil
		}
	}
	return out, rows.Err()
}

// BulkInsertRuns inserts n runs made by gen through one prepared statement,
// perTx rows to a transaction: the fast path for building benchmark data.
func (s *Store) BulkInsertRuns(ctx context.Context, n, perTx int, gen func(i int, r *task.Run)) error {
	for done := 0; done < n; {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, insertRunSQL)
			if err != nil {
				return err
			}
			defer st.Close()
			for end := min(n, done+perTx); done < end; done++ {
				var r task.Run
				gen(done, &r)
				if _, err := st.ExecContext(ctx, insertRunArgs(&r)...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

const (
	ClaimDueSQL     = claimDueSQL
	AnyDueSQL       = anyDueSQL
	ExpiredSQL      = expiredSQL
	RecentSendsSQL  = recentSendsSQL
	NextDueSQL      = nextDueSQL
	PruneOutboxSQL  = pruneOutboxSQL
	RunsFinishedSQL = runsFinishedSQL
)

func OutboxItemsQuery(f OutboxFilter) (string, []any) { return outboxItemsQuery(f) }

// Exec runs a statement on the writer: benchmark and test set-up only.
func (s *Store) Exec(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = execCount(ctx, tx, q, args...)
		return err
	})
	return n, err
}
