// Package pushpreview is the Preview dialog: what a channel would be sent
// for a failure or a success of a chosen task, and whether the push rules
// send it there at all. The Channels tab opens it for one channel, Push
// settings with a channel to choose. Nothing is sent.
package pushpreview

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/preview"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/ui/localize"
)

// Engine is what the dialog asks of the engine (*host.Env has it): the
// channels and tasks, and what a channel would be sent for a run of one.
type Engine interface {
	ListChannels(ctx context.Context) ([]registry.Channel, error)
	PreviewTaskNames(ctx context.Context) ([]string, error)
	PreviewTaskMessage(ctx context.Context, c registry.Channel, name string, st task.Status) (message.Message, preview.Result, error)
	PreviewTaskPush(ctx context.Context, name string, st task.Status) (preview.Push, []registry.Channel, error)
}

// Runner runs work off the UI goroutine and shows what it returns on it:
// the opening view's own queue, so its tests can wait for the dialog.
type Runner func(work func(context.Context) func())

func text(key string, kv ...any) string { return localize.Text(i18n.T(key, kv...)) }

// ButtonText is the label of the buttons that open the dialog.
func ButtonText() string { return text("preview.window.button") }

// Dialog shows what the chosen channel would be sent for a failure or a
// success of the chosen task: the title and body the templates make, what
// Herald cuts to fit the service, and the requests themselves, secrets
// masked.
type Dialog struct {
	eng      Engine
	run      Runner
	channels []registry.Channel
	c        registry.Channel // the chosen channel; no Kind: none yet
	channel  *widget.Select   // nil when opened for one channel
	task     *widget.Select
	status   *widget.RadioGroup
	rules    *widget.Label
	title    *widget.Label
	body     *widget.Label
	cut      *widget.Label
	notes    *widget.Label
	wire     *widget.Label
	scroll   *container.Scroll
	dlg      *dialog.CustomDialog
}

// ForChannel opens the dialog for channel c.
func ForChannel(eng Engine, run Runner, win fyne.Window, c registry.Channel) *Dialog {
	d := newDialog(eng, run)
	d.c = c
	d.open(win, text("preview.window.title", "Name", c.Name), nil)
	return d
}

// WithChoice opens the dialog with a channel to choose, the first one
// chosen.
func WithChoice(eng Engine, run Runner, win fyne.Window) *Dialog {
	d := newDialog(eng, run)
	d.channel = widget.NewSelect(nil, func(name string) {
		for _, c := range d.channels {
			if c.Name == name {
				d.c = c
			}
		}
		d.update()
	})
	d.channel.PlaceHolder = text("preview.window.channel")
	d.open(win, text("preview.window.title_any"), d.channel)
	return d
}

func newDialog(eng Engine, run Runner) *Dialog {
	d := &Dialog{eng: eng, run: run}
	d.task = widget.NewSelect(nil, func(string) { d.update() })
	d.task.PlaceHolder = text("preview.window.task")
	failure, success := text("preview.window.failure"), text("preview.window.success")
	d.status = widget.NewRadioGroup([]string{failure, success}, func(string) { d.update() })
	d.status.Horizontal = true
	d.status.Required = true
	d.status.Selected = failure
	d.rules = widget.NewLabel("")
	d.rules.Wrapping = fyne.TextWrapWord
	d.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.title.Wrapping = fyne.TextWrapWord
	d.body = widget.NewLabel("")
	d.body.Wrapping = fyne.TextWrapWord
	d.body.Selectable = true
	d.cut = widget.NewLabel("")
	d.cut.Wrapping = fyne.TextWrapWord
	d.cut.Importance = widget.WarningImportance
	d.notes = widget.NewLabel("")
	d.notes.Wrapping = fyne.TextWrapWord
	d.wire = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	d.wire.Wrapping = fyne.TextWrapBreak
	d.wire.Selectable = true
	return d
}

// open shows the dialog and loads the tasks (and the channels to choose
// from, with a channel select).
func (d *Dialog) open(win fyne.Window, title string, channel *widget.Select) {
	shown := widget.NewCard("", text("preview.window.message"), container.NewVBox(d.title, d.body, d.cut))
	sent := widget.NewCard("", text("preview.window.requests"), container.NewVBox(d.notes, d.wire))
	top := container.NewVBox(container.NewBorder(nil, nil, nil, d.status, d.task))
	if channel != nil {
		top.Add(channel)
	}
	rules := widget.NewCard("", text("preview.window.rules"), d.rules)
	d.scroll = container.NewVScroll(container.NewVBox(rules, shown, sent))
	content := container.NewBorder(top, nil, nil, nil, d.scroll)
	d.dlg = dialog.NewCustomWithoutButtons(title, content, win)
	d.dlg.SetButtons([]fyne.CanvasObject{widget.NewButtonWithIcon(text("preview.window.close"), theme.CancelIcon(), d.dlg.Hide)})
	d.dlg.Resize(fyne.NewSize(760, 620))
	d.dlg.Show()
	d.run(func(ctx context.Context) func() {
		names, err := d.eng.PreviewTaskNames(ctx)
		var chans []registry.Channel
		if err == nil && channel != nil {
			chans, err = d.eng.ListChannels(ctx)
		}
		return func() { d.loaded(names, chans, err) }
	})
}

