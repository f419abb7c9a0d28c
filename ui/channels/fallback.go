package channels

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
)

// fallbackEngine is what the fallback controls need of the engine
// (*host.Env has it); without it they stay hidden.
type fallbackEngine interface {
	PushSettings(ctx context.Context) (dispatch.Settings, error)
	SavePushSettings(ctx context.Context, s dispatch.Settings) error
}

// buildFallback is the detail pane's fallback line: the channels a push
// this channel fails for good is re-sent through, and a button to choose
// them.
func (d *detailPane) buildFallback() fyne.CanvasObject {
	d.fallback = widget.NewLabel("")
	d.fallback.Wrapping = fyne.TextWrapWord
	d.fallbackBtn = widget.NewButtonWithIcon(lang.L("remind.ui.fallback.button"), theme.MailForwardIcon(), func() { d.v.editFallback(d.c.ID) })
	d.fallbackBtn.Importance = widget.LowImportance
	d.fallbackRow = container.NewBorder(nil, nil, nil, d.fallbackBtn, d.fallback)
	if _, ok := d.v.eng.(fallbackEngine); !ok {
		d.fallbackRow.Hide()
	}
	return d.fallbackRow
}

// showFallback shows the selected channel's fallbacks.
func (d *detailPane) showFallback() {
	fe, ok := d.v.eng.(fallbackEngine)
	if !ok {
		return
	}
	s, err := fe.PushSettings(d.v.ctx)
	if err != nil {
		d.fallback.SetText(userText(err))
		return
	}
	if names := d.v.channelNames(s.Fallbacks[d.c.ID]); names != "" {
		d.fallback.SetText(lang.L("remind.ui.fallback.label", map[string]any{"Names": names}))
	} else {
		d.fallback.SetText(lang.L("remind.ui.fallback.none"))
	}
}

// channelNames are the names of the listed channels among ids.
func (v *View) channelNames(ids []string) string {
	var names []string
	for _, id := range ids {
		for _, c := range v.items {
			if c.ID == id {
				names = append(names, c.Name)
			}
		}
	}
	return strings.Join(names, ", ")
}

// editFallback asks which channels are channel id's fallbacks and saves
// the choice in the push settings.
func (v *View) editFallback(id string) {
	fe, ok := v.eng.(fallbackEngine)
	if !ok {
		return
	}
	s, err := fe.PushSettings(v.ctx)
	if err != nil {
		dialog.ShowError(err, v.win)
		return
	}
	var name string
	var options []string
	byName := map[string]string{}
	for _, c := range v.items {
		if c.ID == id {
			name = c.Name
			continue
		}
		options = append(options, c.Name)
		byName[c.Name] = c.ID
	}
	group := widget.NewCheckGroup(options, nil)
	for _, fid := range s.Fallbacks[id] {
		for n, cid := range byName {
			if cid == fid {
				group.Selected = append(group.Selected, n)
			}
		}
	}
	group.Refresh()
	errText := errorLabel()
	help := widget.NewLabel(lang.L("remind.ui.fallback.help", map[string]any{"Name": name}))
	help.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewCustomWithoutButtons(lang.L("remind.ui.fallback.title", map[string]any{"Name": name}),
		container.NewVBox(help, group, errText), v.win)
	save := func() {
		var ids []string
		for _, n := range options { // in the list's order
			if slices.Contains(group.Selected, n) {
				ids = append(ids, byName[n])
			}
		}
		if err := v.saveFallback(fe, id, ids); err != nil {
			errText.SetText(userText(err))
			errText.Show()
			return
		}
		dlg.Hide()
		v.detail.showFallback()
	}
	ok2 := widget.NewButtonWithIcon(lang.L("remind.ui.fallback.save"), theme.ConfirmIcon(), save)
	ok2.Importance = widget.HighImportance
	dlg.SetButtons([]fyne.CanvasObject{widget.NewButtonWithIcon(lang.L("channels.cancel"), theme.CancelIcon(), dlg.Hide), ok2})
	dlg.Resize(fyne.NewSize(420, dlg.MinSize().Height))
	dlg.Show()
}

// saveFallback stores ids as channel id's fallbacks (none: removed); the
// settings are read again first so other changes are kept.
func (v *View) saveFallback(fe fallbackEngine, id string, ids []string) error {
	s, err := fe.PushSettings(v.ctx)
	if err != nil {
		return err
	}
	value := "none"
	if len(ids) > 0 {
		value = strings.Join(ids, ",")
	}
	if err := s.Set("fallback."+id, value, nil); err != nil {
		return err
	}
	return fe.SavePushSettings(v.ctx, s)
}
