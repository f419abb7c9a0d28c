package app

import (
	"io"
	"testing"
	"time"
)

// The tray's "show [tab]" lines raise the window; the end of its input
// closes it.
func TestFollowTray(t *testing.T) {
	r, w := io.Pipe()
	closed := make(chan struct{})
	register := followTray(r, func() { close(closed) })
	tabs := make(chan string, 4)
	register(func(tab string) { tabs <- tab })
	io.WriteString(w, "show\nbogus\nshow history\n")
	for _, want := range []string{"", "history"} {
		select {
		case got := <-tabs:
			if got != want {
				t.Fatalf("shown on tab %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no show for %q", want)
		}
	}
	w.Close()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the end of input did not close the window")
	}
	if len(tabs) != 0 {
		t.Fatalf("unexpected show: %q", <-tabs)
	}
}
