package host_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/task"
)

// OnConfigChange reports channels and tasks changed by this process and by
// another one (a second Env on the same data folder, as the CLI is).
func TestOnConfigChangeReportsChangesFromAnyProcess(t *testing.T) {
	ctx := t.Context()
	env := open(t)
	other := openBeside(t, env)
	var n atomic.Int64
	env.OnConfigChange(func() { n.Add(1) })

	steps := []struct {
		name   string
		change func() error
	}{
		{"this process adds a channel", func() error {
			_, err := env.Registry.Add(ctx, "webhook", "hook", map[string]string{"url": "http://127.0.0.1:1/"})
			return err
		}},
		{"this process removes it", func() error { return env.Registry.Remove(ctx, "hook") }},
		{"another process adds a channel", func() error {
			_, err := other.Registry.Add(ctx, "webhook", "hook2", map[string]string{"url": "http://127.0.0.1:1/"})
			return err
		}},
		{"another process adds a task", func() error {
			_, err := other.AddTask(ctx, task.Task{Name: "backup", Kind: task.KindCommand, Command: &task.Command{Line: "true"}})
			return err
		}},
		{"this process disables it", func() error {
			_, err := env.SetTaskEnabled(ctx, "backup", false)
			return err
		}},
	}
	for _, s := range steps {
		before := n.Load()
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for n.Load() == before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n.Load() == before {
			t.Fatalf("%s: no change reported", s.name)
		}
	}
}

// OnCommit calls once at once, then after a commit another connection
// makes (a window beside the owner follows its runs so).
func TestOnCommitFollowsOtherConnections(t *testing.T) {
	ctx := t.Context()
	env := open(t)
	other := openBeside(t, env)
	calls := make(chan struct{}, 16)
	if err := env.OnCommit(ctx, 10*time.Millisecond, func() { calls <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case <-time.After(10 * time.Second):
			t.Fatalf("no call %s", what)
		}
	}
	wait("at once")
	if _, err := other.AddTask(ctx, task.Task{Name: "theirs", Kind: task.KindCommand, Command: &task.Command{Line: "true"}}); err != nil {
		t.Fatal(err)
	}
	wait("after another connection's commit")
}

// openBeside opens env's data folder again, as another process does.
func openBeside(t *testing.T, env *host.Env) *host.Env {
	t.Helper()
	other, err := host.Open(t.Context(), env.DataDir, host.Options{Secrets: &secret.Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}
