package store

import (
	"context"
	"database/sql"
	"fmt"
)

// VersionProbe tells cheaply whether anything was committed to the data
// folder since it last looked, by this process or another: SQLite's
// data_version of one connection held for the probe changes with every
// commit made through any other connection. Watches ask it first and read
// tables only when it moved, so an idle app polls almost for free.
type VersionProbe struct {
	conn *sql.Conn
	last int64
}

// NewVersionProbe holds one read connection until Close.
func (s *Store) NewVersionProbe(ctx context.Context) (*VersionProbe, error) {
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open a version probe: %w", err)
	}
	p := &VersionProbe{conn: conn}
	if p.last, err = p.read(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return p, nil
}

// Changed reports whether a commit happened since the last call (or the
// probe's start).
func (p *VersionProbe) Changed(ctx context.Context) (bool, error) {
	v, err := p.read(ctx)
	if err != nil {
		return false, err
	}
	moved := v != p.last
	p.last = v
	return moved, nil
}

func (p *VersionProbe) read(ctx context.Context) (int64, error) {
	var v int64
	if err := p.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read the data version: %w", err)
	}
	return v, nil
}

// Close gives the connection back.
func (p *VersionProbe) Close() error { return p.conn.Close() }
