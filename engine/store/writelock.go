package store

import (
	"context"
	"fmt"
	"os"
)

// writeLock queues the write transactions of every process that opens the
// same database. SQLite's busy timeout is sleep-and-retry, not a queue: a
// process that commits and begins again within microseconds keeps the lock
// while the other one sleeps, and starves it past its timeout. A blocking
// OS file lock wakes the waiter as soon as the holder lets go. Inside one
// process, sem makes the goroutines wait their turn before the file lock
// (the lock belongs to the open file, so a second goroutine would pass it).
type writeLock struct {
	sem  chan struct{}
	file *os.File
}

func openWriteLock(dbPath string) (*writeLock, error) {
	f, err := os.OpenFile(dbPath+".wlock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open write lock: %w", err)
	}
	return &writeLock{sem: make(chan struct{}, 1), file: f}, nil
}

// lock waits for this process's turn, then for the file lock, until ctx ends.
func (l *writeLock) lock(ctx context.Context) error {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	got := make(chan error, 1)
	go func() { got <- lockFile(l.file) }()
	select {
	case err := <-got:
		if err != nil {
			<-l.sem
			return fmt.Errorf("lock database for writing: %w", err)
		}
		return nil
	case <-ctx.Done():
		// The goroutine may still get the lock: hand it back then, and only
		// then let the next writer of this process in.
		go func() {
			if <-got == nil {
				_ = unlockFile(l.file)
			}
			<-l.sem
		}()
		return ctx.Err()
	}
}

func (l *writeLock) unlock() {
	_ = unlockFile(l.file)
	<-l.sem
}

func (l *writeLock) close() error { return l.file.Close() }
