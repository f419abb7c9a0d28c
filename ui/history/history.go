// Package history is the History tab (执行历史): the runs the engine
// recorded, filtered and paged; a run's output, error and every push it
// caused, with Retry for failed ones; and a drawn chart of the last 30 days.
// It reads the store and forwards Retry to it; the engine decides the rest.
package history

import (
	"context"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/ui/loader"
	"github.com/heraldpush/herald/ui/localize"
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

	// On the UI goroutine:
	taskList   []task.Task // live tasks; taskSel's options after "All tasks"
	taskSel    *widget.Select
	statusSel  *widget.Select
	triggerSel *widget.Select
	from, to   *widget.DateEntry
	fromDay    time.Time // local midnight of the first day shown; zero: open
	toDay      time.Time // local midnight of the last day shown; zero: open
	clear      *widget.Button
	settingUp  bool // filter widgets are being set by code: don't reload per change

	// Written only by the loader's apply functions, so the next load reads
	// them as the last apply left them.
	runs []task.Run
	more bool // the last page was full: there may be older runs

	list     *widget.List
	empty    *widget.Label
	loadMore *widget.Button
	problem  *widget.Label // why the last load failed, hidden when it did not
	choosing bool          // the list selection is being set by code

	detail     *detail
	chart      *chart
	chartTitle *widget.Label
	// The chart collapses to its title line (chartToggle); body holds the
	// chart over the runs, or the runs alone.
	chartToggle   *widget.Button
	chartShown    bool
	rememberChart func(shown bool)
	chartSplit    *container.Split
	runsSplit     *container.Split
	body          *fyne.Container

	root fyne.CanvasObject

	// Events come in bursts (a run, then its pushes); the loader serves a
	// burst with one more load.
	loader *loader.Loader
	mu     sync.Mutex
	want   request // what the next load reads; guarded by mu
}

// request is what the next load is asked to read. Requests merge: flags
// add up, the filter and the run on show are the latest.
type request struct {
	tasks   bool // the task choices
	fresh   bool // the first page of runs (the filter changed)
	reload  bool // the runs down to the oldest shown, new ones on top
	next    bool // the page older than the oldest shown
	chart   bool
	pushes  bool    // the pushes of the run on show
	retries []int64 // outbox rows to make pending again

	filter   store.RunFilter // as the filter widgets describe it; no limit
	chosen   task.Task       // the filter's task; zero for all
	selected int64           // the run on show; 0: none
}

// New builds the tab, loads it and subscribes to the engine's run and push
// events.
func New(ctx context.Context, eng Engine, win fyne.Window) *View {
	v := &View{ctx: ctx, eng: eng, win: win, now: time.Now}
	v.build()
	v.loader = loader.New(ctx, v.load)
	v.Refresh()
	eng.OnRun(func(e tasks.Event) {
		if e.Type == tasks.RunStarted || ctx.Err() != nil {
			return
		}
		v.Refresh()
	})
	eng.OnDelivery(func(e dispatch.Event) {
		if e.Item.RunID == 0 || ctx.Err() != nil {
			return
		}
		// Only the run on show lists pushes; the rest of the tab does not
		// depend on them.
		v.ask(func(r *request) { r.pushes = true })
	})
	return v
}

// Object is the tab's content.
func (v *View) Object() fyne.CanvasObject { return v.root }

// Refresh reloads the task choices, the runs (as many as are loaded), the
// chart and the run on show. Any goroutine may call it.
func (v *View) Refresh() {
	v.ask(func(r *request) { r.tasks, r.reload, r.chart = true, true, true })
}

// Wait returns once what was asked before it is loaded and shown (tests).
func (v *View) Wait() { v.loader.Wait() }

// ask changes the next load's request and asks for the load.
func (v *View) ask(change func(*request)) {
	v.mu.Lock()
	change(&v.want)
	v.mu.Unlock()
	v.loader.Request()
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

	// One row: the selects say what they filter by ("All tasks", "Any
	// status"), the date entries by their placeholders.
	v.clear.SetText("")
	filters := container.NewBorder(nil, nil, nil, v.clear,
		container.NewGridWithColumns(5, v.taskSel, v.statusSel, v.triggerSel, v.from, v.to))

	v.list = widget.NewList(
		func() int { return len(v.runs) },
		newRunRow,
		func(i widget.ListItemID, o fyne.CanvasObject) { updateRunRow(o, v.runs[i]) },
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if v.choosing || i >= len(v.runs) {
			return
		}
		v.detail.show(v.runs[i])
	}
	v.empty = widget.NewLabel(lang.L("history.empty"))
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.loadMore = widget.NewButtonWithIcon(lang.L("history.load_more"), theme.MoreVerticalIcon(), func() {
		v.ask(func(r *request) { r.next = true })
	})
	v.loadMore.Hide()
	v.problem = widget.NewLabel("")
	v.problem.Importance = widget.DangerImportance
	v.problem.Wrapping = fyne.TextWrapWord
	v.problem.Hide()

	v.detail = newDetail(v)
	v.chart = newChart()
	v.chartTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})

	listSide := container.NewBorder(nil, v.loadMore, nil, nil, container.NewStack(v.list, container.NewVBox(v.empty)))
	v.runsSplit = container.NewHSplit(listSide, v.detail.object())
	v.runsSplit.SetOffset(0.42)
	v.chartSplit = container.NewVSplit(v.chart, v.runsSplit)
	v.chartSplit.SetOffset(0.25)
	v.chartToggle = widget.NewButtonWithIcon("", theme.MenuDropDownIcon(), func() { v.setChartShown(!v.chartShown, true) })
	v.chartToggle.Importance = widget.LowImportance
	chartHead := container.NewBorder(nil, nil, v.chartToggle, nil, v.chartTitle)
	v.body = container.NewStack()
	v.setChartShown(true, false)
	v.root = container.NewBorder(container.NewVBox(filters, v.problem, chartHead), nil, nil, nil, v.body)
}

