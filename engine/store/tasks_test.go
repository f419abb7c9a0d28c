package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

func cmdTask(name string) *task.Task {
	return &task.Task{Name: name, Kind: task.KindCommand, Command: &task.Command{Line: "echo " + name}, Enabled: true}
}

func mustCreateTask(t *testing.T, s *store.Store, name string) int64 {
	t.Helper()
	tk := cmdTask(name)
	if err := s.CreateTask(context.Background(), tk); err != nil {
		t.Fatalf("CreateTask(%q): %v", name, err)
	}
	return tk.ID
}

func taskNames(ts []task.Task) []string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	return names
}

func TestTaskCRUD(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	before := time.Now().Add(-time.Second)
	backup := cmdTask("Backup")
	if err := s.CreateTask(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if backup.ID == 0 || backup.CreatedAt.Before(before) || !backup.UpdatedAt.Equal(backup.CreatedAt) {
		t.Fatalf("CreateTask set ID %d, CreatedAt %v, UpdatedAt %v", backup.ID, backup.CreatedAt, backup.UpdatedAt)
	}
	ping := &task.Task{Name: "ping", Kind: task.KindHTTP, HTTP: &task.HTTPCheck{URL: "https://example.com"}}
	if err := s.CreateTask(ctx, ping); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name    string
		task    *task.Task
		wantErr error
	}{
		{"same name", cmdTask("Backup"), store.ErrNameTaken},
		{"other case", cmdTask("BACKUP"), store.ErrNameTaken},
		{"other case 2", cmdTask("Ping"), store.ErrNameTaken},
		{"new name", cmdTask("Clean"), nil},
	} {
		t.Run("create "+tt.name, func(t *testing.T) {
			if err := s.CreateTask(ctx, tt.task); !errors.Is(err, tt.wantErr) {
				t.Fatalf("CreateTask(%q) = %v, want %v", tt.task.Name, err, tt.wantErr)
			}
		})
	}
	if err := s.CreateTask(ctx, &task.Task{Name: "bad", Kind: "shell"}); err == nil || errors.Is(err, store.ErrNameTaken) {
		t.Fatalf("CreateTask with kind shell = %v, want a constraint error", err)
	}

	got, err := s.TaskByName(ctx, "bAcKuP")
	if err != nil || got.ID != backup.ID {
		t.Fatalf("TaskByName(bAcKuP) = %+v, %v; want task %d", got, err, backup.ID)
	}
	if list, err := s.Tasks(ctx); err != nil || !reflect.DeepEqual(taskNames(list), []string{"Backup", "Clean", "ping"}) {
		t.Fatalf("Tasks = %v, %v; want Backup, Clean, ping (by name, case-insensitive)", taskNames(list), err)
	}

	for _, tt := range []struct {
		name    string
		id      int64
		newName string
		wantErr error
	}{
		{"to a taken name", ping.ID, "backup", store.ErrNameTaken},
		{"unknown id", 999, "Ghost", store.ErrNotFound},
		{"case only", ping.ID, "Ping", nil},
		{"rename", ping.ID, "Site check", nil},
	} {
		t.Run("update "+tt.name, func(t *testing.T) {
			u := *ping
			u.ID, u.Name = tt.id, tt.newName
			time.Sleep(2 * time.Millisecond) // UpdatedAt has millisecond resolution
			err := s.UpdateTask(ctx, &u)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("UpdateTask = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got, err := s.Task(ctx, tt.id)
			if err != nil || got.Name != tt.newName || !got.UpdatedAt.Equal(u.UpdatedAt) || !got.UpdatedAt.After(got.CreatedAt) || !got.CreatedAt.Equal(ping.CreatedAt) {
				t.Fatalf("after update: %+v, %v; want name %q, UpdatedAt %v > CreatedAt %v", got, err, tt.newName, u.UpdatedAt, ping.CreatedAt)
			}
		})
	}

	// Soft delete: gone from the live views, still readable by id, name free again.
	if err := s.DeleteTask(ctx, backup.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TaskByName(ctx, "Backup"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TaskByName after delete = %v, want ErrNotFound", err)
	}
	if list, _ := s.Tasks(ctx); !reflect.DeepEqual(taskNames(list), []string{"Clean", "Site check"}) {
		t.Fatalf("Tasks after delete = %v", taskNames(list))
	}
	if old, err := s.Task(ctx, backup.ID); err != nil || old.Name != "Backup" {
		t.Fatalf("Task(deleted id) = %+v, %v; want the deleted task", old, err)
	}
	again := cmdTask("backup")
	if err := s.CreateTask(ctx, again); err != nil {
		t.Fatalf("reusing a deleted task's name: %v", err)
	}
	if again.ID == backup.ID {
		t.Fatalf("new task reused id %d", again.ID)
	}
	if got, err := s.TaskByName(ctx, "BACKUP"); err != nil || got.ID != again.ID {
		t.Fatalf("TaskByName finds %d, %v; want the new task %d", got.ID, err, again.ID)
	}
	for _, tt := range []struct {
		name string
		op   func() error
	}{
		{"delete again", func() error { return s.DeleteTask(ctx, backup.ID) }},
		{"delete unknown", func() error { return s.DeleteTask(ctx, 999) }},
		{"update deleted", func() error { u := *backup; return s.UpdateTask(ctx, &u) }},
		{"get unknown", func() error { _, err := s.Task(ctx, 999); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s = %v, want ErrNotFound", tt.name, err)
			}
		})
	}
}

func TestTaskRoundTrip(t *testing.T) {
	ctx := context.Background()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		task task.Task
	}{
		{"command args, cron, every option", task.Task{
			Name: "args", Kind: task.KindCommand,
			Command:  &task.Command{Args: []string{"/usr/bin/rsync", "-a", "src dir/", "dst"}, Dir: "/home/me", Env: []string{"A=1"}},
			Schedule: task.Schedule{Kind: task.ScheduleCron, Cron: "*/5 * * * *"},
			Timeout:  90 * time.Second, Enabled: true, Overlap: task.OverlapQueue, Missed: task.MissedRun,
		}},
		{"command line, daily, random delay, defaults", task.Task{
			Name: "line", Kind: task.KindCommand,
			Command:  &task.Command{Line: `echo "hi" && exit 3`, OutputEncoding: "gbk"},
			Schedule: task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"08:00", "20:30:15"}, RandomDelay: 5 * time.Minute},
		}},
		{"http check, every", task.Task{
			Name: "http", Kind: task.KindHTTP,
			HTTP: &task.HTTPCheck{Method: "POST", URL: "https://example.com/health?x=1", Body: `{"a":1}`, Headers: map[string]string{"X-A": "b"},
				ExpectStatus: "2xx,301", ExpectBody: "ok", ExpectRegex: `^\{"status":"(up|ok)"\}$`},
			Schedule: task.Schedule{Kind: task.ScheduleEvery, Every: 90 * time.Second, RandomDelay: 1500 * time.Millisecond},
			Timeout:  1500 * time.Millisecond, Enabled: true, Overlap: task.OverlapSkip, Missed: task.MissedSkip,
		}},
		{"at in a named zone", task.Task{
			Name: "at ny", Kind: task.KindHTTP, HTTP: &task.HTTPCheck{URL: "http://localhost:8080"},
			Schedule: task.Schedule{Kind: task.ScheduleAt, At: time.Date(2026, 11, 1, 1, 30, 0, 0, ny)}, Enabled: true,
		}},
		{"at in UTC", task.Task{
			Name: "at utc", Kind: task.KindCommand, Command: &task.Command{Line: "true"},
			Schedule: task.Schedule{Kind: task.ScheduleAt, At: time.Date(2026, 12, 1, 9, 0, 0, 123_000_000, time.UTC)},
		}},
		{"at in a fixed offset", task.Task{
			Name: "at +0545", Kind: task.KindCommand, Command: &task.Command{Line: "true"},
			Schedule: task.Schedule{Kind: task.ScheduleAt, At: time.Date(2026, 12, 1, 9, 0, 0, 0, time.FixedZone("", 5*3600+45*60))},
		}},
		{"no schedule, no spec", task.Task{Name: "nil command", Kind: task.KindCommand}},
	}
	// What must come back: everything but the secrets.
	want := func(tk task.Task) task.Task {
		if tk.Command != nil {
			c := *tk.Command
			c.Env = nil
			tk.Command = &c
		}
		if tk.HTTP != nil {
			h := *tk.HTTP
			h.Headers = nil
			tk.HTTP = &h
		}
		return tk
	}
	check := func(t *testing.T, how string, got, want task.Task) {
		t.Helper()
		gotAt, wantAt := got.Schedule.At, want.Schedule.At
		if !gotAt.Equal(wantAt) || gotAt.Location().String() != wantAt.Location().String() {
			t.Errorf("%s: Schedule.At = %v, want %v", how, gotAt, wantAt)
		}
		gotZone, gotOff := gotAt.Zone()
		wantZone, wantOff := wantAt.Zone()
		if gotZone != wantZone || gotOff != wantOff {
			t.Errorf("%s: Schedule.At zone %s%+d, want %s%+d", how, gotZone, gotOff, wantZone, wantOff)
		}
		got.Schedule.At, want.Schedule.At = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", how, dump(got), dump(want))
		}
	}
	s := open(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.task
			if err := s.CreateTask(ctx, &in); err != nil {
				t.Fatal(err)
			}
			w := want(in)
			got, err := s.Task(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "Task", got, w)
			byName, err := s.TaskByName(ctx, in.Name)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "TaskByName", byName, w)
			if in.Command != nil && len(in.Command.Env) != len(tt.task.Command.Env) {
				t.Error("CreateTask changed the caller's Env")
			}

			// Update swaps in another case's fields, so every field is written by UpdateTask too.
			other := tests[(i+1)%len(tests)].task
			other.ID, other.Name = in.ID, in.Name+" v2"
			if err := s.UpdateTask(ctx, &other); err != nil {
				t.Fatal(err)
			}
			got, err = s.Task(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			w = want(other)
			w.CreatedAt = in.CreatedAt
			check(t, "after UpdateTask", got, w)
		})
	}
	list, err := s.Tasks(ctx)
	if err != nil || len(list) != len(tests) {
		t.Fatalf("Tasks = %d tasks, %v; want %d", len(list), err, len(tests))
	}
}

