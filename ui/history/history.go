// Package history is the History tab (执行历史): the runs the engine
// recorded, filtered and paged; a run's output, error and every push it
// caused, with Retry for failed ones; and a drawn chart of the last 30 days.
// It reads the store and forwards Retry to it; the engine decides the rest.
package history

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// pageSize is how many runs the list loads at a time ("Load more" adds
// another page, keyset-paged by run id).
const pageSize = 50

// chartDays is the span of the chart, today included.
const chartDays = 30

// timeLayout shows run and attempt times in the local zone.
const timeLayout = "2006-01-02 15:04:05"

// The filter selects' values, index for index with their options; index 0
// is "any".
var (
	statusValues  = []task.Status{"", task.StatusSuccess, task.StatusFailure, task.StatusTimeout, task.StatusSkipped}
	triggerValues = []task.Trigger{"", task.TriggerManual, task.TriggerAuto, task.TriggerTest}
)

// Engine is what the tab uses of the engine (*host.Env in the app).
type Engine interface {
	ListTasks(ctx context.Context) ([]task.Task, error)
	Runs(ctx context.Context, f store.RunFilter) ([]task.Run, error)
	DailyCounts(ctx context.Context, taskID int64, from, to time.Time, loc *time.Location) ([]store.DayCount, error)
	RunPushes(ctx context.Context, runID int64) ([]store.OutboxItem, error)
	Deliveries(ctx context.Context, outboxID int64) ([]store.Delivery, error)
	ListChannels(ctx context.Context) ([]registry.Channel, error)
	// Retry makes a failed push pending again, due now.
	Retry(ctx context.Context, outboxID int64) (store.OutboxItem, error)
	OnRun(fn func(tasks.Event))
	OnDelivery(fn func(dispatch.Event))
}

// View is the History tab.
type View struct {
	ctx context.Context
	eng Engine
	win fyne.Window
	now func() time.Time // the chart's "today"; tests fix it

	taskList   []task.Task // live tasks; taskSel's options after "All tasks"
	taskSel    *widget.Select
	statusSel  *widget.Select
	triggerSel *widget.Select
	from, to   *widget.DateEntry
	fromDay    time.Time // local midnight of the first day shown; zero: open
	toDay      time.Time // local midnight of the last day shown; zero: open
	clear      *widget.Button
	settingUp  bool // filter widgets are being set by code: don't reload per change

	runs     []task.Run
	more     bool // the last page was full: there may be older runs
	list     *widget.List
	empty    *widget.Label
	loadMore *widget.Button
	problem  *widget.Label // why the last load failed, hidden when it did not
	selected int64         // id of the run in the detail; 0: none
	choosing bool          // the list selection is being set by code

	detail     *detail
	chart      *chart
	chartTitle *widget.Label

	root fyne.CanvasObject

	// Events come in bursts (a run, then its pushes); one queued refresh
	// serves all that arrive before the UI goroutine gets to it.
	refreshQueued atomic.Bool
	detailQueued  atomic.Bool
}

// New builds the tab, loads it and subscribes to the engine's run and push
// events.
func New(ctx context.Context, eng Engine, win fyne.Window) *View {
	v := &View{ctx: ctx, eng: eng, win: win, now: time.Now}
	v.build()
	v.Refresh()
	eng.OnRun(func(e tasks.Event) {
		if e.Type == tasks.RunStarted || ctx.Err() != nil {
			return
		}
		if v.refreshQueued.CompareAndSwap(false, true) {
			fyne.Do(func() {
				v.refreshQueued.Store(false)
				v.Refresh()
			})
		}
	})
	eng.OnDelivery(func(e dispatch.Event) {
		if e.Item.RunID == 0 || ctx.Err() != nil {
			return
		}
		if v.detailQueued.CompareAndSwap(false, true) {
			fyne.Do(func() {
				v.detailQueued.Store(false)
				// Only the run on show lists pushes; the rest of the tab
				// does not depend on them.
				if v.detail.run.ID != 0 {
					v.detail.reload()
				}
			})
		}
	})
	return v
}

