package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
)

// remindRows are `settings show`'s rows for reminders, escalation and
// fallback channels.
func (c *cmd) remindRows(ctx context.Context, s dispatch.Settings) [][2]string {
	esc := "none"
	if len(s.Escalation.Channels) > 0 {
		esc = c.channelNames(ctx, s.Escalation.Channels)
	}
	rows := [][2]string{
		{"reminder.interval", remindDuration(s.Reminder.Interval)},
		{"reminder.max", strconv.Itoa(s.Reminder.Max)},
		{"escalation.after", remindDuration(s.Escalation.After)},
		{"escalation.failures", offOr(s.Escalation.Failures)},
		{"escalation.channels", esc},
	}
	for _, id := range slices.Sorted(maps.Keys(s.Fallbacks)) {
		rows = append(rows, [2]string{"fallback." + c.channelNames(ctx, []string{id}), c.channelNames(ctx, s.Fallbacks[id])})
	}
	return rows
}

// remindDuration shows seconds as `settings set` takes them: "off", "4h0m0s" → "4h".
func remindDuration(sec int) string {
	if sec == 0 {
		return "off"
	}
	d := (time.Duration(sec) * time.Second).String()
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return d
}

func offOr(n int) string {
	if n == 0 {
		return "off"
	}
	return strconv.Itoa(n)
}

// printRemindOverrides prints a task's reminder and escalation overrides.
func (c *cmd) printRemindOverrides(ctx context.Context, o dispatch.TaskOverrides) {
	show := func(name string, v *int, format func(int) string) {
		s := "(global)"
		if v != nil {
			s = format(*v)
		}
		fmt.Fprintf(c.std.Out, "%-23s %s\n", name, s)
	}
	show("reminder.interval", o.ReminderInterval, remindDuration)
	show("reminder.max", o.ReminderMax, strconv.Itoa)
	show("escalation.after", o.EscalationAfter, remindDuration)
	show("escalation.failures", o.EscalationFailures, offOr)
	esc := "(global)"
	if len(o.EscalationChannels) > 0 {
		esc = c.channelNames(ctx, o.EscalationChannels)
	}
	fmt.Fprintf(c.std.Out, "%-23s %s\n", "escalation.channels", esc)
}

// setFallback sets channel name's fallbacks (comma-separated names, or
// none) in the push settings.
func (c *cmd) setFallback(ctx context.Context, name, value string) error {
	st := c.env.Store
	s, err := dispatch.LoadSettings(ctx, st)
	if err != nil {
		return err
	}
	if err := s.Set("fallback."+name, value, c.resolveChannels(ctx)); err != nil {
		return badArgs("%v", err)
	}
	if err := dispatch.SaveSettings(ctx, st, s); err != nil {
		return badArgs("%v", err)
	}
	return nil
}

// printFallback prints the channel's fallbacks under `channel show`.
func (c *cmd) printFallback(ctx context.Context, id string) error {
	s, err := dispatch.LoadSettings(ctx, c.env.Store)
	if err != nil {
		return err
	}
	if fb := s.Fallbacks[id]; len(fb) > 0 {
		fmt.Fprintf(c.std.Out, "fallback: %s\n", c.channelNames(ctx, fb))
	}
	return nil
}
