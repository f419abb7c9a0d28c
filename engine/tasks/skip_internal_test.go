package tasks

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Fires skipped during one run cost one row at the first skip and one for
// the rest when the run ends, saying how many; a later run starts over.
func TestSkipsDuringARunAreCoalesced(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := New(Params{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	tk := task.Task{Name: "slow", Kind: task.KindCommand, Command: &task.Command{Line: "true"}}
	if err := st.CreateTask(ctx, &tk); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	fire := func(sec int) { svc.skip(tk, task.TriggerAuto, t0.Add(time.Duration(sec)*time.Second)) }
	steps := []struct {
		name string
		do   func()
		want []string // outcomes of the skipped rows, oldest first
	}{
		{"first skip: recorded at once", func() { fire(1) }, []string{"skipped: the previous run was still going"}},
		{"more skips: counted", func() {
			for s := 2; s <= 60; s++ {
				fire(s)
			}
		}, []string{"skipped: the previous run was still going"}},
		{"the run ends: one row for the rest", func() { svc.flushSkips(tk) },
			[]string{"skipped: the previous run was still going", "skipped 59 fires: the previous run was still going"}},
		{"the next run's first skip: at once again", func() { fire(61) },
			[]string{"skipped: the previous run was still going", "skipped 59 fires: the previous run was still going", "skipped: the previous run was still going"}},
		{"a run with one skip adds nothing at its end", func() { svc.flushSkips(tk) },
			[]string{"skipped: the previous run was still going", "skipped 59 fires: the previous run was still going", "skipped: the previous run was still going"}},
		{"shutdown records what is counted", func() { fire(70); fire(71); fire(72); svc.flushAllSkips() },
			[]string{"skipped: the previous run was still going", "skipped 59 fires: the previous run was still going", "skipped: the previous run was still going",
				"skipped: the previous run was still going", "skipped 2 fires: the previous run was still going"}},
	}
	for _, s := range steps {
		s.do()
		runs, err := st.TaskRuns(ctx, tk.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(runs) - 1; i >= 0; i-- {
			got = append(got, task.Outcome(runs[i]).In(i18n.English))
		}
		if len(got) != len(s.want) {
			t.Fatalf("%s: rows %q, want %q", s.name, got, s.want)
		}
		for i := range got {
			if got[i] != s.want[i] {
				t.Fatalf("%s: rows %q, want %q", s.name, got, s.want)
			}
		}
	}
	runs, _ := st.TaskRuns(ctx, tk.ID, 0, 100)
	if many := runs[3]; !many.Started.Equal(t0.Add(2*time.Second)) || !many.Finished.Equal(t0.Add(60*time.Second)) || many.TaskName != "slow" {
		t.Errorf("the counted row spans %v–%v for %q, want the 2nd to the 60th fire of slow", many.Started, many.Finished, many.TaskName)
	}
	if got := task.Outcome(runs[3]).In(i18n.Chinese); got != "已跳过 59 次触发：上一次运行尚未结束" {
		t.Errorf("in Chinese: %q", got)
	}
}
