package pushsettings

import (
	"cmp"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/ui/localize"
)

// Keys of the quiet hours and burst settings.
const (
	keyQuietWindows = "quiet.windows"
	keyQuietBreak   = "quiet.break_through"
	keyBurstMax     = "burst.max"
	keyBurstWindow  = "burst.window"
)

// quietControls are the "Quiet hours and bursts" card's widgets.
type quietControls struct {
	windows      *widget.Entry
	breakThrough *widget.Check
	preview      *widget.Label // what the quiet hours do, in a sentence
	burstMax     *widget.Entry
	burstWindow  *widget.Entry
	burstPreview *widget.Label
}

// buildQuiet builds the card; its entries write through like the others.
func (v *View) buildQuiet() fyne.CanvasObject {
	q := &v.quiet
	q.windows = v.textEntry(keyQuietWindows, "23:00-07:30 daily; sat,sun all day")
	q.breakThrough = v.check("pushsettings.quiet.break_through", keyQuietBreak, func(s *dispatch.Settings, on bool) { s.Quiet.BreakThrough = on })
	q.preview = widget.NewLabel("")
	q.preview.Wrapping = fyne.TextWrapWord
	q.preview.TextStyle = fyne.TextStyle{Bold: true}
	q.burstMax = v.textEntry(keyBurstMax, "0")
	q.burstWindow = v.textEntry(keyBurstWindow, strconv.Itoa(dispatch.DefaultBurstWindow))
	q.burstPreview = widget.NewLabel("")
	q.burstPreview.Wrapping = fyne.TextWrapWord
	return widget.NewCard(lang.L("pushsettings.section.quiet"), "", container.NewVBox(
		container.New(layout.NewFormLayout(),
			widget.NewLabel(lang.L("pushsettings.quiet.windows")),
			container.NewVBox(q.windows, helpLabel(lang.L("pushsettings.quiet.windows.help")), v.errLabel(keyQuietWindows)),
		),
		q.breakThrough,
		v.errLabel(keyQuietBreak),
		q.preview,
		widget.NewSeparator(),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(lang.L("pushsettings.burst.max")),
			container.NewVBox(narrow(q.burstMax, 100), helpLabel(lang.L("pushsettings.burst.max.help")), v.errLabel(keyBurstMax)),
			widget.NewLabel(lang.L("pushsettings.burst.window")),
			container.NewVBox(narrow(q.burstWindow, 100), helpLabel(lang.L("pushsettings.burst.window.help")), v.errLabel(keyBurstWindow)),
		),
		q.burstPreview,
	))
}

// fillQuiet shows the stored quiet and burst settings (Refresh).
func (v *View) fillQuiet(s dispatch.Settings) {
	q := &v.quiet
	q.windows.SetText(s.Quiet.Windows)
	q.breakThrough.SetChecked(s.Quiet.BreakThrough)
	q.burstMax.SetText(strconv.Itoa(s.Burst.Max))
	q.burstWindow.SetText(strconv.Itoa(cmp.Or(s.Burst.Window, dispatch.DefaultBurstWindow)))
	v.showQuiet()
}

// showQuiet says what the stored quiet hours and burst rule do (a bad
// value typed is not stored: its error shows under its entry).
func (v *View) showQuiet() {
	q := &v.quiet
	if q.preview == nil {
		return
	}
	q.preview.SetText(localize.Text(dispatch.QuietPreview(v.settings.Quiet, v.now(), v.loc)))
	q.burstPreview.SetText(localize.Text(dispatch.BurstPreview(v.settings.Burst)))
}
