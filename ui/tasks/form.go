package tasks

import (
	"cmp"
	"context"
	"errors"
	"image/color"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/task"
	enginetasks "github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/ui/localize"
	"github.com/heraldpush/herald/ui/wheel"
)

// choice is one option of a radio group: the value the engine keeps and
// the words the user reads.
type choice struct{ value, label string }

type choices []choice

func (c choices) labels() []string {
	out := make([]string, len(c))
	for i, ch := range c {
		out[i] = ch.label
	}
	return out
}

func (c choices) label(value string) string {
	for _, ch := range c {
		if ch.value == value {
			return ch.label
		}
	}
	return c[0].label
}

func (c choices) value(label string) string {
	for _, ch := range c {
		if ch.label == label {
			return ch.value
		}
	}
	return c[0].value
}

// Tri-state values of a push override: the global setting, or on, or off.
const (
	triGlobal = ""
	triOn     = "on"
	triOff    = "off"
)

func triChoices() choices {
	return choices{
		{triGlobal, lang.L("tasks.form.global")},
		{triOn, lang.L("tasks.form.on")},
		{triOff, lang.L("tasks.form.off")},
	}
}

func triOf(b *bool) string {
	switch {
	case b == nil:
		return triGlobal
	case *b:
		return triOn
	}
	return triOff
}

func boolOf(v string) *bool {
	switch v {
	case triOn:
		b := true
		return &b
	case triOff:
		b := false
		return &b
	}
	return nil
}

// httpMethods are the methods the method select offers.
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// dateTimeLayouts are the ways a one-shot time may be typed (as the CLI's --at).
var dateTimeLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339}

// editor is the add/edit form.
type editor struct {
	v    *View
	orig *task.Task // the task being edited (with its secrets); nil when adding
	// origOver are the overrides the task had: those the form has no
	// control for (reminders, escalation: `herald task push`) are saved unchanged.
	origOver dispatch.TaskOverrides
	// argsLine is how a command saved as a program with arguments (by the
	// CLI) is shown; left as it is, the arguments are saved unchanged.
	argsLine string

	kinds, schedKinds, overlaps, misseds, tri choices
	channelIDs                                map[string]string // channel name → id

	name    *widget.Entry
	kind    *widget.RadioGroup
	enabled *widget.Check
	// enabledNote says why Automatic runs is off while the schedule is
	// Manual only.
	enabledNote *widget.Label
	enabledHelp *widget.Label

	cmdLine *widget.Entry
	cmdDir  *widget.Entry
	// encoding is the command's output encoding; its first option is auto.
	encoding *widget.Select
	env      *envList

	method       *widget.Select
	url          *widget.Entry
	headers      *widget.Entry
	body         *widget.Entry
	expectStatus *widget.Entry
	expectBody   *widget.Entry
	expectRegex  *widget.Entry

	schedKind *widget.RadioGroup
	cron      *widget.Entry
	every     *widget.Entry
	daily     *widget.Entry
	at        *widget.Entry
	delay     *widget.Entry
	preview   *widget.Label

	timeout *widget.Entry
	overlap *widget.RadioGroup
	missed  *widget.RadioGroup

	push          *widget.RadioGroup
	channels      *widget.CheckGroup
	manualSuccess *widget.RadioGroup
	manualFailure *widget.RadioGroup
	autoSuccess   *widget.RadioGroup
	autoFailure   *widget.RadioGroup
	failures      *widget.Entry
	recovery      *widget.RadioGroup
	watch         taskWatch          // watch.go
	remind        taskRemind         // remind.go
	quietWindows  *widget.Entry      // "" = the global quiet hours
	quietBreak    *widget.RadioGroup // failures break through quiet hours

	cmdCard, httpCard *widget.Card
	schedRows         map[task.ScheduleKind][]fyne.CanvasObject // label and cell of each kind's own field

	errs    map[string]*widget.Label // form field → its red error label
	general *widget.Label
	busy    *widget.Activity
	save    *widget.Button
	cancel  *widget.Button
	obj     fyne.CanvasObject
}

// errorKeys maps the engine's field names to the form's error labels where
// they differ.
var errorKeys = map[string]string{
	"http":   "url",
	"header": "headers",
}

