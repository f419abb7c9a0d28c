// Package tasks is the Tasks tab of Herald's window: the user's tasks with
// their state, schedule, next and last run, the add/edit form, and Run now,
// Cancel, enable/disable and delete. It draws and forwards; the tasks
// service and the push dispatcher decide.
package tasks

import (
	"context"
	"errors"
	"image/color"
	"sync"
	"time"

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
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	enginetasks "github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/ui/loader"
	"github.com/heraldpush/herald/ui/localize"
)

// dotState is what a task's status dot says.
type dotState string

const (
	dotNever   dotState = "never"   // grey: never ran, or the last run was skipped
	dotSuccess dotState = "success" // green
	dotFailure dotState = "failure" // red: failure or timeout
	dotRunning dotState = "running" // blue
)

// color is the dot's colour in the current theme.
func (s dotState) color() color.Color {
	switch s {
	case dotSuccess:
		return theme.Color(theme.ColorNameSuccess)
	case dotFailure:
		return theme.Color(theme.ColorNameError)
	case dotRunning:
		return theme.Color(theme.ColorNamePrimary)
	}
	return theme.Color(theme.ColorNameDisabled)
}

// Engine is what the tab uses of the engine (*host.Env in the app).
type Engine interface {
	ListTasks(ctx context.Context) ([]task.Task, error)
	GetTask(ctx context.Context, name string) (task.Task, error)
	AddTask(ctx context.Context, t task.Task) (task.Task, error)
	UpdateTask(ctx context.Context, t task.Task) (task.Task, error)
	RemoveTask(ctx context.Context, name string) error
	SetTaskEnabled(ctx context.Context, name string, on bool) (task.Task, error)
	RunTask(ctx context.Context, name string) error
	CancelRun(taskID int64) bool
	RunningTasks() []int64
	NextRun(taskID int64) (time.Time, bool)
	LastRun(ctx context.Context, taskID int64) (task.Run, error)
	TaskOverrides(ctx context.Context, taskID int64) (dispatch.TaskOverrides, error)
	SaveTaskOverrides(ctx context.Context, taskID int64, o dispatch.TaskOverrides) error
	ListChannels(ctx context.Context) ([]registry.Channel, error)
	OnRun(fn func(enginetasks.Event))
}

// View is the Tasks tab.
type View struct {
	ctx context.Context
	eng Engine
	win fyne.Window
	// now is the clock the schedule preview counts from (tests fix it).
	now func() time.Time

	root     *fyne.Container // holds the list page or the editor
	listPage fyne.CanvasObject
	rowsBox  *fyne.Container
	empty    *widget.Label
	message  *widget.Label // the last failed action, in red
	add      *widget.Button

	list    []task.Task
	last    map[int64]task.Run // newest recorded run per task
	running map[int64]bool     // from RunStarted/RunFinished (and Run now)
	rows    map[int64]*row

	editor *editor // the open add/edit form; nil while the list shows

	// The loader does all engine work off the UI goroutine (reading the
	// list, saving, starting runs, keyring reads) and shows its results in
	// order; a burst of events costs one more load.
	loader *loader.Loader
	mu     sync.Mutex
	want   request // what the next load does; guarded by mu
	seeded bool    // running was read from the engine once; the loader goroutine only
}

// request is what the next load is asked to do; requests merge.
type request struct {
	reload bool                // read the tasks and their last runs
	events []enginetasks.Event // task events, in order, for the running marks
	jobs   []job               // the user's actions, in order
}

// job is an action: work runs off the UI goroutine, then done on it with
// work's error; reload reads the list after work.
type job struct {
	work   func(context.Context) error
	done   func(error)
	reload bool
}

// row is one task in the list.
type row struct {
	task    task.Task
	state   dotState
	dot     *canvas.Circle
	title   *widget.Label
	detail  *widget.Label
	run     *widget.Button // Run now, or Cancel while running
	enabled *widget.Check
	edit    *widget.Button
	del     *widget.Button
	obj     fyne.CanvasObject
}

