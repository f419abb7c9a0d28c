package tasks

import (
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/ui/localize"
)

// describeSchedule is task.Schedule.Describe in the user's language: the
// engine's words are English for the CLI, the window translates them.
func describeSchedule(s task.Schedule) string {
	var d string
	switch s.Kind {
	case task.ScheduleNone:
		return lang.L("tasks.schedule.describe.manual")
	case task.ScheduleCron:
		d = lang.L("tasks.schedule.describe.cron", map[string]any{"Expr": s.Cron})
	case task.ScheduleEvery:
		d = lang.L("tasks.schedule.describe.every", map[string]any{"Every": localize.Text(i18n.Duration(s.Every))})
	case task.ScheduleDaily:
		d = lang.L("tasks.schedule.describe.daily", map[string]any{"Times": strings.Join(s.Daily, ", ")})
	case task.ScheduleAt:
		d = lang.L("tasks.schedule.describe.at", map[string]any{"At": formatTime(s.At)})
	default:
		// A kind this window does not know: the engine's own words.
		return s.Describe()
	}
	if s.RandomDelay > 0 {
		d += lang.L("tasks.schedule.describe.delay", map[string]any{"Delay": localize.Text(i18n.Duration(s.RandomDelay))})
	}
	return d
}

// shortDuration drops the zero units Go's Duration.String keeps ("1h0m0s"
// → "1h", "5m0s" → "5m"); the result still parses with time.ParseDuration,
// so the form shows durations the way it reads them.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// formatTime shows a fire or run time in local time, with seconds only when
// they matter (a daily 20:30:15 or a run's start).
func formatTime(t time.Time) string {
	t = t.Local()
	if t.Second() != 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

// statusWord names a run's status.
func statusWord(s task.Status) string {
	switch s {
	case task.StatusSuccess, task.StatusFailure, task.StatusTimeout, task.StatusSkipped:
		return lang.L("tasks.status." + string(s))
	}
	return string(s)
}

// triggerWord names why a run happened.
func triggerWord(t task.Trigger) string {
	switch t {
	case task.TriggerAuto, task.TriggerManual, task.TriggerTest:
		return lang.L("tasks.trigger." + string(t))
	}
	return string(t)
}

// firstLine is the first non-empty line of s, cut to max runes: a run's
// error can be long and the list row has one line for it.
func firstLine(s string, max int) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if r := []rune(l); len(r) > max {
				return string(r[:max-1]) + "…"
			}
			return l
		}
	}
	return ""
}
