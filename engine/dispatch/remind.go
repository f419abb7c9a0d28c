package dispatch

import (
	"strconv"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// StreakKey is where a task's current failure streak is kept (a Streak);
// absent while the task is healthy.
func StreakKey(taskID int64) string { return "push.streak." + strconv.FormatInt(taskID, 10) }

// Streak is what reminders and escalation remember about a task that keeps
// failing. It begins with the first failed run after a success and ends
// (is deleted) at the next success, in the run's own transaction, so a
// reminder can never follow the recovery.
type Streak struct {
	Task       string    `json:"task"`
	Since      time.Time `json:"since"`       // when the streak's first failed run ended
	Failures   int       `json:"failures"`    // failed runs in the streak
	Pushed     int       `json:"pushed"`      // failures pushed in the streak
	LastRun    int64     `json:"last_run"`    // the last failed run
	LastNotice time.Time `json:"last_notice"` // the last failure push or reminder: the next reminder is due an interval after it
	Reminders  int       `json:"reminders"`   // reminders sent
	Escalated  bool      `json:"escalated"`   // the escalation set was told (once per streak)
}

// Reasons of the pushes reminders, escalation and the watcher make.
const (
	ReasonReminder   Reason = "reminder"
	ReasonEscalation Reason = "escalation"
	ReasonMissing    Reason = "missing" // a dead-man's switch tripped
	ReasonAnomaly    Reason = "anomaly" // a run much shorter or longer than usual
	ReasonDigest     Reason = "digest"  // the batch digest
)

// advanceStreak is the streak after run r, which the rules decided d
// about; keep is false when the streak ended (or none began). Skipped and
// test runs change nothing.
func advanceStreak(st Streak, r task.Run, d Decision) (next Streak, keep bool) {
	if r.Trigger != task.TriggerAuto && r.Trigger != task.TriggerManual {
		return st, !st.Since.IsZero()
	}
	switch {
	case r.Status == task.StatusSuccess:
		return Streak{}, false
	case !r.Status.Failed():
		return st, !st.Since.IsZero()
	}
	if st.Since.IsZero() {
		st = Streak{Since: r.Finished}
	}
	st.Task = r.TaskName
	st.Failures++
	st.LastRun = r.ID
	if d.Reason == ReasonFailure {
		st.Pushed++
		// A failure push says it all again: the next reminder waits a
		// whole interval from it.
		st.LastNotice = r.Finished
	}
	return st, true
}

// reminderDue is when the streak's next reminder is due; ok is false when
// none is (reminders off, nothing pushed yet, or the limit reached).
func reminderDue(st Streak, rr remindRules) (due time.Time, ok bool) {
	if rr.interval <= 0 || st.Pushed == 0 || st.Reminders >= rr.maxReminders || st.LastNotice.IsZero() {
		return time.Time{}, false
	}
	return st.LastNotice.Add(rr.interval), true
}

// escalationDue is when the streak escalates: at once (a zero time)
// when K pushed failures were reached, else Y after its first failure;
// ok is false when it never will (off, escalated already, nothing pushed
// yet, no escalation channel).
func escalationDue(st Streak, rr remindRules) (due time.Time, ok bool) {
	if st.Escalated || st.Pushed == 0 || len(rr.escalationChannel) == 0 {
		return time.Time{}, false
	}
	if rr.escalateFailures > 0 && st.Pushed >= rr.escalateFailures {
		return st.Since, true
	}
	if rr.escalateAfter > 0 {
		return st.Since.Add(rr.escalateAfter), true
	}
	return time.Time{}, false
}

// i18nLang maps a message language ("en", "zh") to the translation files'.
func i18nLang(lang string) string {
	if lang == "zh" {
		return i18n.Chinese
	}
	return i18n.English
}

// streakMessage is a reminder or an escalation of st at now, in the
// settings' language.
func streakMessage(s Settings, st Streak, reason Reason, rr remindRules, now time.Time) message.Message {
	lang := i18nLang(messageLanguage(s.Language))
	args := []any{"Task", st.Task, "For", i18n.Duration(now.Sub(st.Since)), "Failures", st.Failures,
		"Pushed", st.Pushed, "N", st.Reminders + 1, "Max", rr.maxReminders}
	key := "remind.msg.reminder"
	if reason == ReasonEscalation {
		key = "remind.msg.escalation"
	}
	return message.Message{
		Title: i18n.T(key+".title", args...).In(lang),
		Body:  i18n.T(key+".body", args...).In(lang),
		Level: message.LevelError,
	}
}

// streakRows are the outbox rows of msg for channel ids.
func streakRows(msg message.Message, runID int64, ids []string, at time.Time) []*store.OutboxItem {
	items := make([]*store.OutboxItem, len(ids))
	for i, id := range ids {
		items[i] = &store.OutboxItem{RunID: runID, Source: store.SourceRun, ChannelID: id, Title: msg.Title, Body: msg.Body,
			Level: string(msg.Level), CreatedAt: at}
	}
	return items
}

// writeStreak is writePlan's part for reminders and escalation: it moves
// the task's streak on after run r (decided d) and queues the escalation
// when this run reaches it.
func writeStreak(tx *store.RunTx, r task.Run, s Settings, o TaskOverrides, ids []string, d Decision, loc *time.Location) error {
	var st Streak
	found, err := tx.Setting(StreakKey(r.TaskID), &st)
	if err != nil {
		return err
	}
	r.ID = tx.RunID() // the hook was prepared before the run had its id
	next, keep := advanceStreak(st, r, d)
	if !keep {
		if found {
			return tx.DeleteSetting(StreakKey(r.TaskID))
		}
		return nil
	}
	rr := remindRulesFor(s, o)
	if due, ok := escalationDue(next, rr); ok && !due.After(r.Finished) && rulesFor(s, o).push {
		if chans := channelsFor(s, TaskOverrides{Channels: rr.escalationChannel}, ids); len(chans) > 0 {
			msg := streakMessage(s, next, ReasonEscalation, rr, r.Finished)
			items := streakRows(msg, r.ID, chans, r.Finished)
			holdQuiet(s, o, ReasonEscalation, r.Finished, loc, items)
			if err := tx.Enqueue(items...); err != nil {
				return err
			}
		}
		next.Escalated = true
	}
	return tx.SetSetting(StreakKey(r.TaskID), next)
}