// New builds the tab and subscribes to the task engine's events. Call it
// on the UI goroutine.
func New(ctx context.Context, eng Engine, win fyne.Window) *View {
	v := &View{
		ctx:     ctx,
		eng:     eng,
		win:     win,
		now:     time.Now,
		last:    map[int64]task.Run{},
		running: map[int64]bool{},
		rows:    map[int64]*row{},
	}
	v.add = widget.NewButtonWithIcon(lang.L("tasks.add"), theme.ContentAddIcon(), v.openAdd)
	v.add.Importance = widget.HighImportance
	v.message = widget.NewLabel("")
	v.message.Importance = widget.DangerImportance
	v.message.Wrapping = fyne.TextWrapWord
	v.message.Hide()
	v.empty = widget.NewLabel(lang.L("tasks.empty"))
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Alignment = fyne.TextAlignCenter
	v.rowsBox = container.NewVBox()
	v.listPage = container.NewBorder(
		container.NewVBox(container.NewHBox(v.add, layout.NewSpacer()), v.message),
		nil, nil, nil,
		container.NewStack(container.NewVScroll(v.rowsBox), container.NewVBox(v.empty)),
	)
	v.root = container.NewStack(v.listPage)

	v.loader = loader.New(ctx, v.load)
	eng.OnRun(func(e enginetasks.Event) {
		if ctx.Err() != nil {
			return
		}
		v.ask(func(q *request) { q.events = append(q.events, e) })
	})
	v.reload()
	return v
}

// Object is the tab's content.
func (v *View) Object() fyne.CanvasObject { return v.root }

// Refresh reads the tasks and their last runs again. Any goroutine may
// call it.
func (v *View) Refresh() { v.reload() }

// Wait returns once what was asked before it is done and shown (tests).
func (v *View) Wait() { v.loader.Wait() }

// ask changes the next load's request and asks for the load.
func (v *View) ask(change func(*request)) {
	v.mu.Lock()
	change(&v.want)
	v.mu.Unlock()
	v.loader.Request()
}

// reload asks to read the tasks and their last runs and redraw the list.
func (v *View) reload() { v.ask(func(q *request) { q.reload = true }) }

// background runs work off the UI goroutine, then done on it with work's
// error, and then redraws the list: keyring access, saving and starting
// runs never freeze the window.
func (v *View) background(work func(context.Context) error, done func(error)) {
	v.ask(func(q *request) { q.jobs = append(q.jobs, job{work: work, done: done, reload: true}) })
}

// fetch is background without the redraw, for reads.
func (v *View) fetch(work func(context.Context) error, done func(error)) {
	v.ask(func(q *request) { q.jobs = append(q.jobs, job{work: work, done: done}) })
}

// listData is the tasks and their last runs as one load read them.
type listData struct {
	list    []task.Task
	last    map[int64]task.Run
	running []int64 // the tasks running when first read; nil after
	err     error   // why the list, or a last run, could not be read
}

// load does what was asked, off the UI goroutine; the function it returns
// shows the results.
func (v *View) load(ctx context.Context) func() {
	v.mu.Lock()
	jobs := v.want.jobs
	v.want.jobs = nil
	v.mu.Unlock()
	var dones []func()
	reload := false
	for _, j := range jobs {
		err := j.work(ctx)
		done := j.done
		dones = append(dones, func() { done(err) })
		reload = reload || j.reload
	}
	// The rest is taken after the jobs, so the events they caused (a
	// changed task) are shown with them.
	v.mu.Lock()
	q := v.want
	v.want = request{jobs: q.jobs}
	v.mu.Unlock()
	q.reload = q.reload || reload
	for _, e := range q.events {
		if e.Type == enginetasks.RunFinished || e.Type == enginetasks.TaskChanged {
			// The last result, and the next run after an automatic one.
			q.reload = true
		}
	}
	var data *listData
	if q.reload {
		data = v.readList(ctx)
	}
	if len(dones) == 0 && len(q.events) == 0 && data == nil {
		return nil
	}
	return func() {
		for _, e := range q.events {
			v.handle(e)
		}
		for _, done := range dones {
			done()
		}
		if data != nil {
			v.showTasks(*data)
		}
	}
}

// readList reads the tasks and their last runs (small, indexed reads).
func (v *View) readList(ctx context.Context) *listData {
	list, err := v.eng.ListTasks(ctx)
	if err != nil {
		return &listData{err: err, list: nil, last: nil}
	}
	d := &listData{list: list, last: map[int64]task.Run{}}
	if !v.seeded {
		d.running = v.eng.RunningTasks()
		if d.running == nil {
			d.running = []int64{}
		}
		v.seeded = true
	}
	for _, t := range list {
		r, err := v.eng.LastRun(ctx, t.ID)
		switch {
		case err == nil:
			d.last[t.ID] = r
		case !isNotFound(err):
			d.err = err
		}
	}
	return d
}