// Object is the tab's content.
func (v *View) Object() fyne.CanvasObject { return v.root }

// Refresh reloads the task choices, the runs (as many as are loaded), the
// chart and the run on show.
func (v *View) Refresh() {
	v.loadTasks()
	v.reloadRuns()
	v.loadChart()
}

func (v *View) build() {
	v.taskSel = widget.NewSelect(nil, func(string) { v.filterChanged() })
	v.statusSel = widget.NewSelect([]string{
		lang.L("history.filter.any_status"),
		lang.L("history.status.success"),
		lang.L("history.status.failure"),
		lang.L("history.status.timeout"),
		lang.L("history.status.skipped"),
	}, func(string) { v.filterChanged() })
	v.triggerSel = widget.NewSelect([]string{
		lang.L("history.filter.any_trigger"),
		lang.L("history.trigger.manual"),
		lang.L("history.trigger.auto"),
		lang.L("history.trigger.test"),
	}, func(string) { v.filterChanged() })
	v.settingUp = true
	v.statusSel.SetSelectedIndex(0)
	v.triggerSel.SetSelectedIndex(0)
	v.settingUp = false

	v.from = widget.NewDateEntry()
	v.from.SetPlaceHolder(lang.L("history.filter.from"))
	v.from.OnChanged = func(d *time.Time) {
		v.fromDay = localDay(d)
		v.filterChanged()
	}
	v.to = widget.NewDateEntry()
	v.to.SetPlaceHolder(lang.L("history.filter.to"))
	v.to.OnChanged = func(d *time.Time) {
		v.toDay = localDay(d)
		v.filterChanged()
	}
	v.clear = widget.NewButtonWithIcon(lang.L("history.filter.clear"), theme.ContentClearIcon(), v.clearFilters)

	filters := container.NewGridWithColumns(3,
		labelled(lang.L("history.filter.task"), v.taskSel),
		labelled(lang.L("history.filter.status"), v.statusSel),
		labelled(lang.L("history.filter.trigger"), v.triggerSel),
		labelled(lang.L("history.filter.from"), v.from),
		labelled(lang.L("history.filter.to"), v.to),
		container.NewBorder(nil, nil, nil, v.clear),
	)

	v.list = widget.NewList(
		func() int { return len(v.runs) },
		newRunRow,
		func(i widget.ListItemID, o fyne.CanvasObject) { updateRunRow(o, v.runs[i]) },
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if v.choosing || i >= len(v.runs) {
			return
		}
		v.selected = v.runs[i].ID
		v.detail.show(v.runs[i])
	}
	v.empty = widget.NewLabel(lang.L("history.empty"))
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.loadMore = widget.NewButtonWithIcon(lang.L("history.load_more"), theme.MoreVerticalIcon(), v.loadNextPage)
	v.loadMore.Hide()
	v.problem = widget.NewLabel("")
	v.problem.Importance = widget.DangerImportance
	v.problem.Wrapping = fyne.TextWrapWord
	v.problem.Hide()

	v.detail = newDetail(v)
	v.chart = newChart()
	v.chartTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})

	listSide := container.NewBorder(nil, v.loadMore, nil, nil, container.NewStack(v.list, container.NewVBox(v.empty)))
	runs := container.NewHSplit(listSide, v.detail.object())
	runs.SetOffset(0.42)
	chartBox := container.NewBorder(v.chartTitle, nil, nil, nil, v.chart)
	body := container.NewVSplit(chartBox, runs)
	body.SetOffset(0.3)
	v.root = container.NewBorder(container.NewVBox(filters, v.problem), nil, nil, nil, body)
}

func labelled(text string, o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewLabel(text), nil, o)
}

// localDay turns a picked date (the date entry parses it as UTC midnight)
// into that day's local midnight; nil gives zero.
func localDay(d *time.Time) time.Time {
	if d == nil {
		return time.Time{}
	}
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, time.Local)
}

