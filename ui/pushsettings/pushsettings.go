// Package pushsettings is the Push settings (推送设置) tab: the global push
// rules, the periodic batch push and the message templates with a live
// preview. Every control writes through to the store on change; the
// engine's dispatch.Settings decides what is valid.
package pushsettings

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/ui/localize"
	"github.com/heraldpush/herald/ui/pushpreview"
	"github.com/heraldpush/herald/ui/wheel"
)

// Keys of the settings as dispatch names them; each control's error label
// is filed under its key.
const (
	keyEnabled       = "enabled"
	keyChannels      = "channels"
	keyManualSuccess = "manual_success"
	keyManualFailure = "manual_failure"
	keyAutoSuccess   = "auto_success"
	keyAutoFailure   = "auto_failure"
	keyFailures      = "failures_before_notify"
	keyRecovery      = "recovery"
	keyBatchEnabled  = "batch.enabled"
	keyBatchFirst    = "batch.first"
	keyBatchInterval = "batch.interval"
	keyBatchSkip     = "batch.skip_empty"
	keyLanguage      = "language"
	keyTitle         = "title_template"
	keyBody          = "body_template"
)

// languages are the template languages in the order the select shows them.
var languages = []string{"", "en", "zh"}

// Samples the preview renders.
const (
	sampleFailure = iota
	sampleSuccess
	sampleRecovered
)

// timeLayout is how the next batch push time is shown (as in messages).
const timeLayout = "2006-01-02 15:04:05"

// View is the Push settings tab.
type View struct {
	ctx context.Context
	eng Engine
	win fyne.Window // the window the tab lives in (kept for dialogs)

	// now and loc are the clock and time zone of the next-due time and the
	// preview's sample run; tests fix them.
	now func() time.Time
	loc *time.Location

	// settings are the settings as last read or written.
	settings dispatch.Settings
	// filling is set while Refresh puts stored values into the widgets, so
	// their change callbacks don't write them back.
	filling bool

	loadErr        *widget.Label
	enabled        *widget.Check
	allChannels    *widget.Check
	channelBox     *fyne.Container
	channelChecks  []channelCheck
	noChannels     *widget.Label
	manualSuccess  *widget.Check
	manualFailure  *widget.Check
	autoSuccess    *widget.Check
	autoFailure    *widget.Check
	failures       *widget.Entry
	recovery       *widget.Check
	batchEnabled   *widget.Check
	batchFirst     *widget.Entry
	batchInterval  *durationPicker
	batchSkipEmpty *widget.Check
	nextDue        *widget.Label
	language       *widget.Select
	title          *widget.Entry
	body           *widget.Entry
	useDefaults    *widget.Button
	sample         *widget.RadioGroup
	previewTitle   *widget.Label
	previewBody    *widget.Label
	errs           map[string]*widget.Label
	remind         *remindControls // reminders and escalation (remind.go)
	quiet          quietControls   // quiet.go

	dueTimer *time.Timer
	obj      fyne.CanvasObject
	watch    *watchControls // watch.go

	previewBtn  *widget.Button      // opens the Preview dialog; nil when the engine cannot preview
	lastPreview *pushpreview.Dialog // the Preview dialog opened last, for tests
}

type channelCheck struct {
	id    string
	check *widget.Check
}

// Engine is what the tab uses of the engine (*host.Env in the app).
type Engine interface {
	PushSettings(ctx context.Context) (dispatch.Settings, error)
	// SavePushSettings stores the settings and has a running engine apply them.
	SavePushSettings(ctx context.Context, s dispatch.Settings) error
	ListChannels(ctx context.Context) ([]registry.Channel, error)
}

// New builds the tab and fills it from eng.
func New(ctx context.Context, eng Engine, win fyne.Window) *View {
	v := &View{ctx: ctx, eng: eng, win: win, now: time.Now, loc: time.Local, errs: map[string]*widget.Label{}}
	v.build()
	v.Refresh()
	return v
}

// Object is the tab's content.
func (v *View) Object() fyne.CanvasObject { return v.obj }

