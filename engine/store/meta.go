package store

import (
	"context"
	"fmt"
)

// InstanceID is a random id made when the database was created; it tells
// this database apart from others on the same machine.
func (s *Store) InstanceID(ctx context.Context) (string, error) {
	s.metaOnce.Do(func() {
		s.metaErr = s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'instance_id'`).Scan(&s.instanceID)
		if s.metaErr != nil {
			s.metaErr = fmt.Errorf("read instance id: %w", s.metaErr)
		}
	})
	return s.instanceID, s.metaErr
}
