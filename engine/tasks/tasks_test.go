package tasks_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/engine/testenv"
)

type fixture struct {
	dir   string
	store *store.Store
	svc   *tasks.Service
}

func newFixture(t *testing.T, ret tasks.Retention) *fixture {
	t.Helper()
	testenv.NeedKeyring(t)
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := tasks.New(tasks.Params{Store: st, Secrets: secret.Keyring{}, Redactor: &redact.Redactor{}, Retention: ret})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: dir, store: st, svc: svc}
}

func (f *fixture) runs(t *testing.T, id int64) []task.Run {
	t.Helper()
	runs, err := f.store.TaskRuns(context.Background(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// A task that fires every second but takes 1.5 s records its successes and
// the fires that found it busy as skipped runs.
func TestScheduledRunsAndSkipsAreRecorded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, tasks.Retention{})
	tk, err := f.svc.Add(ctx, task.Task{Name: "slow", Kind: task.KindCommand, Enabled: true,
		Command:  &task.Command{Line: "sleep 1.5; echo done"},
		Schedule: task.Schedule{Kind: task.ScheduleCron, Cron: "* * * * * *"}})
	if err != nil {
		t.Fatal(err)
	}
	var finished []task.Run
	events := make(chan tasks.Event, 100)
	f.svc.Subscribe(func(e tasks.Event) { events <- e })
	if err := f.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(8 * time.Second)
	for len(finished) < 3 || !hasStatus(finished, task.StatusSuccess) || !hasStatus(finished, task.StatusSkipped) {
		select {
		case e := <-events:
			if e.Type == tasks.RunFinished {
				finished = append(finished, e.Run)
			}
		case <-deadline:
			t.Fatalf("after 8 s: %+v", finished)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := f.svc.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	stored := f.runs(t, tk.ID)
	if len(stored) < len(finished) {
		t.Fatalf("%d runs finished but %d stored", len(finished), len(stored))
	}
	for _, r := range stored {
		switch r.Status {
		case task.StatusSuccess:
			if r.Output != "done\n" || r.Trigger != task.TriggerAuto || r.Duration() < time.Second {
				t.Errorf("success run %+v", r)
			}
		case task.StatusSkipped:
			if !strings.Contains(r.Error, "previous run was still going") {
				t.Errorf("skipped run %+v", r)
			}
		default:
			t.Errorf("unexpected run %+v", r)
		}
	}
}

func hasStatus(runs []task.Run, s task.Status) bool {
	for _, r := range runs {
		if r.Status == s {
			return true
		}
	}
	return false
}

// Env values and HTTP headers live in the keyring, never in the database file.
func TestSecretsStayInTheKeyring(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, tasks.Retention{})
	const envCanary, headerCanary = "env-canary-7f3a9b1c", "hdr-canary-2e4d6f8a"
	cmd, err := f.svc.Add(ctx, task.Task{Name: "envy", Kind: task.KindCommand, Enabled: true,
		Command: &task.Command{Line: "echo $TOKEN", Env: []string{"TOKEN=" + envCanary}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Add(ctx, task.Task{Name: "probe", Kind: task.KindHTTP, Enabled: true,
		HTTP: &task.HTTPCheck{URL: "http://127.0.0.1:1/", Headers: map[string]string{"Authorization": "Bearer " + headerCanary}}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Get(ctx, "envy")
	if err != nil || len(got.Command.Env) != 1 || got.Command.Env[0] != "TOKEN="+envCanary {
		t.Fatalf("env not restored from the keyring: %+v, %v", got.Command, err)
	}
	r, err := f.svc.RunForeground(ctx, "envy", task.TriggerManual)
	if err != nil || r.Status != task.StatusSuccess {
		t.Fatalf("run: %+v, %v", r, err)
	}
	if strings.Contains(r.Output, envCanary) || !strings.Contains(r.Output, redact.Mask) {
		t.Fatalf("a secret printed by the task was stored unredacted: %q", r.Output)
	}
	if _, err := f.svc.RunForeground(ctx, "probe", task.TriggerManual); err != nil {
		t.Fatal(err)
	}
	f.store.Close()
	filepath.Walk(f.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, c := range []string{envCanary, headerCanary} {
			if strings.Contains(string(data), c) {
				t.Errorf("%s holds secret %s", p, c)
			}
		}
		return nil
	})
	_ = cmd
}

func TestRemoveDeletesKeyringEntries(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, tasks.Retention{})
	tk, err := f.svc.Add(ctx, task.Task{Name: "envy", Kind: task.KindCommand, Enabled: true,
		Command: &task.Command{Line: "true", Env: []string{"A=secret-value-123"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Remove(ctx, "envy"); err != nil {
		t.Fatal(err)
	}
	inst, _ := f.store.InstanceID(ctx)
	if v, err := (secret.Keyring{}).Get("task-"+inst+"-"+itoa(tk.ID), "env"); err == nil {
		t.Fatalf("env %q left in the keyring after the task was removed", v)
	}
	// And it really was there before: a second task's env round-trips under the same scheme.
	tk2, err := f.svc.Add(ctx, task.Task{Name: "envy2", Kind: task.KindCommand, Enabled: true,
		Command: &task.Command{Line: "true", Env: []string{"A=secret-value-456"}}})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := (secret.Keyring{}).Get("task-"+inst+"-"+itoa(tk2.ID), "env"); err != nil || !strings.Contains(v, "secret-value-456") {
		t.Fatalf("keyring entry for envy2 = %q, %v", v, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Pruning keeps the newest MaxPerTask runs of each task.
func TestPruneKeepsNewestPerTask(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, tasks.Retention{MaxPerTask: 3, Batch: 2})
	tk, err := f.svc.Add(ctx, task.Task{Name: "n", Kind: task.KindCommand, Enabled: true, Command: &task.Command{Line: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for range 7 {
		r, err := f.svc.RunForeground(ctx, "n", task.TriggerManual)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if n := f.svc.Prune(ctx); n != 4 {
		t.Fatalf("pruned %d runs, want 4", n)
	}
	runs := f.runs(t, tk.ID)
	if len(runs) != 3 || runs[0].ID != ids[6] || runs[2].ID != ids[4] {
		t.Fatalf("kept %+v", runs)
	}
}

// A task added by another process (another Service on the same database)
// is scheduled by Sync, and its removal unschedules it.
func TestSyncPicksUpOtherProcessChanges(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, tasks.Retention{})
	if err := f.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer f.svc.Shutdown(ctx)
	other, err := tasks.New(tasks.Params{Store: f.store, Secrets: secret.Keyring{}})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := other.Add(ctx, task.Task{Name: "late", Kind: task.KindCommand, Enabled: true,
		Command: &task.Command{Line: "true"}, Schedule: task.Schedule{Kind: task.ScheduleEvery, Every: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.svc.NextRun(tk.ID); ok {
		t.Fatal("scheduled before Sync")
	}
	if err := f.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if next, ok := f.svc.NextRun(tk.ID); !ok || time.Until(next) < 59*time.Minute {
		t.Fatalf("after Sync NextRun = %v, %v", next, ok)
	}
	if err := other.Remove(ctx, "late"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.svc.NextRun(tk.ID); ok {
		t.Fatal("still scheduled after removal and Sync")
	}
}

// The hook's Prepare runs before the run's write transaction (a write of
// its own gets through at once) and its step inside it; when either fails
// the run is still recorded, without pushes.
func TestRunHookPrepareRunsOutsideTheTransaction(t *testing.T) {
	ctx := context.Background()
	errPlan := errors.New("plan failed")
	tests := []struct {
		name                 string
		prepareErr, inTxErr  error
		wantInTx, wantMarker bool
	}{
		{"both succeed", nil, nil, true, true},
		{"prepare fails", errPlan, nil, false, false},
		{"step fails", nil, errPlan, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tasks.Retention{})
			tk, err := f.svc.Add(ctx, task.Task{Name: "n", Kind: task.KindCommand, Enabled: true, Command: &task.Command{Line: "true"}})
			if err != nil {
				t.Fatal(err)
			}
			var prepared, inTx, after bool
			f.svc.OnRecord(tasks.RunHook{
				Prepare: func(ctx context.Context, st *store.Store, r task.Run) (func(*store.RunTx) error, error) {
					prepared = true
					// With the one writer held this would wait out the timeout.
					wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
					defer cancel()
					if err := st.SetSetting(wctx, "test.prepare", r.TaskName); err != nil {
						t.Errorf("Prepare could not write: %v", err)
					}
					if tt.prepareErr != nil {
						return nil, tt.prepareErr
					}
					return func(tx *store.RunTx) error {
						inTx = true
						if err := tx.SetPushState(r.TaskID, store.PushState{AutoFailures: 7}); err != nil {
							return err
						}
						return tt.inTxErr
					}, nil
				},
				After: func(task.Run, int) { after = true },
			})
			r, err := f.svc.RunForeground(ctx, "n", task.TriggerManual)
			if err != nil || r.ID == 0 || len(f.runs(t, tk.ID)) != 1 {
				t.Fatalf("run %+v not recorded: %v", r, err)
			}
			if !prepared || inTx != tt.wantInTx || !after {
				t.Errorf("prepared %t, in tx %t (want %t), after %t", prepared, inTx, tt.wantInTx, after)
			}
			ps, err := f.store.PushState(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := ps.AutoFailures == 7; got != tt.wantMarker {
				t.Errorf("the step's write committed: %t, want %t", got, tt.wantMarker)
			}
		})
	}
}
