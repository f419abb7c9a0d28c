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

// advancedKeys are settings most people leave alone: they go under the
// form's collapsed "Advanced" part. A required field never does.
var advancedKeys = map[string]bool{
	"proxy": true, "api": true, "method": true, "content_type": true, "pic_url": true, "pic": true,
	"icon": true, "ca_file": true, "thread_id": true, "host": true,
}

// isAdvanced reports whether f goes under "Advanced" in k's form (email's
// host is its SMTP server, not an API host to override).
func isAdvanced(k *channel.Kind, f channel.Field) bool {
	if f.Required || (f.Key == "host" && k.ID == "email") {
		return false
	}
	return advancedKeys[f.Key]
}

// numberWidth is the width of a whole-number input (a port): wide enough
// for its digits, not the whole column.
const numberWidth float32 = 140

// fieldInput is the widget of one schema field, with its help and the
// error the engine found in it.
type fieldInput struct {
	f        channel.Field
	entry    *widget.Entry  // text, number, URL, list, JSON and secret fields
	check    *widget.Check  // bool fields
	choice   *widget.Select // choice fields
	label    *widget.Label
	err      *widget.Label
	box      fyne.CanvasObject // the input, its error and help
	advanced bool
}

func newFieldInput(k *channel.Kind, f channel.Field, changed func(*fieldInput)) *fieldInput {
	in := &fieldInput{f: f, advanced: isAdvanced(k, f), err: errorLabel()}
	var input fyne.CanvasObject
	switch {
	case f.Type == channel.TypeBool:
		in.check = widget.NewCheck("", func(bool) { changed(in) })
		in.check.SetChecked(channel.Config{f.Key: f.Default}.Bool(f.Key))
		input = in.check
	case f.Type == channel.TypeChoice && !f.Secret:
		in.choice = widget.NewSelect(choiceOptions(f), func(string) { changed(in) })
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
		in.entry.OnChanged = func(string) { changed(in) }
		input = in.entry
		if f.Type == channel.TypeInt {
			input = container.NewHBox(container.NewGridWrap(fyne.NewSize(numberWidth, in.entry.MinSize().Height), in.entry))
		}
	}
	label := lang.X(k.LabelKey(f), f.Label)
	if f.Required {
		label += " *"
	}
	in.label = widget.NewLabel(label)
	in.label.Wrapping = fyne.TextWrapWord
	in.label.TextStyle.Bold = true

	help := widget.NewLabel(lang.X(k.HelpKey(f), f.Help))
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	in.box = container.NewVBox(input, in.err, help)
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
		return widget.NewHyperlink(lang.L("channels.form.docs"), u)
	}
	return nil
}

