package channels

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/ui/wheel"
)

// formPane is the right pane while adding or editing a channel: the kind
// choice (adding only), the generated form and Save / Cancel.
type formPane struct {
	v       *View
	editing *registry.Channel // nil when adding
	kindSel *widget.Select
	form    *channelForm
	body    *fyne.Container
	scroll  *container.Scroll
	save    *widget.Button
	cancel  *widget.Button
	testBtn *widget.Button
	spinner *widget.Activity
	// status, by the buttons, says why nothing was saved (how many fields
	// are marked, or the error) or how a test of the form went.
	status *widget.Label
	// counting: status shows the count of marked fields, kept up to date
	// as they are fixed.
	counting bool
	// verb is "save" or "test": what the counting status says was not done.
	verb   string
	frame  *fyne.Container
	object fyne.CanvasObject
}

func (v *View) newFormPane(title string, top fyne.CanvasObject) *formPane {
	p := &formPane{v: v}
	p.body = container.NewStack()
	p.save = widget.NewButtonWithIcon(lang.L("channels.save"), theme.DocumentSaveIcon(), p.submit)
	p.save.Importance = widget.HighImportance
	p.save.Disable()
	p.cancel = widget.NewButtonWithIcon(lang.L("channels.cancel"), theme.CancelIcon(), p.close)
	// Test before Save: the form's values go to the service unsaved.
	p.testBtn = widget.NewButtonWithIcon(lang.L("channels.test"), theme.MailSendIcon(), p.testForm)
	p.testBtn.Disable()
	p.spinner = widget.NewActivity()
	p.spinner.Hide()
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.status.Hide()
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head := container.NewVBox(heading)
	if top != nil {
		head.Add(top)
	}
	buttons := container.NewHBox(p.spinner, p.testBtn, layout.NewSpacer(), p.cancel, p.save)
	p.scroll = wheel.NewVScroll(container.NewPadded(p.body))
	p.frame = container.NewBorder(container.NewPadded(head), container.NewPadded(container.NewVBox(p.status, buttons)), nil, nil, p.scroll)
	p.object = p.frame
	return p
}

// ShowAdd opens the add pane (the welcome's "Register a channel"). Call on
// the UI goroutine.
func (v *View) ShowAdd() { v.showAdd() }

// showAdd opens the add pane: choose a kind, then fill in its form.
func (v *View) showAdd() {
	all, names := kindOptions()
	var p *formPane
	sel := widget.NewSelect(names, func(string) {
		i := p.kindSel.SelectedIndex()
		if i < 0 {
			return
		}
		f := newChannelForm(all[i], true)
		if p.form != nil {
			// Changing the kind keeps the name already typed.
			f.name.SetText(p.form.name.Text)
		}
		p.setForm(f)
	})
	sel.PlaceHolder = lang.L("channels.add.kind_placeholder")
	paste := newURLPaste(func(k *channel.Kind, raw map[string]string) { p.fillFromURL(k, raw) })
	kindRow := widget.NewForm(widget.NewFormItem(lang.L("channels.add.kind"), sel), paste.item)
	p = v.newFormPane(lang.L("channels.add.title"), kindRow)
	p.kindSel = sel
	v.openForm(p)
}

// showEdit opens the edit pane for c, prefilled with its settings (read
// from the keyring off the UI goroutine).
func (v *View) showEdit(c registry.Channel) {
	if c.Kind == nil {
		return
	}
	p := v.newFormPane(lang.L("channels.edit.title", map[string]any{"Name": c.Name}), nil)
	p.editing = &c
	v.openForm(p)
	p.setBusy(true)
	v.background(func(ctx context.Context) func() {
		settings, err := v.reg.Settings(ctx, c)
		return func() {
			p.setBusy(false)
			f := newChannelForm(c.Kind, false)
			p.setForm(f)
			if err != nil {
				p.save.Disable()
				p.testBtn.Disable()
				p.setStatus(userText(err), widget.DangerImportance)
				return
			}
			f.fill(settings)
		}
	})
}

func (v *View) openForm(p *formPane) {
	v.form = p
	if p.editing == nil {
		v.selected = ""
	}
	v.syncing = true
	if i := v.index(v.selected); i >= 0 {
		v.list.Select(i)
	} else {
		v.list.UnselectAll()
	}
	v.syncing = false
	v.setRight(p.object)
}

func (p *formPane) setForm(f *channelForm) {
	p.form = f
	f.resized = p.scroll.Refresh
	f.errorsChanged = p.recount
	p.body.Objects = []fyne.CanvasObject{f.content}
	p.setStatus("", widget.MediumImportance)
	p.scroll.ScrollToTop()
	p.scroll.Refresh()
	p.save.Enable()
	p.testBtn.Enable()
}

// setStatus shows msg by the buttons ("" hides it).
func (p *formPane) setStatus(msg string, imp widget.Importance) {
	p.counting = false
	p.status.Importance = imp
	p.status.SetText(msg)
	p.status.Hidden = msg == ""
	// The bar by the buttons grows or shrinks: lay the pane out again.
	p.frame.Refresh()
}

