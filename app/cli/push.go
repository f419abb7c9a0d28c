package cli

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
)

// resolveChannels turns channel names into ids for settings.
func (c *cmd) resolveChannels(ctx context.Context) func(names []string) ([]string, error) {
	return func(names []string) ([]string, error) {
		ids := make([]string, 0, len(names))
		for _, n := range names {
			ch, err := c.env.Registry.Get(ctx, n)
			if err != nil {
				return nil, err
			}
			ids = append(ids, ch.ID)
		}
		return ids, nil
	}
}

func (c *cmd) channelNames(ctx context.Context, ids []string) string {
	var names []string
	for _, id := range ids {
		if ch, err := c.env.Registry.Get(ctx, id); err == nil {
			names = append(names, ch.Name)
		} else {
			names = append(names, id+" (removed)")
		}
	}
	return strings.Join(names, ",")
}

func (c *cmd) settingsCommand() *cobra.Command {
	show := verb("show", "Show the push settings (推送设置)", "  herald settings show",
		func(ctx context.Context, _ []string) error { return c.settingsShow(ctx) })
	set := verb("set key=value…", "Change push settings; `herald settings show` lists the keys",
		"  herald settings set auto_success=true failures_before_notify=3 channels=team,phone\n"+
			"  herald settings set batch.enabled=true batch.first=12:00:00 batch.interval=86400   # 批量推送 digest\n"+
			"  herald settings set rate_limits.webhook=60/min language=zh\n"+
			"  herald settings set reminder.interval=4h reminder.max=3 escalation.after=12h escalation.channels=pager\n"+
			"  herald settings set fallback.team=phone,mail   # or: herald channel edit team --fallback phone,mail",
		c.settingsSet)
	return group("settings", "Show and change what gets pushed, where and how fast", show, set)
}

func (c *cmd) settingsShow(ctx context.Context) error {
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	s, err := dispatch.LoadSettings(ctx, c.env.Store)
	if err != nil {
		return err
	}
	return c.printSettings(ctx, s)
}