func newEditor(v *View, orig *task.Task, over dispatch.TaskOverrides, chans []registry.Channel) *editor {
	e := &editor{
		v:        v,
		orig:     orig,
		origOver: over,
		kinds: choices{
			{string(task.KindCommand), lang.L("tasks.kind.command")},
			{string(task.KindHTTP), lang.L("tasks.kind.http")},
		},
		schedKinds: choices{
			{string(task.ScheduleNone), lang.L("tasks.schedule.kind.manual")},
			{string(task.ScheduleCron), lang.L("tasks.schedule.kind.cron")},
			{string(task.ScheduleEvery), lang.L("tasks.schedule.kind.every")},
			{string(task.ScheduleDaily), lang.L("tasks.schedule.kind.daily")},
			{string(task.ScheduleAt), lang.L("tasks.schedule.kind.at")},
		},
		overlaps: choices{
			{string(task.OverlapSkip), lang.L("tasks.form.overlap.skip")},
			{string(task.OverlapQueue), lang.L("tasks.form.overlap.queue")},
		},
		misseds: choices{
			{string(task.MissedSkip), lang.L("tasks.form.missed.skip")},
			{string(task.MissedRun), lang.L("tasks.form.missed.run")},
		},
		tri:        triChoices(),
		channelIDs: map[string]string{},
		errs:       map[string]*widget.Label{},
		schedRows:  map[task.ScheduleKind][]fyne.CanvasObject{},
	}
	e.build(chans)
	e.fill(orig, over, chans)
	// Handlers go on after filling, so filling fires none of them.
	e.kind.OnChanged = func(string) { e.showKind() }
	e.schedKind.OnChanged = func(string) { e.showSchedule() }
	for _, w := range []*widget.Entry{e.cron, e.every, e.daily, e.at, e.delay} {
		w.OnChanged = func(string) { e.updatePreview() }
	}
	e.showKind()
	e.showSchedule()
	return e
}

func radio(c choices) *widget.RadioGroup {
	r := widget.NewRadioGroup(c.labels(), nil)
	r.Horizontal = true
	r.Required = true
	return r
}

func entry(placeholder string) *widget.Entry {
	w := widget.NewEntry()
	w.PlaceHolder = placeholder
	return w
}

func multiline(placeholder string, rows int) *widget.Entry {
	w := widget.NewMultiLineEntry()
	w.PlaceHolder = placeholder
	w.SetMinRowsVisible(rows)
	w.Wrapping = fyne.TextWrapOff
	return w
}

// grid collects form rows: a label column and a column of inputs, each
// with its help text and its error label underneath.
type grid struct {
	e    *editor
	objs []fyne.CanvasObject
}

// add appends a row and returns its label and cell (to show or hide
// together). key names the row's error label ("" for none).
func (g *grid) add(label, key string, input fyne.CanvasObject, help string) []fyne.CanvasObject {
	l := widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	cell := container.NewVBox(input)
	if help != "" {
		h := widget.NewLabel(help)
		h.Importance = widget.LowImportance
		h.SizeName = theme.SizeNameCaptionText
		h.Wrapping = fyne.TextWrapWord
		cell.Add(h)
	}
	if key != "" {
		errLabel := widget.NewLabel("")
		errLabel.Importance = widget.DangerImportance
		errLabel.Wrapping = fyne.TextWrapWord
		errLabel.Hide()
		g.e.errs[key] = errLabel
		cell.Add(errLabel)
	}
	g.objs = append(g.objs, l, cell)
	return []fyne.CanvasObject{l, cell}
}

// fixLabelWidth makes the label column as wide as the widest label, shown
// or hidden: the form layout sizes it by the rows shown, so switching the
// schedule kind moved every input (the kind's radio row too) sideways.
func (g *grid) fixLabelWidth() {
	var w float32
	for i := 0; i < len(g.objs); i += 2 {
		w = max(w, g.objs[i].MinSize().Width)
	}
	strut := canvas.NewRectangle(color.Transparent)
	strut.SetMinSize(fyne.NewSize(w, 0))
	g.objs[0] = container.NewStack(strut, g.objs[0])
}

