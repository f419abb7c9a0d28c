package loader

import (
	"context"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestBurstsCoalesceAndWaitSeesTheResult(t *testing.T) {
	test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var loads atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	shown := 0 // written by apply only
	l := New(ctx, func(context.Context) func() {
		n := loads.Add(1)
		if n == 1 {
			close(started)
			<-release // the burst below arrives while the first load runs
		}
		return func() { shown = int(n) }
	})
	l.Request()
	<-started
	for range 10 {
		l.Request()
	}
	close(release)
	l.Wait()
	if got := loads.Load(); got != 2 {
		t.Fatalf("%d loads for a burst, want 2 (the first and one for the burst)", got)
	}
	if shown != 2 {
		t.Fatalf("shown %d, want the last load's result", shown)
	}
	cancel()
	l.Request()
	l.Wait() // returns once the loader stopped
}
