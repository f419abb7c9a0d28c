// Package loader is the one threading pattern of Herald's views: load off
// the UI goroutine, apply the result with fyne.Do, and let a burst of
// requests (a run, then its pushes) cost one more load, not one each.
package loader

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"
)

// Loader runs its load function on its own goroutine whenever Request is
// called and applies what load returns on the UI goroutine. Requests made
// while a load runs fold into one more load; loads never overlap, and
// their results are applied in order.
type Loader struct {
	ctx  context.Context
	load func(context.Context) func()
	kick chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	asked   uint64 // requests made
	applied uint64 // requests served: loaded and applied
	stopped bool
}

// New starts a loader that lives until ctx ends. load runs off the UI
// goroutine (it may query the engine and wait on the keyring) and returns
// the function that shows its result, which runs with fyne.Do; nil shows
// nothing.
func New(ctx context.Context, load func(context.Context) (apply func())) *Loader {
	l := &Loader{ctx: ctx, load: load, kick: make(chan struct{}, 1)}
	l.cond = sync.NewCond(&l.mu)
	go l.run()
	return l
}

// Request asks for a load; it never blocks. Any goroutine may call it.
func (l *Loader) Request() {
	l.mu.Lock()
	l.asked++
	l.mu.Unlock()
	select {
	case l.kick <- struct{}{}:
	default: // a load is already due: it will serve this request too
	}
}

// Wait blocks until every request made before it has been loaded and
// applied, or the loader stopped. Tests call it instead of locking around
// the UI: Fyne's test driver runs fyne.Do inline, on the loader's
// goroutine, and Wait orders that before what the test reads next.
func (l *Loader) Wait() {
	l.mu.Lock()
	defer l.mu.Unlock()
	want := l.asked
	for l.applied < want && !l.stopped {
		l.cond.Wait()
	}
}

func (l *Loader) run() {
	defer func() {
		l.mu.Lock()
		l.stopped = true
		l.cond.Broadcast()
		l.mu.Unlock()
	}()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-l.kick:
		}
		l.mu.Lock()
		serving := l.asked
		l.mu.Unlock()
		if apply := l.load(l.ctx); apply != nil {
			done := make(chan struct{})
			fyne.Do(func() {
				defer close(done)
				apply()
			})
			// Wait for the UI, so that results are applied in order and
			// the next load sees the screen as this one left it.
			select {
			case <-done:
			case <-l.ctx.Done():
				return
			}
		}
		l.mu.Lock()
		l.applied = serving
		l.cond.Broadcast()
		l.mu.Unlock()
	}
}
