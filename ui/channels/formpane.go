package channels

import (
	"context"
	"errors"

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
	spinner *widget.Activity
	object  fyne.CanvasObject
}

func (v *View) newFormPane(title string, top fyne.CanvasObject) *formPane {
	p := &formPane{v: v}
	p.body = container.NewStack()
	p.save = widget.NewButtonWithIcon(lang.L("channels.save"), theme.DocumentSaveIcon(), p.submit)
	p.save.Importance = widget.HighImportance
	p.save.Disable()
	p.cancel = widget.NewButtonWithIcon(lang.L("channels.cancel"), theme.CancelIcon(), p.close)
	p.spinner = widget.NewActivity()
	p.spinner.Hide()
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head := container.NewVBox(heading)
	if top != nil {
		head.Add(top)
	}
	buttons := container.NewHBox(p.spinner, layout.NewSpacer(), p.cancel, p.save)
	p.scroll = wheel.NewVScroll(container.NewPadded(p.body))
	p.object = container.NewBorder(container.NewPadded(head), container.NewPadded(buttons), nil, nil, p.scroll)
	return p
}

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
	kindRow := widget.NewForm(widget.NewFormItem(lang.L("channels.add.kind"), sel))
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
				f.showErrors(err)
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
	p.body.Objects = []fyne.CanvasObject{f.content}
	p.scroll.ScrollToTop()
	p.scroll.Refresh()
	p.save.Enable()
}

func (p *formPane) setBusy(busy bool) {
	if busy {
		p.spinner.Show()
		p.spinner.Start()
		p.save.Disable()
		return
	}
	p.spinner.Stop()
	p.spinner.Hide()
	if p.form != nil {
		p.save.Enable()
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
				f.showErrors(err, fieldErr)
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
