package owner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/task"
)

// fakeTasks is an owner's scheduler: task 1 runs, task 2 runs next at next.
type fakeTasks struct {
	ran       []string
	cancelled []int64
	next      time.Time
}

func (f *fakeTasks) ListTasks(context.Context) ([]task.Task, error) {
	return []task.Task{{ID: 1, Name: "backup"}, {ID: 2, Name: "sync"}}, nil
}

func (f *fakeTasks) RunTask(_ context.Context, name string) error {
	if name == "missing" {
		return errors.New(`no task "missing"`)
	}
	f.ran = append(f.ran, name)
	return nil
}

func (f *fakeTasks) CancelRun(id int64) bool {
	f.cancelled = append(f.cancelled, id)
	return id == 1
}

func (f *fakeTasks) RunningTasks() []int64 { return []int64{1} }

func (f *fakeTasks) NextRun(id int64) (time.Time, bool) { return f.next, id == 2 }

func (f *fakeTasks) APIListening() string { return "127.0.0.1:8080" }

// A window process runs, cancels and watches tasks through the owner.
func TestTaskRequests(t *testing.T) {
	ctx := context.Background()
	dir := testDir(t)
	s := serveAs(t, dir, RoleWindow, nil)
	if err := RunTask(ctx, dir, "backup"); err == nil || !strings.Contains(err.Error(), "does not run tasks") {
		t.Fatalf("RunTask before OnEngine: %v", err)
	}
	f := &fakeTasks{next: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s.OnEngine(f)
	if err := RunTask(ctx, dir, "backup"); err != nil || len(f.ran) != 1 || f.ran[0] != "backup" {
		t.Fatalf("RunTask: %v, ran %v", err, f.ran)
	}
	var remote *RemoteError
	if err := RunTask(ctx, dir, "missing"); !errors.As(err, &remote) {
		t.Fatalf("RunTask of a missing task: %v", err)
	}
	if ok, err := CancelRun(ctx, dir, 1); !ok || err != nil {
		t.Fatalf("CancelRun(1): %v %v", ok, err)
	}
	if ok, err := CancelRun(ctx, dir, 2); ok || err != nil {
		t.Fatalf("CancelRun(2): %v %v", ok, err)
	}
	if addr, err := APIListening(ctx, dir); addr != "127.0.0.1:8080" || err != nil {
		t.Fatalf("APIListening: %q %v", addr, err)
	}
	st, err := Tasks(ctx, dir)
	if err != nil || len(st.Running) != 1 || st.Running[0] != 1 || len(st.Next) != 1 || !st.Next[2].Equal(f.next) {
		t.Fatalf("Tasks: %+v %v", st, err)
	}
}
