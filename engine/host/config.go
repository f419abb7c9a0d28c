package host

import (
	"context"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/tasks"
)

// configGap: the configuration watch reads the store's stamp at most this
// often, after commits by another connection or process (the CLI). This
// process's own changes are published at once.
const configGap = 500 * time.Millisecond

// configWatch publishes "the configuration changed" (a channel or a task
// was added, edited, tested, enabled, disabled or removed, here or in
// another process) to its subscribers. It starts with the first subscriber.
type configWatch struct {
	mu      sync.Mutex
	subs    []func()
	started bool
	poke    chan struct{} // this process changed something
	commit  chan struct{} // a commit was seen
	stop    context.CancelFunc
	done    chan struct{}
}

// OnConfigChange subscribes fn to changes of the channels and tasks, by
// this process or another. fn runs on the watch's goroutine and must not
// block; changes close together may be reported once.
func (e *Env) OnConfigChange(fn func()) {
	w := &e.config
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subs = append(w.subs, fn)
	if w.started {
		return
	}
	w.started = true
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	go e.watchConfig(ctx)
}

// configChanged is called when this process changed a channel or a task.
func (e *Env) configChanged() {
	select {
	case e.config.poke <- struct{}{}:
	default: // a report is pending already
	}
}

// followConfig wires this process's changes to the watch.
func (e *Env) followConfig() {
	e.config.poke = make(chan struct{}, 1)
	e.config.commit = make(chan struct{}, 1)
	e.Registry.OnChange = e.configChanged
	e.Tasks.Subscribe(func(ev tasks.Event) {
		if ev.Type == tasks.TaskChanged {
			e.configChanged()
		}
	})
}

func (e *Env) watchConfig(ctx context.Context) {
	defer close(e.config.done)
	last, _ := e.Store.ConfigStamp(ctx)
	commits, err := e.commitWatch(ctx)
	if err != nil {
		e.Log.Warn("watch the configuration", "error", err)
	} else {
		commits.Subscribe(ctx, configGap, func() { poke(e.config.commit) })
	}
	for {
		forced := false
		select {
		case <-ctx.Done():
			return
		case <-e.config.poke:
			forced = true
		case <-e.config.commit:
		}
		stamp, err := e.Store.ConfigStamp(ctx)
		if err != nil {
			if ctx.Err() == nil {
				e.Log.Warn("watch the configuration", "error", err)
			}
			continue
		}
		if !forced && stamp == last {
			continue
		}
		last = stamp
		e.config.mu.Lock()
		subs := append([]func(){}, e.config.subs...)
		e.config.mu.Unlock()
		for _, fn := range subs {
			fn()
		}
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// stopConfigWatch ends the watch, if it runs, before the store closes.
func (e *Env) stopConfigWatch() {
	e.config.mu.Lock()
	stop, done := e.config.stop, e.config.done
	e.config.stop = nil
	e.config.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}
