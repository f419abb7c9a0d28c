package channels

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/ui/localize"
)

// fieldInput is the widget of one schema field, with its help, docs link and
// the error the engine found in it.
type fieldInput struct {
	f      channel.Field
	entry  *widget.Entry  // text, number, URL, list, JSON and secret fields
	check  *widget.Check  // bool fields
	choice *widget.Select // choice fields
	err    *widget.Label
	box    fyne.CanvasObject
}

func newFieldInput(k *channel.Kind, f channel.Field) *fieldInput {
	in := &fieldInput{f: f}
	var input fyne.CanvasObject
	switch {
	case f.Type == channel.TypeBool:
		in.check = widget.NewCheck("", nil)
		in.check.SetChecked(channel.Config{f.Key: f.Default}.Bool(f.Key))
		input = in.check
	case f.Type == channel.TypeChoice && !f.Secret:
		in.choice = widget.NewSelect(choiceOptions(f), nil)
		in.choice.PlaceHolder = lang.L("channels.form.unset")
		if f.Default != "" {
			in.choice.PlaceHolder = f.Default
		}
		input = in.choice
	default:
		switch {
		case f.Secret:
			in.entry = widget.NewPasswordEntry()
		case f.Type == channel.TypeJSON:
			in.entry = widget.NewMultiLineEntry()
			in.entry.SetMinRowsVisible(3)
			in.entry.Wrapping = fyne.TextWrapBreak
		default:
			in.entry = widget.NewEntry()
		}
		in.entry.SetPlaceHolder(f.Default)
		input = in.entry
	}
	in.err = widget.NewLabel("")
	in.err.Importance = widget.DangerImportance
	in.err.Wrapping = fyne.TextWrapWord
	in.err.Hide()

	help := widget.NewLabel(lang.X(k.HelpKey(f), f.Help))
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	parts := []fyne.CanvasObject{input, in.err, help}
	if link := docLink(f.DocURL, k.DocURL); link != nil {
		parts = append(parts, link)
	}
	in.box = container.NewVBox(parts...)
	return in
}

// choiceOptions lists a choice field's values; an optional one starts with
// "not set" so it can be cleared again.
func choiceOptions(f channel.Field) []string {
	if f.Required {
		return slices.Clone(f.Choices)
	}
	return append([]string{lang.L("channels.form.unset")}, f.Choices...)
}

// docLink links to the first of the URLs that is set.
func docLink(urls ...string) *widget.Hyperlink {
	for _, s := range urls {
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			continue
		}
		link := widget.NewHyperlink(lang.L("channels.form.docs"), u)
		link.SizeName = theme.SizeNameCaptionText
		return link
	}
	return nil
}

// value is the field's text as the engine takes it ("" means the default).
func (in *fieldInput) value() string {
	switch {
	case in.check != nil:
		return strconv.FormatBool(in.check.Checked)
	case in.choice != nil:
		i := in.choice.SelectedIndex()
		if !in.f.Required {
			i-- // past "not set"
		}
		if i < 0 {
			return ""
		}
		return in.f.Choices[i]
	}
	return strings.TrimSpace(in.entry.Text)
}

// setValue shows v; "" shows the default.
func (in *fieldInput) setValue(v string) {
	switch {
	case in.check != nil:
		if v == "" {
			v = in.f.Default
		}
		in.check.SetChecked(channel.Config{in.f.Key: v}.Bool(in.f.Key))
	case in.choice != nil:
		i := slices.IndexFunc(in.f.Choices, func(c string) bool { return strings.EqualFold(c, v) })
		if i < 0 {
			in.choice.ClearSelected()
			return
		}
		if !in.f.Required {
			i++
		}
		in.choice.SetSelectedIndex(i)
	default:
		in.entry.SetText(v)
	}
}

func (in *fieldInput) setError(msg string) {
	if msg == "" {
		in.err.Hide()
		in.err.SetText("")
		return
	}
	in.err.SetText(msg)
	in.err.Show()
}

// channelForm is the form generated from a kind's field schema, for adding
// a channel (with a name) or editing one.
type channelForm struct {
	kind    *channel.Kind
	name    *widget.Entry // nil when editing: renaming is its own action
	nameErr *widget.Label
	qd      *widget.Entry // nil for kinds QD does not know
	qdFill  *widget.Button
	qdMsg   *widget.Label
	inputs  []*fieldInput
	byKey   map[string]*fieldInput
	formErr *widget.Label
	content *fyne.Container
	// resized is called when errors or messages appeared or went, so the
	// pane lays the form out again (nil: nothing to tell).
	resized func()
}

func newChannelForm(k *channel.Kind, withName bool) *channelForm {
	f := &channelForm{kind: k, byKey: map[string]*fieldInput{}}
	var parts []fyne.CanvasObject
	if k.QDFields > 0 {
		parts = append(parts, f.qdBox())
	}
	var items []*widget.FormItem
	if withName {
		f.name = widget.NewEntry()
		f.name.SetPlaceHolder(lang.L("channels.form.name_placeholder"))
		f.nameErr = errorLabel()
		items = append(items, widget.NewFormItem(lang.L("channels.form.name")+" *", container.NewVBox(f.name, f.nameErr)))
	}
	for _, field := range k.Fields {
		in := newFieldInput(k, field)
		f.inputs = append(f.inputs, in)
		f.byKey[field.Key] = in
		label := lang.X(k.LabelKey(field), field.Label)
		if field.Required {
			label += " *"
		}
		items = append(items, widget.NewFormItem(label, in.box))
	}
	form := widget.NewForm(items...)
	note := widget.NewLabel(lang.L("channels.form.required_note"))
	note.SizeName = theme.SizeNameCaptionText
	f.formErr = errorLabel()
	parts = append(parts, form, note, f.formErr)
	f.content = container.NewVBox(parts...)
	return f
}

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