// report shows the outcome of a save or test the form's values failed:
// every complaint under its field, the count by the buttons, and the
// first marked field scrolled into view. verb is "save" or "test".
func (p *formPane) report(verb string, err error, more ...error) {
	f := p.form
	general := f.showErrors(err, more...)
	p.verb = verb
	switch {
	case len(general) > 0:
		p.setStatus(lang.L(statusKeys[verb].failed, map[string]any{"Error": strings.Join(general, "; ")}), widget.DangerImportance)
	default:
		p.counting = true
		p.recount()
	}
	p.revealFirst()
}

// recount shows how many fields are marked, after they changed.
func (p *formPane) recount() {
	if p.form == nil || !p.counting {
		return
	}
	n := p.form.marked()
	if n == 0 {
		p.setStatus("", widget.MediumImportance)
		return
	}
	p.setStatus(markedText(p.verb, n), widget.DangerImportance)
	p.counting = true
}

// markedText is "Nothing saved: fix the 3 fields marked in red" (or
// "Nothing sent" for a test), in the right number.
func markedText(verb string, n int) string {
	key := statusKeys[verb].other
	if n == 1 {
		key = statusKeys[verb].one
	}
	return lang.L(key, map[string]any{"Count": n})
}

// statusKeys are the texts saying what a save or test did not do.
var statusKeys = map[string]struct{ one, other, failed string }{
	"save": {"chform.save.marked.one", "chform.save.marked.other", "chform.save.failed"},
	"test": {"chform.test.marked.one", "chform.test.marked.other", "chform.test.failed"},
}

// revealFirst scrolls the first marked field into view.
func (p *formPane) revealFirst() {
	target := p.form.firstMarked()
	if target == nil {
		return
	}
	p.scroll.Refresh()
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(target).Y - d.AbsolutePositionForObject(p.scroll.Content).Y
	p.scroll.ScrollToOffset(fyne.NewPos(0, max(0, y-theme.Padding())))
}

func (p *formPane) setBusy(busy bool) {
	if busy {
		p.spinner.Show()
		p.spinner.Start()
		p.save.Disable()
		p.testBtn.Disable()
		return
	}
	p.spinner.Stop()
	p.spinner.Hide()
	if p.form != nil {
		p.save.Enable()
		p.testBtn.Enable()
	}
}

// close leaves the form for the channel it edited, or for nothing.
func (p *formPane) close() {
	v := p.v
	if v.form != p {
		return
	}
	v.form = nil
	if p.editing != nil {
		v.showChannel(p.editing.ID)
		return
	}
	v.showPlaceholder()
}

// submit saves through the registry, which validates; its complaints are
// shown next to the fields. Secrets go to the keyring, so the save runs off
// the UI goroutine.
func (p *formPane) submit() {
	f := p.form
	if f == nil {
		return
	}
	v := p.v
	raw := f.values()
	name := ""
	if f.name != nil {
		name = f.name.Text
	}
	p.setBusy(true)
	v.change(func(ctx context.Context) func() {
		var c registry.Channel
		var err error
		if p.editing == nil {
			c, err = v.reg.Add(ctx, f.kind.ID, name, raw)
		} else {
			c, err = v.reg.Edit(ctx, p.editing.Name, raw)
		}
		var fieldErr error
		var fes channel.FieldErrors
		if err != nil && !errors.As(err, &fes) {
			// Add checks the name before the fields: show both at once.
			_, fieldErr = f.kind.Parse(raw)
		}
		return func() {
			p.setBusy(false)
			if err != nil {
				p.report("save", err, fieldErr)
				return
			}
			if v.form == p {
				v.form = nil
			}
			v.selected = c.ID
			v.detail.reset()
			v.reload()
			v.showChannel(c.ID)
		}
	})
}

// testTimeout bounds a test of the form's values.
const testTimeout = 30 * time.Second

// testForm sends a test push with the form's current values without
// storing anything (Uptime Kuma's "Test" before "Save"): invalid values are
// marked as on Save; otherwise the service's answer shows by the buttons.
func (p *formPane) testForm() {
	f := p.form
	if f == nil {
		return
	}
	v := p.v
	raw := f.values()
	name := f.kind.Name
	switch {
	case f.name != nil && strings.TrimSpace(f.name.Text) != "":
		name = strings.TrimSpace(f.name.Text)
	case p.editing != nil:
		name = p.editing.Name
	}
	if _, err := f.kind.Parse(raw); err != nil {
		p.report("test", err)
		return
	}
	f.clearErrors()
	f.relayout()
	p.setStatus(lang.L("channels.testing"), widget.MediumImportance)
	p.setBusy(true)
	v.change(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, testTimeout)
		defer cancel()
		err := v.eng.TestUnsaved(ctx, f.kind, name, raw)
		return func() {
			p.setBusy(false)
			if p.form != f {
				return
			}
			if err != nil {
				p.setStatus(lang.L("chform.test.send_failed", map[string]any{"Error": err.Error()}), widget.DangerImportance)
				return
			}
			p.setStatus(lang.L("chform.test.ok"), widget.SuccessImportance)
		}
	})
}
