package ui

import (
	"bytes"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
)

// uiLoop runs every fyne.Do, and every step of the test that touches
// widgets, on one goroutine, as the real driver does. Fyne's test driver
// would run each fyne.Do on its caller's goroutine, and when a run ends
// the Tasks and History tabs' loaders apply their updates at once, from
// two goroutines, into Fyne's caches, which are not safe for that.
type uiLoop struct {
	fyne.Driver
	jobs    chan func()
	id      atomic.Uint64 // the loop's goroutine
	stopped atomic.Bool
	stop    chan struct{}
}

// serialApp is the test app with its fyne.Do on the loop.
type serialApp struct {
	fyne.App
	loop *uiLoop
}

func (a serialApp) Driver() fyne.Driver { return a.loop }

// serialise makes a (the current app) run fyne.Do on one goroutine until
// the test ends.
func serialise(t *testing.T, a fyne.App) fyne.App {
	l := &uiLoop{Driver: a.Driver(), jobs: make(chan func()), stop: make(chan struct{})}
	started := make(chan struct{})
	go func() {
		l.id.Store(goid())
		close(started)
		for {
			select {
			case fn := <-l.jobs:
				fn()
			case <-l.stop:
				return
			}
		}
	}()
	<-started
	// Registered first, so it runs last: after the window and the tabs.
	t.Cleanup(func() { l.stopped.Store(true); close(l.stop) })
	sa := serialApp{App: a, loop: l}
	fyne.SetCurrentApp(sa)
	return sa
}

// DoFromGoroutine runs fn on the loop and returns when it ran (loader.Wait
// counts an update as applied when fyne.Do returns).
func (l *uiLoop) DoFromGoroutine(fn func(), _ bool) { l.run(fn) }

func (l *uiLoop) run(fn func()) {
	if l.stopped.Load() || goid() == l.id.Load() {
		fn()
		return
	}
	done := make(chan struct{})
	select {
	case l.jobs <- func() { defer close(done); fn() }:
		<-done
	case <-l.stop:
		fn()
	}
}

// goid is the calling goroutine's id, read from its stack header.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = b[len("goroutine "):]
	n, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return n
}
