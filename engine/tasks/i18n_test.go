package tasks_test

import (
	"context"
	"errors"
	"testing"

	"github.com/heraldpush/herald/engine/i18n/i18ntest"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// The task service's complaints about its input read in Chinese.
func TestTaskServiceProblemsReadInChinese(t *testing.T) {
	f := newFixture(t, tasks.Retention{})
	ctx := context.Background()
	tk := task.Task{Name: "kept", Kind: task.KindCommand, Command: &task.Command{Line: "true"}}
	if _, err := f.svc.Add(ctx, tk); err != nil {
		t.Fatal(err)
	}
	_, errTaken := f.svc.Add(ctx, tk)
	_, errMissing := f.svc.Get(ctx, "missing")
	_, errHistory := f.svc.History(ctx, "missing", 0, 10)
	_, errInvalid := f.svc.Add(ctx, task.Task{Name: "x", Kind: task.KindCommand})
	for _, err := range []error{errTaken, errMissing, errHistory, errInvalid} {
		if !errors.Is(err, tasks.ErrBadInput) {
			t.Errorf("%v is not bad input", err)
			continue
		}
		i18ntest.Check(t, err)
	}
	var fe *task.FieldError
	if !errors.As(errTaken, &fe) || fe.Field != "name" {
		t.Errorf("a taken name is %v, not a problem with the name", errTaken)
	}
}
