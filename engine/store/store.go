// Package store keeps Herald's data in one SQLite file: WAL journal, foreign
// keys on, a single writer connection and a separate read pool, schema
// changes as numbered migrations embedded in the binary. No SQL lives
// outside this package.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a named row does not exist.
var ErrNotFound = errors.New("not found")

// walAutocheckpoint is how many WAL pages this handle's commits let
// gather before the commit that passes it copies them into the database
// file (SQLite's default is 1000). A push's commit rewrites the same dozen
// pages of the outbox and its indexes, so a checkpoint copies about as many
// distinct pages whatever the WAL's length: checkpointing a quarter as
// often cuts the page copies and the fsyncs that go with them about
// fourfold, for a WAL of up to 16 MiB. Durability is unchanged: a commit is
// in the WAL, whose frames survive a crash of the process, before
// COMMIT returns.
const walAutocheckpoint = 4000

// Store is an open database.
type Store struct {
	path string
	w    *sql.DB // exactly one connection: SQLite allows one writer anyway, and this avoids SQLITE_BUSY between our own writers
	r    *sql.DB // readers never block the writer under WAL
	wl   *writeLock
	ver  *sql.DB    // one connection answering DataVersion
	ws   *stmtCache // statements prepared on the writer
	rs   *stmtCache // statements prepared on the read pool

	// owner names this handle in the leases of the rows it claims.
	owner string
	// lease is how long a claim holds before another owner may take the row back.
	lease time.Duration

	metaOnce   sync.Once
	instanceID string
	metaErr    error
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	tuneMalloc()
	q := url.Values{}
	q.Set("_fk", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	dsn := "file:" + filepath.ToSlash(path) + "?" + q.Encode()
	w, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	q.Set("mode", "ro")
	r, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(path)+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	// data_version is per connection: one that lives as long as the store.
	ver, _ := sql.Open("sqlite3", "file:"+filepath.ToSlash(path)+"?"+q.Encode())
	ver.SetMaxOpenConns(1)
	ver.SetConnMaxIdleTime(0)
	wl, err := openWriteLock(path)
	if err != nil {
		w.Close()
		r.Close()
		ver.Close()
		return nil, err
	}
	s := &Store{path: path, w: w, r: r, wl: wl, ver: ver, ws: newStmtCache(w), rs: newStmtCache(r), owner: newOwnerID(), lease: DefaultLease}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// See walAutocheckpoint. The writer's one connection lives as long as
	// the store, so the setting holds for every commit this handle makes.
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, walAutocheckpoint)); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := s.prepareWriter(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// The file may hold channel settings; keep it private to the user.
	_ = os.Chmod(path, 0o600)
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the pools.
func (s *Store) Close() error {
	return errors.Join(s.rs.close(), s.ws.close(), s.r.Close(), s.ver.Close(), s.w.Close(), s.wl.close())
}

// SchemaVersion is the number of the last applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
	return v, err
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		data, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(data)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d (migrations must be numbered 1, 2, 3… without gaps)", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies, each in its own transaction, the migrations newer than
// the database's user_version.
//
// It holds the write lock throughout: the first use of the writer sets
// the WAL journal mode, and processes opening a new file at once would
// otherwise meet as "database is locked".
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if err := s.wl.lock(ctx); err != nil {
		return err
	}
	defer s.wl.unlock()
	var current int
	if err := s.w.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("database %s has schema version %d but this Herald knows only %d: it was written by a newer Herald", s.path, current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := s.lockedTx(ctx, func(tx *sql.Tx) error {
			// Another process opening the same file may have applied it
			// while this one waited for the write lock.
			var now int
			if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&now); err != nil || now >= m.version {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, m.version))
			return err
		}); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction, rolling back on error or panic: a
// transaction left open would hold the only write connection for good.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := s.wl.lock(ctx); err != nil {
		return err
	}
	defer s.wl.unlock()
	return s.lockedTx(ctx, fn)
}

// lockedTx is tx for a caller that holds the write lock.
func (s *Store) lockedTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// exec runs one autocommit write statement in this process's and the other
// processes' turn (see writeLock).
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := s.wl.lock(ctx); err != nil {
		return nil, err
	}
	defer s.wl.unlock()
	return s.w.ExecContext(ctx, q, args...)
}
