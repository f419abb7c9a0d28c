package channels

import (
	"context"
	"io"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/channel/qinglong"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/ui/localize"
)

// qlText is a text of the qinglong import in the window's language.
func qlText(key string, kv ...any) string { return localize.Text(i18n.T(key, kv...)) }

// qinglongImport is the "Import from qinglong" dialog: qinglong's notify
// variables (config.sh or .env) pasted or opened, a preview of the
// channels they make, and one Import that creates them.
type qinglongImport struct {
	v         *View
	text      *widget.Entry
	preview   *fyne.Container
	result    *widget.Label
	importBtn *widget.Button
	dlg       *dialog.CustomDialog
	plan      qinglong.Plan
	warnings  []error
}

// newQinglongButton is the button opening the dialog.
func (v *View) newQinglongButton() *widget.Button {
	return widget.NewButtonWithIcon(qlText("qinglong.ui.open_dialog"), theme.UploadIcon(), v.showQinglong)
}

func (v *View) showQinglong() {
	q := &qinglongImport{v: v, preview: container.NewVBox()}
	q.text = widget.NewMultiLineEntry()
	q.text.SetPlaceHolder("export PUSH_PLUS_TOKEN=\"…\"\nexport TG_BOT_TOKEN=\"…\"")
	q.text.SetMinRowsVisible(8)
	q.text.OnChanged = func(string) { q.update() }
	q.result = widget.NewLabel("")
	q.result.Wrapping = fyne.TextWrapWord
	q.result.Hide()
	help := widget.NewLabel(qlText("qinglong.ui.help"))
	help.Wrapping = fyne.TextWrapWord
	open := widget.NewButtonWithIcon(qlText("qinglong.ui.file"), theme.FolderOpenIcon(), q.chooseFile)
	q.importBtn = widget.NewButtonWithIcon("", theme.ConfirmIcon(), q.doImport) // update names the count
	q.importBtn.Importance = widget.HighImportance
	content := container.NewBorder(container.NewVBox(help, q.text, open), q.result, nil, nil,
		container.NewVScroll(q.preview))
	q.dlg = dialog.NewCustomWithoutButtons(qlText("qinglong.ui.title"), content, v.win)
	q.dlg.SetButtons([]fyne.CanvasObject{widget.NewButtonWithIcon(qlText("qinglong.ui.close"), theme.CancelIcon(), q.dlg.Hide), q.importBtn})
	q.update()
	q.dlg.Resize(fyne.NewSize(720, 640))
	q.dlg.Show()
	v.win.Canvas().Focus(q.text)
}

// chooseFile fills the text from a config.sh or .env file.
func (q *qinglongImport) chooseFile() {
	dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		q.load(r)
	}, q.v.win)
}

// load fills the text from r.
func (q *qinglongImport) load(r io.Reader) {
	data, err := io.ReadAll(r)
	if err != nil {
		q.showResult(localize.Error(err), true)
		return
	}
	q.text.SetText(string(data))
}

// update parses the text and redraws the preview.
func (q *qinglongImport) update() {
	vars, warnings := qinglong.Parse(q.text.Text)
	q.plan, q.warnings = qinglong.MakePlan(vars, kinds.All(), ""), warnings
	var rows []fyne.CanvasObject
	for _, w := range q.warnings {
		rows = append(rows, note(localize.Error(w), widget.WarningImportance))
	}
	if len(q.plan.Unknown) > 0 {
		rows = append(rows, note(localize.Text(qinglong.UnknownText(q.plan.Unknown)), widget.WarningImportance))
	}
	ready := 0
	for _, c := range q.plan.Candidates {
		rows = append(rows, q.candidateRow(c))
		if q.creatable(c) {
			ready++
		}
	}
	if len(q.plan.Candidates) == 0 && strings.TrimSpace(q.text.Text) != "" {
		rows = append(rows, note(qlText("qinglong.ui.nothing"), widget.MediumImportance))
	}
	q.preview.Objects = rows
	q.preview.Refresh()
	q.importBtn.SetText(qlText("qinglong.ui.import_n", "Count", ready))
	if ready == 0 {
		q.importBtn.Disable()
	} else {
		q.importBtn.Enable()
	}
}

// creatable says whether c can be created: valid, and its name free.
func (q *qinglongImport) creatable(c qinglong.Candidate) bool {
	return c.Err == nil && !q.taken(c.Name)
}

func (q *qinglongImport) taken(name string) bool {
	return slices.ContainsFunc(q.v.items, func(c registry.Channel) bool { return c.Name == name }) // as the registry compares
}

// candidateRow shows one channel to be created: service and name, its
// settings (secrets masked) with their variables, or why it is skipped.
func (q *qinglongImport) candidateRow(c qinglong.Candidate) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(kindName(c.Kind, c.Kind.ID)+" · "+c.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title)
	switch {
	case c.Err != nil:
		box.Add(note(qlText("qinglong.ui.skipped", "Problem", c.Err), widget.DangerImportance))
	case q.taken(c.Name):
		box.Add(note(qlText("qinglong.ui.exists", "Name", c.Name), widget.DangerImportance))
	default:
		for _, f := range c.Kind.Fields {
			if line, ok := settingLine(c, f); ok {
				box.Add(note(line, widget.MediumImportance))
			}
		}
	}
	return container.NewPadded(box)
}

// settingLine is "label: value ← VARIABLE", secrets masked as the
// channel's stored values are; ok is false for a field left unset.
func settingLine(c qinglong.Candidate, f channel.Field) (string, bool) {
	v, set := c.Config[f.Key]
	from := c.From[f.Key]
	if !set || (v == f.Default && from == "") {
		return "", false
	}
	if f.Secret {
		if f.Mask != nil {
			v = f.Mask(v)
		} else {
			v = registry.Mask(v)
		}
	}
	label := localize.Text(i18n.Label(c.Kind.LabelKey(f), f.Label))
	if from != "" {
		return label + ": " + v + "  ← " + from, true
	}
	return label + ": " + v, true
}

func note(text string, imp widget.Importance) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = imp
	return l
}

// doImport creates every creatable channel, each whole or not at all
// (the registry's Add), and shows what happened.
func (q *qinglongImport) doImport() {
	var todo []qinglong.Candidate
	for _, c := range q.plan.Candidates {
		if q.creatable(c) {
			todo = append(todo, c)
		}
	}
	q.importBtn.Disable()
	q.v.change(func(ctx context.Context) func() {
		var lines []string
		failed := false
		for _, c := range todo {
			if _, err := q.v.reg.Add(ctx, c.Kind.ID, c.Name, c.Raw); err != nil {
				failed = true
				lines = append(lines, qlText("qinglong.ui.failed", "Name", c.Name, "Problem", userText(err)))
				continue
			}
			lines = append(lines, qlText("qinglong.ui.created", "Name", c.Name))
		}
		return func() {
			q.v.reload()
			if !failed {
				q.text.SetText("") // the pasted secrets are stored now: off the screen
			}
			q.update() // the names just taken show as such
			q.showResult(strings.Join(lines, "\n"), failed)
		}
	})
}

func (q *qinglongImport) showResult(text string, failed bool) {
	q.result.SetText(text)
	q.result.Importance = widget.SuccessImportance
	if failed {
		q.result.Importance = widget.DangerImportance
	}
	q.result.Show()
	q.result.Refresh()
}
