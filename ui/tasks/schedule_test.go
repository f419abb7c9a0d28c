package tasks

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/task"
)

// "Automatic runs" is off and fixed while the schedule is Manual only, and
// ticked once a schedule is chosen; a manual task is saved enabled (not
// paused) and its row offers no switch.
func TestAutomaticRunsFollowTheSchedule(t *testing.T) {
	f := newFixture(t)
	e := f.openAdd()
	manual := e.schedKinds.label(string(task.ScheduleNone))
	every := e.schedKinds.label(string(task.ScheduleEvery))
	if e.schedKind.Selected != manual {
		t.Fatalf("a new task's schedule is %q, want Manual only", e.schedKind.Selected)
	}
	if e.enabled.Checked || !e.enabled.Disabled() || !e.enabledNote.Visible() {
		t.Fatalf("Manual only: automatic runs checked %v disabled %v note %v; want unticked, disabled, explained",
			e.enabled.Checked, e.enabled.Disabled(), e.enabledNote.Visible())
	}
	e.schedKind.SetSelected(every)
	if !e.enabled.Checked || e.enabled.Disabled() || e.enabledNote.Visible() {
		t.Fatalf("Every: automatic runs checked %v disabled %v; want ticked and enabled", e.enabled.Checked, e.enabled.Disabled())
	}
	test.Tap(e.enabled) // the person turns them off
	e.schedKind.SetSelected(e.schedKinds.label(string(task.ScheduleDaily)))
	if e.enabled.Checked {
		t.Fatal("switching between schedules ticked automatic runs the person had turned off")
	}
	e.schedKind.SetSelected(manual)

	test.Type(e.name, "by hand")
	test.Type(e.cmdLine, "true")
	f.tap(e.save)
	f.wait()
	got, err := f.env.Tasks.Get(f.ctx, "by hand")
	if err != nil || !got.Enabled {
		t.Fatalf("saved manual task: enabled %v, %v; want enabled", got.Enabled, err)
	}
	r := f.row(got.ID)
	if r.enabled.Visible() || strings.Contains(r.title.Text, "(disabled)") {
		t.Errorf("manual task row: switch shown %v, title %q", r.enabled.Visible(), r.title.Text)
	}
}

// Switching the schedule kind does not move the kind's radio row, and the
// Every placeholder reads as a hint.
func TestScheduleRowStaysPut(t *testing.T) {
	f := newFixture(t)
	e := f.openAdd()
	pos := func() fyne.Position {
		f.w.Content().Refresh() // lay out again, as the window does on the next frame
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(e.schedKind)
	}
	var xs []float32
	for _, k := range []task.ScheduleKind{task.ScheduleNone, task.ScheduleCron, task.ScheduleEvery, task.ScheduleDaily, task.ScheduleAt} {
		e.schedKind.SetSelected(e.schedKinds.label(string(k)))
		xs = append(xs, pos().X)
	}
	for i, x := range xs {
		if x != xs[0] {
			t.Fatalf("radio row x per kind = %v; kind %d moved it", xs, i)
		}
	}
	if !strings.HasPrefix(e.every.PlaceHolder, "e.g. ") {
		t.Errorf("Every placeholder %q does not read as a hint", e.every.PlaceHolder)
	}
}