// Refresh reloads the settings and the registered channels (another tab or
// the CLI may have changed them) and shows them.
func (v *View) Refresh() {
	s, err := v.eng.PushSettings(v.ctx)
	if err != nil {
		setError(v.loadErr, localize.Error(err))
		s = dispatch.DefaultSettings()
	} else {
		setError(v.loadErr, "")
	}
	v.settings = s
	v.filling = true
	defer func() { v.filling = false }()
	for _, l := range v.errs {
		setError(l, "")
	}

	v.enabled.SetChecked(s.Enabled)
	v.allChannels.SetChecked(s.AllChannels)
	v.loadChannels(s)
	v.manualSuccess.SetChecked(s.ManualSuccess)
	v.manualFailure.SetChecked(s.ManualFailure)
	v.autoSuccess.SetChecked(s.AutoSuccess)
	v.autoFailure.SetChecked(s.AutoFailure)
	v.failures.SetText(strconv.Itoa(s.FailuresBeforeNotify))
	v.recovery.SetChecked(s.Recovery)
	v.batchEnabled.SetChecked(s.Batch.Enabled)
	v.batchFirst.SetText(s.Batch.First)
	v.batchInterval.set(s.Batch.Interval)
	v.batchSkipEmpty.SetChecked(s.Batch.SkipEmpty)
	v.language.SetSelectedIndex(max(slices.Index(languages, s.Language), 0))
	v.title.SetText(s.TitleTemplate)
	v.body.SetText(s.BodyTemplate)
	v.fillQuiet(s)
	v.showNextDue()
	v.updatePreview()
	v.refreshWatch(s)
	v.refreshRemind(s)
}

