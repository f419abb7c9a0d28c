package host

import (
	"context"
	"path/filepath"
	"sync"

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
