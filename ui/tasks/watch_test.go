package tasks

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/dispatch"
)

// The form's dead-man period and anomaly switch are stored as the task's
// overrides, shown again by the edit form; a bad period is refused under
// its field and nothing is saved.
func TestWatchOverridesPersist(t *testing.T) {
	f := newFixture(t)
	e := f.openAdd()
	test.Type(e.name, "backup")
	test.Type(e.cmdLine, "true")
	test.Type(e.watch.deadman, "sometimes")
	f.tap(e.save)
	f.wait()
	if f.v.editor == nil || !strings.Contains(shownErrors(e)["deadman"], "26h") {
		t.Fatalf("bad period: errors %q", shownErrors(e))
	}
	e.watch.deadman.SetText("26h")
	e.watch.anomaly.SetSelected(lang.L("tasks.form.on"))
	f.tap(e.save)
	f.wait()
	if f.v.editor != nil {
		t.Fatalf("not saved: %q %q", shownErrors(e), e.general.Text)
	}
	tk, err := f.env.Tasks.Get(f.ctx, "backup")
	if err != nil {
		t.Fatal(err)
	}
	o, err := dispatch.LoadOverrides(f.ctx, f.env.Store, tk.ID)
	if err != nil || o.Deadman != "26h" || o.Anomaly == nil || !*o.Anomaly {
		t.Fatalf("overrides %+v, %v", o, err)
	}

	f.tap(f.row(tk.ID).edit)
	f.wait()
	e = f.v.editor
	if e == nil || e.watch.deadman.Text != "26h" || e.watch.anomaly.Selected != lang.L("tasks.form.on") {
		t.Fatal("the edit form does not show the overrides")
	}
	e.watch.deadman.SetText("")
	e.watch.anomaly.SetSelected(lang.L("tasks.form.global"))
	f.tap(e.save)
	f.wait()
	if o, _ = dispatch.LoadOverrides(f.ctx, f.env.Store, tk.ID); o.Deadman != "" || o.Anomaly != nil {
		t.Errorf("cleared overrides %+v", o)
	}
}