func (v *View) build() {
	v.loadErr = errorLabel()

	// Pushes: the switch and the channels.
	v.enabled = v.check("pushsettings.enabled", keyEnabled, func(s *dispatch.Settings, on bool) { s.Enabled = on })
	v.allChannels = widget.NewCheck(lang.L("pushsettings.channels.all"), func(on bool) {
		v.channelsChanged()
	})
	v.channelBox = container.NewVBox()
	v.noChannels = widget.NewLabel(lang.L("pushsettings.channels.none"))
	v.noChannels.Wrapping = fyne.TextWrapWord
	v.noChannels.Importance = widget.LowImportance
	pushes := widget.NewCard(lang.L("pushsettings.section.pushes"), "", container.NewVBox(
		v.enabled,
		helpLabel(lang.L("pushsettings.enabled.help")),
		v.errLabel(keyEnabled),
		widget.NewSeparator(),
		boldLabel(lang.L("pushsettings.channels")),
		v.allChannels,
		container.NewPadded(v.channelBox),
		v.noChannels,
		v.errLabel(keyChannels),
	))

	// When: the four switches, N and the recovery notice.
	v.manualSuccess = v.check("pushsettings.when.manual_success", keyManualSuccess, func(s *dispatch.Settings, on bool) { s.ManualSuccess = on })
	v.manualFailure = v.check("pushsettings.when.manual_failure", keyManualFailure, func(s *dispatch.Settings, on bool) { s.ManualFailure = on })
	v.autoSuccess = v.check("pushsettings.when.auto_success", keyAutoSuccess, func(s *dispatch.Settings, on bool) { s.AutoSuccess = on })
	v.autoFailure = v.check("pushsettings.when.auto_failure", keyAutoFailure, func(s *dispatch.Settings, on bool) { s.AutoFailure = on })
	v.failures = v.textEntry(keyFailures, "0")
	v.recovery = v.check("pushsettings.recovery", keyRecovery, func(s *dispatch.Settings, on bool) { s.Recovery = on })
	when := widget.NewCard(lang.L("pushsettings.section.when"), "", container.NewVBox(
		container.NewGridWithColumns(2,
			container.NewVBox(v.manualSuccess, v.errLabel(keyManualSuccess)),
			container.NewVBox(v.manualFailure, v.errLabel(keyManualFailure)),
			container.NewVBox(v.autoSuccess, v.errLabel(keyAutoSuccess)),
			container.NewVBox(v.autoFailure, v.errLabel(keyAutoFailure)),
		),
		widget.NewSeparator(),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(lang.L("pushsettings.failures")),
			container.NewVBox(
				narrow(v.failures, 100),
				helpLabel(lang.L("pushsettings.failures.help")),
				v.errLabel(keyFailures),
			),
		),
		widget.NewSeparator(),
		v.recovery,
		helpLabel(lang.L("pushsettings.recovery.help")),
		v.errLabel(keyRecovery),
	))

	// Batch push.
	v.batchEnabled = v.check("pushsettings.batch.enabled", keyBatchEnabled, func(s *dispatch.Settings, on bool) { s.Batch.Enabled = on })
	v.batchFirst = v.textEntry(keyBatchFirst, "12:00:00")
	v.batchInterval = newDurationPicker(func(n int, err error) {
		if v.filling {
			return
		}
		v.update(keyBatchInterval, func(s *dispatch.Settings) error {
			if err != nil {
				return &dispatch.FieldError{Field: keyBatchInterval, Msg: lang.L("views.duration.not_whole")}
			}
			return s.Set(keyBatchInterval, strconv.Itoa(n), nil)
		})
	})
	v.batchSkipEmpty = v.check("pushsettings.batch.skip_empty", keyBatchSkip, func(s *dispatch.Settings, on bool) { s.Batch.SkipEmpty = on })
	v.nextDue = widget.NewLabel("")
	v.nextDue.TextStyle = fyne.TextStyle{Bold: true}
	batch := widget.NewCard(lang.L("pushsettings.section.batch"), "", container.NewVBox(
		v.batchEnabled,
		helpLabel(lang.L("pushsettings.batch.help")),
		v.errLabel(keyBatchEnabled),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(lang.L("pushsettings.batch.first")),
			container.NewVBox(narrow(v.batchFirst, 140), helpLabel(lang.L("pushsettings.batch.first.help")), v.errLabel(keyBatchFirst)),
			widget.NewLabel(lang.L("pushsettings.batch.interval")),
			container.NewVBox(narrow(v.batchInterval.obj, 240), helpLabel(lang.L("pushsettings.batch.interval.help")), v.errLabel(keyBatchInterval)),
		),
		v.batchSkipEmpty,
		v.errLabel(keyBatchSkip),
		v.nextDue,
	))

	// Message content: language, templates, the fields they may use.
	v.language = widget.NewSelect([]string{
		lang.L("pushsettings.language.system"), "English", "简体中文",
	}, func(string) {
		i := v.language.SelectedIndex()
		if v.filling || i < 0 {
			return
		}
		v.update(keyLanguage, func(s *dispatch.Settings) error {
			s.Language = languages[i]
			return nil
		})
		// The preview follows the language even if it could not be saved.
		v.updatePreview()
	})
	v.title = v.templateEntry(keyTitle, 2)
	v.body = v.templateEntry(keyBody, 10)
	v.useDefaults = widget.NewButtonWithIcon(lang.L("pushsettings.templates.use_defaults"), theme.DocumentIcon(), v.fillDefaults)
	fields := widget.NewLabel(fieldsHelp())
	fields.Wrapping = fyne.TextWrapWord
	content := widget.NewCard(lang.L("pushsettings.section.message"), "", container.NewVBox(
		container.New(layout.NewFormLayout(),
			widget.NewLabel(lang.L("pushsettings.language")),
			container.NewVBox(v.language, helpLabel(lang.L("pushsettings.language.help")), v.errLabel(keyLanguage)),
			widget.NewLabel(lang.L("pushsettings.title")),
			container.NewVBox(v.title, v.errLabel(keyTitle)),
			widget.NewLabel(lang.L("pushsettings.body")),
			container.NewVBox(v.body, v.errLabel(keyBody)),
		),
		// Template syntax goes in as data: a translation is itself a
		// template, so braces in its text would be executed.
		helpLabel(lang.L("pushsettings.templates.help", map[string]any{
			"Field": "{{.Task}}", "If": "{{if .Error}}…{{end}}",
		})),
		container.NewHBox(v.useDefaults),
		widget.NewAccordion(widget.NewAccordionItem(lang.L("pushsettings.templates.fields.title"), fields)),
	))

	// Preview of a sample run.
	v.sample = widget.NewRadioGroup([]string{
		lang.L("pushsettings.preview.failure"), lang.L("pushsettings.preview.success"), lang.L("pushsettings.preview.recovered"),
	}, func(string) { v.updatePreview() })
	v.sample.Horizontal = true
	v.sample.Required = true
	v.previewTitle = widget.NewLabel("")
	v.previewTitle.TextStyle = fyne.TextStyle{Bold: true}
	v.previewTitle.Wrapping = fyne.TextWrapWord
	v.previewBody = widget.NewLabel("")
	v.previewBody.Wrapping = fyne.TextWrapWord
	v.sample.SetSelected(v.sample.Options[sampleFailure])
	previewBox := container.NewVBox(v.sample, widget.NewSeparator(), v.previewTitle, v.previewBody)
	if v.previewBtn = v.channelPreviewButton(); v.previewBtn != nil {
		previewBox.Add(widget.NewSeparator())
		previewBox.Add(container.NewHBox(v.previewBtn))
	}
	preview := widget.NewCard(lang.L("pushsettings.section.preview"), lang.L("pushsettings.preview.help"), previewBox)

	remind := v.buildRemind()
	v.obj = wheel.NewVScroll(container.NewVBox(v.loadErr, pushes, when, remind, batch, v.buildQuiet(), v.buildWatch(), content, preview))
}

