package tasks

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
)

// The form's reminder and escalation rows are stored as the task's
// overrides (as `herald task push` would store them), shown again by the
// edit form, and cleared by emptying them; bad values are refused under
// their fields and nothing is saved.
func TestRemindOverridesPersist(t *testing.T) {
	f := newFixture(t)
	pager, err := f.env.Registry.Add(f.ctx, "webhook", "pager", webhooktest.NewServer(t).Config())
	if err != nil {
		t.Fatal(err)
	}
	e := f.openAdd()
	test.Type(e.name, "backup")
	test.Type(e.cmdLine, "true")
	test.Type(e.remind.interval, "often")
	test.Type(e.remind.max, "500")
	f.tap(e.save)
	f.wait()
	errs := shownErrors(e)
	if f.v.editor == nil || errs[keyReminderInterval] == "" || errs[keyReminderMax] == "" {
		t.Fatalf("bad values: errors %q", errs)
	}
	if _, err := f.env.Tasks.Get(f.ctx, "backup"); err == nil {
		t.Fatal("saved with bad reminder values")
	}

	e.remind.interval.SetText("4h")
	e.remind.max.SetText("2")
	e.remind.after.SetText("1d")
	e.remind.failures.SetText("5")
	e.remind.escalation.SetSelected([]string{"pager"})
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
	if err != nil {
		t.Fatal(err)
	}
	if o.ReminderInterval == nil || *o.ReminderInterval != 4*3600 || o.ReminderMax == nil || *o.ReminderMax != 2 ||
		o.EscalationAfter == nil || *o.EscalationAfter != 86400 || o.EscalationFailures == nil || *o.EscalationFailures != 5 ||
		strings.Join(o.EscalationChannels, ",") != pager.ID {
		t.Fatalf("overrides %+v", o)
	}

	f.tap(f.row(tk.ID).edit)
	f.wait()
	e = f.v.editor
	if e == nil {
		t.Fatal("no edit form")
	}
	r := e.remind
	if got := []string{r.interval.Text, r.max.Text, r.after.Text, r.failures.Text, strings.Join(r.escalation.Selected, ",")}; strings.Join(got, "|") != "4h|2|24h|5|pager" {
		t.Fatalf("the edit form shows %q", got)
	}
	r.interval.SetText("off")
	r.max.SetText("")
	r.after.SetText("")
	r.failures.SetText("")
	r.escalation.SetSelected(nil)
	f.tap(e.save)
	f.wait()
	o, _ = dispatch.LoadOverrides(f.ctx, f.env.Store, tk.ID)
	if o.ReminderInterval == nil || *o.ReminderInterval != 0 || o.ReminderMax != nil || o.EscalationAfter != nil ||
		o.EscalationFailures != nil || o.EscalationChannels != nil {
		t.Errorf("after clearing: %+v", o)
	}
}