// caption is a help line under an input.
func caption(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.LowImportance
	l.SizeName = theme.SizeNameCaptionText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// example is a placeholder that reads as a hint: "e.g. 5m".
func example(s string) string {
	return lang.L("views.example", map[string]any{"Example": s})
}

func (g *grid) object() *fyne.Container {
	return container.New(layout.NewFormLayout(), g.objs...)
}

func (e *editor) build(chans []registry.Channel) {
	// The task.
	e.name = entry(lang.L("tasks.form.name.placeholder"))
	e.kind = radio(e.kinds)
	e.enabled = widget.NewCheck(lang.L("tasks.form.enabled.check"), nil)
	general := &grid{e: e}
	general.add(lang.L("tasks.form.name"), "name", e.name, "")
	general.add(lang.L("tasks.form.kind"), "kind", e.kind, "")
	// While the schedule is Manual only, the note says why the box is off
	// in place of the help about disabling.
	e.enabledNote = caption(lang.L("views.tasks.enabled.manual"))
	e.enabledNote.Hide()
	e.enabledHelp = caption(lang.L("tasks.form.enabled.help"))
	general.add(lang.L("tasks.form.enabled"), "", container.NewVBox(e.enabled, e.enabledNote, e.enabledHelp), "")

	// A command.
	e.cmdLine = entry(lang.L("tasks.form.command.placeholder"))
	e.cmdDir = entry(lang.L("tasks.form.dir.placeholder"))
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), e.chooseDir)
	e.env = newEnvList()
	cmd := &grid{e: e}
	cmd.add(lang.L("tasks.form.command"), "command", e.cmdLine, lang.L("tasks.form.command.help"))
	cmd.add(lang.L("tasks.form.dir"), "dir", container.NewBorder(nil, nil, nil, browse, e.cmdDir), "")
	e.encoding = widget.NewSelect(append([]string{lang.L("tasks.form.encoding.auto")}, task.OutputEncodingNames()...), nil)
	e.encoding.SetSelectedIndex(0)
	cmd.add(lang.L("tasks.form.encoding"), "output-encoding", e.encoding, lang.L("tasks.form.encoding.help"))
	cmd.add(lang.L("tasks.form.env"), "env", e.env.obj, lang.L("tasks.form.env.help"))
	e.cmdCard = widget.NewCard(lang.L("tasks.form.section.command"), "", cmd.object())

	// An HTTP check.
	e.method = widget.NewSelect(httpMethods, nil)
	e.url = entry("https://example.com/health")
	e.headers = multiline(lang.L("tasks.form.headers.placeholder"), 3)
	e.body = multiline("", 3)
	e.expectStatus = entry("200-299")
	e.expectBody = entry("")
	e.expectRegex = entry("")
	check := &grid{e: e}
	check.add(lang.L("tasks.form.method"), "method", e.method, "")
	check.add(lang.L("tasks.form.url"), "url", e.url, "")
	check.add(lang.L("tasks.form.headers"), "headers", e.headers, lang.L("tasks.form.headers.help"))
	check.add(lang.L("tasks.form.body"), "body", e.body, "")
	check.add(lang.L("tasks.form.expect_status"), "expect-status", e.expectStatus, lang.L("tasks.form.expect_status.help"))
	check.add(lang.L("tasks.form.expect_body"), "expect-body", e.expectBody, lang.L("tasks.form.expect_body.help"))
	check.add(lang.L("tasks.form.expect_regex"), "expect-regex", e.expectRegex, lang.L("tasks.form.expect_regex.help"))
	e.httpCard = widget.NewCard(lang.L("tasks.form.section.http"), "", check.object())

	// When.
	e.schedKind = radio(e.schedKinds)
	// Placeholders read as hints ("e.g. 5m"): a bare "5m" looks like a value.
	e.cron = entry(example("0 8 * * 1-5"))
	e.every = entry(lang.L("views.tasks.every.placeholder"))
	e.daily = entry(example("08:00, 20:30"))
	e.at = entry(example("2026-12-01 09:00"))
	e.delay = entry(example("30s"))
	e.preview = widget.NewLabel("")
	e.preview.Wrapping = fyne.TextWrapWord
	sched := &grid{e: e}
	sched.add(lang.L("tasks.form.schedule"), "schedule", e.schedKind, "")
	e.schedRows[task.ScheduleCron] = sched.add(lang.L("tasks.form.cron"), "cron", e.cron, lang.L("tasks.form.cron.help"))
	e.schedRows[task.ScheduleEvery] = sched.add(lang.L("tasks.form.every"), "every", e.every, lang.L("tasks.form.every.help"))
	e.schedRows[task.ScheduleDaily] = sched.add(lang.L("tasks.form.daily"), "daily", e.daily, lang.L("tasks.form.daily.help"))
	e.schedRows[task.ScheduleAt] = sched.add(lang.L("tasks.form.at"), "at", e.at, lang.L("tasks.form.at.help"))
	delayRow := sched.add(lang.L("tasks.form.delay"), "random-delay", e.delay, lang.L("tasks.form.delay.help"))
	for _, k := range []task.ScheduleKind{task.ScheduleCron, task.ScheduleEvery, task.ScheduleDaily, task.ScheduleAt} {
		e.schedRows[k] = append(e.schedRows[k], delayRow...)
	}
	sched.add(lang.L("tasks.form.preview"), "", e.preview, "")
	sched.fixLabelWidth()
	schedCard := widget.NewCard(lang.L("tasks.form.section.schedule"), "", sched.object())

	// How runs go.
	e.timeout = entry(shortDuration(task.DefaultTimeout))
	e.overlap = radio(e.overlaps)
	e.missed = radio(e.misseds)
	runs := &grid{e: e}
	runs.add(lang.L("tasks.form.timeout"), "timeout", e.timeout, lang.L("tasks.form.timeout.help"))
	runs.add(lang.L("tasks.form.overlap"), "overlap", e.overlap, lang.L("tasks.form.overlap.help"))
	runs.add(lang.L("tasks.form.missed"), "missed", e.missed, lang.L("tasks.form.missed.help"))
	runsCard := widget.NewCard(lang.L("tasks.form.section.runs"), "", runs.object())

	// Push overrides.
	var names []string
	for _, c := range chans {
		e.channelIDs[c.Name] = c.ID
		names = append(names, c.Name)
	}
	e.push = radio(e.tri)
	e.channels = widget.NewCheckGroup(names, nil)
	e.manualSuccess = radio(e.tri)
	e.manualFailure = radio(e.tri)
	e.autoSuccess = radio(e.tri)
	e.autoFailure = radio(e.tri)
	e.failures = entry(lang.L("tasks.form.global"))
	e.recovery = radio(e.tri)
	var channelsInput fyne.CanvasObject = e.channels
	channelsHelp := lang.L("tasks.form.channels.help")
	if len(names) == 0 {
		channelsInput = widget.NewLabel(lang.L("tasks.form.channels.none"))
		channelsHelp = ""
	}
	push := &grid{e: e}
	push.add(lang.L("tasks.form.push"), "push", e.push, lang.L("tasks.form.push.help"))
	push.add(lang.L("tasks.form.channels"), "channels", channelsInput, channelsHelp)
	push.add(lang.L("tasks.form.manual_success"), "manual_success", e.manualSuccess, "")
	push.add(lang.L("tasks.form.manual_failure"), "manual_failure", e.manualFailure, "")
	push.add(lang.L("tasks.form.auto_success"), "auto_success", e.autoSuccess, "")
	push.add(lang.L("tasks.form.auto_failure"), "auto_failure", e.autoFailure, "")
	push.add(lang.L("tasks.form.failures"), "failures_before_notify", e.failures, lang.L("tasks.form.failures.help"))
	push.add(lang.L("tasks.form.recovery"), "recovery", e.recovery, lang.L("tasks.form.recovery.help"))
	e.quietWindows = entry(lang.L("tasks.form.global"))
	e.quietBreak = radio(e.tri)
	push.add(lang.L("tasks.form.quiet_windows"), "quiet_windows", e.quietWindows, lang.L("tasks.form.quiet_windows.help"))
	push.add(lang.L("tasks.form.quiet_break_through"), "quiet_break_through", e.quietBreak, lang.L("tasks.form.quiet_break_through.help"))
	e.addRemindRows(push, names)
	e.addWatchRows(push)
	pushCard := widget.NewCard(lang.L("tasks.form.section.push"), lang.L("tasks.form.section.push.sub"), push.object())

	// Title, buttons.
	title := lang.L("tasks.form.title.add")
	if e.orig != nil {
		title = lang.L("tasks.form.title.edit", map[string]any{"Name": e.orig.Name})
	}
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	e.general = widget.NewLabel("")
	e.general.Importance = widget.DangerImportance
	e.general.Wrapping = fyne.TextWrapWord
	e.general.Hide()
	e.busy = widget.NewActivity()
	e.busy.Hide()
	e.save = widget.NewButtonWithIcon(lang.L("tasks.form.save"), theme.DocumentSaveIcon(), e.submit)
	e.save.Importance = widget.HighImportance
	e.cancel = widget.NewButtonWithIcon(lang.L("tasks.form.cancel"), theme.CancelIcon(), e.v.closeEditor)
	buttons := container.NewHBox(layout.NewSpacer(), e.busy, e.cancel, e.save)

	body := container.NewVBox(general.object(), e.cmdCard, e.httpCard, schedCard, runsCard, pushCard)
	e.obj = container.NewBorder(heading, container.NewVBox(e.general, buttons), nil, nil, wheel.NewVScroll(body))
}

