package history

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/ui/localize"
	"github.com/heraldpush/herald/ui/wheel"
)

// outputLines is how many lines of output show before "Show all": the
// last ones, where a failing command says why.
const outputLines = 12

// detail shows one run: what it recorded and every push it caused.
type detail struct {
	v      *View
	run    task.Run // zero: nothing on show
	drawn  int64    // the run drawn last: another one scrolls to the top
	box    *fyne.Container
	scroll *container.Scroll

	// The parts of the run on show.
	output  *widget.Label
	allOut  bool           // the whole output shows, not its last lines
	outMore *widget.Button // Show all / Show less; nil when the output is short
	errText *widget.Label  // nil when the run has no error
	pushes  []*pushRow
	problem *widget.Label // why the pushes could not be read
}

// pushRow is one outbox row of the run: one channel's delivery.
type pushRow struct {
	item     store.OutboxItem
	channel  string // the channel's name at the time of showing
	attempts []store.Delivery
	title    *widget.Label
	lines    []*widget.Label // one per attempt, then a note (next try, last error)
	retry    *widget.Button  // nil unless the row failed or was given up
	problem  *widget.Label   // why Retry did not work
}

func newDetail(v *View) *detail {
	d := &detail{v: v, box: container.NewVBox()}
	d.scroll = wheel.NewVScroll(d.box)
	d.clear()
	return d
}

func (d *detail) object() fyne.CanvasObject { return d.scroll }

// clear shows the hint to pick a run.
func (d *detail) clear() {
	d.run = task.Run{}
	d.v.setSelected(0)
	d.output, d.errText, d.pushes, d.problem = nil, nil, nil, nil
	hint := widget.NewLabel(lang.L("history.detail.none"))
	hint.Wrapping = fyne.TextWrapWord
	d.box.Objects = []fyne.CanvasObject{hint}
	d.box.Refresh()
}

// show puts run r on show once its pushes are read.
func (d *detail) show(r task.Run) {
	d.run = r
	d.v.ask(func(q *request) { q.selected, q.pushes = r.ID, true })
}

// reload redraws the run on show with its pushes as p has them.
func (d *detail) reload(p pushData) {
	r := d.run
	if r.ID == 0 {
		d.clear()
		return
	}
	other := d.drawn != r.ID
	d.drawn = r.ID
	if other {
		d.allOut = false
	}
	// Most important first, so that at 800×600 the error and the pushes
	// show without scrolling: a compact header, the error, the pushes, then
	// the output (long output shows its last lines).
	objs := []fyne.CanvasObject{d.header(r)}

	d.errText = nil
	if r.Error != "" {
		d.errText = widget.NewLabel(localize.Text(task.Outcome(r)))
		d.errText.Importance = widget.DangerImportance
		d.errText.Wrapping = fyne.TextWrapWord
		d.errText.Selectable = true
		objs = append(objs, container.NewBorder(nil, nil, heading(lang.L("history.detail.error")), nil, d.errText))
	}

	objs = append(objs, widget.NewSeparator(), heading(lang.L("history.detail.pushes")))
	objs = append(objs, d.pushObjects(p)...)

	objs = append(objs, widget.NewSeparator(), heading(lang.L("history.detail.output")))
	objs = append(objs, d.outputObjects(r.Output)...)

	d.box.Objects = objs
	d.box.Refresh()
	if other {
		d.scroll.ScrollToTop()
	}
}