// handle applies a task event's running mark; the load that carries it
// reads the list again after a finished run or a changed task.
func (v *View) handle(e enginetasks.Event) {
	switch e.Type {
	case enginetasks.RunStarted:
		v.running[e.Run.TaskID] = true
		if r := v.rows[e.Run.TaskID]; r != nil {
			v.fillRow(r)
		}
	case enginetasks.RunFinished:
		// A skipped run is recorded while the run it collided with goes on.
		if e.Run.Status != task.StatusSkipped {
			delete(v.running, e.Run.TaskID)
		}
	}
}

// showMessage shows err above the list (nil hides it).
func (v *View) showMessage(err error) {
	if err == nil {
		v.message.SetText("")
		v.message.Hide()
		return
	}
	v.message.SetText(localize.Error(err))
	v.message.Show()
}

// showTasks redraws the list as d has it.
func (v *View) showTasks(d listData) {
	if d.err != nil {
		v.showMessage(d.err)
	}
	if d.list == nil && d.err != nil {
		return
	}
	for _, id := range d.running {
		v.running[id] = true
	}
	v.list, v.last = d.list, d.last
	v.rebuild()
}

func (v *View) rebuild() {
	v.rows = map[int64]*row{}
	objs := make([]fyne.CanvasObject, 0, 2*len(v.list))
	for i, t := range v.list {
		r := v.newRow(t)
		v.rows[t.ID] = r
		if i > 0 {
			objs = append(objs, widget.NewSeparator())
		}
		objs = append(objs, r.obj)
	}
	v.rowsBox.Objects = objs
	v.rowsBox.Refresh()
	if len(v.list) == 0 {
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
}

func (v *View) newRow(t task.Task) *row {
	r := &row{task: t}
	r.dot = canvas.NewCircle(color.Transparent)
	r.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.detail = widget.NewLabel("")
	r.detail.Wrapping = fyne.TextWrapWord
	r.run = widget.NewButton("", nil)
	r.enabled = widget.NewCheck(lang.L("tasks.enabled"), nil)
	r.enabled.Checked = t.Enabled
	r.enabled.OnChanged = func(on bool) { v.setEnabled(r, on) }
	r.edit = widget.NewButtonWithIcon(lang.L("tasks.edit"), theme.DocumentCreateIcon(), func() { v.openEdit(r.task) })
	r.del = widget.NewButtonWithIcon(lang.L("tasks.delete"), theme.DeleteIcon(), func() { v.confirmDelete(r.task) })
	dot := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(theme.Size(theme.SizeNameInlineIcon)*0.6), r.dot))
	buttons := container.NewHBox(r.enabled, r.run, r.edit, r.del)
	r.obj = container.NewBorder(nil, nil, dot, container.NewCenter(buttons), container.NewVBox(r.title, r.detail))
	v.fillRow(r)
	return r
}

// fillRow shows the row's task state: dot, texts, Run now or Cancel.
func (v *View) fillRow(r *row) {
	t := r.task
	last, ran := v.last[t.ID]
	switch {
	case v.running[t.ID]:
		r.state = dotRunning
	case !ran || last.Status == task.StatusSkipped:
		r.state = dotNever
	case last.Status == task.StatusSuccess:
		r.state = dotSuccess
	default:
		r.state = dotFailure
	}
	r.dot.FillColor = r.state.color()
	r.dot.Refresh()

	// A manual task has no automatic runs to switch on or off.
	manual := t.Schedule.Kind == task.ScheduleNone
	title := t.Name
	if !t.Enabled && !manual {
		title += "  " + lang.L("tasks.disabled_mark")
	}
	r.title.SetText(title)
	if manual {
		r.enabled.Hide()
	} else {
		r.enabled.Show()
	}

	next := lang.L("tasks.next.none")
	switch at, ok := v.eng.NextRun(t.ID); {
	case !t.Enabled && !manual:
		next = lang.L("tasks.next.disabled")
	case ok:
		next = lang.L("tasks.next.at", map[string]any{"At": formatTime(at)})
	case t.Schedule.Kind == task.ScheduleNone:
		next = lang.L("tasks.next.manual")
	}
	var lastText string
	switch {
	case v.running[t.ID]:
		lastText = lang.L("tasks.last.running")
	case !ran:
		lastText = lang.L("tasks.last.never")
	default:
		lastText = lang.L("tasks.last.result", map[string]any{
			"Status":  statusWord(last.Status),
			"At":      formatTime(last.Started),
			"Trigger": triggerWord(last.Trigger),
		})
		if last.Status != task.StatusSuccess {
			if line := firstLine(outcomeText(last), 100); line != "" {
				lastText += " · " + line
			}
		}
	}
	r.detail.SetText(describeSchedule(t.Schedule) + " · " + next + "\n" + lastText)

	if v.running[t.ID] {
		r.run.SetText(lang.L("tasks.cancel_run"))
		r.run.SetIcon(theme.MediaStopIcon())
		r.run.Importance = widget.WarningImportance
		r.run.OnTapped = func() { v.cancelRun(r) }
	} else {
		r.run.SetText(lang.L("tasks.run_now"))
		r.run.SetIcon(theme.MediaPlayIcon())
		r.run.Importance = widget.MediumImportance
		r.run.OnTapped = func() { v.runNow(r) }
	}
	r.run.Enable()
	r.run.Refresh()
}

