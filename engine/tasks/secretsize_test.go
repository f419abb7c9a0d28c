package tasks_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// memoryService is a task service whose secrets stay in memory: the size
// check comes before any keyring is needed.
func memoryService(t *testing.T) *tasks.Service {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := tasks.New(tasks.Params{Store: st, Secrets: &secret.Memory{}, Redactor: &redact.Redactor{}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func envTask(env ...string) task.Task {
	return task.Task{Name: "envy", Kind: task.KindCommand, Command: &task.Command{Line: "true", Env: env}}
}

func headerTask(headers map[string]string) task.Task {
	return task.Task{Name: "check", Kind: task.KindHTTP, HTTP: &task.HTTPCheck{URL: "http://example.com", Headers: headers}}
}

// Env values and headers are one keyring entry each, as JSON: together they
// must fit secret.MaxSize on every OS, counted as stored.
func TestTaskSecretSize(t *testing.T) {
	max := secret.MaxSize
	// ["K=…"] adds 6 bytes of JSON around the value, {"X":"…"} 8 (the key
	// included); json.Marshal writes "&" as the 6 bytes \u0026.
	tests := []struct {
		name      string
		task      task.Task
		wantField string // "" accepts
		wantSize  string
	}{
		{"env at the limit", envTask("K=" + strings.Repeat("v", max-6)), "", ""},
		{"env over the limit", envTask("K=" + strings.Repeat("v", max-5)), "env", "take 2,561 bytes together"},
		{"env values together", envTask("A="+strings.Repeat("v", max/2), "B="+strings.Repeat("v", max/2)), "env", "take 2,571 bytes"},
		{"multi-byte env", envTask("K=" + strings.Repeat("密", (max-5)/3+1)), "env", "take 2,562 bytes"},
		{"escaped as stored", envTask("K=" + strings.Repeat("&", (max-6)/6+1)), "env", "take 2,562 bytes"},
		{"header at the limit", headerTask(map[string]string{"X": strings.Repeat("h", max-8)}), "", ""},
		{"header over the limit", headerTask(map[string]string{"X": strings.Repeat("h", max-7)}), "header", "take 2,561 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			svc := memoryService(t)
			_, err := svc.Add(ctx, tt.task)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Add: %v", err)
				}
				return
			}
			var fe *task.FieldError
			if !errors.Is(err, tasks.ErrBadInput) || !errors.Is(err, secret.ErrTooLarge) || !errors.As(err, &fe) ||
				fe.Field != tt.wantField || !strings.Contains(err.Error(), tt.wantSize) {
				t.Fatalf("Add: %v, want bad input for %s with %q", err, tt.wantField, tt.wantSize)
			}
			if list, err := svc.List(ctx); err != nil || len(list) != 0 {
				t.Fatalf("refused task saved: %v, %v", list, err)
			}
		})
	}
}

// An edit that makes the secrets too large changes nothing.
func TestTaskSecretSizeOnUpdate(t *testing.T) {
	ctx := context.Background()
	svc := memoryService(t)
	tk, err := svc.Add(ctx, envTask("K=small"))
	if err != nil {
		t.Fatal(err)
	}
	tk.Command.Env = []string{"K=" + strings.Repeat("v", secret.MaxSize)}
	if _, err := svc.Update(ctx, tk); !errors.Is(err, tasks.ErrBadInput) || !errors.Is(err, secret.ErrTooLarge) {
		t.Fatalf("Update: %v, want bad input", err)
	}
	got, err := svc.Get(ctx, "envy")
	if err != nil || len(got.Command.Env) != 1 || got.Command.Env[0] != "K=small" {
		t.Fatalf("after the refused update: %+v, %v", got.Command, err)
	}
}
