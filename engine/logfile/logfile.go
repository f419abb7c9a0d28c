// Package logfile is herald.log: appended to by every Herald process of a
// data folder, rotated by size while they run (herald.log.1 … .N), so a
// busy owner cannot fill the disk between two starts.
package logfile

import (
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/gofrs/flock"
)

// checkEvery: a writer looks at the file on disk after this many bytes,
// to rotate it, or to follow a rotation another process made.
const checkEvery = 64 << 10

// File is an io.WriteCloser appending to a log file that it rotates once
// it is over MaxSize, keeping Keep older files. Each Write is one record,
// written whole to one file.
type File struct {
	path    string
	maxSize int64
	keep    int

	mu      sync.Mutex
	f       *os.File // nil after a failed reopen: the next Write tries again
	closed  bool
	unseen  int64 // bytes written since the last look at the disk
	rotated int   // rotations this File made, for tests
}

// Open opens path for appending (created 0600), rotating it first when it
// is already over maxSize; keep ≥ 1 older files are kept.
func Open(path string, maxSize int64, keep int) (*File, error) {
	if keep < 1 {
		keep = 1
	}
	l := &File{path: path, maxSize: maxSize, keep: keep}
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxSize {
		l.rotateOnce()
	}
	if err := l.reopen(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *File) reopen() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open log %s: %w", l.path, err)
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.unseen = f, 0
	return nil
}

// Write appends p; every checkEvery bytes it first rotates the file if it
// grew over the limit, or reopens it if another process rotated it.
func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, os.ErrClosed
	}
	if l.f != nil && l.unseen+int64(len(p)) > checkEvery {
		l.look()
	}
	if l.f == nil {
		if err := l.reopen(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.unseen += int64(n)
	return n, err
}

// look rotates or follows a rotation. Errors keep the current file: a
// log line too many beats one lost.
func (l *File) look() {
	l.unseen = 0
	mine, err := l.f.Stat()
	if err != nil {
		return
	}
	onDisk, err := os.Stat(l.path)
	switch {
	case err != nil || !os.SameFile(mine, onDisk):
		_ = l.reopen() // rotated (or removed) by another process
	case onDisk.Size() > l.maxSize:
		// Windows renames no file a process holds open: let go of it
		// first. Another process holding it makes the rename fail; the
		// file is rotated at a later look.
		l.f.Close()
		l.f = nil
		l.rotateOnce()
		_ = l.reopen()
	}
}

// rotateOnce rotates the file unless another process just did: processes
// take turns through a lock file (herald.log.lock), because two shifting
// the older files at once would overwrite one of them. Without the lock
// nothing is rotated; the next look tries again.
func (l *File) rotateOnce() {
	lock := flock.New(l.path + ".lock")
	if err := lock.Lock(); err != nil {
		return
	}
	defer lock.Unlock()
	if fi, err := os.Stat(l.path); err != nil || fi.Size() <= l.maxSize {
		return // rotated by another process while this one waited
	}
	l.rotate()
}

// rotate shifts herald.log.K to .K+1 (dropping the last) and herald.log to
// .1; only under the lock (rotateOnce).
func (l *File) rotate() {
	_ = os.Remove(l.name(l.keep))
	for k := l.keep - 1; k >= 1; k-- {
		_ = os.Rename(l.name(k), l.name(k+1))
	}
	if err := os.Rename(l.path, l.name(1)); err == nil {
		l.rotated++
	}
}

func (l *File) name(k int) string { return l.path + "." + strconv.Itoa(k) }

// Close closes the file.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
