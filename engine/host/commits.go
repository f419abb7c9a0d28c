package host

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/commitwatch"
)

// commits is the process's one watch for commits other connections and
// processes make to the data folder (engine/commitwatch): started by its
// first user, stopped by Close before the store closes.
type commits struct {
	mu   sync.Mutex
	w    *commitwatch.Watcher
	stop context.CancelFunc
}

// commitWatch returns the watch, starting it (its probe is created before
// this returns, so later commits are seen).
func (e *Env) commitWatch(ctx context.Context) (*commitwatch.Watcher, error) {
	c := &e.commits
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w != nil {
		return c.w, nil
	}
	probe, err := e.Store.NewVersionProbe(ctx)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	c.w, c.stop = commitwatch.Start(wctx, filepath.Join(e.DataDir, "herald.db"), probe, e.Log), cancel
	return c.w, nil
}

func (e *Env) stopCommitWatch() {
	c := &e.commits
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
}

// OnCommit calls fn on its own goroutine once at once, then after each
// commit another process or connection makes to the data folder, at most
// once per gap, until ctx ends (a window beside the tray follows its runs
// so). The first call also covers a commit made while subscribing.
func (e *Env) OnCommit(ctx context.Context, gap time.Duration, fn func()) error {
	w, err := e.commitWatch(ctx)
	if err != nil {
		return err
	}
	w.Subscribe(ctx, gap, fn)
	return nil
}