func (c *cmd) settingsSet(ctx context.Context, args []string) error {
	kv, err := keyValues(args)
	if err != nil {
		return err
	}
	if len(kv) == 0 {
		return badArgs("usage: herald settings set key=value… (see `herald settings show` for the keys)")
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	st := c.env.Store
	s, err := dispatch.LoadSettings(ctx, st)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(kv) {
		if handled, err := c.settingsSetSecret(ctx, k, kv[k]); handled { // deadman.go
			if err != nil {
				return err
			}
			continue
		}
		if err := s.Set(k, kv[k], c.resolveChannels(ctx)); err != nil {
			return badInput(err)
		}
	}
	if err := dispatch.SaveSettings(ctx, st, s); err != nil {
		return badInput(err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func (c *cmd) printSettings(ctx context.Context, s dispatch.Settings) error {
	channels := "all"
	if !s.AllChannels {
		channels = c.channelNames(ctx, s.Channels)
	}
	tw := tabwriter.NewWriter(c.std.Out, 0, 4, 2, ' ', 0)
	rows := [][2]string{
		{"enabled", strconv.FormatBool(s.Enabled)},
		{"channels", channels},
		{"manual_success", strconv.FormatBool(s.ManualSuccess)},
		{"manual_failure", strconv.FormatBool(s.ManualFailure)},
		{"auto_success", strconv.FormatBool(s.AutoSuccess)},
		{"auto_failure", strconv.FormatBool(s.AutoFailure)},
		{"failures_before_notify", strconv.Itoa(s.FailuresBeforeNotify)},
		{"recovery", strconv.FormatBool(s.Recovery)},
		{"batch.enabled", strconv.FormatBool(s.Batch.Enabled)},
		{"batch.first", s.Batch.First},
		{"batch.interval", strconv.Itoa(s.Batch.Interval)},
		{"batch.skip_empty", strconv.FormatBool(s.Batch.SkipEmpty)},
		{"language", orDefault(s.Language, "system")},
		{"title_template", orDefault(s.TitleTemplate, "(default)")},
		{"body_template", orDefault(strings.ReplaceAll(s.BodyTemplate, "\n", `\n`), "(default)")},
	}
	rows = append(rows, [][2]string{
		{"anomaly.enabled", strconv.FormatBool(s.Anomaly.Enabled)},
		{"anomaly.k", strconv.FormatFloat(s.Anomaly.K, 'g', -1, 64)},
		{"anomaly.min_runs", strconv.Itoa(s.Anomaly.MinRuns)},
		{"heartbeat.url", c.heartbeatShown(ctx)},
		{"heartbeat.interval", strconv.Itoa(s.Heartbeat.Interval)},
		{"away_summary", strconv.FormatBool(s.AwaySummary)},
	}...)
	for kind, rate := range s.RateLimits {
		rows = append(rows, [2]string{"rate_limits." + kind, rate})
	}
	rows = append(rows, [2]string{"quiet.windows", orDefault(s.Quiet.Windows, "off")},
		[2]string{"quiet.break_through", strconv.FormatBool(s.Quiet.BreakThrough)},
		[2]string{"burst.max", strconv.Itoa(s.Burst.Max) + map[bool]string{true: " (off)"}[s.Burst.Max == 0]},
		[2]string{"burst.window", strconv.Itoa(cmp.Or(s.Burst.Window, dispatch.DefaultBurstWindow))})
	rows = append(rows, c.remindRows(ctx, s)...)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1])
	}
	if s.Batch.Enabled {
		next := dispatch.NextDigest(s.Batch, time.Now(), time.Local)
		fmt.Fprintf(tw, "batch.next_due\t%s\n", next.Format("2006-01-02 15:04:05"))
	}
	return tw.Flush()
}

const taskPushUsage = "usage: herald task push NAME [key=value…] (keys: push, channels, manual_success, manual_failure, auto_success, auto_failure, failures_before_notify, recovery, quiet_windows, quiet_break_through, deadman, anomaly, reminder.interval, reminder.max, escalation.after, escalation.failures, escalation.channels; value 'default' resets)"

func (c *cmd) taskPushCommand() *cobra.Command {
	v := verb("push NAME [key=value…]", "Show or override a task's push settings ('default' resets a key)",
		"  herald task push backup\n  herald task push backup channels=phone auto_failure=true recovery=default",
		c.taskPush)
	v.Long = taskPushUsage[len("usage: "):]
	v.ValidArgsFunction = c.completeFirst(taskNames)
	return v
}

func (c *cmd) taskPush(ctx context.Context, args []string) error {
	if len(args) < 1 {
		return badArgs(taskPushUsage)
	}
	svc, err := c.tasks(ctx)
	if err != nil {
		return err
	}
	t, err := svc.Get(ctx, args[0])
	if err != nil {
		return err
	}
	st := c.env.Store
	o, err := dispatch.LoadOverrides(ctx, st, t.ID)
	if err != nil {
		return err
	}
	kv, err := keyValues(args[1:])
	if err != nil {
		return err
	}
	if len(kv) > 0 {
		for _, k := range sortedKeys(kv) {
			if err := o.Set(k, kv[k], c.resolveChannels(ctx)); err != nil {
				return badInput(err)
			}
		}
		if err := dispatch.SaveOverrides(ctx, st, t.ID, o); err != nil {
			return badInput(err)
		}
	}
	c.printOverrides(ctx, o)
	return nil
}

// printOverrides prints a task's push overrides, "(global)" where unset.
func (c *cmd) printOverrides(ctx context.Context, o dispatch.TaskOverrides) {
	show := func(name string, b *bool) {
		v := "(global)"
		if b != nil {
			v = strconv.FormatBool(*b)
		}
		fmt.Fprintf(c.std.Out, "%-23s %s\n", name, v)
	}
	show("push", o.Push)
	ch := "(global)"
	if o.Channels != nil {
		ch = c.channelNames(ctx, o.Channels)
	}
	fmt.Fprintf(c.std.Out, "%-23s %s\n", "channels", ch)
	show("manual_success", o.ManualSuccess)
	show("manual_failure", o.ManualFailure)
	show("auto_success", o.AutoSuccess)
	show("auto_failure", o.AutoFailure)
	n := "(global)"
	if o.FailuresBeforeNotify != nil {
		n = strconv.Itoa(*o.FailuresBeforeNotify)
	}
	fmt.Fprintf(c.std.Out, "%-23s %s\n", "failures_before_notify", n)
	show("recovery", o.Recovery)
	q := "(global)"
	if o.QuietWindows != nil {
		q = *o.QuietWindows
	}
	fmt.Fprintf(c.std.Out, "%-23s %s\n", "quiet_windows", q)
	show("quiet_break_through", o.QuietBreakThrough)
	fmt.Fprintf(c.std.Out, "%-23s %s\n", "deadman", orDefault(o.Deadman, "off"))
	show("anomaly", o.Anomaly)
	c.printRemindOverrides(ctx, o)
}

// outboxRetry makes a failed or dropped row pending and delivers it now.
func (c *cmd) outboxRetry(ctx context.Context, id int64) error {
	// Its attempts before it is pending again: any attempt after that,
	// made by the owner's claim loop, is the outcome to report.
	it, err := c.env.Retry(ctx, id)
	if err != nil {
		return notFound(err, id)
	}
	k, err := c.courier(ctx)
	if err != nil {
		return err
	}
	text, ok := c.outcome(k.deliver(ctx, id, it.Attempts))
	fmt.Fprintf(c.std.Out, "outbox %d (%s): %s\n", id, c.channelNames(ctx, []string{it.ChannelID}), text)
	if !ok {
		return errFailed
	}
	return nil
}

func notFound(err error, id int64) error {
	if err != nil && strings.Contains(err.Error(), store.ErrNotFound.Error()) {
		return fmt.Errorf("%w: outbox row %d: not found, or not in a state that allows this", registry.ErrBadInput, id)
	}
	return err
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
