package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

func (c *cmd) tasks(ctx context.Context) (*tasks.Service, error) {
	if _, err := c.registry(ctx); err != nil {
		return nil, err
	}
	return c.env.Tasks, nil
}

func (c *cmd) taskCommand() *cobra.Command {
	return group("task", "Schedule commands and HTTP checks, run them and read their history",
		c.taskAddCommand(), c.taskListCommand(),
		c.taskNamed("show NAME", "Show a task: what it runs, its schedule and next runs", "  herald task show backup", c.taskShow),
		c.taskEditCommand(),
		c.taskNamed("rm NAME", "Remove a task", "  herald task rm backup",
			func(ctx context.Context, s *tasks.Service, name string) error { return s.Remove(ctx, name) }, "remove", "delete"),
		c.taskNamed("enable NAME", "Schedule a disabled task again", "  herald task enable backup",
			func(ctx context.Context, s *tasks.Service, name string) error {
				_, err := s.SetEnabled(ctx, name, true)
				return err
			}),
		c.taskNamed("disable NAME", "Stop scheduling a task; it can still be run by hand", "  herald task disable backup",
			func(ctx context.Context, s *tasks.Service, name string) error {
				_, err := s.SetEnabled(ctx, name, false)
				return err
			}),
		c.taskNamed("run NAME", "Run a task now in the foreground, print the run and deliver its pushes; exit 0 on success",
			"  herald task run backup", c.taskRun),
		c.taskHistoryCommand(), c.taskPushCommand(), c.taskPushPreviewCommand())
}

// taskNamed is a verb taking one task name.
func (c *cmd) taskNamed(use, short, example string, fn func(context.Context, *tasks.Service, string) error, aliases ...string) *cobra.Command {
	name := strings.Fields(use)[0]
	v := verb(use, short, example, func(ctx context.Context, args []string) error {
		if len(args) != 1 {
			return badArgs("usage: herald task %s NAME", name)
		}
		svc, err := c.tasks(ctx)
		if err != nil {
			return err
		}
		return fn(ctx, svc, args[0])
	})
	v.Aliases = aliases
	v.ValidArgsFunction = c.completeFirst(taskNames)
	return v
}

const taskAddExample = `  herald task add backup --command 'restic backup ~/docs' --daily 02:30 --random-delay 5m --timeout 1h
  herald task add site --http https://example.com/health --expect-status 200-299 --expect-body ok --every 5m
  herald task add checkin --command './checkin.sh' --dir ~/scripts --env TOKEN=… --cron '0 8 * * *' --missed run`

func (c *cmd) taskAddCommand() *cobra.Command {
	f := newTaskFlags(false)
	add := verb("add NAME (--command 'CMD' | --http URL) [--cron EXPR | --every 5m | --daily 08:00 | --at 2026-12-01T09:00] [flags]",
		"Add a task: a shell command or an HTTP check, on a schedule or run by hand", taskAddExample,
		func(ctx context.Context, args []string) error { return c.taskAdd(ctx, args, f) })
	add.Long = `Add a task: a shell command or an HTTP check, on a schedule or run by hand.

Schedules: --cron (5 fields, or 6 with seconds first), --every 5m, --daily 08:00,20:30:15,
--at 2026-12-01T09:00 (local time), plus --random-delay. Without one the task runs only by hand.
--env values and --header values are kept in the OS keyring.`
	f.register(add)
	return add
}

func (c *cmd) taskEditCommand() *cobra.Command {
	f := newTaskFlags(true)
	edit := verb("edit NAME [--command … | --http …] [--cron … | --no-schedule] [--rename NEW] [flags]",
		"Change a task; only the flags given change",
		"  herald task edit backup --daily 03:00\n  herald task edit site --expect-status 200,204 --rename health",
		func(ctx context.Context, args []string) error { return c.taskEdit(ctx, args, f) })
	f.register(edit)
	edit.ValidArgsFunction = c.completeFirst(taskNames)
	return edit
}

func (c *cmd) taskListCommand() *cobra.Command {
	list := verb("list", "List tasks with their schedule, next and last run", "  herald task list",
		func(ctx context.Context, args []string) error { return c.taskList(ctx, args) })
	list.Aliases = []string{"ls"}
	return list
}

