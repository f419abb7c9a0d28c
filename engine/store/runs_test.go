package store_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

var base = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)

func intPtr(v int) *int { return &v }

func mustInsertRun(t *testing.T, s *store.Store, r task.Run) task.Run {
	t.Helper()
	if r.Trigger == "" {
		r.Trigger = task.TriggerAuto
	}
	if r.Status == "" {
		r.Status = task.StatusSuccess
	}
	if r.Finished.IsZero() {
		r.Finished = r.Started.Add(1500 * time.Millisecond)
	}
	if err := s.InsertRun(context.Background(), &r); err != nil {
		t.Fatalf("InsertRun(%+v): %v", r, err)
	}
	return r
}

func runIDs(runs []task.Run) []int64 {
	ids := []int64{}
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestRunInsertAndGet(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	id := mustCreateTask(t, s, "Backup")
	start := time.Date(2026, 3, 8, 6, 59, 59, 987_654_321, time.UTC)
	tests := []struct {
		name           string
		run            task.Run
		rawExit, rawHS any // the stored columns
	}{
		{"command success", task.Run{Trigger: task.TriggerAuto, Status: task.StatusSuccess, ExitCode: intPtr(0), Output: "done\n"}, "0", nil},
		{"command failure", task.Run{Trigger: task.TriggerManual, Status: task.StatusFailure, ExitCode: intPtr(3), Output: "oops", Error: "exit status 3"}, "3", nil},
		{"killed by timeout", task.Run{Trigger: task.TriggerAuto, Status: task.StatusTimeout, Error: "timed out after 10m0s"}, nil, nil},
		{"http answer", task.Run{Trigger: task.TriggerTest, Status: task.StatusSuccess, HTTPStatus: 204}, nil, "204"},
		{"http no answer", task.Run{Trigger: task.TriggerAuto, Status: task.StatusFailure, Error: "dial tcp: connection refused"}, nil, nil},
		{"skipped", task.Run{Trigger: task.TriggerAuto, Status: task.StatusSkipped}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.run
			in.TaskID, in.Started, in.Finished = id, start, start.Add(2*time.Second)
			if err := s.InsertRun(ctx, &in); err != nil {
				t.Fatal(err)
			}
			if in.ID == 0 {
				t.Fatal("InsertRun did not set the ID")
			}
			got, err := s.Run(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			want.TaskName = "Backup"
			want.Started, want.Finished = time.UnixMilli(start.UnixMilli()), time.UnixMilli(start.Add(2*time.Second).UnixMilli())
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Run(%d)\n got %+v\nwant %+v", in.ID, got, want)
			}
			raw, err := s.RawRow(ctx, "runs", in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if raw["exit_code"] != tt.rawExit || raw["http_status"] != tt.rawHS {
				t.Fatalf("stored exit_code %v, http_status %v; want %v, %v", raw["exit_code"], raw["http_status"], tt.rawExit, tt.rawHS)
			}
			if _, ok := raw["task_name"]; ok {
				t.Fatal("runs stores the task name; it must come from a join")
			}
		})
	}

	for _, tt := range []struct {
		name    string
		run     task.Run
		wantErr error // nil: any error
	}{
		{"unknown task (foreign key)", task.Run{TaskID: 999, Trigger: task.TriggerAuto, Status: task.StatusSuccess}, store.ErrNotFound},
		{"no task", task.Run{Trigger: task.TriggerAuto, Status: task.StatusSuccess}, store.ErrNotFound},
		{"bad trigger", task.Run{TaskID: id, Trigger: "cron", Status: task.StatusSuccess}, nil},
		{"bad status", task.Run{TaskID: id, Trigger: task.TriggerAuto, Status: "ok"}, nil},
		{"no trigger", task.Run{TaskID: id, Status: task.StatusSuccess}, nil},
	} {
		t.Run("reject "+tt.name, func(t *testing.T) {
			r := tt.run
			err := s.InsertRun(ctx, &r)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || r.ID != 0 {
				t.Fatalf("InsertRun = %v (ID %d), want an error (%v)", err, r.ID, tt.wantErr)
			}
		})
	}
	if runs, _ := s.TaskRuns(ctx, id, 0, 100); len(runs) != len(tests) {
		t.Fatalf("%d runs stored, want %d (rejected ones must leave nothing)", len(runs), len(tests))
	}
	if _, err := s.Run(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Run(999) = %v, want ErrNotFound", err)
	}
}

func TestTaskRunsPaging(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	a, b := mustCreateTask(t, s, "a"), mustCreateTask(t, s, "b")
	var want []int64 // b's runs, newest first
	for i := range 250 {
		r := mustInsertRun(t, s, task.Run{TaskID: []int64{a, b, b}[i%3], Started: base.Add(time.Duration(i) * time.Minute)})
		if r.TaskID == b {
			want = append([]int64{r.ID}, want...)
		}
	}
	for _, size := range []int{1, 7, 100, 166, 167, 1000} {
		t.Run(fmt.Sprint("page size ", size), func(t *testing.T) {
			var got []int64
			var before int64
			for pages := 0; ; pages++ {
				if pages > len(want)+1 {
					t.Fatal("paging does not end")
				}
				page, err := s.TaskRuns(ctx, b, before, size)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > size {
					t.Fatalf("page of %d runs, limit %d", len(page), size)
				}
				for _, r := range page {
					if r.TaskID != b || r.TaskName != "b" {
						t.Fatalf("run %d of task %d %q in task b's history", r.ID, r.TaskID, r.TaskName)
					}
				}
				got = append(got, runIDs(page)...)
				if len(page) < size {
					break
				}
				before = page[len(page)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pages gave %d runs %v…, want %d runs %v… (newest first, no duplicates, no gaps)", len(got), head(got), len(want), head(want))
			}
		})
	}
	t.Run("runs recorded while paging", func(t *testing.T) {
		page1, _ := s.TaskRuns(ctx, b, 0, 50)
		mustInsertRun(t, s, task.Run{TaskID: b, Started: base.Add(time.Hour)})
		page2, _ := s.TaskRuns(ctx, b, page1[len(page1)-1].ID, 50)
		if got := append(runIDs(page1), runIDs(page2)...); !slices.Equal(got, want[:100]) {
			t.Fatalf("pages around an insert = %v…, want %v…", head(got), head(want))
		}
	})
	if runs, err := s.TaskRuns(ctx, b, 0, 0); err != nil || len(runs) != store.DefaultRunLimit {
		t.Fatalf("TaskRuns with limit 0 = %d runs, %v; want DefaultRunLimit", len(runs), err)
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 5)] }

// history fills s with 3 tasks (the last deleted) and 120 runs of every
// trigger and status, 37 minutes apart, and returns them newest first.
func history(t *testing.T, s *store.Store) []task.Run {
	t.Helper()
	ids := []int64{mustCreateTask(t, s, "alpha"), mustCreateTask(t, s, "beta"), mustCreateTask(t, s, "gamma")}
	triggers := []task.Trigger{task.TriggerAuto, task.TriggerManual, task.TriggerTest}
	statuses := []task.Status{task.StatusSuccess, task.StatusFailure, task.StatusTimeout, task.StatusSkipped}
	var runs []task.Run
	for i := range 120 {
		r := mustInsertRun(t, s, task.Run{
			TaskID:  ids[i%3],
			Trigger: triggers[(i/3)%3],
			Status:  statuses[(i*7)%4],
			Started: base.Add(time.Duration(i) * 37 * time.Minute),
		})
		r.TaskName = []string{"alpha", "beta", "gamma"}[i%3]
		runs = append([]task.Run{r}, runs...)
	}
	if err := s.DeleteTask(context.Background(), ids[2]); err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestRunsFilter(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	all := history(t, s)
	alpha, beta := all[len(all)-1].TaskID, all[len(all)-2].TaskID
	gamma := all[len(all)-3].TaskID
	mid := base.Add(30 * time.Hour)
	tests := []struct {
		name string
		f    store.RunFilter
		keep func(task.Run) bool
	}{
		{"everything", store.RunFilter{Limit: 1000}, func(task.Run) bool { return true }},
		{"task", store.RunFilter{TaskID: beta, Limit: 1000}, func(r task.Run) bool { return r.TaskID == beta }},
		{"deleted task's history", store.RunFilter{TaskID: gamma, Limit: 1000}, func(r task.Run) bool { return r.TaskID == gamma }},
		{"one status", store.RunFilter{Statuses: []task.Status{task.StatusSkipped}, Limit: 1000},
			func(r task.Run) bool { return r.Status == task.StatusSkipped }},
		{"failed statuses", store.RunFilter{Statuses: []task.Status{task.StatusFailure, task.StatusTimeout}, Limit: 1000},
			func(r task.Run) bool { return r.Status.Failed() }},
		{"trigger", store.RunFilter{Trigger: task.TriggerManual, Limit: 1000}, func(r task.Run) bool { return r.Trigger == task.TriggerManual }},
		{"from", store.RunFilter{From: mid, Limit: 1000}, func(r task.Run) bool { return !r.Started.Before(mid) }},
		{"to", store.RunFilter{To: mid, Limit: 1000}, func(r task.Run) bool { return r.Started.Before(mid) }},
		{"from and to", store.RunFilter{From: base.Add(10 * time.Hour), To: mid, Limit: 1000},
			func(r task.Run) bool { return !r.Started.Before(base.Add(10*time.Hour)) && r.Started.Before(mid) }},
		{"before id", store.RunFilter{BeforeID: all[40].ID, Limit: 1000}, func(r task.Run) bool { return r.ID < all[40].ID }},
		{"task, statuses, trigger, window", store.RunFilter{TaskID: alpha, Statuses: []task.Status{task.StatusSuccess, task.StatusTimeout},
			Trigger: task.TriggerAuto, From: base.Add(5 * time.Hour), To: base.Add(60 * time.Hour), Limit: 1000},
			func(r task.Run) bool {
				return r.TaskID == alpha && (r.Status == task.StatusSuccess || r.Status == task.StatusTimeout) && r.Trigger == task.TriggerAuto &&
					!r.Started.Before(base.Add(5*time.Hour)) && r.Started.Before(base.Add(60*time.Hour))
			}},
		{"nothing matches", store.RunFilter{TaskID: alpha, Trigger: task.TriggerTest, From: base.Add(1000 * time.Hour), Limit: 1000},
			func(task.Run) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := []task.Run{}
			for _, r := range all {
				if tt.keep(r) {
					want = append(want, r)
				}
			}
			got, err := s.Runs(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(runIDs(got), runIDs(want)) {
				t.Fatalf("Runs = %v, want %v", runIDs(got), runIDs(want))
			}
			for i := range got {
				if got[i].TaskName != want[i].TaskName || got[i].Status != want[i].Status || !got[i].Started.Equal(want[i].Started) {
					t.Fatalf("run %d = %+v, want %+v", got[i].ID, got[i], want[i])
				}
			}

			// The same selection, walked 4 at a time.
			f := tt.f
			f.Limit = 4
			var paged []int64
			for {
				page, err := s.Runs(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, runIDs(page)...)
				if len(page) < f.Limit {
					break
				}
				f.BeforeID = page[len(page)-1].ID
			}
			if !slices.Equal(paged, runIDs(want)) {
				t.Fatalf("paged Runs = %v, want %v", paged, runIDs(want))
			}
		})
	}
	if got, _ := s.Runs(ctx, store.RunFilter{}); len(got) != store.DefaultRunLimit {
		t.Fatalf("Runs with no limit = %d runs, want DefaultRunLimit", len(got))
	}
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	all := history(t, s)
	// A long run that started first but ended (was recorded) last.
	long := mustInsertRun(t, s, task.Run{TaskID: all[0].TaskID, Status: task.StatusTimeout, Started: base.Add(-time.Hour)})
	long.TaskName = all[0].TaskName
	all = append(all, long)
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].Started.Equal(all[j].Started) {
			return all[i].Started.After(all[j].Started)
		}
		return all[i].ID > all[j].ID
	})
	tests := []struct {
		name  string
		since time.Time
		limit int
	}{
		{"ever", time.Time{}, 1000},
		{"default limit", time.Time{}, 0},
		{"since", base.Add(40 * time.Hour), 1000},
		{"since, limited", base.Add(10 * time.Hour), 3},
		{"nothing yet", base.Add(1000 * time.Hour), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := []int64{}
			for _, r := range all {
				if r.Status.Failed() && !r.Started.Before(tt.since) && len(want) < cmp.Or(tt.limit, store.DefaultRunLimit) {
					want = append(want, r.ID)
				}
			}
			got, err := s.Failures(ctx, tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(runIDs(got), want) {
				t.Fatalf("Failures = %v, want %v (newest start first)", runIDs(got), want)
			}
			for _, r := range got {
				if r.TaskName == "" {
					t.Fatalf("run %d without its task's name", r.ID)
				}
			}
		})
	}
}