func dump(t task.Task) string {
	s := fmt.Sprintf("%+v", t)
	if t.Command != nil {
		s += fmt.Sprintf(" Command=%+v", *t.Command)
	}
	if t.HTTP != nil {
		s += fmt.Sprintf(" HTTP=%+v", *t.HTTP)
	}
	return s
}

// Env and Headers may hold secrets: no column of the row may contain them.
func TestTaskSecretsNotStored(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	tests := []struct {
		name   string
		task   task.Task
		update func(*task.Task)
	}{
		{"command env", task.Task{Name: "env", Kind: task.KindCommand,
			Command: &task.Command{Line: "deploy", Env: []string{"API_TOKEN=s3cr3t-env"}}},
			func(t *task.Task) { t.Command.Env = append(t.Command.Env, "OTHER=s3cr3t-env-2") }},
		{"http headers", task.Task{Name: "headers", Kind: task.KindHTTP,
			HTTP: &task.HTTPCheck{URL: "https://example.com", Headers: map[string]string{"Authorization": "Bearer s3cr3t-hdr"}}},
			func(t *task.Task) { t.HTTP.Headers["X-Api-Key"] = "s3cr3t-hdr-2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.task
			if err := s.CreateTask(ctx, &in); err != nil {
				t.Fatal(err)
			}
			assertRowLacks(t, s, in.ID, "s3cr3t", "API_TOKEN", "Authorization")
			tt.update(&in)
			if err := s.UpdateTask(ctx, &in); err != nil {
				t.Fatal(err)
			}
			assertRowLacks(t, s, in.ID, "s3cr3t", "API_TOKEN", "Authorization", "X-Api-Key", "OTHER")
			got, _ := s.Task(ctx, in.ID)
			if (got.Command != nil && got.Command.Env != nil) || (got.HTTP != nil && got.HTTP.Headers != nil) {
				t.Fatalf("secrets came back from the store: %s", dump(got))
			}
		})
	}
}

