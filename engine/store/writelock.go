package store

import (
	"context"
	"fmt"
	"os"
)

// writeLock queues the write transactions of every process that opens the
// same database. SQLite's busy timeout is sleep-and-retry, not a queue: a
// process that commits and begins again within microseconds keeps the lock
// while the other one sleeps, and starves it past its timeout. Here a
// blocking OS file lock wakes the waiter as soon as the holder lets go, and
// a turnstile makes the turns alternate: a process takes the turn lock
// before the write lock and keeps it while it waits, so a holder that
// wants to write again queues behind it instead of retaking the lock at
// once. Inside one process, sem makes the goroutines wait their turn first
// (the locks belong to the open file, so a second goroutine would pass).
//
// Every turn handed to another process costs a wake-up of that process;
// to keep that cost from each transaction, a writer that finishes hands the
// held lock straight to a writer of its own process that is already
// waiting, up to maxStreak transactions in a row.
type writeLock struct {
	sem         chan struct{} // full while this process holds the write lock
	handoff     chan struct{} // unbuffered: the lock passed to a waiting writer
	streak      int           // transactions in a row under one file lock (the holder's)
	turn, write *os.File
}

// maxStreak bounds the transactions one process makes in a row while
// another waits.
const maxStreak = 32

func openWriteLock(dbPath string) (*writeLock, error) {
	open := func(suffix string) (*os.File, error) {
		f, err := os.OpenFile(dbPath+suffix, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open write lock: %w", err)
		}
		return f, nil
	}
	turn, err := open(".turn")
	if err != nil {
		return nil, err
	}
	write, err := open(".wlock")
	if err != nil {
		turn.Close()
		return nil, err
	}
	return &writeLock{sem: make(chan struct{}, 1), handoff: make(chan struct{}), turn: turn, write: write}, nil
}

// lock waits for this process's turn, then for the file locks, until ctx
// ends.
func (l *writeLock) lock(ctx context.Context) error {
	select {
	case <-l.handoff:
		return nil // the previous writer's lock, still held
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Most turns find both file locks free: take them without blocking,
	// sparing a goroutine and its wake-up for each transaction. A held
	// turnstile or write lock means another process is in line or writing:
	// wait for it below, in the same order.
	turn, err := tryLockFile(l.turn)
	if err == nil && turn {
		var write bool
		write, err = tryLockFile(l.write)
		if err == nil && write {
			if err = unlockFile(l.turn); err == nil {
				l.streak = 0
				return nil
			}
			_ = unlockFile(l.write)
		} else if err == nil {
			// Keep the turnstile while waiting for the writer, as
			// lockFiles does.
			return l.wait(ctx, l.lockWrite)
		}
		_ = unlockFile(l.turn)
	}
	if err != nil {
		<-l.sem
		return fmt.Errorf("lock database for writing: %w", err)
	}
	return l.wait(ctx, l.lockFiles)
}

// wait runs lock, which blocks until this process holds the write lock,
// until ctx ends. Callers hold sem.
func (l *writeLock) wait(ctx context.Context, lock func() error) error {
	got := make(chan error, 1)
	go func() { got <- lock() }()
	select {
	case err := <-got:
		if err != nil {
			<-l.sem
			return fmt.Errorf("lock database for writing: %w", err)
		}
		l.streak = 0
		return nil
	case <-ctx.Done():
		// The goroutine may still get the lock: hand it back then, and only
		// then let the next writer of this process in.
		go func() {
			if <-got == nil {
				_ = unlockFile(l.write)
			}
			<-l.sem
		}()
		return ctx.Err()
	}
}

// lockFiles takes the turnstile, then the write lock, then lets the
// turnstile go to the next process in line.
func (l *writeLock) lockFiles() error {
	if err := lockFile(l.turn); err != nil {
		return err
	}
	return l.lockWrite()
}

// lockWrite takes the write lock for a caller that holds the turnstile,
// then lets the turnstile go.
func (l *writeLock) lockWrite() error {
	err := lockFile(l.write)
	if uerr := unlockFile(l.turn); err == nil && uerr != nil {
		_ = unlockFile(l.write)
		err = uerr
	}
	return err
}

func (l *writeLock) unlock() {
	if l.streak++; l.streak < maxStreak {
		select {
		case l.handoff <- struct{}{}:
			return
		default:
		}
	}
	_ = unlockFile(l.write)
	<-l.sem
}

func (l *writeLock) close() error {
	err := l.write.Close()
	if terr := l.turn.Close(); err == nil {
		err = terr
	}
	return err
}
