package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

func failedRun(taskID int64, at time.Time) task.Run {
	return task.Run{TaskID: taskID, Trigger: task.TriggerAuto, Status: task.StatusFailure, Started: at, Finished: at.Add(time.Second), Error: "exit status 1"}
}

func TestInsertRunTxCommitsAll(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	taskID := mustCreateTask(t, s, "Backup")
	if err := s.SetSetting(ctx, "push", map[string]int{"n": 3}); err != nil {
		t.Fatal(err)
	}
	r := failedRun(taskID, base)
	var queued []*store.OutboxItem
	err := s.InsertRunTx(ctx, &r, func(tx *store.RunTx) error {
		if tx.RunID() != r.ID || r.ID == 0 {
			return fmt.Errorf("inside the tx: RunID %d, r.ID %d", tx.RunID(), r.ID)
		}
		var cfg map[string]int
		if found, err := tx.Setting("push", &cfg); err != nil || !found || cfg["n"] != 3 {
			return fmt.Errorf("tx.Setting = %v, %v, %v", cfg, found, err)
		}
		if found, err := tx.Setting("push.task.1", &cfg); err != nil || found {
			return fmt.Errorf("tx.Setting of an unset key = %v, %v", found, err)
		}
		st, err := tx.PushState(taskID)
		if err != nil || st != (store.PushState{}) {
			return fmt.Errorf("first PushState = %+v, %v; want zero", st, err)
		}
		if err := tx.SetPushState(taskID, store.PushState{AutoFailures: 3, FailurePushed: true}); err != nil {
			return err
		}
		if st, err := tx.PushState(taskID); err != nil || st != (store.PushState{AutoFailures: 3, FailurePushed: true}) {
			return fmt.Errorf("PushState after SetPushState in the same tx = %+v, %v", st, err)
		}
		queued = []*store.OutboxItem{
			{ChannelID: "c1", Title: "Backup failed", Body: "exit status 1", Level: "error"},
			{ChannelID: "c2", Title: "Backup failed", Body: "exit status 1", Level: "error", CreatedAt: base, NextAt: base.Add(time.Minute)},
		}
		return tx.Enqueue(queued...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(ctx, r.ID); err != nil {
		t.Fatalf("run not recorded: %v", err)
	}
	if st, err := s.PushState(ctx, taskID); err != nil || st != (store.PushState{AutoFailures: 3, FailurePushed: true}) {
		t.Fatalf("push state = %+v, %v", st, err)
	}
	items, err := s.OutboxItems(ctx, store.OutboxFilter{RunID: r.ID})
	if err != nil || len(items) != 2 {
		t.Fatalf("outbox of the run = %v, %v; want 2 rows", items, err)
	}
	for i, it := range slices.Backward(items) {
		q := queued[len(queued)-1-i]
		if it.ID != q.ID || it.RunID != r.ID || it.Source != store.SourceRun || it.State != store.OutboxPending || it.ChannelID != q.ChannelID {
			t.Errorf("row %+v, enqueued %+v", it, q)
		}
	}
	if !items[0].NextAt.Equal(base.Add(time.Minute)) {
		t.Errorf("NextAt = %v, want the one given", items[0].NextAt)
	}
}

func TestInsertRunTxRollsBackAll(t *testing.T) {
	ctx := context.Background()
	errRules := errors.New("rules failed")
	tests := []struct {
		name    string
		fn      func(tx *store.RunTx, taskID int64) error
		wantErr error // matched with errors.Is; nil: any error
		panics  bool
	}{
		{"fn returns an error after writing everything", func(tx *store.RunTx, taskID int64) error {
			if err := tx.SetPushState(taskID, store.PushState{AutoFailures: 2}); err != nil {
				return err
			}
			if err := tx.Enqueue(&store.OutboxItem{ChannelID: "c1"}, &store.OutboxItem{ChannelID: "c2"}); err != nil {
				return err
			}
			return errRules
		}, errRules, false},
		{"a bad outbox item", func(tx *store.RunTx, taskID int64) error {
			if err := tx.SetPushState(taskID, store.PushState{AutoFailures: 2}); err != nil {
				return err
			}
			return tx.Enqueue(&store.OutboxItem{ChannelID: "c1"}, &store.OutboxItem{Title: "no channel"})
		}, nil, false},
		{"push state of a task that does not exist", func(tx *store.RunTx, taskID int64) error {
			if err := tx.Enqueue(&store.OutboxItem{ChannelID: "c1"}); err != nil {
				return err
			}
			return tx.SetPushState(taskID+100, store.PushState{AutoFailures: 1})
		}, store.ErrNotFound, false},
		{"fn panics", func(tx *store.RunTx, taskID int64) error {
			if err := tx.Enqueue(&store.OutboxItem{ChannelID: "c1"}); err != nil {
				return err
			}
			panic("bug in the rules")
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			taskID := mustCreateTask(t, s, "Backup")
			// What was there before the run: one run, its state, its push.
			first := failedRun(taskID, base.Add(-time.Hour))
			if err := s.InsertRunTx(ctx, &first, func(tx *store.RunTx) error {
				if err := tx.SetPushState(taskID, store.PushState{AutoFailures: 1}); err != nil {
					return err
				}
				return tx.Enqueue(&store.OutboxItem{ChannelID: "c1"})
			}); err != nil {
				t.Fatal(err)
			}

			r := failedRun(taskID, base)
			var err error
			func() {
				defer func() {
					if p := recover(); (p != nil) != tt.panics {
						t.Fatalf("recovered %v, want a panic: %v", p, tt.panics)
					}
				}()
				err = s.InsertRunTx(ctx, &r, func(tx *store.RunTx) error { return tt.fn(tx, taskID) })
			}()
			if !tt.panics && (err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("InsertRunTx = %v, want %v", err, tt.wantErr)
			}
			if r.ID != 0 {
				t.Errorf("r.ID = %d after a rollback, want 0", r.ID)
			}
			if runs, err := s.TaskRuns(ctx, taskID, 0, 10); err != nil || len(runs) != 1 || runs[0].ID != first.ID {
				t.Errorf("runs after the rollback = %v, %v; want only the first", runIDs(runs), err)
			}
			if st, err := s.PushState(ctx, taskID); err != nil || st != (store.PushState{AutoFailures: 1}) {
				t.Errorf("push state after the rollback = %+v, %v; want the old one", st, err)
			}
			if counts, err := s.OutboxCounts(ctx); err != nil || counts[store.OutboxPending] != 1 {
				t.Errorf("outbox after the rollback = %v, %v; want only the first run's row", counts, err)
			}
			// The writer is free again: a rollback, even after a panic,
			// must not leave the one write connection inside a transaction.
			wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			next := failedRun(taskID, base.Add(time.Hour))
			if err := s.InsertRunTx(wctx, &next, nil); err != nil {
				t.Fatalf("writing after the rollback: %v", err)
			}
		})
	}
}

func TestInsertRunTxUnknownTask(t *testing.T) {
	s := open(t)
	r := failedRun(404, base)
	called := false
	err := s.InsertRunTx(context.Background(), &r, func(*store.RunTx) error { called = true; return nil })
	if !errors.Is(err, store.ErrNotFound) || called || r.ID != 0 {
		t.Fatalf("InsertRunTx of a missing task = %v, fn called %v, ID %d; want ErrNotFound, not called, 0", err, called, r.ID)
	}
}

// Push state goes with its task: when pruning removes a deleted task, its
// state goes too, and the pushes of its runs stay, no longer tied to a run.
func TestPushStateGoesWithItsTask(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	taskID := mustCreateTask(t, s, "Old")
	r := failedRun(taskID, base)
	var pushID int64
	if err := s.InsertRunTx(ctx, &r, func(tx *store.RunTx) error {
		it := &store.OutboxItem{ChannelID: "c1"}
		if err := tx.Enqueue(it); err != nil {
			return err
		}
		pushID = it.ID
		return tx.SetPushState(taskID, store.PushState{AutoFailures: 5, FailurePushed: true})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTask(ctx, taskID); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.PushState(ctx, taskID); st.AutoFailures != 5 {
		t.Fatalf("soft delete lost the push state: %+v", st)
	}
	if _, err := s.PruneRuns(ctx, base.Add(time.Hour), 0, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Task(ctx, taskID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("task still there after pruning: %v", err)
	}
	if st, err := s.PushState(ctx, taskID); err != nil || st != (store.PushState{}) {
		t.Fatalf("push state after the task was removed = %+v, %v; want none", st, err)
	}
	if it, err := s.OutboxItemByID(ctx, pushID); err != nil || it.RunID != 0 {
		t.Fatalf("push of the pruned run = %+v, %v; want kept with RunID 0", it, err)
	}
}

func TestRunsFinishedBetween(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	live := mustCreateTask(t, s, "Live")
	gone := mustCreateTask(t, s, "Gone")
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	// finished at minute: 0, 10, 10 (second of two at the same time), 20, 30
	// (gone), 40. Recorded out of order: IDs do not follow finish times.
	mk := func(taskID int64, finishedMin int, st task.Status) task.Run {
		return mustInsertRun(t, s, task.Run{TaskID: taskID, Status: st, Started: at(finishedMin).Add(-time.Minute), Finished: at(finishedMin)})
	}
	r20 := mk(live, 20, task.StatusSuccess)
	r0 := mk(live, 0, task.StatusFailure)
	r10a := mk(gone, 10, task.StatusSuccess)
	r10b := mk(live, 10, task.StatusTimeout)
	r30 := mk(gone, 30, task.StatusFailure)
	r40 := mk(live, 40, task.StatusSkipped)
	if err := s.DeleteTask(ctx, gone); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     []int64
	}{
		{"everything", at(-1), at(40), []int64{r0.ID, r10a.ID, r10b.ID, r20.ID, r30.ID, r40.ID}},
		{"from excluded, to included", at(0), at(20), []int64{r10a.ID, r10b.ID, r20.ID}},
		{"next interval takes up where the last ended", at(20), at(40), []int64{r30.ID, r40.ID}},
		{"nothing", at(41), at(100), []int64{}},
		{"a single instant", at(10).Add(-time.Millisecond), at(10), []int64{r10a.ID, r10b.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.RunsFinishedBetween(ctx, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := runIDs(runs); !slices.Equal(got, tt.want) {
				t.Fatalf("RunsFinishedBetween = %v, want %v", got, tt.want)
			}
		})
	}
	runs, _ := s.RunsFinishedBetween(ctx, at(25), at(35))
	if len(runs) != 1 || runs[0].ID != r30.ID || runs[0].TaskName != "Gone" || runs[0].Status != task.StatusFailure {
		t.Fatalf("deleted task's run = %+v; want it with its name", runs)
	}
}
