package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Every change of a channel or a task, from any handle, changes the stamp.
func TestConfigStampChangesWithConfiguration(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	other, err := store.Open(ctx, s.Path()) // another process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tk := &task.Task{Name: "backup", Kind: task.KindCommand, Command: &task.Command{Line: "true"}, Enabled: true}
	steps := []struct {
		name   string
		change func() error
	}{
		{"add a channel", func() error {
			return other.CreateChannel(ctx, store.Channel{ID: "c1", Name: "phone", Kind: "bark"})
		}},
		{"edit it", func() error {
			return s.UpdateChannel(ctx, store.Channel{ID: "c1", Name: "phone 2", Kind: "bark"})
		}},
		{"test it", func() error {
			return s.RecordChannelTest(ctx, "c1", store.TestResult{At: time.Now().Add(time.Hour), OK: true})
		}},
		{"add a task", func() error { return other.CreateTask(ctx, tk) }},
		{"disable it", func() error { tk.Enabled = false; return s.UpdateTask(ctx, tk) }},
		{"remove it", func() error { return s.DeleteTask(ctx, tk.ID) }},
		{"remove the channel", func() error { return other.DeleteChannel(ctx, "c1") }},
	}
	before, err := s.ConfigStamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range steps {
		time.Sleep(2 * time.Millisecond) // updated_at counts milliseconds
		if err := step.change(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		after, err := s.ConfigStamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after == before {
			t.Errorf("%s: stamp stayed %q", step.name, after)
		}
		before = after
	}
}
