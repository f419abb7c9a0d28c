package history

import (
	"image/color"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/store"
)

// barFill is the share of a day's slot its bar covers; the rest is the gap.
const barFill = 0.7

// dayLabelEvery puts a date under every seventh day, counted back from the
// last one (today), so today is always labelled.
const dayLabelEvery = 7

var (
	_ fyne.Widget       = (*chart)(nil)
	_ desktop.Hoverable = (*chart)(nil)
)

// chart draws successes and failures per day as stacked bars (successes
// at the bottom), with a value axis, date labels under the bars and a
// legend. Hovering a day shows its counts.
type chart struct {
	widget.BaseWidget

	days  []store.DayCount
	hover int // the day under the mouse; -1 for none

	// The plot's horizontal geometry from the last layout, to find the
	// hovered day.
	plotX, slotW float32
}

func newChart() *chart {
	c := &chart{hover: -1}
	c.ExtendBaseWidget(c)
	return c
}

// SetDays replaces the data, oldest day first.
func (c *chart) SetDays(days []store.DayCount) {
	c.days = days
	c.hover = -1
	c.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (c *chart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c}
	r.rebuild()
	return r
}

// MouseIn implements desktop.Hoverable.
func (c *chart) MouseIn(e *desktop.MouseEvent) { c.MouseMoved(e) }

// MouseMoved implements desktop.Hoverable.
func (c *chart) MouseMoved(e *desktop.MouseEvent) {
	i := -1
	if c.slotW > 0 && e.Position.X >= c.plotX {
		if n := int((e.Position.X - c.plotX) / c.slotW); n < len(c.days) {
			i = n
		}
	}
	if i != c.hover {
		c.hover = i
		c.Refresh()
	}
}

// MouseOut implements desktop.Hoverable.
func (c *chart) MouseOut() {
	if c.hover != -1 {
		c.hover = -1
		c.Refresh()
	}
}

