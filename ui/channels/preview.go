package channels

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

// Previewer is what the Preview dialog asks of the engine (*host.Env has
// it): the tasks, and what a channel would be sent for a run of one.
type Previewer interface {
	PreviewTaskNames(ctx context.Context) ([]string, error)
	PreviewTaskMessage(ctx context.Context, c registry.Channel, name string, st task.Status) (message.Message, preview.Result, error)
	PreviewTaskPush(ctx context.Context, name string, st task.Status) (preview.Push, []registry.Channel, error)
}

func pvText(key string, kv ...any) string { return localize.Text(i18n.T(key, kv...)) }

// previewDialog shows what channel c would be sent for a failure or a
// success of a chosen task: the title and body the templates make, what
// Herald cuts to fit the service, and the requests themselves, secrets
// masked. Nothing is sent.
type previewDialog struct {
	v      *View
	p      Previewer
	c      registry.Channel
	task   *widget.Select
	status *widget.RadioGroup
	rules  *widget.Label
	title  *widget.Label
	body   *widget.Label
	cut    *widget.Label
	notes  *widget.Label
	wire   *widget.Label
	scroll *container.Scroll
	dlg    *dialog.CustomDialog
}

// newPreviewButton is the detail pane's Preview button; nil when the
// engine cannot preview.
func (v *View) newPreviewButton(c func() registry.Channel) *widget.Button {
	p, ok := v.eng.(Previewer)
	if !ok {
		return nil
	}
	return widget.NewButtonWithIcon(pvText("preview.window.button"), theme.DocumentIcon(), func() { v.showPreview(p, c()) })
}

// previewState is the View's part of the Preview dialog.
type previewState struct {
	lastPreview *previewDialog // the dialog opened last, for tests
}

func (v *View) showPreview(p Previewer, c registry.Channel) *previewDialog {
	if c.Kind == nil {
		return nil
	}
	d := &previewDialog{v: v, p: p, c: c}
	d.task = widget.NewSelect(nil, func(string) { d.update() })
	d.task.PlaceHolder = pvText("preview.window.task")
	failure, success := pvText("preview.window.failure"), pvText("preview.window.success")
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

	shown := widget.NewCard("", pvText("preview.window.message"), container.NewVBox(d.title, d.body, d.cut))
	sent := widget.NewCard("", pvText("preview.window.requests"), container.NewVBox(d.notes, d.wire))
	top := container.NewVBox(container.NewBorder(nil, nil, nil, d.status, d.task))
	rules := widget.NewCard("", pvText("preview.window.rules"), d.rules)
	d.scroll = container.NewVScroll(container.NewVBox(rules, shown, sent))
	content := container.NewBorder(top, nil, nil, nil, d.scroll)
	d.dlg = dialog.NewCustomWithoutButtons(pvText("preview.window.title", "Name", c.Name), content, v.win)
	d.dlg.SetButtons([]fyne.CanvasObject{widget.NewButtonWithIcon(pvText("preview.window.close"), theme.CancelIcon(), d.dlg.Hide)})
	d.dlg.Resize(fyne.NewSize(760, 620))
	d.dlg.Show()
	v.lastPreview = d
	v.background(func(ctx context.Context) func() {
		names, err := p.PreviewTaskNames(ctx)
		return func() {
			switch {
			case err != nil:
				d.title.SetText(localize.Error(err))
			case len(names) == 0:
				d.title.SetText(pvText("preview.window.no_tasks"))
			default:
				d.task.SetOptions(names)
				d.task.SetSelectedIndex(0) // updates
			}
		}
	})
	return d
}

// update shows the chosen task's run with the chosen outcome.
func (d *previewDialog) update() {
	name := d.task.Selected
	if name == "" {
		return
	}
	st := task.StatusFailure
	if d.status.Selected == pvText("preview.window.success") {
		st = task.StatusSuccess
	}
	d.v.background(func(ctx context.Context) func() {
		m, res, err := d.p.PreviewTaskMessage(ctx, d.c, name, st)
		push, to, pushErr := d.p.PreviewTaskPush(ctx, name, st)
		return func() {
			if d.task.Selected != name {
				return // a later choice is on its way
			}
			d.showRules(name, st, push, to, pushErr)
			d.show(m, res, err)
		}
	})
}

// showRules says whether the rules push this run to this channel, and why:
// "if backup failed now → …, because …".
func (d *previewDialog) showRules(name string, st task.Status, p preview.Push, to []registry.Channel, err error) {
	if err != nil {
		d.rules.SetText(localize.Error(err))
		return
	}
	key := "preview.window.if_success"
	if st.Failed() {
		key = "preview.window.if_failure"
	}
	lines := []string{pvText(key, "Task", name)}
	for _, w := range p.Why {
		lines = append(lines, "• "+localize.Text(w))
	}
	gets := slices.ContainsFunc(to, func(c registry.Channel) bool { return c.ID == d.c.ID })
	switch {
	case gets:
		lines = append(lines, pvText("preview.window.gets", "Name", d.c.Name))
	case p.Reason != "":
		lines = append(lines, pvText("preview.window.not_this", "Name", d.c.Name))
	}
	d.rules.SetText(strings.Join(lines, "\n"))
}

func (d *previewDialog) show(m message.Message, res preview.Result, err error) {
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
		d.cut.SetText(pvText("preview.window.cut", "Cuts", strings.Join(res.Cut, ", ")))
		d.cut.Show()
	} else {
		d.cut.Hide()
	}
	notes := []string{pvText("preview.window.not_sent", "N", len(res.Requests))}
	notes = append(notes, res.Notes...)
	if res.Err != "" {
		notes = append(notes, pvText("preview.window.kind_error", "Error", res.Err))
	}
	d.notes.SetText(strings.Join(notes, "\n"))
	var wire []string
	for i, r := range res.Requests {
		wire = append(wire, pvText("preview.window.request", "N", i+1)+"\n"+strings.ReplaceAll(r, "\r\n", "\n"))
	}
	d.wire.SetText(strings.Join(wire, "\n\n"))
}