func (c *cmd) taskHistoryCommand() *cobra.Command {
	var o historyOptions
	h := verb("history NAME [--limit N] [--before ID] [--json]", "List a task's runs, newest first",
		"  herald task history backup --limit 50 --json",
		func(ctx context.Context, args []string) error { return c.taskHistory(ctx, args, o) })
	h.Flags().IntVar(&o.limit, "limit", 20, "how many runs")
	h.Flags().Int64Var(&o.before, "before", 0, "only runs older than this run id (paging)")
	h.Flags().BoolVar(&o.asJSON, "json", false, "print JSON")
	h.ValidArgsFunction = c.completeFirst(taskNames)
	return h
}

// taskFlags are the settings add and edit share; edit applies only those given.
type taskFlags struct {
	fs                                    *pflag.FlagSet
	command, httpURL, method, body        string
	expectStatus, expectBody, expectRegex string
	cron, every, daily, at                string
	randomDelay, timeout                  string
	dir, overlap, missed, rename          string
	outputEncoding                        string
	env, headers                          []string
	noSchedule, disabled                  bool
	watch                                 watchFlags // deadman.go
}

func newTaskFlags(edit bool) *taskFlags {
	f := &taskFlags{fs: pflag.NewFlagSet("task", pflag.ContinueOnError)}
	fs := f.fs
	fs.StringVar(&f.command, "command", "", "shell line `CMD` to run")
	fs.StringVar(&f.httpURL, "http", "", "`URL` to check")
	fs.StringVar(&f.method, "method", "", "HTTP `METHOD` (default GET)")
	fs.StringVar(&f.body, "body", "", "HTTP request `BODY`")
	fs.StringArrayVar(&f.headers, "header", nil, "HTTP header `'Name: value'` (repeatable; kept in the OS keyring)")
	fs.StringVar(&f.expectStatus, "expect-status", "", "accepted `STATUSES`, e.g. 200-299 (default), 200,204 or 2xx,301")
	fs.StringVar(&f.expectBody, "expect-body", "", "`TEXT` the answer body must contain")
	fs.StringVar(&f.expectRegex, "expect-regex", "", "regular expression `RE` the answer body must match")
	fs.StringVar(&f.cron, "cron", "", "cron `EXPR`, 5 fields or 6 with seconds first")
	fs.StringVar(&f.every, "every", "", "fixed interval `DURATION`, e.g. 5m")
	fs.StringVar(&f.daily, "daily", "", "`TIMES` of day, e.g. 08:00,20:30")
	fs.StringVar(&f.at, "at", "", "once, at a local `TIME`, e.g. 2026-12-01T09:00")
	fs.StringVar(&f.randomDelay, "random-delay", "", "delay each automatic run by up to `DURATION`, e.g. 30s")
	fs.StringVar(&f.timeout, "timeout", "", "kill the run after `DURATION` (default 10m)")
	fs.StringVar(&f.dir, "dir", "", "working directory `DIR`")
	fs.StringArrayVar(&f.env, "env", nil, "environment addition `K=V` (repeatable; kept in the OS keyring)")
	fs.StringVar(&f.outputEncoding, "output-encoding", "", "read the output as `ENC`: auto (default: UTF-8, else the console code page) or "+
		strings.Join(task.OutputEncodingNames(), ", "))
	fs.StringVar(&f.overlap, "overlap", "", "when it fires while still running: skip (default) or queue")
	fs.StringVar(&f.missed, "missed", "", "runs missed while Herald was closed: skip (default) or run (once at start-up)")
	fs.BoolVar(&f.disabled, "disabled", false, "save without scheduling")
	f.watch.register(fs)
	if edit {
		fs.BoolVar(&f.noSchedule, "no-schedule", false, "remove the schedule (manual runs only)")
		fs.StringVar(&f.rename, "rename", "", "`NEW` name")
	}
	return f
}