// niceTop rounds the largest day total up to 1, 2 or 5 times a power of
// ten, the value axis' top.
func niceTop(n int) int {
	if n <= 0 {
		return 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// chartBar is the drawing of one day with runs: a rectangle per non-zero
// count.
type chartBar struct {
	day              int               // index into days
	success, failure *canvas.Rectangle // nil when that count is zero
}

type chartRenderer struct {
	c *chart

	top        int // the value axis' top
	bars       []chartBar
	axis, grid *canvas.Line
	midGrid    *canvas.Line // nil when the top is odd (no mid label)
	yTop, yMid *canvas.Text
	yZero      *canvas.Text
	dayLabels  []*canvas.Text
	dayIndex   []int // the day each label is under
	swatches   [2]*canvas.Rectangle
	legend     [2]*canvas.Text
	caption    *canvas.Text // the hovered day's counts, or "no runs"

	objects []fyne.CanvasObject
}

func (r *chartRenderer) color(name fyne.ThemeColorName) color.Color {
	return r.c.Theme().Color(name, fyne.CurrentApp().Settings().ThemeVariant())
}

func (r *chartRenderer) text(s string) *canvas.Text {
	t := canvas.NewText(s, r.color(theme.ColorNameForeground))
	t.TextSize = r.c.Theme().Size(theme.SizeNameCaptionText)
	return t
}

// rebuild makes the objects for the current data; Layout places them.
func (r *chartRenderer) rebuild() {
	days := r.c.days
	maxTotal := 0
	for _, d := range days {
		maxTotal = max(maxTotal, d.Success+d.Failure)
	}
	r.top = niceTop(maxTotal)
	ok, bad := r.color(theme.ColorNameSuccess), r.color(theme.ColorNameError)
	line := r.color(theme.ColorNameSeparator)

	r.objects = nil
	r.grid = canvas.NewLine(line)
	r.axis = canvas.NewLine(r.color(theme.ColorNameForeground))
	r.objects = append(r.objects, r.grid)
	r.midGrid = nil
	if r.top%2 == 0 {
		r.midGrid = canvas.NewLine(line)
		r.objects = append(r.objects, r.midGrid)
	}

	r.bars = nil
	for i, d := range days {
		if d.Success == 0 && d.Failure == 0 {
			continue
		}
		b := chartBar{day: i}
		if d.Success > 0 {
			b.success = canvas.NewRectangle(ok)
			r.objects = append(r.objects, b.success)
		}
		if d.Failure > 0 {
			b.failure = canvas.NewRectangle(bad)
			r.objects = append(r.objects, b.failure)
		}
		r.bars = append(r.bars, b)
	}
	r.objects = append(r.objects, r.axis)

	r.yTop, r.yZero, r.yMid = r.text(strconv.Itoa(r.top)), r.text("0"), nil
	r.objects = append(r.objects, r.yTop, r.yZero)
	if r.top%2 == 0 {
		r.yMid = r.text(strconv.Itoa(r.top / 2))
		r.objects = append(r.objects, r.yMid)
	}

	r.dayLabels, r.dayIndex = nil, nil
	for i := len(days) - 1; i >= 0; i -= dayLabelEvery {
		t := r.text(days[i].Day.Format("01-02"))
		r.dayLabels = append(r.dayLabels, t)
		r.dayIndex = append(r.dayIndex, i)
		r.objects = append(r.objects, t)
	}

	for i, c := range []color.Color{ok, bad} {
		r.swatches[i] = canvas.NewRectangle(c)
		r.objects = append(r.objects, r.swatches[i])
	}
	r.legend[0] = r.text(lang.L("history.chart.success"))
	r.legend[1] = r.text(lang.L("history.chart.failure"))
	r.objects = append(r.objects, r.legend[0], r.legend[1])

	caption := ""
	switch {
	case r.c.hover >= 0 && r.c.hover < len(days):
		d := days[r.c.hover]
		caption = lang.L("history.chart.day", map[string]any{"Day": d.Day.Format("2006-01-02"), "Success": d.Success, "Failure": d.Failure})
	case maxTotal == 0:
		caption = lang.L("history.chart.empty")
	}
	r.caption = r.text(caption)
	r.caption.Alignment = fyne.TextAlignTrailing
	r.objects = append(r.objects, r.caption)
}

// Layout places the legend and caption on the top line, the value labels
// on the left, the dates at the bottom and the bars in between: each day
// gets an equal slot, and a bar's height is its count over the axis' top
// times the plot's height.
func (r *chartRenderer) Layout(size fyne.Size) {
	th := r.c.Theme()
	pad := th.Size(theme.SizeNamePadding)
	ts := th.Size(theme.SizeNameCaptionText)
	lineH := r.yZero.MinSize().Height

	// Legend and caption.
	x := float32(0)
	for i := range r.swatches {
		r.swatches[i].Resize(fyne.NewSize(ts, ts))
		r.swatches[i].Move(fyne.NewPos(x, (lineH-ts)/2))
		x += ts + pad/2
		r.legend[i].Resize(r.legend[i].MinSize())
		r.legend[i].Move(fyne.NewPos(x, 0))
		x += r.legend[i].MinSize().Width + 2*pad
	}
	r.caption.Resize(fyne.NewSize(max(size.Width-x, 0), lineH))
	r.caption.Move(fyne.NewPos(x, 0))

	// Plot area.
	labelW := max(r.yTop.MinSize().Width, r.yZero.MinSize().Width)
	plotX := labelW + pad
	plotTop := lineH + pad + lineH/2
	plotBottom := size.Height - lineH - pad/2
	plotW := max(size.Width-plotX, 0)
	plotH := max(plotBottom-plotTop, 0)
	slot := float32(0)
	if n := len(r.c.days); n > 0 {
		slot = plotW / float32(n)
	}
	r.c.plotX, r.c.slotW = plotX, slot

	r.grid.Position1 = fyne.NewPos(plotX, plotTop)
	r.grid.Position2 = fyne.NewPos(plotX+plotW, plotTop)
	r.axis.Position1 = fyne.NewPos(plotX, plotBottom)
	r.axis.Position2 = fyne.NewPos(plotX+plotW, plotBottom)

	placeY := func(t *canvas.Text, y float32) {
		s := t.MinSize()
		t.Resize(s)
		t.Move(fyne.NewPos(labelW-s.Width, y-s.Height/2))
	}
	placeY(r.yTop, plotTop)
	placeY(r.yZero, plotBottom)
	if r.yMid != nil {
		placeY(r.yMid, plotTop+plotH/2)
		r.midGrid.Position1 = fyne.NewPos(plotX, plotTop+plotH/2)
		r.midGrid.Position2 = fyne.NewPos(plotX+plotW, plotTop+plotH/2)
	}

	barW := slot * barFill
	for _, b := range r.bars {
		d := r.c.days[b.day]
		bx := plotX + slot*float32(b.day) + (slot-barW)/2
		y := plotBottom
		if b.success != nil {
			h := plotH * float32(d.Success) / float32(r.top)
			y -= h
			b.success.Resize(fyne.NewSize(barW, h))
			b.success.Move(fyne.NewPos(bx, y))
		}
		if b.failure != nil {
			h := plotH * float32(d.Failure) / float32(r.top)
			y -= h
			b.failure.Resize(fyne.NewSize(barW, h))
			b.failure.Move(fyne.NewPos(bx, y))
		}
	}

	for k, t := range r.dayLabels {
		s := t.MinSize()
		t.Resize(s)
		cx := plotX + slot*(float32(r.dayIndex[k])+0.5)
		// Keep the first and last labels inside the widget.
		tx := min(max(cx-s.Width/2, plotX), size.Width-s.Width)
		t.Move(fyne.NewPos(tx, plotBottom+pad/2))
	}
}

// MinSize leaves room for the legend, the labels and a few pixels per day.
func (r *chartRenderer) MinSize() fyne.Size {
	pad := r.c.Theme().Size(theme.SizeNamePadding)
	lineH := r.yZero.MinSize().Height
	labelW := max(r.yTop.MinSize().Width, r.yZero.MinSize().Width)
	legendW := float32(0)
	for _, l := range r.legend {
		legendW += l.MinSize().Width + 2*pad + r.c.Theme().Size(theme.SizeNameCaptionText)
	}
	return fyne.NewSize(max(labelW+pad+4*float32(len(r.c.days)), legendW), 3*lineH+2*pad+60)
}

// Refresh redraws for new data, a hover or a theme change.
func (r *chartRenderer) Refresh() {
	r.rebuild()
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Destroy() {}
