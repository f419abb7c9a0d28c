package host

import (
	"context"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/tasks"
)

// configPoll is how often the configuration watch reads the store's stamp
// to notice what another process (the CLI) changed. This process's own
// changes are published at once.
var configPoll = 500 * time.Millisecond

// configWatch publishes "the configuration changed" (a channel or a task
// was added, edited, tested, enabled, disabled or removed, here or in
// another process) to its subscribers. It starts with the first subscriber.
type configWatch struct {
	mu      sync.Mutex
	subs    []func()
	started bool
	poke    chan struct{} // this process changed something
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
	probe, err := e.Store.NewVersionProbe(ctx)
	if err != nil {
		e.Log.Warn("watch the configuration", "error", err)
	}
	tick := time.NewTicker(configPoll)
	defer tick.Stop()
	for {
		forced := false
		select {
		case <-ctx.Done():
			return
		case <-e.config.poke:
			forced = true
		case <-tick.C:
			// Idle folders commit nothing: the tables are read only
			// after a commit somewhere.
			if probe != nil && !probe.Changed(ctx) {
				continue
			}
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