func (v *View) clearFilters() {
	v.settingUp = true
	v.taskSel.SetSelectedIndex(0)
	v.statusSel.SetSelectedIndex(0)
	v.triggerSel.SetSelectedIndex(0)
	v.from.SetDate(nil)
	v.to.SetDate(nil)
	v.fromDay, v.toDay = time.Time{}, time.Time{}
	v.settingUp = false
	v.filterChanged()
}

func (v *View) filterChanged() {
	if v.settingUp {
		return
	}
	v.loadRuns(pageSize)
	v.loadChart()
}

// selectedTask is the task chosen in the filter; zero for all tasks.
func (v *View) selectedTask() task.Task {
	if i := v.taskSel.SelectedIndex(); i > 0 && i <= len(v.taskList) {
		return v.taskList[i-1]
	}
	return task.Task{}
}

// filter is the store query the filter widgets describe.
func (v *View) filter() store.RunFilter {
	f := store.RunFilter{TaskID: v.selectedTask().ID, Limit: pageSize}
	if i := v.statusSel.SelectedIndex(); i > 0 {
		f.Statuses = []task.Status{statusValues[i]}
	}
	if i := v.triggerSel.SelectedIndex(); i > 0 {
		f.Trigger = triggerValues[i]
	}
	f.From = v.fromDay
	if !v.toDay.IsZero() {
		// The last day is included: runs started before the next midnight.
		y, m, d := v.toDay.Date()
		f.To = time.Date(y, m, d+1, 0, 0, 0, 0, time.Local)
	}
	return f
}

// loadTasks refreshes the task choices, keeping the chosen task while it
// exists.
func (v *View) loadTasks() {
	list, err := v.eng.ListTasks(v.ctx)
	if err != nil {
		v.showProblem(err)
		return
	}
	chosen := v.selectedTask().ID
	v.taskList = list
	opts := make([]string, 0, len(list)+1)
	opts = append(opts, lang.L("history.filter.all_tasks"))
	idx := 0
	for i, t := range list {
		opts = append(opts, t.Name)
		if t.ID == chosen {
			idx = i + 1
		}
	}
	v.settingUp = true
	v.taskSel.SetOptions(opts)
	v.taskSel.SetSelectedIndex(idx)
	v.settingUp = false
}

// loadRuns loads the newest limit runs the filter selects.
func (v *View) loadRuns(limit int) {
	f := v.filter()
	f.Limit = limit
	runs, err := v.eng.Runs(v.ctx, f)
	if err != nil {
		v.showProblem(err)
		return
	}
	v.problem.Hide()
	v.runs = runs
	v.more = len(runs) == limit
	v.runsChanged()
}

// reloadRuns reloads the list down to the oldest run already shown, new
// runs added on top, so a refresh neither drops loaded pages nor loads
// new ones.
func (v *View) reloadRuns() {
	if len(v.runs) == 0 {
		v.loadRuns(pageSize)
		return
	}
	oldest, hadMore := v.runs[len(v.runs)-1].ID, v.more
	f := v.filter()
	f.Limit = len(v.runs) + pageSize
	runs, err := v.eng.Runs(v.ctx, f)
	if err != nil {
		v.showProblem(err)
		return
	}
	v.problem.Hide()
	v.more = len(runs) == f.Limit
	if hadMore {
		// Older runs were not loaded before; they stay behind Load more.
		if cut := slices.IndexFunc(runs, func(r task.Run) bool { return r.ID < oldest }); cut >= 0 {
			runs, v.more = runs[:cut], true
		}
	}
	v.runs = runs
	v.runsChanged()
}

// loadNextPage appends the page of runs older than the last one shown.
func (v *View) loadNextPage() {
	if len(v.runs) == 0 {
		return
	}
	f := v.filter()
	f.BeforeID = v.runs[len(v.runs)-1].ID
	runs, err := v.eng.Runs(v.ctx, f)
	if err != nil {
		v.showProblem(err)
		return
	}
	v.problem.Hide()
	v.runs = append(v.runs, runs...)
	v.more = len(runs) == f.Limit
	v.runsChanged()
}