// fill shows a task (or a new task's defaults) and its push overrides.
func (e *editor) fill(t *task.Task, o dispatch.TaskOverrides, chans []registry.Channel) {
	if t == nil {
		t = &task.Task{Kind: task.KindCommand, Enabled: true}
	}
	e.name.SetText(t.Name)
	e.kind.SetSelected(e.kinds.label(string(t.Kind)))
	e.enabled.SetChecked(t.Enabled)

	if c := t.Command; c != nil {
		line := c.Line
		if line == "" && len(c.Args) > 0 {
			// Saved by the CLI as a program with arguments: shown as the
			// equivalent shell line, which is what the form saves.
			line = shellJoin(c.Args)
			e.argsLine = line
		}
		e.cmdLine.SetText(line)
		e.cmdDir.SetText(c.Dir)
		if c.OutputEncoding != task.EncodingAuto {
			e.encoding.SetSelected(c.OutputEncoding)
		}
		for _, kv := range c.Env {
			k, val, _ := strings.Cut(kv, "=")
			e.env.addRow(k, val)
		}
	}
	h := t.HTTP
	if h == nil {
		h = &task.HTTPCheck{}
	}
	e.method.SetSelected(cmp.Or(h.Method, "GET"))
	e.url.SetText(h.URL)
	var hdr []string
	for _, k := range slices.Sorted(maps.Keys(h.Headers)) {
		hdr = append(hdr, k+": "+h.Headers[k])
	}
	e.headers.SetText(strings.Join(hdr, "\n"))
	e.body.SetText(h.Body)
	e.expectStatus.SetText(h.ExpectStatus)
	e.expectBody.SetText(h.ExpectBody)
	e.expectRegex.SetText(h.ExpectRegex)

	s := t.Schedule
	e.schedKind.SetSelected(e.schedKinds.label(string(s.Kind)))
	e.cron.SetText(s.Cron)
	if s.Every > 0 {
		e.every.SetText(shortDuration(s.Every))
	}
	e.daily.SetText(strings.Join(s.Daily, ", "))
	if !s.At.IsZero() {
		e.at.SetText(formatTime(s.At))
	}
	if s.RandomDelay > 0 {
		e.delay.SetText(shortDuration(s.RandomDelay))
	}

	if t.Timeout > 0 {
		e.timeout.SetText(shortDuration(t.Timeout))
	}
	e.overlap.SetSelected(e.overlaps.label(string(t.Overlap)))
	e.missed.SetSelected(e.misseds.label(string(t.Missed)))

	e.push.SetSelected(e.tri.label(triOf(o.Push)))
	var ticked []string
	for _, c := range chans {
		if slices.Contains(o.Channels, c.ID) {
			ticked = append(ticked, c.Name)
		}
	}
	e.channels.SetSelected(ticked)
	e.manualSuccess.SetSelected(e.tri.label(triOf(o.ManualSuccess)))
	e.manualFailure.SetSelected(e.tri.label(triOf(o.ManualFailure)))
	e.autoSuccess.SetSelected(e.tri.label(triOf(o.AutoSuccess)))
	e.autoFailure.SetSelected(e.tri.label(triOf(o.AutoFailure)))
	if o.FailuresBeforeNotify != nil {
		e.failures.SetText(strconv.Itoa(*o.FailuresBeforeNotify))
	}
	e.recovery.SetSelected(e.tri.label(triOf(o.Recovery)))
	if o.QuietWindows != nil {
		e.quietWindows.SetText(*o.QuietWindows)
	}
	e.quietBreak.SetSelected(e.tri.label(triOf(o.QuietBreakThrough)))
	e.fillRemind(o, chans)
	e.fillWatch(o)
}

