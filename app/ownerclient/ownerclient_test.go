package ownerclient

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// refuse is the window's HTTP: a window process must never send itself.
type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("the window process sent a push itself")
}

// startOwner makes a tray-like owner of dir: engine running, socket
// answering, tasks served.
func startOwner(t *testing.T, dir string, secrets secret.Store) *host.Env {
	t.Helper()
	ctx := t.Context()
	env, err := host.Open(ctx, dir, host.Options{Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := env.SaveAPISettings(ctx, api.Settings{Enabled: false, Port: 18473}); err != nil {
		t.Fatal(err)
	}
	lock, err := owner.TryLock(dir, owner.RoleWindow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Release() })
	if err := env.StartEngine(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.StopEngine(5 * time.Second) })
	srv, err := owner.Listen(lock, env.DeliverRequested)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.OnEngine(env)
	return env
}

// The window's channel test and task run happen in the owner.
func TestWindowWorksThroughTheOwner(t *testing.T) {
	ctx := t.Context()
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hook.Close()
	dir, secrets := t.TempDir(), &secret.Memory{}
	ownerEnv := startOwner(t, dir, secrets)
	c, err := ownerEnv.Registry.Add(ctx, "webhook", "hook", map[string]string{"url": hook.URL})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := ownerEnv.AddTask(ctx, task.Task{Name: "hourly", Kind: task.KindCommand, Enabled: true,
		Command: &task.Command{Line: "true"}, Schedule: task.Schedule{Kind: task.ScheduleEvery, Every: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}

	windowEnv, err := host.Open(ctx, dir, host.Options{Secrets: secrets, HTTP: &http.Client{Transport: refuse{}}})
	if err != nil {
		t.Fatal(err)
	}
	defer windowEnv.Close()
	w := New(ctx, windowEnv)
	d, err := w.Test(ctx, c)
	if err != nil || !d.OK || hits.Load() != 1 {
		t.Fatalf("test push through the owner: %+v %v, %d hits", d, err, hits.Load())
	}

	// The run, however short, is told as finished (the Tasks tab shows it
	// running until then).
	events := make(chan tasks.Event, 16)
	w.OnRun(func(e tasks.Event) { events <- e })
	if err := w.RunTask(ctx, "hourly"); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for finished := false; !finished; {
		select {
		case e := <-events:
			finished = e.Type == tasks.RunFinished
			if finished && (e.Run.TaskID != tk.ID || e.Run.Status != task.StatusSuccess) {
				t.Fatalf("finished run: %+v", e.Run)
			}
		case <-deadline:
			t.Fatal("no RunFinished for the task run through the owner")
		}
	}
	w.RunningTasks()
	waitNext := time.Now().Add(30 * time.Second)
	for {
		if at, ok := w.NextRun(tk.ID); ok && at.After(time.Now()) {
			break
		}
		if time.Now().After(waitNext) {
			t.Fatal("no next run read from the owner")
		}
		time.Sleep(50 * time.Millisecond)
		w.RunningTasks()
	}
	if addr := w.APIListening(); addr != "" {
		t.Fatalf("the owner's API is off, but the window says it listens on %s", addr)
	}
	if w.CancelRun(tk.ID) {
		t.Fatal("cancelled a run that had finished")
	}
}