func (d *Dialog) loaded(names []string, chans []registry.Channel, err error) {
	switch {
	case err != nil:
		d.title.SetText(localize.Error(err))
		return
	case len(names) == 0:
		d.title.SetText(text("preview.window.no_tasks"))
		return
	case d.channel != nil && len(chans) == 0:
		d.title.SetText(text("preview.window.no_channels"))
		return
	}
	d.task.SetOptions(names)
	if d.channel != nil {
		d.channels = chans
		opts := make([]string, len(chans))
		for i, c := range chans {
			opts[i] = c.Name
		}
		d.channel.SetOptions(opts)
		d.channel.SetSelectedIndex(0)
	}
	d.task.SetSelectedIndex(0) // updates
}

// update shows the chosen task's run with the chosen outcome on the
// chosen channel.
func (d *Dialog) update() {
	name, c := d.task.Selected, d.c
	if name == "" || c.Kind == nil {
		return
	}
	st := task.StatusFailure
	if d.status.Selected == text("preview.window.success") {
		st = task.StatusSuccess
	}
	d.run(func(ctx context.Context) func() {
		m, res, err := d.eng.PreviewTaskMessage(ctx, c, name, st)
		push, to, pushErr := d.eng.PreviewTaskPush(ctx, name, st)
		return func() {
			if d.task.Selected != name || d.c.ID != c.ID {
				return // a later choice is on its way
			}
			d.showRules(name, st, push, to, pushErr)
			d.show(m, res, err)
		}
	})
}

// showRules says whether the rules push this run to this channel, and why:
// "if backup failed now → …, because …".
func (d *Dialog) showRules(name string, st task.Status, p preview.Push, to []registry.Channel, err error) {
	if err != nil {
		d.rules.SetText(localize.Error(err))
		return
	}
	key := "preview.window.if_success"
	if st.Failed() {
		key = "preview.window.if_failure"
	}
	lines := []string{text(key, "Task", name)}
	for _, w := range p.Why {
		lines = append(lines, "• "+localize.Text(w))
	}
	gets := slices.ContainsFunc(to, func(c registry.Channel) bool { return c.ID == d.c.ID })
	switch {
	case gets:
		lines = append(lines, text("preview.window.gets", "Name", d.c.Name))
	case p.Reason != "":
		lines = append(lines, text("preview.window.not_this", "Name", d.c.Name))
	}
	d.rules.SetText(strings.Join(lines, "\n"))
}

func (d *Dialog) show(m message.Message, res preview.Result, err error) {
	// The labels' heights change: lay the cards out again.
	defer d.scroll.Refresh()
	if err != nil {
		d.title.SetText(localize.Error(err))
		d.body.SetText("")
		d.cut.Hide()
		d.notes.SetText("")
		d.wire.SetText("")
		return
	}
	d.title.SetText(m.Title)
	d.body.SetText(m.Body)
	if len(res.Cut) > 0 {
		d.cut.SetText(text("preview.window.cut", "Cuts", strings.Join(res.Cut, ", ")))
		d.cut.Show()
	} else {
		d.cut.Hide()
	}
	notes := []string{text("preview.window.not_sent", "N", len(res.Requests))}
	notes = append(notes, res.Notes...)
	if res.Err != "" {
		notes = append(notes, text("preview.window.kind_error", "Error", res.Err))
	}
	d.notes.SetText(strings.Join(notes, "\n"))
	var wire []string
	for i, r := range res.Requests {
		wire = append(wire, text("preview.window.request", "N", i+1)+"\n"+strings.ReplaceAll(r, "\r\n", "\n"))
	}
	d.wire.SetText(strings.Join(wire, "\n\n"))
}

// Channel is the chosen channel's name.
func (d *Dialog) Channel() string { return d.c.Name }

// Background is a Runner for a view without a queue of its own: work on a
// new goroutine until ctx ends, its result shown with fyne.Do.
func Background(ctx context.Context) Runner {
	return func(work func(context.Context) func()) {
		go func() {
			if apply := work(ctx); apply != nil && ctx.Err() == nil {
				fyne.Do(apply)
			}
		}()
	}
}