// showKind shows the section of the chosen kind.
func (e *editor) showKind() {
	if task.Kind(e.kinds.value(e.kind.Selected)) == task.KindHTTP {
		e.cmdCard.Hide()
		e.httpCard.Show()
	} else {
		e.httpCard.Hide()
		e.cmdCard.Show()
	}
}

// showSchedule shows the fields of the chosen schedule kind.
func (e *editor) showSchedule() {
	kind := task.ScheduleKind(e.schedKinds.value(e.schedKind.Selected))
	for k, objs := range e.schedRows {
		if k == kind {
			continue
		}
		for _, o := range objs {
			o.Hide()
		}
	}
	for _, o := range e.schedRows[kind] {
		o.Show()
	}
	e.followSchedule(kind)
	e.updatePreview()
}

// followSchedule keeps "Automatic runs" meaningful: off and fixed while the
// schedule is Manual only, ticked when a schedule is chosen after it.
func (e *editor) followSchedule(kind task.ScheduleKind) {
	switch {
	case kind == task.ScheduleNone:
		e.enabled.SetChecked(false)
		e.enabled.Disable()
		e.enabledNote.Show()
		e.enabledHelp.Hide()
	case e.enabled.Disabled():
		e.enabled.Enable()
		e.enabled.SetChecked(true)
		e.enabledNote.Hide()
		e.enabledHelp.Show()
	}
}

