// Package channels is the Channels tab (推送注册) of Herald's window: the
// registered channels, forms generated from each kind's field schema, test
// pushes, the stored values (前值), rename and delete. It draws and forwards;
// the registry and the dispatcher decide.
package channels

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/ui/loader"
	"github.com/heraldpush/herald/ui/localize"
)

// timeFormat is how test times are shown.
const timeFormat = "2006-01-02 15:04:05"

// Registry is what the tab uses of the channel registry
// (*registry.Registry in the app).
type Registry interface {
	List(ctx context.Context) ([]registry.Channel, error)
	Add(ctx context.Context, kindID, name string, raw map[string]string) (registry.Channel, error)
	Edit(ctx context.Context, name string, changes map[string]string) (registry.Channel, error)
	Rename(ctx context.Context, name, newName string) error
	Remove(ctx context.Context, name string) error
	Settings(ctx context.Context, c registry.Channel) (map[string]string, error)
	Show(c registry.Channel) []registry.Field
	Reveal(ctx context.Context, c registry.Channel, field string, full bool) (string, error)
}

// Engine is the rest of what the tab uses of the engine (*host.Env in the
// app).
type Engine interface {
	// Test sends a test push to c now and waits for the answer; the error's
	// text is redacted.
	Test(ctx context.Context, c registry.Channel) (store.Delivery, error)
	// TestUnsaved sends a test push with settings of kind k that are not
	// stored (a form's values) and stores nothing; the error's text is
	// redacted.
	TestUnsaved(ctx context.Context, k *channel.Kind, name string, raw map[string]string) error
	// Redact returns err's text with secrets masked.
	Redact(err error) string
}

// View is the Channels tab.
type View struct {
	ctx context.Context
	eng Engine
	reg Registry
	win fyne.Window

	items    []registry.Channel
	selected string // id of the channel the right pane shows, "" for none
	syncing  bool   // reload is re-selecting the list row

	list   *widget.List
	empty  *widget.Label
	addBtn *widget.Button
	right  *fyne.Container
	root   fyne.CanvasObject

	// The right pane shows the detail of the selected channel, or a form.
	detail *detailPane
	form   *formPane
	tests  map[string]*testState // channel id → its test push in progress or last outcome

	// The loader does the tab's engine work off the UI goroutine (reading
	// the list, sends, keyring calls) and shows the results in order.
	loader *loader.Loader
	mu     sync.Mutex
	want   request // what the next load does; guarded by mu
	// fresh is the list the load being applied read after its jobs; a
	// job's result shows it instead of asking for another read. On the UI
	// goroutine.
	fresh *listData

	previewState
}

// request is what the next load is asked to do; requests merge.
type request struct {
	reload bool  // read the channels
	jobs   []job // the person's actions, in order
}

// job is an action: work runs off the UI goroutine and returns what shows
// its result (nil: nothing); reload reads the list after work.
type job struct {
	work   func(context.Context) func()
	reload bool
}

// listData is the channels as one load read them.
type listData struct {
	items []registry.Channel
	err   error
}

// testState is a test push of one channel: running, or how it went.
type testState struct {
	running bool
	ok      bool
	answer  string
	at      time.Time
}

// New builds the tab and loads the channels. ctx bounds the tab's
// background work (the watch for outside changes, sends).
func New(ctx context.Context, reg Registry, eng Engine, win fyne.Window) *View {
	v := &View{ctx: ctx, eng: eng, reg: reg, win: win, tests: map[string]*testState{}}
	v.empty = widget.NewLabel(lang.L("channels.empty"))
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Alignment = fyne.TextAlignCenter
	v.list = widget.NewList(
		func() int { return len(v.items) },
		v.newRow,
		func(i widget.ListItemID, o fyne.CanvasObject) { v.updateRow(v.items[i], o) },
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if v.syncing || i >= len(v.items) {
			return
		}
		v.showChannel(v.items[i].ID)
	}
	v.addBtn = widget.NewButtonWithIcon(lang.L("channels.add"), theme.ContentAddIcon(), v.showAdd)
	v.addBtn.Importance = widget.HighImportance
	left := container.NewBorder(container.NewPadded(container.NewVBox(v.addBtn, v.newQinglongButton())), nil, nil, nil,
		container.NewStack(v.list, container.NewPadded(v.empty)))
	v.detail = newDetailPane(v)
	v.right = container.NewStack()
	split := container.NewHSplit(left, v.right)
	split.SetOffset(0.36)
	v.root = split
	v.showPlaceholder()
	v.loader = loader.New(ctx, v.load)
	v.reload()
	return v
}

// Object is the tab's content.
func (v *View) Object() fyne.CanvasObject { return v.root }

// Refresh reloads the channels from the store (the window calls it when the
// tab is shown or something else changed channels). Any goroutine may call
// it.
func (v *View) Refresh() { v.ask(func(q *request) { q.reload = true }) }

// Wait returns once what was asked before it is done and shown (tests).
func (v *View) Wait() { v.loader.Wait() }

// ask changes the next load's request and asks for the load.
func (v *View) ask(change func(*request)) {
	v.mu.Lock()
	change(&v.want)
	v.mu.Unlock()
	v.loader.Request()
}

// background runs work off the UI goroutine (a send, a keyring call) and
// then what it returns on the UI goroutine.
func (v *View) background(work func(context.Context) func()) {
	v.ask(func(q *request) { q.jobs = append(q.jobs, job{work: work}) })
}

