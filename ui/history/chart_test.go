package history

import (
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// barsByDay maps each drawn day to its bar, checking that every bar
// rectangle is among the renderer's objects.
func barsByDay(t *testing.T, c *chart) (map[int]chartBar, *chartRenderer) {
	t.Helper()
	r := test.WidgetRenderer(c).(*chartRenderer)
	objs := map[fyne.CanvasObject]bool{}
	for _, o := range r.Objects() {
		objs[o] = true
	}
	out := map[int]chartBar{}
	for _, b := range r.bars {
		for _, rect := range []*canvas.Rectangle{b.success, b.failure} {
			if rect != nil && !objs[rect] {
				t.Fatalf("bar of day %d is not among the renderer's objects", b.day)
			}
		}
		out[b.day] = b
	}
	return out, r
}

// rects counts the rectangles the renderer draws (bars and legend swatches).
func rects(r fyne.WidgetRenderer) int {
	n := 0
	for _, o := range r.Objects() {
		if _, ok := o.(*canvas.Rectangle); ok {
			n++
		}
	}
	return n
}

func near(a, b float32) bool { return math.Abs(float64(a-b)) < 0.01 }

func sameColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

func TestChartBarsAreProportionalAndZeroDaysDrawNothing(t *testing.T) {
	ctx, env := newEnv(t)
	a := addCommand(t, ctx, env, "backup", "true")
	b := addCommand(t, ctx, env, "sync", "true")
	y, m, d := time.Now().Date()
	now := time.Date(y, m, d, 12, 0, 0, 0, time.Local)
	seed := func(tk task.Task, daysAgo int, st task.Status, n int) {
		t.Helper()
		for i := range n {
			at := time.Date(y, m, d-daysAgo, 9, i, 0, 0, time.Local)
			r := task.Run{TaskID: tk.ID, Trigger: task.TriggerAuto, Status: st, Started: at, Finished: at.Add(time.Second)}
			if err := env.Store.InsertRun(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	seed(a, 10, task.StatusSuccess, 6)
	seed(a, 2, task.StatusSuccess, 3)
	seed(a, 2, task.StatusFailure, 1)
	seed(a, 0, task.StatusTimeout, 2) // timeouts count as failures
	seed(a, 1, task.StatusSkipped, 4) // neither: nothing drawn
	seed(b, 5, task.StatusSuccess, 4)
	seed(a, 40, task.StatusFailure, 9) // before the 30 days

	v, _ := newView(t, ctx, env)
	v.now = func() time.Time { return now }
	v.Refresh()
	v.Wait()
	if len(v.chart.days) != chartDays {
		t.Fatalf("%d days charted, want %d", len(v.chart.days), chartDays)
	}
	// Day index 29 is today.
	bars, r := barsByDay(t, v.chart)
	if len(bars) != 4 || bars[19].success == nil || bars[24].success == nil || bars[27].success == nil || bars[29].failure == nil {
		t.Fatalf("bars drawn for days %v, want 19, 24, 27 and 29", keys(bars))
	}
	if bars[19].failure != nil || bars[24].failure != nil || bars[29].success != nil {
		t.Errorf("a zero count drew a rectangle")
	}
	if got := rects(r); got != 5+2 {
		t.Errorf("%d rectangles in the renderer, want 5 bar parts and 2 legend swatches", got)
	}

	unit := bars[19].success.Size().Height / 6
	if unit <= 0 {
		t.Fatalf("6 runs drew a bar %v high", bars[19].success.Size().Height)
	}
	for _, c := range []struct {
		name string
		rect *canvas.Rectangle
		n    int
	}{
		{"3 successes", bars[27].success, 3},
		{"1 failure", bars[27].failure, 1},
		{"2 timeouts", bars[29].failure, 2},
		{"4 successes of the other task", bars[24].success, 4},
	} {
		if got := c.rect.Size().Height; !near(got, unit*float32(c.n)) {
			t.Errorf("%s: bar %v high, want %v (%v per run)", c.name, got, unit*float32(c.n), unit)
		}
	}
	// Stacked: the failure part sits on the success part, same column.
	s, f := bars[27].success, bars[27].failure
	if !near(f.Position().Y+f.Size().Height, s.Position().Y) || f.Position().X != s.Position().X || f.Size().Width != s.Size().Width {
		t.Errorf("failure part at %v %v is not stacked on success part at %v %v", f.Position(), f.Size(), s.Position(), s.Size())
	}
	// Later days are further right; all bars stand on the same baseline.
	if !(bars[19].success.Position().X < bars[24].success.Position().X && bars[24].success.Position().X < bars[29].failure.Position().X) {
		t.Errorf("bars are not in day order")
	}
	base := bars[19].success.Position().Y + bars[19].success.Size().Height
	for day, b := range map[int]*canvas.Rectangle{24: bars[24].success, 27: bars[27].success, 29: bars[29].failure} {
		if got := b.Position().Y + b.Size().Height; !near(got, base) {
			t.Errorf("day %d stands at %v, not on the baseline %v", day, got, base)
		}
	}
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	if !sameColor(s.FillColor, theme.Current().Color(theme.ColorNameSuccess, variant)) ||
		!sameColor(f.FillColor, theme.Current().Color(theme.ColorNameError, variant)) {
		t.Errorf("success bar %v and failure bar %v are not the theme's success and error colours", s.FillColor, f.FillColor)
	}
	// The axis' top is 10 (6 rounded up), so the tallest bar is 0.6 of the plot.
	if r.top != 10 || r.yTop.Text != "10" {
		t.Errorf("axis top %d labelled %q, want 10", r.top, r.yTop.Text)
	}
	if got := v.chartTitle.Text; !strings.Contains(got, "All tasks: 13 succeeded, 3 failed") {
		t.Errorf("chart title %q", got)
	}

	// One task's chart leaves the other task's day empty.
	v.taskSel.SetSelected("backup")
	v.Wait()
	bars, _ = barsByDay(t, v.chart)
	if _, drawn := bars[24]; drawn || len(bars) != 3 {
		t.Errorf("backup's chart draws days %v, want 19, 27 and 29", keys(bars))
	}
	if got := v.chartTitle.Text; !strings.Contains(got, "backup: 9 succeeded, 3 failed") {
		t.Errorf("chart title %q", got)
	}

	// Hovering a day names its counts.
	pos := bars[27].success.Position().Add(fyne.NewPos(1, 1))
	v.chart.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: pos}})
	_, r = barsByDay(t, v.chart)
	wantDay := time.Date(y, m, d-2, 0, 0, 0, 0, time.Local).Format("2006-01-02")
	if r.caption.Text != wantDay+": 3 succeeded, 1 failed" {
		t.Errorf("hover caption %q", r.caption.Text)
	}
	v.chart.MouseOut()
	_, r = barsByDay(t, v.chart)
	if r.caption.Text != "" {
		t.Errorf("caption %q after the mouse left", r.caption.Text)
	}
}

func keys(m map[int]chartBar) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}