// problem is input the form itself cannot read (a duration, a date-time, a
// number) before the engine sees it.
type problem struct{ field, msg string }

// schedule reads the schedule fields.
func (e *editor) schedule() (task.Schedule, []problem) {
	var probs []problem
	s := task.Schedule{Kind: task.ScheduleKind(e.schedKinds.value(e.schedKind.Selected))}
	switch s.Kind {
	case task.ScheduleCron:
		s.Cron = strings.TrimSpace(e.cron.Text)
	case task.ScheduleEvery:
		if v := strings.TrimSpace(e.every.Text); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				probs = append(probs, problem{"every", lang.L("tasks.error.duration", map[string]any{"Value": v})})
			}
			s.Every = d
		}
	case task.ScheduleDaily:
		s.Daily = strings.FieldsFunc(e.daily.Text, func(r rune) bool { return r == ',' || r == '，' || r == ';' || unicode.IsSpace(r) })
	case task.ScheduleAt:
		if v := strings.TrimSpace(e.at.Text); v != "" {
			at, err := parseDateTime(v)
			if err != nil {
				probs = append(probs, problem{"at", lang.L("tasks.error.datetime", map[string]any{"Value": v})})
			}
			s.At = at
		}
	}
	if s.Kind != task.ScheduleNone {
		if v := strings.TrimSpace(e.delay.Text); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				probs = append(probs, problem{"random-delay", lang.L("tasks.error.duration", map[string]any{"Value": v})})
			}
			s.RandomDelay = d
		}
	}
	return s, probs
}

