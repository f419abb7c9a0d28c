package backup

import (
	"context"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// LastKey is the setting recording when the last backup was made;
// ReminderKey whether the window reminds of a backup (default on).
const (
	LastKey     = "backup.last"
	ReminderKey = "backup.reminder"
)

// RemindAfter is how long without a backup before the window reminds.
const RemindAfter = 30 * 24 * time.Hour

// MarkDone records that a backup was made at now.
func MarkDone(ctx context.Context, st *store.Store, now time.Time) error {
	return st.SetSetting(ctx, LastKey, now.UTC())
}

// Last is when the last backup was made (zero: never).
func Last(ctx context.Context, st *store.Store) (time.Time, error) {
	var t time.Time
	_, err := st.Setting(ctx, LastKey, &t)
	return t, err
}

// ReminderOn tells whether the reminder is enabled.
func ReminderOn(ctx context.Context, st *store.Store) bool {
	on := true
	_, _ = st.Setting(ctx, ReminderKey, &on)
	return on
}

// Due tells whether to remind of a backup at now: the reminder is on, the
// data folder has something to lose, and the last backup (or, without
// one, since) is older than RemindAfter. since is when Herald first
// counted (the data folder's first channel).
func Due(ctx context.Context, st *store.Store, now time.Time) bool {
	if !ReminderOn(ctx, st) {
		return false
	}
	last, err := Last(ctx, st)
	if err != nil {
		return false
	}
	if last.IsZero() {
		chs, err := st.Channels(ctx)
		if err != nil || len(chs) == 0 {
			return false
		}
		last = chs[0].CreatedAt
		for _, c := range chs {
			if c.CreatedAt.Before(last) {
				last = c.CreatedAt
			}
		}
	}
	return now.Sub(last) >= RemindAfter
}