// change is background for work that changes channels: the list is read
// again after it, and a reload in what work returns shows that list.
func (v *View) change(work func(context.Context) func()) {
	v.ask(func(q *request) { q.jobs = append(q.jobs, job{work: work, reload: true}) })
}

// load does what was asked, off the UI goroutine; the function it returns
// shows the results.
func (v *View) load(ctx context.Context) func() {
	v.mu.Lock()
	q := v.want
	v.want = request{}
	v.mu.Unlock()
	var applies []func()
	for _, j := range q.jobs {
		if apply := j.work(ctx); apply != nil {
			applies = append(applies, apply)
		}
		q.reload = q.reload || j.reload
	}
	var data *listData
	if q.reload {
		items, err := v.reg.List(ctx)
		data = &listData{items: items, err: err}
	}
	if len(applies) == 0 && data == nil {
		return nil
	}
	return func() {
		v.fresh = data
		defer func() { v.fresh = nil }()
		for _, apply := range applies {
			apply()
		}
		if data != nil {
			v.showList(*data)
		}
	}
}

// newRow is a list row: the kind badge, the name, and the kind with the
// last test.
func (v *View) newRow() fyne.CanvasObject {
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	status := widget.NewLabel("")
	status.Truncation = fyne.TextTruncateEllipsis
	status.SizeName = theme.SizeNameCaptionText
	return container.NewBorder(nil, nil, container.NewCenter(newBadge("")), nil,
		container.NewVBox(name, status))
}

func (v *View) updateRow(c registry.Channel, o fyne.CanvasObject) {
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	setBadge(row.Objects[1].(*fyne.Container).Objects[0], c.Channel.Kind)
	texts.Objects[0].(*widget.Label).SetText(c.Name)
	status := texts.Objects[1].(*widget.Label)
	status.SetText(kindName(c.Kind, c.Channel.Kind) + " · " + v.lastTestText(c))
	imp := widget.MediumImportance
	if t := c.LastTest; t != nil && !t.OK && !v.testing(c.ID) {
		imp = widget.DangerImportance
	}
	if status.Importance != imp {
		status.Importance = imp
		status.Refresh()
	}
}

func (v *View) testing(id string) bool {
	st := v.tests[id]
	return st != nil && st.running
}

// lastTestText sums up a channel's last test for its row.
func (v *View) lastTestText(c registry.Channel) string {
	if v.testing(c.ID) {
		return lang.L("channels.testing")
	}
	t := c.LastTest
	switch {
	case t == nil:
		return lang.L("channels.never_tested")
	case t.OK:
		return lang.L("channels.last_ok", map[string]any{"At": t.At.Local().Format(timeFormat)})
	default:
		return lang.L("channels.last_failed", map[string]any{"At": t.At.Local().Format(timeFormat), "Answer": localize.Text(dispatch.AnswerText(t.Answer))})
	}
}

// reload redraws the list and the detail pane: from the list the load
// being applied read, or else after reading the channels again.
func (v *View) reload() {
	if v.fresh != nil {
		v.showList(*v.fresh)
		return
	}
	v.Refresh()
}

// showList redraws the list and the detail pane as d has them.
func (v *View) showList(d listData) {
	if d.err != nil {
		v.empty.SetText(lang.L("channels.load_failed", map[string]any{"Error": localize.Error(d.err)}))
		v.empty.Show()
		return
	}
	items := d.items
	v.items = items
	if len(items) == 0 {
		v.empty.SetText(lang.L("channels.empty"))
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
	v.list.Refresh()

	i := v.index(v.selected)
	v.syncing = true
	if i >= 0 {
		v.list.Select(i)
	} else {
		v.list.UnselectAll()
	}
	v.syncing = false
	if v.form != nil {
		return // a form being filled in is not disturbed
	}
	if i < 0 {
		v.showPlaceholder()
		return
	}
	v.detail.show(v.items[i])
}

func (v *View) index(id string) int {
	if id == "" {
		return -1
	}
	for i, c := range v.items {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// showPlaceholder empties the right pane.
func (v *View) showPlaceholder() {
	v.selected = ""
	v.form = nil
	hint := widget.NewLabel(lang.L("channels.select_hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Alignment = fyne.TextAlignCenter
	v.setRight(container.NewCenter(container.NewGridWrap(fyne.NewSize(320, 80), hint)))
}

// showChannel shows the channel's details in the right pane.
func (v *View) showChannel(id string) {
	i := v.index(id)
	if i < 0 {
		v.showPlaceholder()
		return
	}
	v.form = nil
	if v.selected != id {
		v.detail.reset()
	}
	v.selected = id
	v.detail.show(v.items[i])
	v.setRight(v.detail.object)
	v.syncing = true
	v.list.Select(i)
	v.syncing = false
}

func (v *View) setRight(o fyne.CanvasObject) {
	v.right.Objects = []fyne.CanvasObject{o}
	v.right.Refresh()
}

// kindOptions are the kinds offered when adding a channel, by translated
// name in kinds.All's order.
func kindOptions() ([]*channel.Kind, []string) {
	all := kinds.All()
	names := make([]string, len(all))
	for i, k := range all {
		names[i] = kindName(k, k.ID)
	}
	return all, names
}
