package channels

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/ui/localize"
	"github.com/heraldpush/herald/ui/wheel"
)

// detailPane is the right pane for the selected channel: what it is, its
// last test, the actions, and the stored values (前值) on demand.
type detailPane struct {
	v *View
	c registry.Channel

	badge fyne.CanvasObject
	name  *widget.Label
	kind  *widget.Label
	docs  *widget.Hyperlink

	testBtn   *widget.Button
	prevBtn   *widget.Button
	pvBtn     *widget.Button // nil when the engine cannot preview
	editBtn   *widget.Button
	renameBtn *widget.Button
	deleteBtn *widget.Button

	// status is the last test: sending (with the spinner), or its outcome
	// with the service's answer.
	spinner *widget.Activity
	status  *widget.Label

	// fallback: the channels a push it fails for good goes to (fallback.go).
	fallback    *widget.Label
	fallbackBtn *widget.Button
	fallbackRow *fyne.Container

	prevCard *widget.Card
	prevBox  *fyne.Container
	prevOpen bool
	revealed map[string]string // secret field → value read from the keyring
	prevErr  map[string]string // secret field → why it could not be read
	reading  map[string]bool   // secret fields being read
	body     *fyne.Container
	scroll   *container.Scroll
	object   fyne.CanvasObject
}

func newDetailPane(v *View) *detailPane {
	d := &detailPane{v: v}
	d.badge = newBadge("")
	d.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.name.SizeName = theme.SizeNameSubHeadingText
	d.name.Truncation = fyne.TextTruncateEllipsis
	d.kind = widget.NewLabel("")
	d.docs = widget.NewHyperlink(lang.L("channels.kind_docs"), nil)

	d.testBtn = widget.NewButtonWithIcon(lang.L("channels.test"), theme.MailSendIcon(), func() { v.test(d.c) })
	d.testBtn.Importance = widget.HighImportance
	d.prevBtn = widget.NewButtonWithIcon(lang.L("channels.prev"), theme.VisibilityIcon(), d.togglePrev)
	d.editBtn = widget.NewButtonWithIcon(lang.L("channels.edit"), theme.DocumentCreateIcon(), func() { v.showEdit(d.c) })
	d.renameBtn = widget.NewButtonWithIcon(lang.L("channels.rename"), theme.ContentRedoIcon(), func() { v.confirmRename(d.c) })
	d.deleteBtn = widget.NewButtonWithIcon(lang.L("channels.delete"), theme.DeleteIcon(), func() { v.confirmDelete(d.c) })
	// Less prominent than Test: deleting is rare and asks first.
	d.deleteBtn.Importance = widget.LowImportance

	d.spinner = widget.NewActivity()
	d.spinner.Hide()
	d.status = widget.NewLabel("")
	d.status.Wrapping = fyne.TextWrapWord
	d.status.Selectable = true // the answer is worth copying into a search

	d.prevBox = container.NewVBox()
	d.prevCard = widget.NewCard("", lang.L("channels.prev.title"), d.prevBox)
	d.prevCard.Hide()

	head := container.NewBorder(nil, nil, container.NewCenter(d.badge), nil,
		container.NewVBox(d.name, container.NewHBox(d.kind, d.docs)))
	actions := container.NewHBox(d.testBtn, d.prevBtn, layout.NewSpacer(), d.editBtn, d.renameBtn, d.deleteBtn)
	if d.pvBtn = v.newPreviewButton(func() registry.Channel { return d.c }); d.pvBtn != nil {
		actions.Objects = append(actions.Objects[:2], append([]fyne.CanvasObject{d.pvBtn}, actions.Objects[2:]...)...)
	}
	d.body = container.NewVBox(head, widget.NewSeparator(), actions,
		container.NewBorder(nil, nil, container.NewCenter(d.spinner), nil, d.status), d.buildFallback(), d.prevCard)
	d.scroll = wheel.NewVScroll(container.NewPadded(d.body))
	d.object = d.scroll
	return d
}

// reset forgets what was shown for the previous channel.
func (d *detailPane) reset() {
	d.prevOpen = false
	d.revealed, d.prevErr, d.reading = nil, nil, nil
}