// SetChartShown shows or collapses the chart (the stored choice) and has
// remember called with each later choice the person makes (nil: none).
// Call on the UI goroutine.
func (v *View) SetChartShown(shown bool, remember func(shown bool)) {
	v.rememberChart = remember
	v.setChartShown(shown, false)
}

// setChartShown collapses the chart to its title line, giving the runs
// and the run on show the height, or shows it again.
func (v *View) setChartShown(shown, byPerson bool) {
	v.chartShown = shown
	if shown {
		v.chartToggle.SetIcon(theme.MenuDropDownIcon())
		v.chartSplit.Trailing = v.runsSplit
		v.body.Objects = []fyne.CanvasObject{v.chartSplit}
	} else {
		v.chartToggle.SetIcon(theme.MenuExpandIcon())
		v.body.Objects = []fyne.CanvasObject{v.runsSplit}
	}
	v.chartSplit.Refresh()
	v.body.Refresh()
	if byPerson && v.rememberChart != nil {
		v.rememberChart(shown)
	}
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

// filterChanged loads the first page the filter selects, and its chart.
// Call on the UI goroutine: it reads the filter widgets.
func (v *View) filterChanged() {
	if v.settingUp {
		return
	}
	f, chosen := v.filter(), v.selectedTask()
	v.ask(func(r *request) {
		r.filter, r.chosen = f, chosen
		r.fresh, r.chart = true, true
	})
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
	f := store.RunFilter{TaskID: v.selectedTask().ID}
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

// loaded is what one load read, for its apply to show.
type loaded struct {
	req request

	taskList []task.Task // nil unless req.tasks and read
	tasksErr error

	runsRead bool
	runs     []task.Run
	more     bool
	runsErr  error

	pushes     *pushData       // the selected run's pushes; nil: not read
	retryErrs  map[int64]error // why a Retry did not work, by outbox id
	days       []store.DayCount
	chartTitle string
	chartErr   error
}

// load reads what was asked, off the UI goroutine; the function it
// returns shows it.
func (v *View) load(ctx context.Context) func() {
	v.mu.Lock()
	q := v.want
	v.want = request{filter: q.filter, chosen: q.chosen, selected: q.selected}
	v.mu.Unlock()
	if !q.tasks && !q.fresh && !q.reload && !q.next && !q.chart && !q.pushes && len(q.retries) == 0 {
		return nil
	}
	res := &loaded{req: q}

	if q.tasks {
		res.taskList, res.tasksErr = v.eng.ListTasks(ctx)
		if res.tasksErr == nil && q.chosen.ID != 0 && !slices.ContainsFunc(res.taskList, func(t task.Task) bool { return t.ID == q.chosen.ID }) {
			// The chosen task is gone: the filter falls back to all tasks.
			q.chosen, q.filter.TaskID = task.Task{}, 0
			res.req = q
			v.mu.Lock()
			v.want.chosen, v.want.filter.TaskID = q.chosen, 0
			v.mu.Unlock()
		}
	}
	v.loadRuns(ctx, q, res)

	anyRetried := false
	for _, id := range q.retries {
		if _, err := v.eng.Retry(ctx, id); err != nil {
			if res.retryErrs == nil {
				res.retryErrs = map[int64]error{}
			}
			res.retryErrs[id] = err
		} else {
			anyRetried = true
		}
	}
	if q.selected != 0 && (q.pushes || anyRetried || res.runsRead) {
		p := loadPushes(ctx, v.eng, q.selected)
		res.pushes = &p
	}

	if q.chart {
		now := v.now()
		res.days, res.chartErr = v.eng.DailyCounts(ctx, q.chosen.ID, now.AddDate(0, 0, -(chartDays-1)), now, time.Local)
		name := q.chosen.Name
		if q.chosen.ID == 0 {
			name = lang.L("history.filter.all_tasks")
		}
		var ok, failed int
		for _, d := range res.days {
			ok += d.Success
			failed += d.Failure
		}
		res.chartTitle = lang.L("history.chart.title", map[string]any{"Days": chartDays, "Task": name, "Success": ok, "Failure": failed})
	}
	return func() { v.apply(res) }
}

// loadRuns reads the runs q asks for into res. It reads v.runs and v.more
// as the last apply left them.
func (v *View) loadRuns(ctx context.Context, q request, res *loaded) {
	runs, more := v.runs, v.more
	f := q.filter
	switch {
	case q.fresh || (q.reload && len(runs) == 0) || (q.next && len(runs) == 0):
		f.Limit = pageSize
		got, err := v.eng.Runs(ctx, f)
		if err != nil {
			res.runsErr = err
			return
		}
		runs, more = got, len(got) == pageSize
		q.next = false // the first page is the next one
	case q.reload:
		// Down to the oldest run already shown, new runs added on top, so
		// a refresh neither drops loaded pages nor loads new ones.
		oldest, hadMore := runs[len(runs)-1].ID, more
		f.Limit = len(runs) + pageSize
		got, err := v.eng.Runs(ctx, f)
		if err != nil {
			res.runsErr = err
			return
		}
		more = len(got) == f.Limit
		if hadMore {
			// Older runs were not loaded before; they stay behind Load more.
			if cut := slices.IndexFunc(got, func(r task.Run) bool { return r.ID < oldest }); cut >= 0 {
				got, more = got[:cut], true
			}
		}
		runs = got
	case !q.next:
		return
	}
	if q.next && len(runs) > 0 {
		f = q.filter
		f.Limit = pageSize
		f.BeforeID = runs[len(runs)-1].ID
		got, err := v.eng.Runs(ctx, f)
		if err != nil {
			res.runsErr = err
			return
		}
		runs = append(slices.Clip(runs), got...)
		more = len(got) == f.Limit
	}
	res.runsRead, res.runs, res.more = true, runs, more
}

// apply shows what a load read. On the UI goroutine.
func (v *View) apply(res *loaded) {
	if res.req.tasks {
		if res.tasksErr != nil {
			v.showProblem(res.tasksErr)
		} else {
			v.setTaskChoices(res.taskList, res.req.chosen.ID)
		}
	}
	if res.runsErr != nil {
		v.showProblem(res.runsErr)
	} else if res.runsRead {
		v.problem.Hide()
		v.runs, v.more = res.runs, res.more
		v.runsChanged(res.pushes)
	}
	if res.pushes != nil && !res.runsRead && v.detail.run.ID == res.pushes.runID {
		v.detail.reload(*res.pushes)
	}
	for id, err := range res.retryErrs {
		v.detail.retryFailed(id, err)
	}
	if res.req.chart {
		if res.chartErr != nil {
			v.showProblem(res.chartErr)
		} else {
			v.chartTitle.SetText(res.chartTitle)
			v.chart.SetDays(res.days)
		}
	}
}

// setTaskChoices lists the tasks in the filter, keeping the chosen task
// while it exists.
func (v *View) setTaskChoices(list []task.Task, chosen int64) {
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

// selected is the run on show; 0: none.
func (v *View) selected() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.want.selected
}

func (v *View) setSelected(id int64) {
	v.mu.Lock()
	v.want.selected = id
	v.mu.Unlock()
}

// runsChanged redraws the list and keeps the run on show selected, or
// clears the detail when the run is no longer listed. pushes are the run
// on show's pushes as the same load read them.
func (v *View) runsChanged(pushes *pushData) {
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
	selected := v.selected()
	if selected == 0 {
		return
	}
	for i, r := range v.runs {
		if r.ID == selected {
			v.choosing = true
			v.list.Select(i)
			v.choosing = false
			if pushes != nil && pushes.runID == r.ID {
				v.detail.run = r
				v.detail.reload(*pushes)
			} else {
				// Selected after this load began: its own load follows.
				v.detail.show(r)
			}
			return
		}
	}
	v.list.UnselectAll()
	v.detail.clear()
}

func (v *View) showProblem(err error) {
	if v.ctx.Err() != nil {
		return
	}
	v.problem.SetText(lang.L("history.load_failed", map[string]any{"Error": localize.Error(err)}))
	v.problem.Show()
}

// --- list rows ---------------------------------------------------------------

// newRunRow is a run in the list: the task and when on the first line, how
// it went on the second, which has the row's whole width (it was cut after
// a few words next to the start time).
func newRunRow() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	sub := widget.NewLabel("")
	sub.Truncation = fyne.TextTruncateEllipsis
	started := widget.NewLabel("")
	top := container.NewBorder(nil, nil, nil, started, title)
	return container.NewBorder(nil, nil, widget.NewIcon(nil), nil, container.NewVBox(top, sub))
}

func updateRunRow(o fyne.CanvasObject, r task.Run) {
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	top := texts.Objects[0].(*fyne.Container)
	top.Objects[0].(*widget.Label).SetText(r.TaskName)
	top.Objects[1].(*widget.Label).SetText(r.Started.Local().Format(timeLayout))
	sub := statusText(r.Status) + " · " + triggerText(r.Trigger) + " · " + localize.Text(i18n.Duration(r.Duration()))
	if r.Error != "" {
		sub += " · " + firstLine(localize.Text(task.Outcome(r)))
	}
	texts.Objects[1].(*widget.Label).SetText(sub)
	row.Objects[1].(*widget.Icon).SetResource(statusIcon(r.Status))
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