// check builds a write-through check box for one boolean setting.
func (v *View) check(labelKey, key string, set func(*dispatch.Settings, bool)) *widget.Check {
	return widget.NewCheck(lang.L(labelKey), func(on bool) {
		if v.filling {
			return
		}
		v.update(key, func(s *dispatch.Settings) error {
			set(s, on)
			return nil
		})
	})
}

// textEntry builds a write-through entry for a setting the engine parses
// from text (its CLI form), so the engine's parser and messages apply.
func (v *View) textEntry(key, placeholder string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	e.OnChanged = func(text string) {
		if v.filling {
			return
		}
		v.update(key, func(s *dispatch.Settings) error { return s.Set(key, text, nil) })
	}
	return e
}

// templateEntry builds a multi-line template entry: each change is
// checked by the engine and stored when good; the preview follows the
// text as typed either way.
func (v *View) templateEntry(key string, rows int) *widget.Entry {
	e := widget.NewMultiLineEntry()
	e.SetMinRowsVisible(rows)
	e.SetPlaceHolder(lang.L("pushsettings.templates.placeholder"))
	e.OnChanged = func(text string) {
		if v.filling {
			return
		}
		v.update(key, func(s *dispatch.Settings) error {
			// Assigned rather than Set: a template may be any text,
			// including the word "default", which Set reads as a reset.
			if key == keyTitle {
				s.TitleTemplate = text
			} else {
				s.BodyTemplate = text
			}
			return dispatch.CheckTemplates(s.TitleTemplate, s.BodyTemplate)
		})
		v.updatePreview()
	}
	return e
}

// update applies one change to the stored settings and saves them. The
// settings are read again first so a change made elsewhere (the CLI) to
// another setting is kept. Errors are shown under the control named by
// key and nothing is stored. It reports whether the change was saved.
func (v *View) update(key string, change func(*dispatch.Settings) error) bool {
	show := func(err error) bool {
		setError(v.errs[key], errorText(err, key))
		return err == nil
	}
	s, err := v.eng.PushSettings(v.ctx)
	if err != nil {
		return show(err)
	}
	if err := change(&s); err != nil {
		return show(err)
	}
	// The running digest timer picks up a new first time or interval.
	if err := v.eng.SavePushSettings(v.ctx, s); err != nil {
		return show(err)
	}
	v.settings = s
	v.showNextDue()
	v.showQuiet()
	return show(nil)
}

