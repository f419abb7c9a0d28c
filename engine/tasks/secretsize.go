package tasks

import (
	"encoding/json"
	"fmt"

	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/task"
)

// secretBlob is how a task's env list or header map is kept in the
// keyring: one JSON value per entry.
func secretBlob(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// checkSecretSizes refuses env values or headers that would not fit one
// keyring entry on every OS (see secret.MaxSize), before anything is saved:
// a task made on Linux must work on Windows too. The field names match
// task.Validate's.
func checkSecretSizes(t task.Task) error {
	if t.Command != nil && len(t.Command.Env) > 0 {
		if err := checkBlobSize("env", t.Command.Env); err != nil {
			return err
		}
	}
	if t.HTTP != nil && len(t.HTTP.Headers) > 0 {
		return checkBlobSize("header", t.HTTP.Headers)
	}
	return nil
}

func checkBlobSize(field string, v any) error {
	if err := secret.CheckSizeTogether(len(secretBlob(v))); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, task.NewFieldError(field, err))
	}
	return nil
}