func parseDateTime(v string) (time.Time, error) {
	var err error
	for _, l := range dateTimeLayouts {
		var t time.Time
		if t, err = time.ParseInLocation(l, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// updatePreview shows the next three fire times of the schedule as typed.
func (e *editor) updatePreview() {
	s, probs := e.schedule()
	var err error
	if len(probs) == 0 {
		err = s.Validate()
	}
	switch {
	case len(probs) > 0:
		e.preview.SetText(lang.L("tasks.preview.invalid", map[string]any{"Error": probs[0].msg}))
		return
	case err != nil:
		msg := localize.Error(err)
		var fe *task.FieldError
		if errors.As(err, &fe) {
			msg = localize.Text(fe.Problem())
		}
		e.preview.SetText(lang.L("tasks.preview.invalid", map[string]any{"Error": msg}))
		return
	case s.Kind == task.ScheduleNone:
		e.preview.SetText(lang.L("tasks.preview.manual"))
		return
	}
	times := s.NextN(e.v.now(), 3, time.Local)
	if len(times) == 0 {
		e.preview.SetText(lang.L("tasks.preview.none"))
		return
	}
	lines := make([]string, len(times))
	for i, t := range times {
		lines[i] = formatTime(t)
	}
	text := strings.Join(lines, "\n")
	if s.RandomDelay > 0 {
		text += "\n" + lang.L("tasks.preview.delay", map[string]any{"Delay": shortDuration(s.RandomDelay)})
	}
	e.preview.SetText(text)
}

// collect reads the whole form: the task (on top of the one edited, so its
// ID and creation time stay) and its push overrides.
func (e *editor) collect() (task.Task, dispatch.TaskOverrides, []problem) {
	var t task.Task
	if e.orig != nil {
		t = *e.orig
	}
	t.Name = strings.TrimSpace(e.name.Text)
	t.Kind = task.Kind(e.kinds.value(e.kind.Selected))
	// A manual task is not paused: it stays enabled, so a schedule set
	// later (the CLI) runs without another switch.
	t.Enabled = e.enabled.Checked || e.schedKinds.value(e.schedKind.Selected) == string(task.ScheduleNone)
	t.Command, t.HTTP = nil, nil
	switch t.Kind {
	case task.KindCommand:
		t.Command = &task.Command{Line: strings.TrimSpace(e.cmdLine.Text), Dir: strings.TrimSpace(e.cmdDir.Text), Env: e.env.lines()}
		if e.encoding.SelectedIndex() > 0 {
			t.Command.OutputEncoding = e.encoding.Selected
		}
		if e.argsLine != "" && t.Command.Line == e.argsLine {
			t.Command.Line, t.Command.Args = "", e.orig.Command.Args
		}
	case task.KindHTTP:
		t.HTTP = &task.HTTPCheck{
			Method:       e.method.Selected,
			URL:          strings.TrimSpace(e.url.Text),
			Headers:      parseHeaders(e.headers.Text),
			Body:         e.body.Text,
			ExpectStatus: strings.TrimSpace(e.expectStatus.Text),
			ExpectBody:   e.expectBody.Text,
			ExpectRegex:  e.expectRegex.Text,
		}
	}
	s, probs := e.schedule()
	t.Schedule = s
	t.Timeout = 0
	if v := strings.TrimSpace(e.timeout.Text); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			probs = append(probs, problem{"timeout", lang.L("tasks.error.duration", map[string]any{"Value": v})})
		}
		t.Timeout = d
	}
	t.Overlap = task.Overlap(e.overlaps.value(e.overlap.Selected))
	t.Missed = task.Missed(e.misseds.value(e.missed.Selected))

	o := e.origOver
	o.Push = boolOf(e.tri.value(e.push.Selected))
	o.ManualSuccess = boolOf(e.tri.value(e.manualSuccess.Selected))
	o.ManualFailure = boolOf(e.tri.value(e.manualFailure.Selected))
	o.AutoSuccess = boolOf(e.tri.value(e.autoSuccess.Selected))
	o.AutoFailure = boolOf(e.tri.value(e.autoFailure.Selected))
	o.Recovery = boolOf(e.tri.value(e.recovery.Selected))
	o.Channels, o.FailuresBeforeNotify = nil, nil
	o.QuietWindows, o.QuietBreakThrough = nil, boolOf(e.tri.value(e.quietBreak.Selected))
	if v := strings.TrimSpace(e.quietWindows.Text); v != "" {
		// Stored in the canonical form; a bad value is kept for the save's
		// check to name under the field.
		if err := o.Set("quiet_windows", v, nil); err != nil {
			o.QuietWindows = &v
		}
	}
	for _, name := range e.channels.Selected {
		if id, ok := e.channelIDs[name]; ok {
			o.Channels = append(o.Channels, id)
		}
	}
	if v := strings.TrimSpace(e.failures.Text); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			probs = append(probs, problem{"failures_before_notify", lang.L("tasks.error.number", map[string]any{"Value": v})})
		}
		o.FailuresBeforeNotify = &n
	}
	probs = append(probs, e.collectRemind(&o)...)
	probs = append(probs, e.collectWatch(&o)...)
	return t, o, probs
}