func TestLastRun(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	a, b, idle := mustCreateTask(t, s, "a"), mustCreateTask(t, s, "b"), mustCreateTask(t, s, "idle")
	mustInsertRun(t, s, task.Run{TaskID: a, Trigger: task.TriggerAuto, Started: base})
	manual := mustInsertRun(t, s, task.Run{TaskID: a, Trigger: task.TriggerManual, Started: base.Add(time.Minute)})
	auto2 := mustInsertRun(t, s, task.Run{TaskID: a, Trigger: task.TriggerAuto, Started: base.Add(2 * time.Minute)})
	test := mustInsertRun(t, s, task.Run{TaskID: a, Trigger: task.TriggerTest, Started: base.Add(3 * time.Minute)})
	other := mustInsertRun(t, s, task.Run{TaskID: b, Trigger: task.TriggerAuto, Started: base.Add(4 * time.Minute)})
	tests := []struct {
		name     string
		task     int64
		triggers []task.Trigger
		want     int64 // 0: ErrNotFound
	}{
		{"newest", a, nil, test.ID},
		{"auto", a, []task.Trigger{task.TriggerAuto}, auto2.ID},
		{"manual", a, []task.Trigger{task.TriggerManual}, manual.ID},
		{"auto or manual", a, []task.Trigger{task.TriggerAuto, task.TriggerManual}, auto2.ID},
		{"other task", b, nil, other.ID},
		{"trigger never used", b, []task.Trigger{task.TriggerManual}, 0},
		{"no runs", idle, nil, 0},
		{"any task", 0, nil, other.ID},
		{"any task, test", 0, []task.Trigger{task.TriggerTest}, test.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.LastRun(ctx, tt.task, tt.triggers...)
			if tt.want == 0 {
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("LastRun = %+v, %v; want ErrNotFound", got, err)
				}
				return
			}
			if err != nil || got.ID != tt.want {
				t.Fatalf("LastRun = run %d, %v; want run %d", got.ID, err, tt.want)
			}
		})
	}
}

