package store

import (
	"context"
	"fmt"
)

// ConfigStamp sums up the channels and the live tasks in a few numbers:
// it changes when one is added, edited, tested, enabled, disabled or
// removed, by this process or another (the CLI). Watchers poll it; it
// reads two small tables' aggregates, nothing of the runs or the outbox.
func (s *Store) ConfigStamp(ctx context.Context) (string, error) {
	var stamp string
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) || ':' || total(updated_at) || ':' || total(coalesce(last_test_at, 0)) FROM channels)
		|| '/' ||
		(SELECT count(*) || ':' || total(updated_at) || ':' || total(enabled) FROM tasks WHERE deleted_at IS NULL)`).Scan(&stamp)
	if err != nil {
		return "", fmt.Errorf("read the configuration stamp: %w", err)
	}
	return stamp, nil
}
