package channels

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/channel/serviceurl"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/ui/localize"
)

// urlPaste is the Add pane's row for an Apprise or shoutrrr URL: it picks
// the kind and fills the fields, or says what is wrong with the URL. One
// row under the kind, so the form keeps its room.
type urlPaste struct {
	entry *widget.Entry
	fill  *widget.Button
	msg   *widget.Label
	item  *widget.FormItem
	// apply shows the kind's form filled with raw.
	apply func(k *channel.Kind, raw map[string]string)
}

func newURLPaste(apply func(k *channel.Kind, raw map[string]string)) *urlPaste {
	u := &urlPaste{apply: apply}
	// URLs carry tokens: masked like the secret fields they fill.
	u.entry = widget.NewPasswordEntry()
	u.entry.SetPlaceHolder(localize.Text(i18n.T("serviceurl.form.placeholder")))
	u.entry.OnSubmitted = func(string) { u.paste() }
	u.fill = widget.NewButtonWithIcon(localize.Text(i18n.T("serviceurl.form.fill")), theme.DownloadIcon(), u.paste)
	u.msg = widget.NewLabel("")
	u.msg.Wrapping = fyne.TextWrapWord
	u.msg.Hide()
	u.item = widget.NewFormItem(localize.Text(i18n.T("serviceurl.form.label")),
		container.NewVBox(container.NewBorder(nil, nil, nil, u.fill, u.entry), u.msg))
	return u
}

// paste reads the URL: the kind's form filled, or the problem shown.
func (u *urlPaste) paste() {
	id, raw, err := serviceurl.Parse(u.entry.Text)
	if err != nil {
		u.msg.Importance = widget.DangerImportance
		u.msg.SetText(userText(err))
		u.msg.Show()
		return
	}
	k, _ := kinds.Get(id) // Parse returns only kinds it found
	u.apply(k, raw)
	u.msg.Importance = widget.SuccessImportance
	u.msg.SetText(localize.Text(i18n.T("serviceurl.form.filled", "Kind", i18n.T(k.NameKey()))))
	u.msg.Show()
}

// fillFromURL shows k's form (the name typed is kept) filled with raw;
// fields the URL does not set go back to their defaults.
func (p *formPane) fillFromURL(k *channel.Kind, raw map[string]string) {
	all, _ := kindOptions()
	p.kindSel.SetSelectedIndex(slices.Index(all, k))
	p.form.fill(raw)
	p.form.clearErrors()
}