func TestDailyCounts(t *testing.T) {
	ctx := context.Background()
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	ny, sp := load("America/New_York"), load("America/Sao_Paulo")
	type run struct {
		task   string // "a" or "b"
		at     string // local "2006-01-02 15:04:05.000"
		plusH  int    // hours added: the second 01:30 of a fall-back night
		status task.Status
	}
	type day struct {
		start     string // local; where the day begins
		hours     int    // its length, 0: not checked (the last day)
		s, f, skp int
	}
	tests := []struct {
		name     string
		loc      *time.Location
		task     string // "": all tasks
		from, to string
		runs     []run
		want     []day
	}{
		{"spring forward, one task", ny, "a", "2026-03-07 15:00:00.000", "2026-03-10 09:00:00.000", []run{
			{"a", "2026-03-06 23:59:59.999", 0, task.StatusSuccess}, // before the range
			{"a", "2026-03-07 00:00:00.000", 0, task.StatusSuccess},
			{"a", "2026-03-07 23:30:00.000", 0, task.StatusFailure},
			{"a", "2026-03-08 00:30:00.000", 0, task.StatusTimeout}, // counts as a failure
			{"a", "2026-03-08 03:30:00.000", 0, task.StatusSuccess}, // EDT from here
			{"a", "2026-03-08 23:30:00.000", 0, task.StatusSkipped}, // 03:30 UTC on the 9th; EST would say the 9th
			{"b", "2026-03-09 12:00:00.000", 0, task.StatusSuccess}, // other task
			{"a", "2026-03-10 23:59:59.999", 0, task.StatusSuccess},
			{"a", "2026-03-11 00:00:00.000", 0, task.StatusSuccess}, // after the range
		}, []day{
			{"2026-03-07 00:00:00.000", 24, 1, 1, 0},
			{"2026-03-08 00:00:00.000", 23, 1, 1, 1},
			{"2026-03-09 00:00:00.000", 24, 0, 0, 0},
			{"2026-03-10 00:00:00.000", 0, 1, 0, 0},
		}},
		{"spring forward, all tasks", ny, "", "2026-03-07 00:00:00.000", "2026-03-10 00:00:00.000", []run{
			{"a", "2026-03-08 23:30:00.000", 0, task.StatusSkipped},
			{"b", "2026-03-09 12:00:00.000", 0, task.StatusSuccess},
			{"b", "2026-03-09 13:00:00.000", 0, task.StatusTimeout},
		}, []day{
			{"2026-03-07 00:00:00.000", 24, 0, 0, 0},
			{"2026-03-08 00:00:00.000", 23, 0, 0, 1},
			{"2026-03-09 00:00:00.000", 24, 1, 1, 0},
			{"2026-03-10 00:00:00.000", 0, 0, 0, 0},
		}},
		{"fall back", ny, "", "2026-10-31 12:00:00.000", "2026-11-02 12:00:00.000", []run{
			{"a", "2026-10-31 23:30:00.000", 0, task.StatusSuccess},
			{"a", "2026-11-01 01:30:00.000", 0, task.StatusSuccess}, // EDT
			{"b", "2026-11-01 01:30:00.000", 1, task.StatusFailure}, // the same clock reading an hour later, EST
			{"a", "2026-11-01 23:30:00.000", 0, task.StatusSuccess}, // 04:30 UTC on the 2nd; EDT would say the 2nd
			{"a", "2026-11-02 00:10:00.000", 0, task.StatusSkipped},
		}, []day{
			{"2026-10-31 00:00:00.000", 24, 1, 0, 0},
			{"2026-11-01 00:00:00.000", 25, 2, 1, 0},
			{"2026-11-02 00:00:00.000", 0, 0, 0, 1},
		}},
		{"midnight skipped by DST", sp, "", "2018-11-03 00:00:00.000", "2018-11-05 00:00:00.000", []run{
			{"a", "2018-11-03 23:30:00.000", 0, task.StatusSuccess},
			{"a", "2018-11-04 01:00:00.000", 0, task.StatusFailure}, // the first instant of the 4th
		}, []day{
			{"2018-11-03 00:00:00.000", 24, 1, 0, 0},
			{"2018-11-04 01:00:00.000", 23, 0, 1, 0},
			{"2018-11-05 00:00:00.000", 0, 0, 0, 0},
		}},
		{"to before from", time.UTC, "", "2026-03-31 10:00:00.000", "2026-03-30 23:59:59.999", nil, nil},
		{"same day", time.UTC, "a", "2026-03-31 08:00:00.000", "2026-03-31 09:00:00.000", []run{
			{"a", "2026-03-31 20:00:00.000", 0, task.StatusSuccess},
		}, []day{{"2026-03-31 00:00:00.000", 0, 1, 0, 0}}},
	}
	const layout = "2006-01-02 15:04:05.000"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := func(v string) time.Time {
				t.Helper()
				tm, err := time.ParseInLocation(layout, v, tt.loc)
				if err != nil {
					t.Fatal(err)
				}
				return tm
			}
			s := open(t)
			ids := map[string]int64{"a": mustCreateTask(t, s, "a"), "b": mustCreateTask(t, s, "b")}
			for _, r := range tt.runs {
				mustInsertRun(t, s, task.Run{TaskID: ids[r.task], Status: r.status, Started: parse(r.at).Add(time.Duration(r.plusH) * time.Hour)})
			}
			got, err := s.DailyCounts(ctx, ids[tt.task], parse(tt.from), parse(tt.to), tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("DailyCounts = %d days %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if !g.Day.Equal(parse(w.start)) || g.Day.Location() != tt.loc {
					t.Errorf("day %d starts %v, want %s in %v", i, g.Day, w.start, tt.loc)
				}
				if w.hours != 0 && got[i+1].Day.Sub(g.Day) != time.Duration(w.hours)*time.Hour {
					t.Errorf("day %s lasts %v, want %dh", w.start[:10], got[i+1].Day.Sub(g.Day), w.hours)
				}
				if g.Success != w.s || g.Failure != w.f || g.Skipped != w.skp {
					t.Errorf("day %s: success %d, failure %d, skipped %d; want %d, %d, %d", w.start[:10], g.Success, g.Failure, g.Skipped, w.s, w.f, w.skp)
				}
			}
		})
	}
	t.Run("range too long", func(t *testing.T) {
		s := open(t)
		if _, err := s.DailyCounts(ctx, 0, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), base, time.UTC); err == nil {
			t.Fatal("DailyCounts over 36 years succeeded; want an error")
		}
	})
}