// outputObjects shows the output sized to its text: up to outputLines
// lines whole, longer output by its last lines with "Show all".
func (d *detail) outputObjects(out string) []fyne.CanvasObject {
	d.outMore = nil
	d.output = widget.NewLabelWithStyle(out, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	d.output.Selectable = true
	if out == "" {
		return []fyne.CanvasObject{muted(lang.L("history.detail.no_output"))}
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) <= outputLines {
		return []fyne.CanvasObject{d.output}
	}
	if !d.allOut {
		d.output.SetText(strings.Join(lines[len(lines)-outputLines:], "\n"))
	}
	label := lang.L("views.history.show_all", map[string]any{"Lines": len(lines)})
	if d.allOut {
		label = lang.L("views.history.show_less")
	}
	d.outMore = widget.NewButton(label, func() {
		d.allOut = !d.allOut
		d.v.ask(func(q *request) { q.pushes = true }) // redraws the run on show
	})
	d.outMore.Importance = widget.LowImportance
	objs := []fyne.CanvasObject{}
	if !d.allOut {
		objs = append(objs, muted(lang.L("views.history.earlier_lines", map[string]any{"Lines": len(lines) - outputLines})))
	}
	return append(objs, d.output, container.NewHBox(d.outMore))
}

// header is the run's facts in two columns: what ran and how it went, and
// when.
func (d *detail) header(r task.Run) fyne.CanvasObject {
	form := func() (*fyne.Container, func(key, value string)) {
		grid := container.New(layout.NewFormLayout())
		return grid, func(key, value string) {
			grid.Add(widget.NewLabelWithStyle(key, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
			grid.Add(widget.NewLabel(value)) // unwrapped: a date cut in two reads badly
		}
	}
	what, add := form()
	add(lang.L("history.detail.task"), r.TaskName)
	add(lang.L("history.detail.status"), statusText(r.Status))
	add(lang.L("history.detail.trigger"), triggerText(r.Trigger))
	if r.ExitCode != nil {
		add(lang.L("history.detail.exit_code"), strconv.Itoa(*r.ExitCode))
	}
	if r.HTTPStatus != 0 {
		add(lang.L("history.detail.http_status"), strconv.Itoa(r.HTTPStatus))
	}
	when, add := form()
	add(lang.L("history.detail.started"), r.Started.Local().Format(timeLayout))
	add(lang.L("history.detail.finished"), r.Finished.Local().Format(timeLayout))
	add(lang.L("history.detail.duration"), localize.Text(i18n.Duration(r.Duration())))
	return container.NewGridWithColumns(2, what, when)
}

// pushData is a run's outbox rows (oldest first) and their attempts, as
// one load read them.
type pushData struct {
	runID    int64
	items    []store.OutboxItem
	names    map[string]string // channel id → name
	attempts [][]store.Delivery
	err      error // why the rows (or, with some rows, the next attempts) could not be read
}

// loadPushes reads run runID's pushes; off the UI goroutine.
func loadPushes(ctx context.Context, eng Engine, runID int64) pushData {
	p := pushData{runID: runID, names: map[string]string{}}
	items, err := eng.RunPushes(ctx, runID)
	if err != nil {
		p.err = err
		return p
	}
	slices.Reverse(items)
	if list, err := eng.ListChannels(ctx); err == nil {
		for _, c := range list {
			p.names[c.ID] = c.Name
		}
	}
	for _, it := range items {
		attempts, err := eng.Deliveries(ctx, it.ID)
		if err != nil {
			p.err = err
			break
		}
		p.items = append(p.items, it)
		p.attempts = append(p.attempts, attempts)
	}
	return p
}

// pushObjects draws p's rows.
func (d *detail) pushObjects(p pushData) []fyne.CanvasObject {
	d.pushes, d.problem = nil, nil
	if p.err != nil && len(p.items) == 0 {
		return []fyne.CanvasObject{d.showProblem(p.err)}
	}
	if len(p.items) == 0 {
		return []fyne.CanvasObject{muted(lang.L("history.detail.no_pushes"))}
	}
	var objs []fyne.CanvasObject
	for i, it := range p.items {
		name, ok := p.names[it.ChannelID]
		if !ok {
			name = lang.L("history.push.removed_channel", map[string]any{"ID": it.ChannelID})
		}
		row := &pushRow{item: it, channel: name, attempts: p.attempts[i]}
		d.pushes = append(d.pushes, row)
		if i > 0 {
			objs = append(objs, widget.NewSeparator())
		}
		objs = append(objs, d.pushRowObject(row))
	}
	if p.err != nil {
		objs = append(objs, d.showProblem(p.err))
	}
	return objs
}

func (d *detail) showProblem(err error) fyne.CanvasObject {
	d.problem = widget.NewLabel(lang.L("history.load_failed", map[string]any{"Error": localize.Error(err)}))
	d.problem.Importance = widget.DangerImportance
	d.problem.Wrapping = fyne.TextWrapWord
	return d.problem
}

func (d *detail) pushRowObject(row *pushRow) fyne.CanvasObject {
	it := row.item
	row.title = widget.NewLabelWithStyle(
		lang.L("history.push.title", map[string]any{"Channel": row.channel, "State": stateText(it.State), "Attempts": it.Attempts}),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	row.title.Wrapping = fyne.TextWrapWord
	var right fyne.CanvasObject
	if it.State == store.OutboxFailed || it.State == store.OutboxDropped {
		row.retry = widget.NewButtonWithIcon(lang.L("history.push.retry"), theme.ViewRefreshIcon(), func() { d.retryPush(row) })
		right = container.NewVBox(row.retry)
	}
	objs := []fyne.CanvasObject{container.NewBorder(nil, nil, nil, right, row.title)}
	for _, a := range row.attempts {
		row.lines = append(row.lines, attemptLabel(a))
	}
	switch {
	case it.State == store.OutboxPending && it.Attempts > 0:
		row.lines = append(row.lines, muted(lang.L("history.push.next_try", map[string]any{"At": it.NextAt.Local().Format(timeLayout)})))
	case len(row.attempts) == 0 && it.LastError != "":
		// Failed without an attempt (its channel was removed, say).
		l := widget.NewLabel(it.LastError)
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		row.lines = append(row.lines, l)
	}
	for _, l := range row.lines {
		objs = append(objs, l)
	}
	row.problem = widget.NewLabel("")
	row.problem.Importance = widget.DangerImportance
	row.problem.Wrapping = fyne.TextWrapWord
	row.problem.Hide()
	objs = append(objs, row.problem)
	return container.NewVBox(objs...)
}

// attemptLabel is one attempt: when, how long, the outcome and the
// service's own answer.
func attemptLabel(a store.Delivery) *widget.Label {
	data := map[string]any{
		"At":       a.At.Local().Format(timeLayout),
		"Duration": localize.Text(i18n.Duration(a.Duration)),
		"Answer":   localize.Text(dispatch.AnswerText(a.Answer)),
	}
	var text string
	switch {
	case a.OK:
		text = lang.L("history.attempt.ok", data)
	case a.Transient:
		text = lang.L("history.attempt.transient", data)
	default:
		text = lang.L("history.attempt.permanent", data)
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Selectable = true
	if !a.OK {
		l.Importance = widget.DangerImportance
	}
	return l
}

// retryPush puts a failed row back in the outbox, due now, and wakes the
// dispatcher; its events redraw the row as it is sent.
func (d *detail) retryPush(row *pushRow) {
	id := row.item.ID
	d.v.ask(func(q *request) { q.retries = append(q.retries, id) })
}

// retryFailed says on outbox row id why Retry did not work.
func (d *detail) retryFailed(id int64, err error) {
	for _, row := range d.pushes {
		if row.item.ID == id {
			row.problem.SetText(lang.L("history.push.retry_failed", map[string]any{"Error": localize.Error(err)}))
			row.problem.Show()
		}
	}
}

func stateText(s store.OutboxState) string {
	switch s {
	case store.OutboxPending:
		return lang.L("history.push.state.pending")
	case store.OutboxInflight:
		return lang.L("history.push.state.inflight")
	case store.OutboxSent:
		return lang.L("history.push.state.sent")
	case store.OutboxFailed:
		return lang.L("history.push.state.failed")
	case store.OutboxDropped:
		return lang.L("history.push.state.dropped")
	}
	return string(s)
}

func heading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func muted(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}
