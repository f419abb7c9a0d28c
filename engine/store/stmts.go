package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmtCache keeps the statements of the delivery hot path prepared on a
// pool's connections: SQLite parses and plans a statement each time it is
// prepared, which cost more than running the claim and finish statements
// themselves. database/sql prepares a cached Stmt again on each connection
// it is used on and keeps it there, so one cache serves the writer's single
// connection and every connection of the read pool alike.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// get returns q prepared, preparing it on first use.
func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for q, st := range c.m {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.m, q)
	}
	return first
}

// writerStmts are the statements prepared on the writer when the store
// opens. They must be prepared before use: the writer's one connection is
// held by the transaction that wants them, so preparing one there would
// wait for it for good.
var writerStmts = []string{beginSQL, commitSQL, claimDueSQL, finishSQL, deliverySQL, claimNextSQL}

const (
	beginSQL  = `BEGIN IMMEDIATE`
	commitSQL = `COMMIT`
)

// prepareWriter prepares writerStmts; call it while no transaction runs.
func (s *Store) prepareWriter(ctx context.Context) error {
	for _, q := range writerStmts {
		if _, err := s.ws.get(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// wstmt is q, one of writerStmts, prepared on the writer.
func (s *Store) wstmt(q string) (*sql.Stmt, error) {
	s.ws.mu.Lock()
	st, ok := s.ws.m[q]
	s.ws.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("statement not prepared when the store opened: %.40q", q)
	}
	return st, nil
}

// connTx runs fn as one write transaction on the writer's connection
// without a *sql.Tx: BEGIN IMMEDIATE and COMMIT are statements of their
// own, and fn runs its statements on s.w (s.wstmt's, or s.w's own) with
// the context it is given, which cannot be cancelled (see short).
// database/sql watches a Tx's context from a goroutine, and each Rows'
// inside it from another; the delivery hot path, a transaction per push,
// spares both. This is sound because the writer pool holds exactly one
// connection, which never expires, and every use of it holds the write
// lock: all of fn's statements run on that connection, inside the
// transaction. An error or a panic in fn, or a failed COMMIT, rolls back.
func (s *Store) connTx(ctx context.Context, fn func(qctx context.Context) error) (err error) {
	qctx, err := short(ctx)
	if err != nil {
		return err
	}
	begin, err := s.wstmt(beginSQL)
	if err != nil {
		return err
	}
	commit, err := s.wstmt(commitSQL)
	if err != nil {
		return err
	}
	if err := s.wl.lock(ctx); err != nil {
		return err
	}
	defer s.wl.unlock()
	if _, err := begin.ExecContext(qctx); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = s.w.ExecContext(qctx, `ROLLBACK`)
		}
	}()
	if err := fn(qctx); err != nil {
		return err
	}
	if _, err := commit.ExecContext(qctx); err != nil {
		return err
	}
	committed = true
	return nil
}

// short is ctx for one short statement of the delivery hot path (an index
// seek or a one-row write): ctx's values without its cancellation, once
// ctx is checked not to be done. A statement whose context can be
// cancelled costs the SQLite driver a goroutine and two channel handoffs
// for every row it steps through; these statements end in microseconds,
// and what waits (the write turn, a connection from the pool) still
// honours ctx.
func short(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// errRow scans as err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// readRow runs the one-row query q (its *sql.Row, or the error that kept
// it from running), prepared on the read pool, as a short
// statement (see short).
func (s *Store) readRow(ctx context.Context, q string, args ...any) scanner {
	qctx, err := short(ctx)
	if err != nil {
		return errRow{err}
	}
	st, err := s.rs.get(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(qctx, args...)
}