// kindDocs is the one documentation link of k's form: the kind's page, else
// the first field's own.
func kindDocs(k *channel.Kind) *widget.Hyperlink {
	urls := []string{k.DocURL}
	for _, f := range k.Fields {
		urls = append(urls, f.DocURL)
	}
	return docLink(urls...)
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

func (in *fieldInput) hasError() bool { return in.err.Visible() }

// channelForm is the form generated from a kind's field schema, for adding
// a channel (with a name) or editing one.
type channelForm struct {
	kind      *channel.Kind
	name      *widget.Entry // nil when editing: renaming is its own action
	nameLabel *widget.Label
	nameErr   *widget.Label
	qd        *widget.Entry // nil for kinds QD does not know
	qdFill    *widget.Button
	qdMsg     *widget.Label
	inputs    []*fieldInput
	byKey     map[string]*fieldInput
	// The rarely changed fields, collapsed under a toggle (nil: none).
	advToggle *widget.Button
	advRows   *fyne.Container
	rows      []*rowsLayout
	content   *fyne.Container
	// resized is called when errors or messages appeared or went, so the
	// pane lays the form out again (nil: nothing to tell).
	resized func()
	// errorsChanged is called when editing cleared or changed a field's
	// error, so the pane's summary counts again (nil: nobody to tell).
	errorsChanged func()
}

func newChannelForm(k *channel.Kind, withName bool) *channelForm {
	f := &channelForm{kind: k, byKey: map[string]*fieldInput{}}
	var parts []fyne.CanvasObject
	if link := kindDocs(k); link != nil {
		parts = append(parts, link)
	}
	if k.QDFields > 0 {
		parts = append(parts, f.qdBox())
	}
	var main, adv []fyne.CanvasObject
	if withName {
		f.name = widget.NewEntry()
		f.name.SetPlaceHolder(lang.L("channels.form.name_placeholder"))
		f.name.OnChanged = func(string) { f.nameChanged() }
		f.nameErr = errorLabel()
		f.nameLabel = widget.NewLabel(lang.L("channels.form.name") + " *")
		f.nameLabel.TextStyle.Bold = true
		main = append(main, f.nameLabel, container.NewVBox(f.name, f.nameErr))
	}
	for _, field := range k.Fields {
		in := newFieldInput(k, field, f.fieldChanged)
		f.inputs = append(f.inputs, in)
		f.byKey[field.Key] = in
		if in.advanced {
			adv = append(adv, in.label, in.box)
		} else {
			main = append(main, in.label, in.box)
		}
	}
	parts = append(parts, f.newRows(main...))
	if len(adv) > 0 {
		f.advRows = f.newRows(adv...)
		f.advRows.Hide()
		f.advToggle = widget.NewButtonWithIcon(lang.L("chform.advanced", map[string]any{"Count": len(adv) / 2}),
			theme.MenuExpandIcon(), func() { f.showAdvanced(!f.advRows.Visible()) })
		f.advToggle.Importance = widget.LowImportance
		f.advToggle.Alignment = widget.ButtonAlignLeading
		f.advToggle.IconPlacement = widget.ButtonIconLeadingText
		parts = append(parts, widget.NewSeparator(), f.advToggle, f.advRows)
	}
	note := widget.NewLabel(lang.L("channels.form.required_note"))
	note.SizeName = theme.SizeNameCaptionText
	parts = append(parts, note)
	f.content = container.NewVBox(parts...)
	return f
}

func (f *channelForm) newRows(objs ...fyne.CanvasObject) *fyne.Container {
	l := &rowsLayout{switched: f.relayout}
	f.rows = append(f.rows, l)
	return container.New(l, objs...)
}

// showAdvanced opens or closes the rarely changed fields.
func (f *channelForm) showAdvanced(open bool) {
	if f.advRows == nil || open == f.advRows.Visible() {
		return
	}
	if open {
		f.advRows.Show()
		f.advToggle.SetIcon(theme.MenuDropUpIcon())
	} else {
		f.advRows.Hide()
		f.advToggle.SetIcon(theme.MenuExpandIcon())
	}
	f.relayout()
}

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

// qdBox is the QD import box: QD's a;b;c registration string fills the
// fields it carries. It says what QD is, for people who never used it.
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
	help := widget.NewLabel(lang.L("chform.qd.help", map[string]any{"Keys": strings.Join(keys, ";")}))
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	return widget.NewCard("", lang.L("chform.qd.title"),
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
	f.notifyErrors()
}

// relayout lays the form out again after texts appeared or went: their
// containers do not notice by themselves.
func (f *channelForm) relayout() {
	f.content.Refresh()
	if f.resized != nil {
		f.resized()
	}
}

func (f *channelForm) notifyErrors() {
	if f.errorsChanged != nil {
		f.errorsChanged()
	}
}

// fieldChanged checks a field that shows an error again as it is edited,
// so the error goes as soon as the value is right.
func (f *channelForm) fieldChanged(in *fieldInput) {
	if !in.hasError() {
		return
	}
	err := f.kind.CheckField(in.f.Key, in.value())
	if err == nil {
		// Alone it is fine; a rule between fields may still name it.
		_, err = f.kind.Parse(f.values())
		if !namesField(err, in.f.Key) {
			err = nil
		}
	}
	was := in.err.Text
	in.setError(fieldText(err))
	if in.err.Text != was {
		f.relayout()
		f.notifyErrors()
	}
}

// nameChanged drops the name's error once something is typed: the
// registry checks the name on save.
func (f *channelForm) nameChanged() {
	if f.nameErr.Visible() && strings.TrimSpace(f.name.Text) != "" {
		f.nameErr.Hide()
		f.relayout()
		f.notifyErrors()
	}
}

// namesField reports whether err holds a FieldError for key.
func namesField(err error, key string) bool {
	var fes channel.FieldErrors
	if errors.As(err, &fes) {
		for _, fe := range fes {
			if fe.Field == key {
				return true
			}
		}
	}
	var fe *channel.FieldError
	return errors.As(err, &fe) && fe.Field == key
}

// fieldText is the text shown under a field for its error ("" for none).
func fieldText(err error) string {
	if err == nil {
		return ""
	}
	var fe *channel.FieldError
	if errors.As(err, &fe) {
		return localize.Text(fe.Problem())
	}
	return userText(err)
}

// values are the form's settings by canonical key.
func (f *channelForm) values() map[string]string {
	raw := make(map[string]string, len(f.inputs))
	for _, in := range f.inputs {
		raw[in.f.Key] = in.value()
	}
	return raw
}

// fill shows stored settings (secrets too: the entries mask them); an
// advanced field that is set opens the advanced part.
func (f *channelForm) fill(settings map[string]string) {
	for _, in := range f.inputs {
		in.setValue(settings[in.f.Key])
		if in.advanced && settings[in.f.Key] != "" && settings[in.f.Key] != in.f.Default {
			f.showAdvanced(true)
		}
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
}

// showErrors puts the engine's complaints next to the fields they name:
// each channel.FieldError under its field, a name problem under the name.
// more are further errors to show alongside (the field errors of a submit
// the name stopped early). It returns the complaints that name no field.
func (f *channelForm) showErrors(err error, more ...error) (general []string) {
	f.clearErrors()
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
	f.relayout()
	return general
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
		if in.advanced {
			f.showAdvanced(true)
		}
		return general
	}
	return append(general, localize.Error(fe))
}

// marked counts the fields (the name included) showing an error.
func (f *channelForm) marked() int {
	n := 0
	if f.nameErr != nil && f.nameErr.Visible() {
		n++
	}
	for _, in := range f.inputs {
		if in.hasError() {
			n++
		}
	}
	return n
}

// firstMarked is the row (label) of the first field showing an error, in
// the order the form shows them; nil when none does.
func (f *channelForm) firstMarked() fyne.CanvasObject {
	if f.nameErr != nil && f.nameErr.Visible() {
		return f.nameLabel
	}
	for _, adv := range []bool{false, true} {
		for _, in := range f.inputs {
			if in.advanced == adv && in.hasError() {
				return in.label
			}
		}
	}
	return nil
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