// ChannelsChanged lists the registered channels again (one was added,
// renamed or removed elsewhere) and keeps the settings' choice; nothing is
// stored. Call on the UI goroutine.
func (v *View) ChannelsChanged() {
	v.filling = true
	defer func() { v.filling = false }()
	v.loadChannels(v.settings)
}

// loadChannels lists the registered channels as check boxes, ticked when
// the settings choose them.
func (v *View) loadChannels(s dispatch.Settings) {
	v.channelBox.RemoveAll()
	v.channelChecks = nil
	list, err := v.eng.ListChannels(v.ctx)
	if err != nil {
		setError(v.errs[keyChannels], localize.Error(err))
	}
	for _, c := range list {
		kind := c.Channel.Kind
		if c.Kind != nil {
			kind = lang.X(c.Kind.NameKey(), c.Kind.Name)
		}
		chk := widget.NewCheck(c.Name+" ("+kind+")", func(bool) { v.channelsChanged() })
		chk.SetChecked(slices.Index(s.Channels, c.ID) >= 0)
		v.channelChecks = append(v.channelChecks, channelCheck{id: c.ID, check: chk})
		v.channelBox.Add(chk)
	}
	if len(list) == 0 && err == nil {
		v.noChannels.Show()
	} else {
		v.noChannels.Hide()
	}
	v.enableChannelChecks()
}

// enableChannelChecks greys the single channels out while "every channel"
// is on; their ticks are kept for when it is turned off.
func (v *View) enableChannelChecks() {
	for _, cc := range v.channelChecks {
		if v.allChannels.Checked {
			cc.check.Disable()
		} else {
			cc.check.Enable()
		}
	}
}

func (v *View) channelsChanged() {
	v.enableChannelChecks()
	if v.filling {
		return
	}
	all := v.allChannels.Checked
	var ids []string
	for _, cc := range v.channelChecks {
		if cc.check.Checked {
			ids = append(ids, cc.id)
		}
	}
	v.update(keyChannels, func(s *dispatch.Settings) error {
		s.AllChannels = all
		// Channels no longer registered are dropped with the list rebuilt
		// from what is shown.
		s.Channels = ids
		return nil
	})
}

// fillDefaults puts the default templates of the chosen language into the
// entries so they can be edited from there.
func (v *View) fillDefaults() {
	l := ""
	if i := v.language.SelectedIndex(); i >= 0 {
		l = languages[i]
	}
	if l == "" && strings.HasPrefix(lang.SystemLocale().LanguageString(), "zh") {
		l = "zh"
	}
	title, body := dispatch.DefaultTemplates(l)
	v.title.SetText(title)
	v.body.SetText(body)
}

// showNextDue shows when the next batch push falls due, and arranges to
// show the one after when that time has passed.
func (v *View) showNextDue() {
	if v.dueTimer != nil {
		v.dueTimer.Stop()
		v.dueTimer = nil
	}
	b := v.settings.Batch
	if !b.Enabled {
		v.nextDue.SetText(lang.L("pushsettings.batch.next_off"))
		return
	}
	if !v.settings.Enabled {
		v.nextDue.SetText(lang.L("pushsettings.batch.next_disabled"))
		return
	}
	now := v.now()
	due := dispatch.NextDigest(b, now, v.loc)
	v.nextDue.SetText(lang.L("pushsettings.batch.next", map[string]any{"Time": due.In(v.loc).Format(timeLayout)}))
	v.dueTimer = time.AfterFunc(due.Sub(now)+time.Second, func() {
		fyne.Do(func() {
			if v.ctx.Err() == nil {
				v.showNextDue()
			}
		})
	})
}

// updatePreview renders the chosen sample run with the templates as typed
// and the language as chosen, through the same Render the pushes use.
func (v *View) updatePreview() {
	s := v.settings
	s.TitleTemplate = v.title.Text
	s.BodyTemplate = v.body.Text
	if i := v.language.SelectedIndex(); i >= 0 {
		s.Language = languages[i]
	}
	run, reason := v.sampleRun()
	msg, err := dispatch.Render(s, run, reason, v.loc)
	if err != nil {
		v.previewTitle.SetText("")
		v.previewBody.SetText(localize.Error(err))
		return
	}
	v.previewTitle.SetText(msg.Title)
	v.previewBody.SetText(msg.Body)
}