// parseHeaders reads "Name: value" lines. A line without a colon becomes a
// header name with no value, which the engine then judges.
func parseHeaders(text string) map[string]string {
	var h map[string]string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, val, _ := strings.Cut(line, ":")
		if h == nil {
			h = map[string]string{}
		}
		h[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return h
}

// clearErrors hides every error label.
func (e *editor) clearErrors() {
	for _, l := range e.errs {
		l.SetText("")
		l.Hide()
	}
	e.general.SetText("")
	e.general.Hide()
}

// fieldError shows msg next to field, or under the form when the form has
// no such field.
func (e *editor) fieldError(field, msg string) {
	if k, ok := errorKeys[field]; ok {
		field = k
	}
	l := e.errs[field]
	if l == nil {
		e.general.SetText(field + ": " + msg)
		e.general.Show()
		return
	}
	l.SetText(msg)
	l.Show()
	// The form is long: say under the Save button where to look.
	if !e.general.Visible() {
		e.general.SetText(lang.L("tasks.form.fix"))
		e.general.Show()
	}
}

// showError shows an error from the engine next to the field it names.
func (e *editor) showError(err error) {
	var te *task.FieldError
	var de *dispatch.FieldError
	switch {
	case errors.As(err, &te):
		e.fieldError(te.Field, localize.Text(te.Problem()))
	case errors.As(err, &de):
		e.fieldError(de.Field, localize.Text(de.Problem()))
	default:
		// Without the CLI's "bad input" class when the error has no text.
		e.general.SetText(strings.TrimPrefix(localize.Error(err), enginetasks.ErrBadInput.Error()+": "))
		e.general.Show()
	}
}

// submit validates the form through the engine and saves it: nothing is
// saved while any field is wrong.
func (e *editor) submit() {
	e.clearErrors()
	t, o, probs := e.collect()
	if len(probs) > 0 {
		for _, p := range probs {
			e.fieldError(p.field, p.msg)
		}
		return
	}
	if err := t.Validate(); err != nil {
		e.showError(err)
		return
	}
	if err := o.Validate(); err != nil {
		e.showError(err)
		return
	}
	e.setBusy(true)
	v := e.v
	adding := e.orig == nil
	var saved task.Task
	v.background(func(ctx context.Context) error {
		var err error
		if adding {
			saved, err = v.eng.AddTask(ctx, t)
		} else {
			saved, err = v.eng.UpdateTask(ctx, t)
		}
		if err != nil {
			return err
		}
		return v.eng.SaveTaskOverrides(ctx, saved.ID, o)
	}, func(err error) {
		e.setBusy(false)
		if saved.ID != 0 {
			// Saved, even if the overrides failed: a second Save edits it.
			e.orig = &saved
		}
		if err != nil {
			e.showError(err)
			return
		}
		if v.editor == e {
			v.showList() // this job's load reads the list after the save
		}
	})
}

func (e *editor) setBusy(on bool) {
	if on {
		e.busy.Show()
		e.busy.Start()
		e.save.Disable()
		return
	}
	e.busy.Stop()
	e.busy.Hide()
	e.save.Enable()
}

func (e *editor) chooseDir() {
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			return
		}
		e.cmdDir.SetText(dir.Path())
	}, e.v.win)
}

// envList edits a command's environment: one row per variable, the value
// masked (it may be a secret; the engine keeps it in the keyring).
type envList struct {
	rows []*envRow
	box  *fyne.Container
	obj  fyne.CanvasObject
}

type envRow struct {
	key   *widget.Entry
	value *widget.Entry
	obj   fyne.CanvasObject
}

func newEnvList() *envList {
	l := &envList{box: container.NewVBox()}
	add := widget.NewButtonWithIcon(lang.L("tasks.form.env.add"), theme.ContentAddIcon(), func() { l.addRow("", "") })
	l.obj = container.NewVBox(l.box, container.NewHBox(add))
	return l
}

func (l *envList) addRow(k, v string) *envRow {
	r := &envRow{key: entry(lang.L("tasks.form.env.key")), value: widget.NewPasswordEntry()}
	r.value.PlaceHolder = lang.L("tasks.form.env.value")
	r.key.SetText(k)
	r.value.SetText(v)
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { l.remove(r) })
	r.obj = container.NewBorder(nil, nil, nil, remove, container.NewGridWithColumns(2, r.key, r.value))
	l.rows = append(l.rows, r)
	l.box.Add(r.obj)
	return r
}

func (l *envList) remove(r *envRow) {
	l.rows = slices.DeleteFunc(l.rows, func(x *envRow) bool { return x == r })
	l.box.Remove(r.obj)
}

// lines are the rows as KEY=value, blank rows left out.
func (l *envList) lines() []string {
	var out []string
	for _, r := range l.rows {
		k := strings.TrimSpace(r.key.Text)
		if k == "" && r.value.Text == "" {
			continue
		}
		out = append(out, k+"="+r.value.Text)
	}
	return out
}

// shellJoin quotes args for sh so that the line runs the same program.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
