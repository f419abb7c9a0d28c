package tasks

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/ui/localize"
)

// taskRemind are the form's per-task reminder and escalation overrides;
// an empty entry (no ticked channel) means the Push settings' value.
type taskRemind struct {
	interval, max   *widget.Entry
	after, failures *widget.Entry
	escalation      *widget.CheckGroup
}

// Keys of the overrides, as `herald task push` and the API spell them;
// also the form's field names for their errors.
const (
	keyReminderInterval   = "reminder.interval"
	keyReminderMax        = "reminder.max"
	keyEscalationAfter    = "escalation.after"
	keyEscalationFailures = "escalation.failures"
	keyEscalationChannels = "escalation.channels"
)

// addRemindRows adds the five rows to the push section; names are the
// registered channels' names.
func (e *editor) addRemindRows(push *grid, names []string) {
	r := &e.remind
	r.interval = entry(lang.L("tasks.form.global"))
	r.max = entry(lang.L("tasks.form.global"))
	r.after = entry(lang.L("tasks.form.global"))
	r.failures = entry(lang.L("tasks.form.global"))
	r.escalation = widget.NewCheckGroup(names, nil)
	var channels fyne.CanvasObject = r.escalation
	help := lang.L("tasks.form.escalation.channels.help")
	if len(names) == 0 {
		channels, help = widget.NewLabel(lang.L("tasks.form.channels.none")), ""
	}
	push.add(lang.L("tasks.form.reminder.interval"), keyReminderInterval, r.interval, lang.L("tasks.form.reminder.interval.help"))
	push.add(lang.L("tasks.form.reminder.max"), keyReminderMax, r.max, lang.L("tasks.form.reminder.max.help"))
	push.add(lang.L("tasks.form.escalation.after"), keyEscalationAfter, r.after, lang.L("tasks.form.escalation.after.help"))
	push.add(lang.L("tasks.form.escalation.failures"), keyEscalationFailures, r.failures, lang.L("tasks.form.escalation.failures.help"))
	push.add(lang.L("tasks.form.escalation.channels"), keyEscalationChannels, channels, help)
}

func (e *editor) fillRemind(o dispatch.TaskOverrides, chans []registry.Channel) {
	r := &e.remind
	setSeconds := func(w *widget.Entry, v *int) {
		switch {
		case v == nil:
			w.SetText("")
		case *v == 0:
			w.SetText("off")
		default:
			w.SetText(shortDuration(time.Duration(*v) * time.Second))
		}
	}
	setCount := func(w *widget.Entry, v *int) {
		if v == nil {
			w.SetText("")
			return
		}
		w.SetText(strconv.Itoa(*v))
	}
	setSeconds(r.interval, o.ReminderInterval)
	setCount(r.max, o.ReminderMax)
	setSeconds(r.after, o.EscalationAfter)
	setCount(r.failures, o.EscalationFailures)
	var ticked []string
	for _, c := range chans {
		if slices.Contains(o.EscalationChannels, c.ID) {
			ticked = append(ticked, c.Name)
		}
	}
	r.escalation.SetSelected(ticked)
}

// collectRemind reads the rows into o, each value as `herald task push`
// parses it; a bad value is a problem under its field.
func (e *editor) collectRemind(o *dispatch.TaskOverrides) []problem {
	r := &e.remind
	var probs []problem
	for _, f := range []struct {
		key string
		w   *widget.Entry
	}{{keyReminderInterval, r.interval}, {keyReminderMax, r.max}, {keyEscalationAfter, r.after}, {keyEscalationFailures, r.failures}} {
		// Empty removes the override.
		if err := o.Set(f.key, strings.TrimSpace(f.w.Text), nil); err != nil {
			probs = append(probs, problem{f.key, remindProblem(err)})
		}
	}
	o.EscalationChannels = nil
	for _, name := range r.escalation.Selected {
		if id, ok := e.channelIDs[name]; ok {
			o.EscalationChannels = append(o.EscalationChannels, id)
		}
	}
	return probs
}

// remindProblem is an override's error as the form shows it under the
// field: the problem alone, the field being named by its label.
func remindProblem(err error) string {
	var fe *dispatch.FieldError
	if errors.As(err, &fe) {
		return localize.Text(fe.Problem())
	}
	return localize.Error(err)
}