func assertRowLacks(t *testing.T, s *store.Store, id int64, words ...string) {
	t.Helper()
	row, err := s.RawRow(context.Background(), "tasks", id)
	if err != nil {
		t.Fatal(err)
	}
	for col, v := range row {
		for _, w := range words {
			if v, ok := v.(string); ok && strings.Contains(v, w) {
				t.Errorf("column %s = %q contains %q", col, v, w)
			}
		}
	}
}

func TestTasksWithLastRun(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	a, b := mustCreateTask(t, s, "alpha"), mustCreateTask(t, s, "beta")
	mustCreateTask(t, s, "gamma") // never ran
	gone := mustCreateTask(t, s, "deleted")
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for i, r := range []task.Run{
		{TaskID: a, Status: task.StatusFailure, Started: t0},
		{TaskID: b, Status: task.StatusSuccess, Started: t0.Add(time.Minute)},
		{TaskID: a, Status: task.StatusSuccess, Started: t0.Add(2 * time.Minute)},
		{TaskID: gone, Status: task.StatusSuccess, Started: t0},
		{TaskID: b, Status: task.StatusSkipped, Started: t0.Add(3 * time.Minute)},
	} {
		r.Trigger, r.Finished = task.TriggerAuto, r.Started.Add(time.Second)
		if err := s.InsertRun(ctx, &r); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if err := s.DeleteTask(ctx, gone); err != nil {
		t.Fatal(err)
	}
	list, err := s.TasksWithLastRun(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tl := range list {
		line := tl.Task.Name + " " + tl.Task.Command.Line
		if tl.Last != nil {
			line += fmt.Sprintf(" %s %s", tl.Last.Started.UTC().Format("15:04"), tl.Last.Status)
		}
		got = append(got, line)
	}
	want := []string{"alpha echo alpha 08:02 success", "beta echo beta 08:03 skipped", "gamma echo gamma"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