// qdBox is the "Import QD string" box: QD's a;b;c registration string
// fills the fields it carries.
func (f *channelForm) qdBox() fyne.CanvasObject {
	keys := make([]string, f.kind.QDFields)
	for i, field := range f.kind.Fields[:f.kind.QDFields] {
		keys[i] = field.Key
	}
	// The string carries tokens: masked like the secret fields it fills.
	f.qd = widget.NewPasswordEntry()
	f.qd.SetPlaceHolder(strings.Join(keys, ";"))
	f.qd.OnSubmitted = func(string) { f.importQD() }
	f.qdFill = widget.NewButtonWithIcon(lang.L("channels.qd.fill"), theme.DownloadIcon(), f.importQD)
	f.qdMsg = widget.NewLabel("")
	f.qdMsg.Wrapping = fyne.TextWrapWord
	f.qdMsg.Hide()
	help := widget.NewLabel(lang.L("channels.qd.help", map[string]any{"Keys": strings.Join(keys, ";")}))
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	return widget.NewCard("", lang.L("channels.qd.title"),
		container.NewVBox(container.NewBorder(nil, nil, nil, f.qdFill, f.qd), help, f.qdMsg))
}

// importQD fills the QD fields from the string; positions left empty go
// back to their defaults.
func (f *channelForm) importQD() {
	raw, err := f.kind.ParseQD(f.qd.Text)
	if err != nil {
		f.qdMsg.Importance = widget.DangerImportance
		f.qdMsg.SetText(fieldMessage(err))
		f.qdMsg.Show()
		f.relayout()
		return
	}
	var filled []string
	for _, field := range f.kind.Fields[:f.kind.QDFields] {
		in := f.byKey[field.Key]
		in.setValue(raw[field.Key])
		in.setError("")
		if raw[field.Key] != "" {
			filled = append(filled, lang.X(f.kind.LabelKey(field), field.Label))
		}
	}
	f.qdMsg.Importance = widget.SuccessImportance
	f.qdMsg.SetText(lang.L("channels.qd.filled", map[string]any{"Fields": strings.Join(filled, ", ")}))
	f.qdMsg.Show()
	f.relayout()
}

// relayout lays the form out again after texts appeared or went: their
// containers do not notice by themselves.
func (f *channelForm) relayout() {
	f.content.Refresh()
	if f.resized != nil {
		f.resized()
	}
}

// values are the form's settings by canonical key.
func (f *channelForm) values() map[string]string {
	raw := make(map[string]string, len(f.inputs))
	for _, in := range f.inputs {
		raw[in.f.Key] = in.value()
	}
	return raw
}

// fill shows stored settings (secrets too: the entries mask them).
func (f *channelForm) fill(settings map[string]string) {
	for _, in := range f.inputs {
		in.setValue(settings[in.f.Key])
	}
}

// clearErrors hides every error shown.
func (f *channelForm) clearErrors() {
	for _, in := range f.inputs {
		in.setError("")
	}
	if f.nameErr != nil {
		f.nameErr.Hide()
	}
	f.formErr.Hide()
}

// showErrors puts the engine's complaints next to the fields they name:
// each channel.FieldError under its field, a name problem under the name,
// anything else under the form. more are further errors to show alongside
// (the field errors of a submit the name stopped early).
func (f *channelForm) showErrors(err error, more ...error) {
	f.clearErrors()
	var general []string
	seen := map[string]bool{}
	for _, e := range append([]error{err}, more...) {
		if e == nil {
			continue
		}
		var fes channel.FieldErrors
		var fe *channel.FieldError
		switch {
		case errors.As(e, &fes):
			for _, fe := range fes {
				general = f.showFieldError(fe, seen, general)
			}
		case errors.As(e, &fe):
			general = f.showFieldError(fe, seen, general)
		default:
			general = append(general, userText(e))
		}
	}
	if len(general) > 0 {
		f.formErr.SetText(strings.Join(general, "\n"))
		f.formErr.Show()
	}
	f.relayout()
}

func (f *channelForm) showFieldError(fe *channel.FieldError, seen map[string]bool, general []string) []string {
	if seen[fe.Field] {
		return general
	}
	seen[fe.Field] = true
	if p, ok := nameProblem(fe); ok && f.nameErr != nil {
		f.nameErr.SetText(p)
		f.nameErr.Show()
		return general
	}
	if in, ok := f.byKey[fe.Field]; ok {
		in.setError(localize.Text(fe.Problem()))
		return general
	}
	return append(general, localize.Error(fe))
}

// userText is an engine error as a person reads it, in the window's
// language: without the CLI's "bad input" class.
func userText(err error) string {
	if _, ok := i18n.TextOf(err); ok {
		return localize.Error(err)
	}
	return strings.TrimPrefix(err.Error(), registry.ErrBadInput.Error()+": ")
}

// fieldMessage is a field error's text with the field's label, for places
// away from the field (the QD box).
func fieldMessage(err error) string { return userText(err) }

// nameProblem is what is wrong with a channel's name (the registry's
// complaint, not a kind's field), without the word "name".
func nameProblem(err error) (string, bool) {
	var fe *channel.FieldError
	if errors.As(err, &fe) && fe.Kind == "" && fe.Field == "name" {
		return localize.Text(fe.Problem()), true
	}
	return "", false
}
