// Package commitwatch wakes a process when the data folder's database was
// committed to by another connection or process, without polling while
// nothing happens: a commit writes SQLite's WAL file, the OS reports the
// write (fsnotify), and the data_version probe confirms it was a commit.
// Where the OS gives no events, a poll stands in.
package commitwatch

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Probe says whether a commit happened since it was last asked
// (store.VersionProbe).
type Probe interface {
	Changed(ctx context.Context) bool
}

const (
	// safetyEvery asks the probe even without events: a write the OS did
	// not report (a network file system) is seen this late at worst.
	safetyEvery = 30 * time.Second
	// pollEvery is the pace without OS events at all.
	pollEvery = 500 * time.Millisecond
	// probeGap bounds the probe to 10 asks a second while commits stream
	// in (this process's own among them): the events in between fold.
	probeGap = 100 * time.Millisecond
)

// Watcher reports commits to its subscribers.
type Watcher struct {
	probe Probe
	log   *slog.Logger
	ctx   context.Context

	mu   sync.Mutex
	subs []chan struct{}
}

// Start watches the database at dbPath until ctx ends.
func Start(ctx context.Context, dbPath string, probe Probe, log *slog.Logger) *Watcher {
	w := &Watcher{probe: probe, log: log, ctx: ctx}
	events, every := w.osEvents(ctx, dbPath)
	go w.run(events, every)
	return w
}

// osEvents are the writes to the database's files the OS reports, and how
// often to ask the probe regardless; without OS events, no channel and the
// poll's pace.
func (w *Watcher) osEvents(ctx context.Context, dbPath string) (<-chan struct{}, time.Duration) {
	fw, err := fsnotify.NewWatcher()
	if err == nil {
		// The folder, not the files: the WAL file comes and goes.
		err = fw.Add(filepath.Dir(dbPath))
		if err != nil {
			fw.Close()
		}
	}
	if err != nil {
		w.log.Info("no file events for the data folder; polling it", "error", err)
		return nil, pollEvery
	}
	out := make(chan struct{}, 1)
	base := filepath.Base(dbPath)
	go func() {
		defer fw.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-fw.Events:
				if !ok {
					return
				}
				if strings.HasPrefix(filepath.Base(ev.Name), base) && !strings.HasSuffix(ev.Name, "-shm") &&
					ev.Op&(fsnotify.Write|fsnotify.Create) != 0 {
					poke(out)
					// A commit is a dozen writes to the WAL, and a stream of
					// pushes hundreds a second: read no more events for
					// probeGap, as the prober asks no sooner anyway.
					// Meanwhile fsnotify waits to hand over its next event
					// and the kernel folds the writes to one file into one
					// event, rather than waking two goroutines per write.
					if !sleep(ctx, probeGap) {
						return
					}
				}
			case err, ok := <-fw.Errors:
				if !ok {
					return
				}
				w.log.Warn("data folder events", "error", err)
				poke(out) // an overflow may have lost one
			}
		}
	}()
	return out, safetyEvery
}

func (w *Watcher) run(events <-chan struct{}, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-events:
		case <-tick.C:
		}
		if w.probe.Changed(w.ctx) {
			w.mu.Lock()
			for _, c := range w.subs {
				poke(c)
			}
			w.mu.Unlock()
		}
		if !sleep(w.ctx, probeGap) {
			return
		}
	}
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Subscribe calls fn on its own goroutine once at once, then after each
// commit seen, at most once per gap (commits during fn or the gap fold
// into one more call), until ctx or the watch ends.
func (w *Watcher) Subscribe(ctx context.Context, gap time.Duration, fn func()) {
	c := make(chan struct{}, 1)
	c <- struct{}{} // a commit just before subscribing is not missed
	w.mu.Lock()
	w.subs = append(w.subs, c)
	w.mu.Unlock()
	go func() {
		defer w.unsubscribe(c)
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.ctx.Done():
				return
			case <-c:
			}
			fn()
			if !sleep(ctx, gap) || w.ctx.Err() != nil {
				return
			}
		}
	}()
}

func (w *Watcher) unsubscribe(c chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, s := range w.subs {
		if s == c {
			w.subs = append(w.subs[:i], w.subs[i+1:]...)
			return
		}
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
