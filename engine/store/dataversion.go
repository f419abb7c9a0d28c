package store

import (
	"context"
	"fmt"
)

// DataVersion is a number that changes with every commit to the data
// folder, by this process or another: SQLite's data_version of one
// connection kept for it, which moves with each commit made through any
// other connection. Watches compare it and read tables only when it moved,
// so an idle app polls almost for free.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.ver.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read the data version: %w", err)
	}
	return v, nil
}

// VersionProbe tells whether anything was committed since it last looked.
type VersionProbe struct {
	s    *Store
	last int64
}

// NewVersionProbe starts looking from now.
func (s *Store) NewVersionProbe(ctx context.Context) (*VersionProbe, error) {
	v, err := s.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	return &VersionProbe{s: s, last: v}, nil
}

// Changed reports whether a commit happened since the last call (or the
// probe's start). An error counts as a change: the caller reads the
// tables rather than miss one.
func (p *VersionProbe) Changed(ctx context.Context) bool {
	v, err := p.s.DataVersion(ctx)
	if err != nil {
		return true
	}
	moved := v != p.last
	p.last = v
	return moved
}
