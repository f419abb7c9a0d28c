package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// remindPoll is how often the reminder timer looks at the streaks besides
// their due times and RemindersChanged: a safety net, so a change nobody
// announced is seen this late at worst.
const remindPoll = 5 * time.Minute

// StartReminders starts the reminder timer: it sends each failing task's
// repeat reminders (every reminder.interval after the last failure push or
// reminder, at most reminder.max per streak) and its escalation once the
// streak has lasted escalation.after. Due times are kept in the streak, in
// the store: a reminder that fell due while Herald was not running is
// sent once at the next start (the next one an interval later), never as
// a burst. settings is read on every turn. The timer stops when ctx ends
// or at Shutdown.
func (d *Dispatcher) StartReminders(ctx context.Context, settings func() Settings) {
	go func() {
		for {
			now := d.p.Clock.Now()
			next, err := d.remindTick(ctx, settings(), now)
			if err != nil && ctx.Err() == nil && !d.stopped() {
				d.log.Error("reminders", "error", err)
			}
			wake := now.Add(remindPoll)
			if !next.IsZero() && next.Before(wake) {
				wake = next
			}
			fire, stop := timerAt(d.p.Clock, wake)
			select {
			case <-fire:
			case <-d.remindWake:
			case <-d.stop:
				stop()
				return
			case <-ctx.Done():
				stop()
				return
			}
			stop()
		}
	}()
}

// RemindersChanged wakes the reminder timer to read the streaks again: a
// run was recorded (a streak may have begun or ended) or the settings
// changed, here or in another process.
func (d *Dispatcher) RemindersChanged() { poke(d.remindWake) }

func (d *Dispatcher) stopped() bool {
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

// remindTick sends the reminders and escalations due at now and returns
// the earliest later due time (zero: none).
func (d *Dispatcher) remindTick(ctx context.Context, s Settings, now time.Time) (next time.Time, err error) {
	tasks, err := d.p.Store.Tasks(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var errs []error
	for _, t := range tasks {
		if d.stopped() || ctx.Err() != nil {
			break
		}
		var st Streak
		found, err := d.p.Store.Setting(ctx, StreakKey(t.ID), &st)
		if err != nil || !found {
			errs = append(errs, err)
			continue
		}
		o, err := LoadOverrides(ctx, d.p.Store, t.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		due, ok := streakDue(st, s, o)
		if !ok {
			continue
		}
		if due.After(now) {
			if next.IsZero() || due.Before(next) {
				next = due
			}
			continue
		}
		if err := d.remindTask(ctx, t.ID, s, o, now); err != nil {
			errs = append(errs, fmt.Errorf("remind of task %s: %w", t.Name, err))
		}
	}
	return next, errors.Join(errs...)
}

// streakDue is the earliest reminder or escalation due time of st.
func streakDue(st Streak, s Settings, o TaskOverrides) (time.Time, bool) {
	if !rulesFor(s, o).push {
		return time.Time{}, false
	}
	rr := remindRulesFor(s, o)
	r, rok := reminderDue(st, rr)
	e, eok := escalationDue(st, rr)
	switch {
	case rok && eok:
		return earliest(r, e), true
	case rok:
		return r, true
	case eok:
		return e, true
	}
	return time.Time{}, false
}

// remindTask sends what is due of task taskID's streak at now, in one
// transaction with the streak's update: a reminder is sent once, and never
// after the recovery that deleted the streak.
func (d *Dispatcher) remindTask(ctx context.Context, taskID int64, s Settings, o TaskOverrides, now time.Time) error {
	list, err := d.p.Registry.List(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	rr := remindRulesFor(s, o)
	var queued []*store.OutboxItem
	err = d.p.Store.WriteTx(ctx, func(tx *store.RunTx) error {
		queued = nil
		var st Streak
		if found, err := tx.Setting(StreakKey(taskID), &st); err != nil || !found {
			return err
		}
		runID := st.LastRun
		if _, err := d.p.Store.Run(ctx, runID); err != nil {
			runID = 0 // pruned: the reminder is not tied to a run
		}
		if due, ok := escalationDue(st, rr); ok && !due.After(now) {
			if chans := channelsFor(s, TaskOverrides{Channels: rr.escalationChannel}, ids); len(chans) > 0 {
				items := streakRows(streakMessage(s, st, ReasonEscalation, rr, now), runID, chans, now)
				holdQuiet(s, o, ReasonEscalation, now, d.p.Location, items)
				queued = append(queued, items...)
			}
			st.Escalated = true
		}
		if due, ok := reminderDue(st, rr); ok && !due.After(now) {
			if chans := channelsFor(s, o, ids); len(chans) > 0 {
				items := streakRows(streakMessage(s, st, ReasonReminder, rr, now), runID, chans, now)
				holdQuiet(s, o, ReasonReminder, now, d.p.Location, items)
				queued = append(queued, items...)
			}
			st.Reminders++
			// From now, not from the due time: one reminder for a due time
			// missed while Herald was not running, not one per interval.
			st.LastNotice = now
		}
		if err := tx.Enqueue(queued...); err != nil {
			return err
		}
		return tx.SetSetting(StreakKey(taskID), st)
	})
	if err != nil {
		return err
	}
	if len(queued) > 0 {
		d.log.Info("reminder queued", "task", taskID, "rows", len(queued))
		d.Queued(queued...)
	}
	return nil
}