// show draws c.
func (d *detailPane) show(c registry.Channel) {
	if c.ID != d.c.ID || !c.UpdatedAt.Equal(d.c.UpdatedAt) {
		// Edited since the secrets were read: read them again on demand.
		d.revealed, d.prevErr, d.reading = nil, nil, nil
	}
	d.c = c
	setBadge(d.badge, c.Channel.Kind)
	d.name.SetText(c.Name)
	d.kind.SetText(kindName(c.Kind, c.Channel.Kind))
	d.docs.Hidden = true
	if c.Kind != nil && c.Kind.DocURL != "" {
		if err := d.docs.SetURLFromString(c.Kind.DocURL); err == nil {
			d.docs.Hidden = false
		}
	}
	d.docs.Refresh()

	for _, b := range []*widget.Button{d.testBtn, d.prevBtn, d.editBtn, d.pvBtn} {
		if b == nil {
			continue
		}
		if c.Kind == nil {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	d.showStatus()
	d.showFallback()
	d.showPrev()
}

// showStatus shows the test in progress, or the last test's outcome: the
// one just sent from here (whose error may not have reached the store), else
// the stored one.
func (d *detailPane) showStatus() {
	c := d.c
	d.spinner.Stop()
	d.spinner.Hide()
	d.status.Importance = widget.MediumImportance
	if c.Kind == nil {
		d.status.SetText(lang.L("channels.kind_unknown", map[string]any{"Kind": c.Channel.Kind}))
		return
	}
	st := d.v.tests[c.ID]
	if st != nil && st.running {
		d.testBtn.Disable()
		d.spinner.Show()
		d.spinner.Start()
		d.status.SetText(lang.L("channels.testing"))
		return
	}
	var ok bool
	var at time.Time
	var answer string
	switch t := c.LastTest; {
	case st != nil && (t == nil || !st.at.Before(t.At)):
		ok, at, answer = st.ok, st.at, st.answer
	case t != nil:
		ok, at, answer = t.OK, t.At, t.Answer
	default:
		d.status.SetText(lang.L("channels.never_tested_hint"))
		return
	}
	data := map[string]any{"At": at.Local().Format(timeFormat), "Answer": localize.Text(dispatch.AnswerText(answer))}
	if ok {
		d.status.Importance = widget.SuccessImportance
		d.status.SetText(lang.L("channels.test_ok", data))
	} else {
		d.status.Importance = widget.DangerImportance
		d.status.SetText(lang.L("channels.test_failed", data))
	}
}

// togglePrev shows or hides the stored values (前值).
func (d *detailPane) togglePrev() {
	d.prevOpen = !d.prevOpen
	if !d.prevOpen {
		d.revealed, d.prevErr, d.reading = nil, nil, nil
	}
	d.showPrev()
}

// showPrev draws the stored values: registry.Show masks secrets without
// touching the keyring; each stored secret has a reveal toggle.
func (d *detailPane) showPrev() {
	if !d.prevOpen || d.c.Kind == nil {
		d.prevBtn.Importance = widget.MediumImportance
		d.prevBtn.Refresh()
		d.prevCard.Hide()
		d.relayout()
		return
	}
	d.prevBtn.Importance = widget.HighImportance
	d.prevBtn.Refresh()
	grid := container.New(layout.NewFormLayout())
	for _, f := range d.v.reg.Show(d.c) {
		label := widget.NewLabelWithStyle(lang.X(d.c.Kind.LabelKey(f.Field), f.Label), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		value := widget.NewLabel("")
		value.Wrapping = fyne.TextWrapBreak
		value.Selectable = true
		switch {
		case f.Secret && f.Set:
			if v, ok := d.revealed[f.Key]; ok {
				value.SetText(v)
			} else if msg, ok := d.prevErr[f.Key]; ok {
				value.Importance = widget.DangerImportance
				value.SetText(msg)
			} else {
				value.SetText(f.Value) // "••••"
			}
		case f.Set:
			value.SetText(f.Value)
		case f.Default:
			value.Importance = widget.LowImportance
			value.SetText(lang.L("channels.prev.default", map[string]any{"Value": f.Value}))
		default:
			value.Importance = widget.LowImportance
			value.SetText(lang.L("channels.prev.unset"))
		}
		var cell fyne.CanvasObject = value
		if f.Secret && f.Set {
			cell = container.NewBorder(nil, nil, nil, d.revealButton(f.Key), value)
		}
		grid.Add(label)
		grid.Add(cell)
	}
	d.prevBox.Objects = []fyne.CanvasObject{grid}
	d.prevCard.Show()
	d.relayout()
}

// relayout lays the pane out again after texts or parts appeared or went:
// wrapped labels only know their height once they know their width.
func (d *detailPane) relayout() {
	d.scroll.Refresh()
	d.body.Refresh()
}

// revealButton toggles one secret between masked and its keyring value.
func (d *detailPane) revealButton(key string) *widget.Button {
	if _, shown := d.revealed[key]; shown {
		return widget.NewButtonWithIcon(lang.L("channels.hide"), theme.VisibilityOffIcon(), func() {
			delete(d.revealed, key)
			d.showPrev()
		})
	}
	b := widget.NewButtonWithIcon(lang.L("channels.reveal"), theme.VisibilityIcon(), nil)
	if d.reading[key] {
		b.Disable()
	}
	b.OnTapped = func() {
		c := d.c
		if d.reading == nil {
			d.reading = map[string]bool{}
		}
		d.reading[key] = true
		b.Disable()
		// A keyring read may wait on an unlock prompt: off the UI goroutine.
		d.v.background(func(ctx context.Context) func() {
			v, err := d.v.reg.Reveal(ctx, c, key, true)
			return func() {
				if d.c.ID != c.ID || !d.prevOpen {
					return
				}
				delete(d.reading, key)
				if err != nil {
					if d.prevErr == nil {
						d.prevErr = map[string]string{}
					}
					d.prevErr[key] = d.v.eng.Redact(err)
				} else {
					if d.revealed == nil {
						d.revealed = map[string]string{}
					}
					delete(d.prevErr, key)
					d.revealed[key] = v
				}
				d.showPrev()
			}
		})
	}
	return b
}

// test sends a test push through the dispatcher (the outbox, like every
// push) and shows the service's answer; the store records it as the
// channel's last test.
func (v *View) test(c registry.Channel) {
	if c.Kind == nil || v.testing(c.ID) {
		return
	}
	st := &testState{running: true}
	v.tests[c.ID] = st
	v.list.Refresh()
	if v.selected == c.ID && v.form == nil {
		v.detail.show(c)
	}
	v.change(func(ctx context.Context) func() {
		del, err := v.eng.Test(ctx, c)
		return func() {
			st.running = false
			st.at = time.Now()
			st.ok = err == nil && del.OK
			st.answer = del.Answer
			if err != nil {
				msg := userText(err)
				if st.answer != "" && !strings.Contains(msg, st.answer) {
					msg = st.answer + " (" + msg + ")"
				}
				st.answer = msg
			}
			v.reload()
		}
	})
}

// confirmRename asks for the new name; the registry checks it and its
// complaint is shown under the entry.
func (v *View) confirmRename(c registry.Channel) {
	entry := widget.NewEntry()
	entry.SetText(c.Name)
	errText := errorLabel()
	content := container.NewVBox(widget.NewForm(widget.NewFormItem(lang.L("channels.rename.new_name"), entry)), errText)
	dlg := dialog.NewCustomWithoutButtons(lang.L("channels.rename.title"), content, v.win)
	rename := func() {
		name := entry.Text
		v.change(func(ctx context.Context) func() {
			err := v.reg.Rename(ctx, c.Name, name)
			return func() {
				if err != nil {
					msg := userText(err)
					if p, ok := nameProblem(err); ok {
						msg = p
					}
					errText.SetText(msg)
					errText.Show()
					return
				}
				dlg.Hide()
			}
		})
	}
	entry.OnSubmitted = func(string) { rename() }
	ok := widget.NewButtonWithIcon(lang.L("channels.rename"), theme.ConfirmIcon(), rename)
	ok.Importance = widget.HighImportance
	dlg.SetButtons([]fyne.CanvasObject{widget.NewButtonWithIcon(lang.L("channels.cancel"), theme.CancelIcon(), dlg.Hide), ok})
	dlg.Resize(fyne.NewSize(420, dlg.MinSize().Height))
	dlg.Show()
	v.win.Canvas().Focus(entry)
}

// confirmDelete removes c after the person confirms.
func (v *View) confirmDelete(c registry.Channel) {
	dlg := dialog.NewConfirm(lang.L("channels.delete.title"),
		lang.L("channels.delete.confirm", map[string]any{"Name": c.Name}),
		func(ok bool) {
			if !ok {
				return
			}
			// Removing deletes the channel's secrets from the keyring.
			v.change(func(ctx context.Context) func() {
				err := v.reg.Remove(ctx, c.Name)
				return func() {
					if err != nil {
						dialog.ShowError(err, v.win)
						v.reload()
						return
					}
					delete(v.tests, c.ID)
					if v.selected == c.ID {
						v.selected = ""
					}
					v.reload()
				}
			})
		}, v.win)
	dlg.SetConfirmText(lang.L("channels.delete"))
	dlg.SetConfirmImportance(widget.DangerImportance)
	dlg.SetDismissText(lang.L("channels.cancel"))
	dlg.Show()
}