func TestPruneRuns(t *testing.T) {
	ctx := context.Background()
	type call struct {
		olderThanDays int // runs that started more than this many days before base go; -1: no age limit
		keep, batch   int
		want          int
	}
	tests := []struct {
		name      string
		runs      map[string][]int // task → ages in days of its runs, oldest (first recorded) first
		deleted   []string         // tasks soft-deleted after their runs were recorded
		calls     []call
		wantLeft  map[string][]int // task → ages of the runs left
		wantGone  []string         // tasks removed altogether
		wantError bool
	}{
		{"by age",
			map[string][]int{"a": {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, "b": {2, 1, 0}}, nil,
			[]call{{5, 0, 100, 4}, {5, 0, 100, 0}},
			map[string][]int{"a": {5, 4, 3, 2, 1, 0}, "b": {2, 1, 0}}, nil, false},
		{"by count per task",
			map[string][]int{"a": {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, "b": {2, 1, 0}}, nil,
			[]call{{-1, 4, 100, 6}, {-1, 4, 100, 0}},
			map[string][]int{"a": {3, 2, 1, 0}, "b": {2, 1, 0}}, nil, false},
		{"by age or count",
			map[string][]int{"a": {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, "b": {7, 6, 5, 4, 3, 2, 1, 0}}, nil,
			[]call{{7, 5, 100, 8}},
			map[string][]int{"a": {4, 3, 2, 1, 0}, "b": {4, 3, 2, 1, 0}}, nil, false},
		{"batch by age",
			map[string][]int{"a": seq(25, 1)}, nil,
			[]call{{0, 0, 10, 10}, {0, 0, 10, 10}, {0, 0, 10, 5}, {0, 0, 10, 0}},
			map[string][]int{"a": nil}, nil, false},
		{"batch by count",
			map[string][]int{"a": seq(25, 0)}, nil,
			[]call{{-1, 3, 10, 10}, {-1, 3, 10, 10}, {-1, 3, 10, 2}, {-1, 3, 10, 0}},
			map[string][]int{"a": {2, 1, 0}}, nil, false},
		{"batch shared by age and count",
			map[string][]int{"a": {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}, nil,
			[]call{{7, 2, 5, 5}, {7, 2, 5, 3}, {7, 2, 5, 0}},
			map[string][]int{"a": {1, 0}}, nil, false},
		{"deleted task keeps its history until pruned",
			map[string][]int{"a": {1, 0}, "d": {12, 11, 10}}, []string{"d"},
			[]call{{5, 0, 2, 2}},
			map[string][]int{"a": {1, 0}, "d": {10}}, nil, false},
		{"deleted task goes with its last run",
			map[string][]int{"a": {1, 0}, "d": {12, 11, 10}}, []string{"d"},
			[]call{{5, 0, 2, 2}, {5, 0, 2, 1}},
			map[string][]int{"a": {1, 0}}, []string{"d"}, false},
		{"deleted task with recent runs stays",
			map[string][]int{"d": {1, 0}}, []string{"d"},
			[]call{{5, 3, 10, 0}},
			map[string][]int{"d": {1, 0}}, nil, false},
		{"deleted task without runs goes",
			map[string][]int{"a": {1, 0}, "e": nil}, []string{"e"},
			[]call{{-1, 0, 10, 0}},
			map[string][]int{"a": {1, 0}}, []string{"e"}, false},
		{"live task outlives its runs",
			map[string][]int{"a": {11, 10}}, nil,
			[]call{{5, 0, 10, 2}},
			map[string][]int{"a": nil}, nil, false},
		{"batch must be positive",
			map[string][]int{"a": {11, 10}}, nil,
			[]call{{5, 0, 0, 0}},
			map[string][]int{"a": {11, 10}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			ids := map[string]int64{}
			for _, name := range slices.Sorted(maps.Keys(tt.runs)) {
				ids[name] = mustCreateTask(t, s, name)
			}
			// Record oldest first, round robin over the tasks, so no task's runs have contiguous IDs.
			for i := 0; ; i++ {
				more := false
				for _, name := range slices.Sorted(maps.Keys(tt.runs)) {
					if ages := tt.runs[name]; i < len(ages) {
						mustInsertRun(t, s, task.Run{TaskID: ids[name], Started: base.Add(-time.Duration(ages[i]) * 24 * time.Hour)})
						more = true
					}
				}
				if !more {
					break
				}
			}
			for _, name := range tt.deleted {
				if err := s.DeleteTask(ctx, ids[name]); err != nil {
					t.Fatal(err)
				}
			}
			for i, c := range tt.calls {
				var older time.Time
				if c.olderThanDays >= 0 {
					older = base.Add(-time.Duration(c.olderThanDays) * 24 * time.Hour)
				}
				n, err := s.PruneRuns(ctx, older, c.keep, c.batch)
				if (err != nil) != tt.wantError || n != c.want {
					t.Fatalf("call %d: PruneRuns(%d days, keep %d, batch %d) = %d, %v; want %d (error: %v)", i+1, c.olderThanDays, c.keep, c.batch, n, err, c.want, tt.wantError)
				}
			}
			for name, id := range ids {
				_, err := s.Task(ctx, id)
				gone := slices.Contains(tt.wantGone, name)
				if gone != errors.Is(err, store.ErrNotFound) || (!gone && err != nil) {
					t.Errorf("task %s after pruning: %v; want gone: %v", name, err, gone)
				}
				runs, err := s.TaskRuns(ctx, id, 0, 1000)
				if err != nil {
					t.Fatal(err)
				}
				var ages []int
				for _, r := range runs {
					ages = append([]int{int(base.Sub(r.Started) / (24 * time.Hour))}, ages...)
				}
				if !slices.Equal(ages, tt.wantLeft[name]) {
					t.Errorf("task %s keeps runs aged %v, want %v", name, ages, tt.wantLeft[name])
				}
			}
		})
	}
}

// seq is n ages counting down to last.
func seq(n, last int) []int {
	var ages []int
	for i := n - 1; i >= 0; i-- {
		ages = append(ages, last+i)
	}
	return ages
}

// The queries the History tab, the chart and pruning run most must walk an
// index range, never the whole runs table, and never sort: with the
// planner's defaults and after ANALYZE (which PRAGMA optimize may run).
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	var ids []int64
	for i := range 20 {
		ids = append(ids, mustCreateTask(t, s, fmt.Sprint("task ", i)))
	}
	statuses := []task.Status{task.StatusSuccess, task.StatusSuccess, task.StatusSuccess, task.StatusSuccess, task.StatusSuccess,
		task.StatusSuccess, task.StatusSuccess, task.StatusFailure, task.StatusTimeout, task.StatusSkipped}
	if err := s.BulkInsertRuns(ctx, 20_000, 20_000, func(i int, r *task.Run) {
		r.TaskID = ids[(i*7)%len(ids)]
		r.Trigger = []task.Trigger{task.TriggerAuto, task.TriggerAuto, task.TriggerAuto, task.TriggerManual}[i%4]
		r.Status = statuses[(i*3)%len(statuses)]
		r.Started = base.Add(time.Duration(i-20_000) * 5 * time.Minute)
		r.Finished = r.Started.Add(time.Second)
	}); err != nil {
		t.Fatal(err)
	}
	newest := func(f store.RunFilter) func() (string, []any) {
		return func() (string, []any) { return store.RunsQuery(f) }
	}
	fixed := func(q string, args ...any) func() (string, []any) { return func() (string, []any) { return q, args } }
	tests := []struct {
		name    string
		query   func() (string, []any)
		want    []string // each must appear
		without []string // none may appear
	}{
		{"newest 100 of a task", newest(store.RunFilter{TaskID: ids[3], Limit: 100}),
			[]string{"runs USING INDEX runs_task_id (task_id=?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"next page of a task", newest(store.RunFilter{TaskID: ids[3], BeforeID: 5000, Limit: 100}),
			[]string{"runs USING INDEX runs_task_id (task_id=? AND id<?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"a task's failures by trigger", newest(store.RunFilter{TaskID: ids[3], Statuses: []task.Status{task.StatusFailure, task.StatusTimeout}, Trigger: task.TriggerAuto, Limit: 100}),
			[]string{"runs_task_id (task_id=?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"last auto or manual run", func() (string, []any) { return store.LastRunQuery(ids[3], task.TriggerAuto, task.TriggerManual) },
			[]string{"runs_task_id (task_id=?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"failures across tasks", fixed(store.FailuresSQL, int64(0), 100),
			[]string{"runs USING INDEX runs_failed (started_at>?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"daily counts, all tasks", fixed(store.DailyCountsSQL(false), int64(1774000000000), int64(1774086400000)),
			[]string{"SEARCH runs USING COVERING INDEX runs_started (started_at>? AND started_at<?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"daily counts, one task", fixed(store.DailyCountsSQL(true), int64(1774000000000), int64(1774086400000), ids[3]),
			[]string{"SEARCH runs USING COVERING INDEX runs_task_started (task_id=? AND started_at>? AND started_at<?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"prune: choose by age", fixed(store.PruneByAgeSQL, int64(1774000000000), 1000),
			[]string{"SEARCH runs USING COVERING INDEX runs_started (started_at<?)"}, []string{"SCAN runs", "TEMP B-TREE"}},
		{"prune: choose by count", fixed(store.PruneByCountSQL, 99, 1000),
			[]string{"SEARCH kept USING COVERING INDEX runs_task_id (task_id=?)", "SEARCH runs USING INTEGER PRIMARY KEY (rowid<?)"},
			[]string{"SCAN runs", "SCAN kept", "TEMP B-TREE"}},
		{"prune: delete", fixed(store.PruneRunsSQL, "[1,2,3]"),
			[]string{"SEARCH runs USING INTEGER PRIMARY KEY (rowid=?)"}, []string{"SCAN runs"}},
	}
	for _, stats := range []string{"planner defaults", "after ANALYZE"} {
		if stats == "after ANALYZE" {
			if err := s.Analyze(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range tests {
			t.Run(stats+"/"+tt.name, func(t *testing.T) {
				q, args := tt.query()
				plan, err := s.QueryPlan(ctx, q, args...)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range tt.want {
					if !strings.Contains(plan, w) {
						t.Errorf("plan lacks %q:\n%s", w, plan)
					}
				}
				for _, w := range tt.without {
					if strings.Contains(plan, w) {
						t.Errorf("plan has %q:\n%s", w, plan)
					}
				}
			})
		}
	}
}
