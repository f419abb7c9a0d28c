package ui

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/task"
)

// eventually polls cond on the UI goroutine until it holds or a deadline
// passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var ok bool
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within the deadline", what)
		}
	}
}

// pushChannelNames are the channel check boxes Push settings shows.
func pushChannelNames(w *window) []string {
	var out []string
	walk(w.pushView.Object(), func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok {
			out = append(out, c.Text)
		}
	})
	return out
}

// channelListNames are the texts the Channels tab's list shows.
func channelListNames(w *window) []string {
	var out []string
	walk(w.channels.Object(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() {
			out = append(out, l.Text)
		}
	})
	return out
}

func hasPrefix(list []string, prefix string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix })
}

// A channel added while the window is open, here or by another process
// (the CLI), shows in Push settings and the Channels tab without a
// restart; a removed one goes. (The tray follows in its own process:
// app/trayowner.)
func TestViewsFollowChannelChanges(t *testing.T) {
	env := openTestEnv(t, t.TempDir())
	w := testWindow(t, env)
	onUI(func() {
		w.followEngine(true)
		w.tabs.SelectIndex(1)
	})
	var early bool
	onUI(func() { early = hasPrefix(pushChannelNames(w), "phone") })
	if early {
		t.Fatal("a channel shows before one was added")
	}

	if _, err := env.Registry.Add(w.ctx, "webhook", "phone", map[string]string{"url": "http://127.0.0.1:1/"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Push settings lists the added channel", func() bool { return hasPrefix(pushChannelNames(w), "phone (") })

	other, err := host.Open(w.ctx, env.DataDir, host.Options{Secrets: env.Secrets})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Registry.Add(w.ctx, "webhook", "desk", map[string]string{"url": "http://127.0.0.1:1/"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Push settings lists another process's channel", func() bool { return hasPrefix(pushChannelNames(w), "desk (") })
	eventually(t, "the Channels tab lists it", func() bool {
		var names []string
		onUI(func() {
			w.tabs.SelectIndex(0)
			names = channelListNames(w)
			w.tabs.SelectIndex(1)
		})
		return slices.Contains(names, "desk")
	})

	if err := other.Registry.Remove(w.ctx, "phone"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the removed channel goes", func() bool {
		return !hasPrefix(pushChannelNames(w), "phone (")
	})
}

// A client window (beside the tray, which runs the engine) gets no engine
// events: the runs another process records still show in History.
func TestClientFollowsTheOwnersRuns(t *testing.T) {
	env := openTestEnv(t, t.TempDir())
	w := testWindow(t, env)
	w.followOwner()
	onUI(func() { w.tabs.SelectIndex(tabHistory) })
	other, err := host.Open(w.ctx, env.DataDir, host.Options{Secrets: env.Secrets})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.AddTask(w.ctx, task.Task{Name: "owned", Kind: task.KindCommand, Command: &task.Command{Line: "true"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Tasks.RunForeground(w.ctx, "owned", task.TriggerManual); err != nil {
		t.Fatal(err)
	}
	eventually(t, "History lists the run the owner recorded", func() bool {
		n := 0
		onUI(func() {
			walk(w.win.Canvas().Content(), func(o fyne.CanvasObject) {
				if l, ok := o.(*widget.List); ok {
					n += l.Length()
				}
			})
		})
		return n > 0
	})
}
