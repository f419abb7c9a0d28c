package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/heraldpush/herald/engine/task"
)

// TaskHealth is a task with the status of its newest run.
type TaskHealth struct {
	ID   int64
	Name string
	// LastStatus is the newest run's status; "" when the task never ran.
	LastStatus task.Status
}

// TasksHealth lists the tasks Tasks lists, by name, each with its newest
// run's status, in one query (the tray reads it on every run).
func (s *Store) TasksHealth(ctx context.Context) ([]TaskHealth, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tasks.id, tasks.name,
		(SELECT runs.status FROM runs WHERE runs.task_id = tasks.id ORDER BY runs.id DESC LIMIT 1)
		FROM tasks WHERE deleted_at IS NULL ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tasks' health: %w", err)
	}
	defer rows.Close()
	var out []TaskHealth
	for rows.Next() {
		var h TaskHealth
		var st sql.NullString
		if err := rows.Scan(&h.ID, &h.Name, &st); err != nil {
			return nil, fmt.Errorf("list tasks' health: %w", err)
		}
		h.LastStatus = task.Status(st.String)
		out = append(out, h)
	}
	return out, rows.Err()
}
