package history

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/task"
)

// inView tells whether o lies wholly inside the window's height.
func inView(w fyne.Window, o fyne.CanvasObject) bool {
	w.Content().Refresh()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return o.Visible() && pos.Y+o.Size().Height <= w.Canvas().Size().Height
}

// At 800×600 a failed run's error and its pushes show without scrolling;
// long output shows its last lines with Show all, which shows the rest.
func TestDetailFitsAndOutputIsCapped(t *testing.T) {
	ctx, env := newEnv(t)
	if _, err := env.Registry.Add(ctx, "webhook", "phone", map[string]string{"url": "http://127.0.0.1:1/"}); err != nil {
		t.Fatal(err)
	}
	addCommand(t, ctx, env, "backup", "echo disk 97% full; exit 3")
	addCommand(t, ctx, env, "long", "seq 1 40; exit 1")
	v, w := newView(t, ctx, env)
	w.Resize(fyne.NewSize(800, 600))
	short := runTask(t, ctx, env, "backup", task.TriggerManual)
	long := runTask(t, ctx, env, "long", task.TriggerManual)
	v.Wait()

	v.detail.show(short)
	v.Wait()
	d := v.detail
	if d.errText == nil || len(d.pushes) != 1 {
		t.Fatalf("error label %v, %d pushes; want both", d.errText != nil, len(d.pushes))
	}
	if !inView(w, d.errText) || !inView(w, d.pushes[0].title) {
		t.Errorf("at 800×600 the error (in view %v) or the push (in view %v) needs scrolling", inView(w, d.errText), inView(w, d.pushes[0].title))
	}
	if d.output.Text != "disk 97% full\n" || d.outMore != nil {
		t.Errorf("short output %q with Show all %v; want it whole, no button", d.output.Text, d.outMore != nil)
	}

	v.detail.show(long)
	v.Wait()
	lines := strings.Split(d.output.Text, "\n")
	if len(lines) != outputLines || lines[0] != "29" || lines[outputLines-1] != "40" || d.outMore == nil {
		t.Fatalf("long output shows %q, Show all %v; want lines 29-40 and the button", d.output.Text, d.outMore != nil)
	}
	if !strings.Contains(d.outMore.Text, "40") {
		t.Errorf("button %q does not say how many lines there are", d.outMore.Text)
	}
	test.Tap(d.outMore)
	v.Wait()
	if !strings.HasPrefix(d.output.Text, "1\n2\n") || d.outMore == nil {
		t.Fatalf("after Show all: %q", d.output.Text)
	}
	test.Tap(d.outMore)
	v.Wait()
	if strings.HasPrefix(d.output.Text, "1\n") {
		t.Fatal("Show less still shows everything")
	}
}

// The chart collapses to its title line and comes back; each choice the
// person makes is handed on to be remembered.
func TestChartCollapses(t *testing.T) {
	ctx, env := newEnv(t)
	v, _ := newView(t, ctx, env)
	var remembered []bool
	v.SetChartShown(false, func(shown bool) { remembered = append(remembered, shown) })
	if v.body.Objects[0] != v.runsSplit {
		t.Fatal("the stored choice (collapsed) did not collapse the chart")
	}
	test.Tap(v.chartToggle)
	if v.body.Objects[0] != v.chartSplit {
		t.Fatal("the toggle did not show the chart")
	}
	test.Tap(v.chartToggle)
	if v.body.Objects[0] != v.runsSplit {
		t.Fatal("the toggle did not collapse the chart")
	}
	if fmt.Sprint(remembered) != "[true false]" {
		t.Fatalf("remembered %v, want [true false] (the stored choice is not a new one)", remembered)
	}
}

// A run's second line has the row's width: the start time sits on the
// first line, so "exit status 3" is not cut to "exit s…".
func TestRunRowSubtitleHasTheWidth(t *testing.T) {
	loadEnglish(t)
	test.NewTempApp(t)
	row := newRunRow()
	w := test.NewTempWindow(t, row)
	w.Resize(fyne.NewSize(380, 100))
	code := 3
	updateRunRow(row, task.Run{TaskName: "backup", Status: task.StatusFailure, Trigger: task.TriggerManual,
		Error: "exit status 3", ExitCode: &code, Started: time.Now(), Finished: time.Now().Add(time.Second)})
	w.Content().Refresh()
	sub := row.(*fyne.Container).Objects[0].(*fyne.Container).Objects[1].(*widget.Label)
	need := fyne.MeasureText(sub.Text, theme.TextSize(), fyne.TextStyle{}).Width
	if sub.Size().Width < need {
		t.Errorf("subtitle %q is %v wide, needs %v", sub.Text, sub.Size().Width, need)
	}
}
