package pushsettings

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// The quiet hours entry stores the canonical windows and the preview
// sentence says what they do; a bad window is named under the entry and
// not stored; the burst entries write through with their own sentence.
func TestQuietHoursControl(t *testing.T) {
	env := newEnv(t)
	v, _ := open(t, env)
	v.now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
	v.loc = time.UTC
	q := &v.quiet

	q.windows.SetText("23:00-07:30")
	if got := stored(t, env).Quiet.Windows; got != "23:00-07:30 daily" {
		t.Fatalf("stored windows %q", got)
	}
	if want := "Pushes between 23:00 and 07:30 are held and sent at 07:30 as one message per channel."; !strings.HasPrefix(q.preview.Text, want) {
		t.Errorf("preview %q, want it to start with %q", q.preview.Text, want)
	}

	q.windows.SetText("23:00-07:30; caturday all day")
	errLabel := v.errs[keyQuietWindows]
	if !errLabel.Visible() || !strings.Contains(errLabel.Text, `"caturday" is not a day`) {
		t.Fatalf("error under the windows: %q (visible %v)", errLabel.Text, errLabel.Visible())
	}
	if got := stored(t, env).Quiet.Windows; got != "23:00-07:30 daily" {
		t.Errorf("a bad value changed the stored windows to %q", got)
	}

	test.Tap(q.breakThrough)
	if !stored(t, env).Quiet.BreakThrough || !strings.Contains(q.preview.Text, "Failures, their reminders, escalations and recovery notices, and missing tasks break through") {
		t.Errorf("break through not stored or not previewed: %q", q.preview.Text)
	}

	q.burstMax.SetText("5")
	q.burstWindow.SetText("120")
	if b := stored(t, env).Burst; b.Max != 5 || b.Window != 120 {
		t.Errorf("stored burst %+v", b)
	}
	if !strings.Contains(q.burstPreview.Text, "more than 5 pushes for one channel would go out within 2 min") {
		t.Errorf("burst preview %q", q.burstPreview.Text)
	}
	q.burstMax.SetText("-3")
	if l := v.errs[keyBurstMax]; !l.Visible() || !strings.Contains(l.Text, "between 0 (off)") {
		t.Errorf("error under burst max: %q", l.Text)
	}

	// Another process changed them: Refresh shows the stored values.
	s := stored(t, env)
	s.Quiet.Windows = "sat,sun all day"
	if err := env.SavePushSettings(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	v.Refresh()
	if q.windows.Text != "sat,sun all day" || !strings.Contains(q.preview.Text, "(sat,sun all day)") {
		t.Errorf("after Refresh: entry %q, preview %q", q.windows.Text, q.preview.Text)
	}
}
