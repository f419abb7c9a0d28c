// Package owner makes one process the delivery owner of a data folder: the
// window or the daemon, whichever starts first, holds an OS lock on the
// folder for its lifetime and answers other herald processes on a local
// socket, a named pipe on Windows ("show your window", "deliver outbox row N
// now"). A CLI verb that finds no owner holds the lock itself while it
// delivers.
package owner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Files in the data folder.
const (
	lockName   = "herald.lock"
	holderName = "herald.owner" // who holds the lock; a separate file because Windows locks deny reading the lock file
)

// Role is what kind of herald process holds the lock.
type Role string

const (
	RoleWindow Role = "window"
	RoleDaemon Role = "daemon"
	// RoleCLI is a command-line verb delivering by itself for a moment.
	RoleCLI Role = "cli"
)

// Transient reports whether a holder of this role lets go soon (a CLI
// verb, or a holder that has not said who it is yet), so waiting is worth it.
func (r Role) Transient() bool { return r != RoleWindow && r != RoleDaemon }

// Holder says who holds a data folder's lock.
type Holder struct {
	Role  Role      `json:"role"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// String names the holder for messages: "the daemon (pid 42)".
func (h Holder) String() string {
	switch h.Role {
	case RoleWindow, RoleDaemon:
		return fmt.Sprintf("the %s (pid %d)", h.Role, h.PID)
	case RoleCLI:
		return fmt.Sprintf("a herald command (pid %d)", h.PID)
	}
	return "another herald process"
}

// HeldError is returned when another process holds the lock.
type HeldError struct {
	Dir    string
	Holder Holder
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s owns the data folder %s", e.Holder, e.Dir)
}

// Lock is a held data folder lock.
type Lock struct {
	dir    string
	fl     *flock.Flock
	holder Holder
}

// Dir is the locked data folder.
func (l *Lock) Dir() string { return l.dir }

// Holder is this process as the lock's holder.
func (l *Lock) Holder() Holder { return l.holder }

// TryLock takes dir's lock for role without waiting. When another process
// holds it, the error is a *HeldError naming the holder.
func TryLock(dir string, role Role) (*Lock, error) {
	fl := flock.New(filepath.Join(dir, lockName), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock the data folder %s: %w", dir, err)
	}
	if !ok {
		return nil, &HeldError{Dir: dir, Holder: readHolder(dir)}
	}
	l := &Lock{dir: dir, fl: fl, holder: Holder{Role: role, PID: os.Getpid(), Since: time.Now()}}
	if err := writeHolder(dir, l.holder); err != nil {
		fl.Unlock()
		return nil, err
	}
	return l, nil
}

// pollEvery is how often a waiting process tries the lock again.
const pollEvery = 100 * time.Millisecond

// Acquire takes dir's lock for role. While a transient holder (a CLI verb)
// has it, Acquire waits, calling onWait once if that takes a while (nil:
// silent), until ctx ends. A window or daemon holder is returned at once
// as a *HeldError: it holds the folder for good.
func Acquire(ctx context.Context, dir string, role Role, onWait func(Holder)) (*Lock, error) {
	noteAt := time.Now().Add(waitNoteAfter)
	for {
		l, err := TryLock(dir, role)
		var held *HeldError
		if !errors.As(err, &held) || !held.Holder.Role.Transient() {
			return l, err
		}
		if onWait != nil && time.Now().After(noteAt) {
			onWait(held.Holder)
			onWait = nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (gave up waiting: %w)", held, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// waitNoteAfter is how long a wait stays silent.
const waitNoteAfter = 3 * time.Second

// Release removes the holder file and lets go of the lock.
func (l *Lock) Release() error {
	if err := os.Remove(filepath.Join(l.dir, holderName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		l.fl.Unlock()
		return fmt.Errorf("remove %s: %w", holderName, err)
	}
	return l.fl.Unlock()
}

// writeHolder replaces the holder file in one step, so a reader never sees
// half of it.
func writeHolder(dir string, h Holder) error {
	data, _ := json.Marshal(h)
	tmp := filepath.Join(dir, fmt.Sprintf("%s.%d.tmp", holderName, h.PID))
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", holderName, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, holderName)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", holderName, err)
	}
	return nil
}

// readHolder reads who holds the lock; a zero Holder (role "") when the
// file is missing or unreadable: the holder is still starting.
func readHolder(dir string) Holder {
	var h Holder
	data, err := os.ReadFile(filepath.Join(dir, holderName))
	if err == nil && json.Unmarshal(data, &h) == nil {
		return h
	}
	return Holder{}
}

// Reach finds the owner of dir for a CLI verb, or, when none runs, takes
// the lock for RoleCLI so the verb delivers by itself. It waits while
// another verb holds the lock or an owner is still starting (it holds the
// lock but does not answer yet), until ctx ends; onWait as in Acquire.
// Exactly one of the holder and the lock is non-nil without an error.
func Reach(ctx context.Context, dir string, onWait func(Holder)) (*Holder, *Lock, error) {
	noteAt := time.Now().Add(waitNoteAfter)
	for {
		if h, err := Ping(ctx, dir); err == nil {
			return &h, nil, nil
		}
		l, err := TryLock(dir, RoleCLI)
		var held *HeldError
		if !errors.As(err, &held) {
			return nil, l, err
		}
		if onWait != nil && time.Now().After(noteAt) {
			onWait(held.Holder)
			onWait = nil
		}
		select {
		case <-ctx.Done():
			if !held.Holder.Role.Transient() {
				return nil, nil, fmt.Errorf("%w but does not answer on %s", held, endpoint(dir))
			}
			return nil, nil, fmt.Errorf("%w (gave up waiting: %w)", held, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}
