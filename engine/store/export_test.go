package store

import (
	"context"
	"fmt"
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
