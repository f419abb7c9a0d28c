package pushsettings

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/ui/localize"
)

// Keys of the reminder and escalation settings.
const (
	keyReminderInterval   = "reminder.interval"
	keyReminderMax        = "reminder.max"
	keyEscalationAfter    = "escalation.after"
	keyEscalationFailures = "escalation.failures"
	keyEscalationChannels = "escalation.channels"
)

// remindControls are the Reminders and escalation card's widgets.
type remindControls struct {
	interval *durationPicker
	max      *widget.Entry
	after    *durationPicker
	failures *widget.Entry
	channels *widget.Entry // channel names, comma-separated
	preview  *widget.Label
}

// buildRemind builds the Reminders and escalation card.
func (v *View) buildRemind() fyne.CanvasObject {
	r := &remindControls{}
	v.remind = r
	picker := func(key string) *durationPicker {
		return newDurationPicker(func(n int, err error) {
			if v.filling {
				return
			}
			v.update(key, func(s *dispatch.Settings) error {
				if err != nil {
					return &dispatch.FieldError{Field: key, Msg: lang.L("views.duration.not_whole")}
				}
				return s.Set(key, strconv.Itoa(n), nil)
			})
			v.remindPreview()
		})
	}
	entry := func(key, placeholder string, resolve func([]string) ([]string, error)) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(text string) {
			if v.filling {
				return
			}
			v.update(key, func(s *dispatch.Settings) error { return s.Set(key, text, resolve) })
			v.remindPreview()
		}
		return e
	}
	r.interval = picker(keyReminderInterval)
	r.max = entry(keyReminderMax, "3", nil)
	r.after = picker(keyEscalationAfter)
	r.failures = entry(keyEscalationFailures, "0", nil)
	r.channels = entry(keyEscalationChannels, lang.L("remind.ui.channels.placeholder"), v.resolveNames)
	r.preview = widget.NewLabel("")
	r.preview.Wrapping = fyne.TextWrapWord
	r.preview.TextStyle = fyne.TextStyle{Bold: true}
	row := func(label string, obj fyne.CanvasObject, help, key string) []fyne.CanvasObject {
		return []fyne.CanvasObject{widget.NewLabel(lang.L(label)), container.NewVBox(obj, helpLabel(lang.L(help)), v.errLabel(key))}
	}
	var form []fyne.CanvasObject
	form = append(form, row("remind.ui.interval", narrow(r.interval.obj, 240), "remind.ui.interval.help", keyReminderInterval)...)
	form = append(form, row("remind.ui.max", narrow(r.max, 100), "remind.ui.max.help", keyReminderMax)...)
	form = append(form, row("remind.ui.after", narrow(r.after.obj, 240), "remind.ui.after.help", keyEscalationAfter)...)
	form = append(form, row("remind.ui.failures", narrow(r.failures, 100), "remind.ui.failures.help", keyEscalationFailures)...)
	form = append(form, row("remind.ui.channels", r.channels, "remind.ui.channels.help", keyEscalationChannels)...)
	return widget.NewCard(lang.L("remind.ui.section"), "", container.NewVBox(
		container.New(layout.NewFormLayout(), form...),
		r.preview,
	))
}

// refreshRemind shows the stored reminder and escalation settings.
func (v *View) refreshRemind(s dispatch.Settings) {
	r := v.remind
	r.interval.set(s.Reminder.Interval)
	r.max.SetText(strconv.Itoa(s.Reminder.Max))
	r.after.set(s.Escalation.After)
	r.failures.SetText(strconv.Itoa(s.Escalation.Failures))
	r.channels.SetText(v.channelNames(s.Escalation.Channels))
	v.remindPreview()
}

// resolveNames turns channel names into ids.
func (v *View) resolveNames(names []string) ([]string, error) {
	list, err := v.eng.ListChannels(v.ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		id := ""
		for _, c := range list {
			if strings.EqualFold(c.Name, n) || c.ID == n {
				id = c.ID
				break
			}
		}
		if id == "" {
			return nil, i18n.New("remind.ui.channels.unknown", "Name", n)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// channelNames are the names of the channel ids, comma-separated; ids of
// channels no longer registered are left out.
func (v *View) channelNames(ids []string) string {
	list, _ := v.eng.ListChannels(v.ctx)
	var names []string
	for _, id := range ids {
		for _, c := range list {
			if c.ID == id {
				names = append(names, c.Name)
			}
		}
	}
	return strings.Join(names, ", ")
}

// remindPreview says in one sentence each what the reminder and
// escalation settings do.
func (v *View) remindPreview() {
	v.remind.preview.SetText(RemindPreview(v.settings, v.channelNames(v.settings.Escalation.Channels)))
}

// RemindPreview is the sentence the tab shows for the reminder and
// escalation settings s; channels names the escalation set.
func RemindPreview(s dispatch.Settings, channels string) string {
	sec := func(n int) i18n.Text { return i18n.Duration(time.Duration(n) * time.Second) }
	var reminder i18n.Text
	if s.Reminder.Interval > 0 {
		reminder = i18n.T("remind.ui.preview.reminder", "Every", sec(s.Reminder.Interval), "Max", s.Reminder.Max)
	} else {
		reminder = i18n.T("remind.ui.preview.reminder_off")
	}
	e := s.Escalation
	var esc i18n.Text
	switch {
	case channels == "" || e.After == 0 && e.Failures == 0:
		esc = i18n.T("remind.ui.preview.escalation_off")
	case e.After > 0 && e.Failures > 0:
		esc = i18n.T("remind.ui.preview.escalation_both", "After", sec(e.After), "K", e.Failures, "Channels", channels)
	case e.After > 0:
		esc = i18n.T("remind.ui.preview.escalation_after", "After", sec(e.After), "Channels", channels)
	default:
		esc = i18n.T("remind.ui.preview.escalation_failures", "K", e.Failures, "Channels", channels)
	}
	return localize.Text(reminder) + "\n" + localize.Text(esc)
}