// runNow starts a manual run; the row shows it running until the run's
// RunFinished event.
func (v *View) runNow(r *row) {
	v.showMessage(nil)
	id, name := r.task.ID, r.task.Name
	v.running[id] = true
	v.fillRow(r)
	v.background(func(ctx context.Context) error {
		return v.eng.RunTask(ctx, name)
	}, func(err error) {
		if err == nil {
			return
		}
		delete(v.running, id)
		v.showMessage(err)
	})
}

// cancelRun stops the task's run in progress; its RunFinished event (status
// failure, "cancelled") brings the row back.
func (v *View) cancelRun(r *row) {
	r.run.Disable()
	if !v.eng.CancelRun(r.task.ID) {
		// It ended on its own meanwhile; its event is on the way or gone.
		delete(v.running, r.task.ID)
		v.fillRow(r)
	}
}

func (v *View) setEnabled(r *row, on bool) {
	v.showMessage(nil)
	name := r.task.Name
	r.enabled.Disable()
	v.background(func(ctx context.Context) error {
		_, err := v.eng.SetTaskEnabled(ctx, name, on)
		return err
	}, func(err error) {
		if err != nil {
			v.showMessage(err)
		}
	})
}

// confirmDelete asks before deleting a task; its run history stays.
func (v *View) confirmDelete(t task.Task) {
	msg := widget.NewLabel(lang.L("tasks.delete.question", map[string]any{"Name": t.Name}))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("tasks.delete.title"), lang.L("tasks.delete.confirm"), lang.L("tasks.delete.keep"),
		msg, func(ok bool) {
			if ok {
				v.remove(t)
			}
		}, v.win)
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
}

func (v *View) remove(t task.Task) {
	v.showMessage(nil)
	v.background(func(ctx context.Context) error {
		return v.eng.RemoveTask(ctx, t.Name)
	}, func(err error) {
		if err != nil {
			v.showMessage(err)
		}
	})
}

// openAdd shows the form for a new task.
func (v *View) openAdd() {
	v.showMessage(nil)
	var chans []registry.Channel
	v.fetch(func(ctx context.Context) error {
		var err error
		chans, err = v.eng.ListChannels(ctx)
		return err
	}, func(err error) {
		if err != nil {
			v.showMessage(err)
			return
		}
		v.showEditor(newEditor(v, nil, dispatch.TaskOverrides{}, chans))
	})
}

// openEdit loads the task with its secrets (keyring) and its push
// overrides, then shows the form.
func (v *View) openEdit(t task.Task) {
	v.showMessage(nil)
	var (
		full  task.Task
		over  dispatch.TaskOverrides
		chans []registry.Channel
	)
	v.fetch(func(ctx context.Context) error {
		var err error
		if full, err = v.eng.GetTask(ctx, t.Name); err != nil {
			return err
		}
		if over, err = v.eng.TaskOverrides(ctx, full.ID); err != nil {
			return err
		}
		chans, err = v.eng.ListChannels(ctx)
		return err
	}, func(err error) {
		if err != nil {
			v.showMessage(err)
			return
		}
		v.showEditor(newEditor(v, &full, over, chans))
	})
}

func (v *View) showEditor(e *editor) {
	v.editor = e
	v.root.Objects = []fyne.CanvasObject{e.obj}
	v.root.Refresh()
	if c := v.win.Canvas(); c != nil {
		c.Focus(e.name)
	}
}

// closeEditor goes back to the list, read again.
func (v *View) closeEditor() {
	v.showList()
	v.reload()
}

// showList goes back to the list as last read (a save reads it anyway).
func (v *View) showList() {
	v.editor = nil
	v.root.Objects = []fyne.CanvasObject{v.listPage}
	v.root.Refresh()
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, store.ErrNotFound) }

// outcomeText is how a run that did not succeed ended, in the window's
// language ("退出码 3"); "" when it recorded no problem.
func outcomeText(r task.Run) string {
	if r.Error == "" {
		return ""
	}
	return localize.Text(task.Outcome(r))
}