// sampleRun is the run the preview shows: a command task that failed on
// its schedule, or its manual success, or its recovery.
func (v *View) sampleRun() (task.Run, dispatch.Reason) {
	end := v.now().Truncate(time.Minute)
	start := end.Add(-83 * time.Second)
	run := task.Run{
		TaskName: lang.L("pushsettings.sample.task"),
		Started:  start,
		Finished: end,
	}
	which := slices.Index(v.sample.Options, v.sample.Selected)
	switch which {
	case sampleSuccess, sampleRecovered:
		code := 0
		run.Status, run.ExitCode = task.StatusSuccess, &code
		run.Output = "sent 1204 files, 3.2 GB\nbackup complete"
		run.Trigger = task.TriggerManual
		if which == sampleRecovered {
			run.Trigger = task.TriggerAuto
			return run, dispatch.ReasonRecovered
		}
		return run, dispatch.ReasonSuccess
	default:
		code := 1
		run.Status, run.ExitCode, run.Trigger = task.StatusFailure, &code, task.TriggerAuto
		run.Output = "sending photos/2024…\nrsync: write failed on \"/mnt/backup/photos.tar\": No space left on device (28)"
		run.Error = "exit status 1"
		return run, dispatch.ReasonFailure
	}
}

// templateFields are the fields templates see (dispatch.RunView), each
// with how to write it and the key of its description.
var templateFields = []struct{ syntax, key string }{
	{"{{.Task}}", "task"},
	{"{{.Status}}", "status"},
	{"{{.StatusText}}", "status_text"},
	{"{{.Trigger}}", "trigger"},
	{"{{.TriggerText}}", "trigger_text"},
	{"{{.Start}}", "start"},
	{"{{.End}}", "end"},
	{"{{.Duration}}", "duration"},
	{"{{.Output}}", "output"},
	{"{{.Error}}", "error"},
	{"{{with .ExitCode}}{{.}}{{end}}", "exit_code"},
	{"{{.HTTPStatus}}", "http_status"},
	{"{{.Reason}}", "reason"},
}

// fieldsHelp lists the template fields, one a line.
func fieldsHelp() string {
	lines := make([]string, len(templateFields))
	for i, f := range templateFields {
		lines[i] = f.syntax + "  —  " + lang.L("pushsettings.field."+f.key)
	}
	return strings.Join(lines, "\n")
}

// errLabel is the error label shown under the control for key.
func (v *View) errLabel(key string) *widget.Label {
	l := errorLabel()
	v.errs[key] = l
	return l
}

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func setError(l *widget.Label, text string) {
	if l == nil {
		return
	}
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// errorText is what the label under the control for key says: the
// engine's message, without the field name when it is this control's.
func errorText(err error, key string) string {
	if err == nil {
		return ""
	}
	var fe *dispatch.FieldError
	if errors.As(err, &fe) && fe.Field == key {
		return localize.Text(fe.Problem())
	}
	return localize.Error(err)
}

func helpLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// narrow gives an entry for a short value a fixed width instead of the
// whole row.
func narrow(o fyne.CanvasObject, width float32) fyne.CanvasObject {
	return container.New(layout.NewGridWrapLayout(fyne.NewSize(width, o.MinSize().Height)), o)
}

func boldLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

// channelPreviewButton opens the Preview dialog: a real task's push as a
// chosen channel would get it, and whether the rules send it there; nil
// when the engine cannot preview.
func (v *View) channelPreviewButton() *widget.Button {
	p, ok := v.eng.(pushpreview.Engine)
	if !ok {
		return nil
	}
	return widget.NewButtonWithIcon(lang.L("pushsettings.preview.channel"), theme.DocumentIcon(), func() {
		v.lastPreview = pushpreview.WithChoice(p, pushpreview.Background(v.ctx), v.win)
	})
}