// register adds the flags to cc, with completions for their values.
func (f *taskFlags) register(cc *cobra.Command) {
	cc.Flags().AddFlagSet(f.fs)
	cc.RegisterFlagCompletionFunc("dir", cobra.FixedCompletions(nil, cobra.ShellCompDirectiveFilterDirs))
	cc.RegisterFlagCompletionFunc("method", completeValues("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
	cc.RegisterFlagCompletionFunc("overlap", completeValues("skip", "queue"))
	cc.RegisterFlagCompletionFunc("missed", completeValues("skip", "run"))
	cc.RegisterFlagCompletionFunc("output-encoding", completeValues(append([]string{"auto"}, task.OutputEncodingNames()...)...))
	for _, name := range []string{"http", "body", "header", "expect-status", "expect-body", "expect-regex", "cron", "every",
		"daily", "at", "random-delay", "timeout", "env", "rename"} {
		if f.fs.Lookup(name) != nil {
			cc.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
		}
	}
}

// given names the flags set on the command line.
func (f *taskFlags) given() map[string]bool {
	set := map[string]bool{}
	f.fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Changed {
			set[fl.Name] = true
		}
	})
	return set
}

// apply changes t by the flags given and reports bad values naming the flag.
func (f *taskFlags) apply(t *task.Task) error {
	set := f.given()
	for _, step := range []func(*task.Task, map[string]bool) error{
		f.applyKind, f.applyHTTP, f.applyCommand, f.applySchedule, f.applyRunPolicy,
	} {
		if err := step(t, set); err != nil {
			return err
		}
	}
	return nil
}

// applyKind makes t a command or an HTTP check and refuses flags that do
// not fit what it then is.
func (f *taskFlags) applyKind(t *task.Task, set map[string]bool) error {
	if set["command"] && set["http"] {
		return badArgs("--command and --http: a task is either a command or an HTTP check, give one")
	}
	switch {
	case set["command"]:
		if strings.TrimSpace(f.command) == "" {
			return badArgs("--command: empty")
		}
		cm := &task.Command{Line: f.command}
		if t.Command != nil {
			cm.Env, cm.Dir, cm.OutputEncoding = t.Command.Env, t.Command.Dir, t.Command.OutputEncoding
		}
		t.Kind, t.HTTP, t.Command = task.KindCommand, nil, cm
	case set["http"]:
		h := &task.HTTPCheck{}
		if t.HTTP != nil {
			*h = *t.HTTP
		}
		h.URL = f.httpURL
		t.Kind, t.Command, t.HTTP = task.KindHTTP, nil, h
	}
	for _, n := range []string{"method", "body", "header", "expect-status", "expect-body", "expect-regex"} {
		if set[n] && t.Kind != task.KindHTTP {
			return badArgs("--%s: only for --http tasks", n)
		}
	}
	for _, n := range []string{"dir", "env", "output-encoding"} {
		if set[n] && t.Kind != task.KindCommand {
			return badArgs("--%s: only for --command tasks", n)
		}
	}
	if t.Kind == "" {
		return badArgs("give --command 'CMD' or --http URL")
	}
	return nil
}