// fixedDays is 30 days from 1 March 2026 with a pattern of counts.
func fixedDays() []store.DayCount {
	counts := map[int][2]int{0: {2, 0}, 3: {5, 1}, 4: {0, 3}, 10: {8, 0}, 11: {7, 2}, 17: {1, 1}, 24: {4, 0}, 28: {0, 1}, 29: {6, 4}}
	days := make([]store.DayCount, 30)
	for i := range days {
		days[i].Day = time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC)
		days[i].Success, days[i].Failure = counts[i][0], counts[i][1]
	}
	return days
}

func TestChartMarkup(t *testing.T) {
	loadEnglish(t)
	test.NewTempApp(t)
	c := newChart()
	c.SetDays(fixedDays())
	c.Resize(fyne.NewSize(640, 220))
	test.AssertObjectRendersToMarkup(t, "chart.xml", c)
}

func TestChartWithoutRunsDrawsNoBars(t *testing.T) {
	loadEnglish(t)
	test.NewTempApp(t)
	c := newChart()
	days := fixedDays()
	for i := range days {
		days[i].Success, days[i].Failure = 0, 0
		days[i].Skipped = 3
	}
	c.SetDays(days)
	c.Resize(fyne.NewSize(640, 220))
	r := test.WidgetRenderer(c).(*chartRenderer)
	if len(r.bars) != 0 || rects(r) != 2 {
		t.Errorf("%d bars and %d rectangles for 30 days without successes or failures, want none but the legend's 2", len(r.bars), rects(r))
	}
	if r.caption.Text != "No runs in these days" {
		t.Errorf("caption %q", r.caption.Text)
	}
}

func TestNiceTop(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 2: 2, 3: 5, 5: 5, 6: 10, 11: 20, 21: 50, 99: 100, 101: 200} {
		if got := niceTop(n); got != want {
			t.Errorf("niceTop(%d) = %d, want %d", n, got, want)
		}
	}
}
