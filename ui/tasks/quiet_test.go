package tasks

import (
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/dispatch"
)

// A task's own quiet hours and its break-through switch are stored as
// overrides (windows in their canonical form) and shown again on edit; a
// bad window is named under its field and nothing is saved.
func TestQuietOverridesPersist(t *testing.T) {
	f := newFixture(t)
	on := lang.L("tasks.form.on")

	e := f.openAdd()
	test.Type(e.name, "nightly")
	test.Type(e.cmdLine, "true")
	test.Type(e.quietWindows, "caturday 1:00-2:00")
	f.tap(e.save)
	f.wait()
	if f.v.editor == nil {
		t.Fatal("saved with a bad quiet window")
	}
	if l := e.errs["quiet_windows"]; l == nil || !l.Visible() {
		t.Fatalf("no error under the quiet hours: %q", shownErrors(e))
	}
	e.quietWindows.SetText("Sat,Sun all day")
	e.quietBreak.SetSelected(on)
	f.tap(e.save)
	f.wait()
	if f.v.editor != nil {
		t.Fatalf("not saved: %q %q", shownErrors(e), e.general.Text)
	}
	tk, err := f.env.Tasks.Get(f.ctx, "nightly")
	if err != nil {
		t.Fatal(err)
	}
	o, err := dispatch.LoadOverrides(f.ctx, f.env.Store, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.QuietWindows == nil || *o.QuietWindows != "sat,sun all day" || o.QuietBreakThrough == nil || !*o.QuietBreakThrough {
		t.Fatalf("overrides %+v", o)
	}
	f.tap(f.row(tk.ID).edit)
	f.wait()
	if e = f.v.editor; e == nil || e.quietWindows.Text != "sat,sun all day" || e.quietBreak.Selected != on {
		t.Fatalf("edit form does not show the quiet overrides")
	}
}