func (f *taskFlags) applyHTTP(t *task.Task, set map[string]bool) error {
	h := t.HTTP
	if h == nil {
		return nil
	}
	if set["method"] {
		h.Method = strings.ToUpper(f.method)
	}
	if set["body"] {
		h.Body = f.body
	}
	if set["expect-status"] {
		h.ExpectStatus = f.expectStatus
	}
	if set["expect-body"] {
		h.ExpectBody = f.expectBody
	}
	if set["expect-regex"] {
		h.ExpectRegex = f.expectRegex
	}
	if !set["header"] {
		return nil
	}
	h.Headers = map[string]string{}
	for _, hv := range f.headers {
		k, v, ok := strings.Cut(hv, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return badArgs("--header %q: use 'Name: value'", k)
		}
		h.Headers[http.CanonicalHeaderKey(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return nil
}

func (f *taskFlags) applyCommand(t *task.Task, set map[string]bool) error {
	if cm := t.Command; cm != nil {
		if set["dir"] {
			cm.Dir = f.dir
		}
		if set["env"] {
			cm.Env = append([]string(nil), f.env...)
		}
		if set["output-encoding"] {
			cm.OutputEncoding = strings.ToLower(strings.TrimSpace(f.outputEncoding))
			if cm.OutputEncoding == "auto" {
				cm.OutputEncoding = task.EncodingAuto
			}
		}
	}
	return nil
}

// applySchedule sets at most one schedule; the random delay is kept across
// a change of schedule unless given.
func (f *taskFlags) applySchedule(t *task.Task, set map[string]bool) error {
	schedules := 0
	for _, n := range []string{"cron", "every", "daily", "at", "no-schedule"} {
		if set[n] {
			schedules++
		}
	}
	if schedules > 1 {
		return badArgs("give one of --cron, --every, --daily, --at")
	}
	delay := t.Schedule.RandomDelay
	s, err := f.schedule(t.Schedule, set)
	if err != nil {
		return err
	}
	t.Schedule = s
	t.Schedule.RandomDelay = delay
	if set["random-delay"] {
		d, err := time.ParseDuration(f.randomDelay)
		if err != nil {
			return badArgs("--random-delay %q: a duration like 30s", f.randomDelay)
		}
		t.Schedule.RandomDelay = d
	}
	return nil
}

// schedule is the schedule the flags give, or old when they give none.
func (f *taskFlags) schedule(old task.Schedule, set map[string]bool) (task.Schedule, error) {
	switch {
	case set["cron"]:
		return task.Schedule{Kind: task.ScheduleCron, Cron: strings.TrimSpace(f.cron)}, nil
	case set["every"]:
		d, err := time.ParseDuration(f.every)
		if err != nil {
			return old, badArgs("--every %q: a duration like 30s, 5m or 2h", f.every)
		}
		return task.Schedule{Kind: task.ScheduleEvery, Every: d}, nil
	case set["daily"]:
		var times []string
		for _, d := range strings.Split(f.daily, ",") {
			if d = strings.TrimSpace(d); d != "" {
				times = append(times, d)
			}
		}
		return task.Schedule{Kind: task.ScheduleDaily, Daily: times}, nil
	case set["at"]:
		at, err := parseLocalTime(f.at)
		if err != nil {
			return old, badArgs("--at %q: %v", f.at, err)
		}
		return task.Schedule{Kind: task.ScheduleAt, At: at}, nil
	case set["no-schedule"]:
		return task.Schedule{}, nil
	}
	return old, nil
}

// applyRunPolicy sets how runs behave: timeout, overlap, missed runs,
// enabled, and the name.
func (f *taskFlags) applyRunPolicy(t *task.Task, set map[string]bool) error {
	if set["timeout"] {
		d, err := time.ParseDuration(f.timeout)
		if err != nil {
			return badArgs("--timeout %q: a duration like 90s or 2m", f.timeout)
		}
		if d <= 0 {
			return badArgs("--timeout %q: must be positive", f.timeout)
		}
		t.Timeout = d
	}
	if set["overlap"] {
		t.Overlap = task.Overlap(f.overlap)
	}
	if set["missed"] {
		t.Missed = task.Missed(f.missed)
	}
	if set["disabled"] {
		t.Enabled = !f.disabled
	}
	if set["rename"] {
		t.Name = f.rename
	}
	return nil
}

func parseLocalTime(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(v), time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("a local date-time like 2026-12-01T09:00")
}

func (c *cmd) taskAdd(ctx context.Context, pos []string, f *taskFlags) error {
	if len(pos) != 1 {
		return badArgs("usage: herald task add NAME (--command 'CMD' | --http URL …) [--cron EXPR | --every 5m | --daily 08:00 | --at 2026-12-01T09:00] …")
	}
	t := task.Task{Name: pos[0], Enabled: true}
	if err := f.apply(&t); err != nil {
		return err
	}
	if err := f.watch.check(f.fs); err != nil {
		return err
	}
	svc, err := c.tasks(ctx)
	if err != nil {
		return err
	}
	t, err = svc.Add(ctx, t)
	if err != nil {
		return err
	}
	if err := c.saveWatchFlags(ctx, t.ID, &f.watch, f.fs); err != nil {
		return err
	}
	fmt.Fprintf(c.std.Out, "%d\n", t.ID)
	return nil
}

func (c *cmd) taskEdit(ctx context.Context, pos []string, f *taskFlags) error {
	if len(pos) != 1 || len(f.given()) == 0 {
		return badArgs("usage: herald task edit NAME [--command … | --http …] [--cron … | --no-schedule] [--rename NEW] …")
	}
	svc, err := c.tasks(ctx)
	if err != nil {
		return err
	}
	t, err := svc.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := f.apply(&t); err != nil {
		return err
	}
	if err := f.watch.check(f.fs); err != nil {
		return err
	}
	if _, err = svc.Update(ctx, t); err != nil {
		return err
	}
	return c.saveWatchFlags(ctx, t.ID, &f.watch, f.fs)
}

func (c *cmd) taskList(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return badArgs("usage: herald task list")
	}
	svc, err := c.tasks(ctx)
	if err != nil {
		return err
	}
	list, err := svc.ListWithLastRun(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.std.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tSCHEDULE\tNEXT RUN\tLAST RUN")
	now := time.Now()
	for _, tl := range list {
		t := tl.Task
		next := "—"
		if !t.Enabled {
			next = "disabled"
		} else if n := t.Schedule.Next(now, time.Local); !n.IsZero() {
			next = n.Format("2006-01-02 15:04:05")
		}
		last := "never"
		if r := tl.Last; r != nil {
			last = fmt.Sprintf("%s %s", r.Started.Local().Format("2006-01-02 15:04"), r.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Kind, t.Schedule.Describe(), next, last)
	}
	return tw.Flush()
}

func (c *cmd) taskShow(ctx context.Context, svc *tasks.Service, name string) error {
	t, err := svc.Get(ctx, name)
	if err != nil {
		return err
	}
	w := c.std.Out
	fmt.Fprintf(w, "name:      %s\nid:        %d\nkind:      %s\n", t.Name, t.ID, t.Kind)
	if t.Command != nil {
		printCommand(w, t.Command)
	}
	if t.HTTP != nil {
		printHTTPCheck(w, t.HTTP)
	}
	fmt.Fprintf(w, "schedule:  %s\n", t.Schedule.Describe())
	if next := t.Schedule.NextN(time.Now(), 3, time.Local); t.Enabled && len(next) > 0 {
		var s []string
		for _, n := range next {
			s = append(s, n.Format("2006-01-02 15:04:05"))
		}
		fmt.Fprintf(w, "next:      %s\n", strings.Join(s, ", "))
	}
	fmt.Fprintf(w, "enabled:   %v\ntimeout:   %v\noverlap:   %s\nmissed:    %s\n", t.Enabled, t.EffectiveTimeout(), orDefault(string(t.Overlap), "skip"), orDefault(string(t.Missed), "skip"))
	return nil
}

// printCommand prints what a command task runs, env values masked.
func printCommand(w io.Writer, cm *task.Command) {
	if len(cm.Args) > 0 {
		fmt.Fprintf(w, "program:   %q\n", cm.Args)
	} else {
		fmt.Fprintf(w, "command:   %s\n", cm.Line)
	}
	if cm.Dir != "" {
		fmt.Fprintf(w, "dir:       %s\n", cm.Dir)
	}
	if cm.OutputEncoding != task.EncodingAuto {
		fmt.Fprintf(w, "encoding:  %s\n", cm.OutputEncoding)
	}
	for _, kv := range cm.Env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(w, "env:       %s=%s\n", k, registry.Mask(v))
	}
}

// printHTTPCheck prints what an HTTP task asks and expects, header values
// masked.
func printHTTPCheck(w io.Writer, h *task.HTTPCheck) {
	method := h.Method
	if method == "" {
		method = "GET"
	}
	fmt.Fprintf(w, "http:      %s %s\n", method, h.URL)
	for k, v := range h.Headers {
		fmt.Fprintf(w, "header:    %s: %s\n", k, registry.Mask(v))
	}
	status := h.ExpectStatus
	if status == "" {
		status = "200-299"
	}
	fmt.Fprintf(w, "expect:    status %s", status)
	if h.ExpectBody != "" {
		fmt.Fprintf(w, ", body contains %q", h.ExpectBody)
	}
	if h.ExpectRegex != "" {
		fmt.Fprintf(w, ", body matches /%s/", h.ExpectRegex)
	}
	fmt.Fprintln(w)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (c *cmd) taskRun(ctx context.Context, svc *tasks.Service, name string) error {
	r, err := svc.RunForeground(ctx, name, task.TriggerManual)
	if err != nil {
		return err
	}
	printRun(c.std.Out, r, true)
	// Deliver the pushes this run caused now, so `task run` works without a
	// running app or daemon; transient failures stay queued for them. Rows
	// the owner already sent are reported, not sent again.
	items, err := c.env.Store.OutboxItems(ctx, store.OutboxFilter{RunID: r.ID})
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Hold != "" {
			// Quiet hours or a burst: the owner sends it in a summary.
			fmt.Fprintf(c.std.Out, "push to %s: held until %s (%s)\n", c.channelNames(ctx, []string{it.ChannelID}),
				it.NextAt.Local().Format("2006-01-02 15:04:05"), store.HoldKind(it.Hold))
			continue
		}
		k, err := c.courier(ctx)
		if err != nil {
			return err
		}
		del, err := k.deliver(ctx, it.ID, 0)
		name := c.channelNames(ctx, []string{it.ChannelID})
		switch {
		case err != nil:
			fmt.Fprintf(c.std.Out, "push to %s: %s\n", name, c.env.Redactor.Error(err))
		case del.OK:
			fmt.Fprintf(c.std.Out, "push to %s: sent\n", name)
		default:
			fmt.Fprintf(c.std.Out, "push to %s: failed: %s\n", name, del.Answer)
		}
	}
	if r.Status != task.StatusSuccess {
		return errFailed
	}
	return nil
}

func printRun(w interface{ Write([]byte) (int, error) }, r task.Run, withOutput bool) {
	fmt.Fprintf(w, "run %d of %s: %s (%s) started %s, took %v", r.ID, r.TaskName, r.Status, r.Trigger,
		r.Started.Local().Format("2006-01-02 15:04:05"), r.Duration().Round(time.Millisecond))
	if r.ExitCode != nil {
		fmt.Fprintf(w, ", exit code %d", *r.ExitCode)
	}
	if r.HTTPStatus != 0 {
		fmt.Fprintf(w, ", HTTP %d", r.HTTPStatus)
	}
	fmt.Fprintln(w)
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
	}
	if withOutput && r.Output != "" {
		fmt.Fprintf(w, "--- output ---\n%s", r.Output)
		if !strings.HasSuffix(r.Output, "\n") {
			fmt.Fprintln(w)
		}
	}
}

type historyOptions struct {
	limit  int
	before int64
	asJSON bool
}

func (c *cmd) taskHistory(ctx context.Context, pos []string, o historyOptions) error {
	if len(pos) != 1 {
		return badArgs("usage: herald task history NAME [--limit N] [--json]")
	}
	if o.limit < 1 || o.limit > 10000 {
		return badArgs("--limit %d: between 1 and 10000", o.limit)
	}
	svc, err := c.tasks(ctx)
	if err != nil {
		return err
	}
	runs, err := svc.History(ctx, pos[0], o.before, o.limit)
	if err != nil {
		return err
	}
	if o.asJSON {
		return c.runsJSON(runs)
	}
	tw := tabwriter.NewWriter(c.std.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tTRIGGER\tSTATUS\tDURATION\tRESULT")
	for _, r := range runs {
		res := r.Error
		if res == "" && r.ExitCode != nil {
			res = "exit " + strconv.Itoa(*r.ExitCode)
		}
		if r.HTTPStatus != 0 && res == "" {
			res = "HTTP " + strconv.Itoa(r.HTTPStatus)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\t%s\n", r.ID, r.Started.Local().Format("2006-01-02 15:04:05"), r.Trigger, r.Status,
			r.Duration().Round(time.Millisecond), res)
	}
	return tw.Flush()
}

// runsJSON prints runs for tools, in the API's Run shape. The output is
// the local user's own, as recorded: not redacted.
func (c *cmd) runsJSON(runs []task.Run) error {
	rows := []api.RunJSON{}
	for _, r := range runs {
		rows = append(rows, api.NewRunJSON(r, nil))
	}
	enc := json.NewEncoder(c.std.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}