// runsChanged redraws the list and keeps the run on show selected, or
// clears the detail when the run is no longer listed.
func (v *View) runsChanged() {
	if len(v.runs) == 0 {
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
	if v.more {
		v.loadMore.Show()
	} else {
		v.loadMore.Hide()
	}
	v.list.Refresh()
	if v.selected == 0 {
		return
	}
	for i, r := range v.runs {
		if r.ID == v.selected {
			v.choosing = true
			v.list.Select(i)
			v.choosing = false
			v.detail.show(r)
			return
		}
	}
	v.selected = 0
	v.list.UnselectAll()
	v.detail.clear()
}

// loadChart counts the last chartDays days of the chosen task (or all).
func (v *View) loadChart() {
	t := v.selectedTask()
	now := v.now()
	days, err := v.eng.DailyCounts(v.ctx, t.ID, now.AddDate(0, 0, -(chartDays-1)), now, time.Local)
	if err != nil {
		v.showProblem(err)
		return
	}
	name := t.Name
	if t.ID == 0 {
		name = lang.L("history.filter.all_tasks")
	}
	var ok, failed int
	for _, d := range days {
		ok += d.Success
		failed += d.Failure
	}
	v.chartTitle.SetText(lang.L("history.chart.title", map[string]any{"Days": chartDays, "Task": name, "Success": ok, "Failure": failed}))
	v.chart.SetDays(days)
}

func (v *View) showProblem(err error) {
	if v.ctx.Err() != nil {
		return
	}
	v.problem.SetText(lang.L("history.load_failed", map[string]any{"Error": err.Error()}))
	v.problem.Show()
}

// --- list rows ---------------------------------------------------------------

func newRunRow() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	sub := widget.NewLabel("")
	sub.Truncation = fyne.TextTruncateEllipsis
	started := widget.NewLabel("")
	return container.NewBorder(nil, nil, widget.NewIcon(nil), started, container.NewVBox(title, sub))
}

func updateRunRow(o fyne.CanvasObject, r task.Run) {
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	texts.Objects[0].(*widget.Label).SetText(r.TaskName)
	sub := statusText(r.Status) + " · " + triggerText(r.Trigger) + " · " + r.Duration().Round(time.Millisecond).String()
	if r.Error != "" {
		sub += " · " + firstLine(r.Error)
	}
	texts.Objects[1].(*widget.Label).SetText(sub)
	row.Objects[1].(*widget.Icon).SetResource(statusIcon(r.Status))
	row.Objects[2].(*widget.Label).SetText(r.Started.Local().Format(timeLayout))
}

func statusIcon(s task.Status) fyne.Resource {
	switch s {
	case task.StatusSuccess:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case task.StatusTimeout:
		return theme.NewErrorThemedResource(theme.HistoryIcon())
	case task.StatusSkipped:
		return theme.NewDisabledResource(theme.MediaSkipNextIcon())
	default:
		return theme.NewErrorThemedResource(theme.ErrorIcon())
	}
}

func statusText(s task.Status) string {
	switch s {
	case task.StatusSuccess:
		return lang.L("history.status.success")
	case task.StatusFailure:
		return lang.L("history.status.failure")
	case task.StatusTimeout:
		return lang.L("history.status.timeout")
	case task.StatusSkipped:
		return lang.L("history.status.skipped")
	}
	return string(s)
}

func triggerText(t task.Trigger) string {
	switch t {
	case task.TriggerManual:
		return lang.L("history.trigger.manual")
	case task.TriggerAuto:
		return lang.L("history.trigger.auto")
	case task.TriggerTest:
		return lang.L("history.trigger.test")
	}
	return string(t)
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' || c == '\r' {
			return s[:i]
		}
	}
	return s
}
