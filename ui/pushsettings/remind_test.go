package pushsettings

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/engine/dispatch"
)

// The reminder and escalation controls write through, and the preview
// sentence says what they do.
func TestRemindControls(t *testing.T) {
	env := newEnv(t)
	addChannel(t, env, "Pager")
	v, _ := open(t, env)
	r := v.remind
	if !strings.Contains(r.preview.Text, "No reminders") || !strings.Contains(r.preview.Text, "No escalation") {
		t.Fatalf("default preview %q", r.preview.Text)
	}
	r.interval.unit.SetSelected("hours")
	r.interval.amount.SetText("4")
	r.max.SetText("2")
	r.after.unit.SetSelected("hours")
	r.after.amount.SetText("12")
	r.channels.SetText("pager")
	s := stored(t, env)
	if s.Reminder.Interval != 4*3600 || s.Reminder.Max != 2 || s.Escalation.After != 12*3600 || len(s.Escalation.Channels) != 1 {
		t.Fatalf("stored %+v %+v", s.Reminder, s.Escalation)
	}
	for _, want := range []string{"reminded every 4 h, at most 2 times, until it succeeds again",
		"After 12 h of failing, Pager are told too, once per failure streak."} {
		if !strings.Contains(r.preview.Text, want) {
			t.Errorf("preview %q lacks %q", r.preview.Text, want)
		}
	}
	r.max.SetText("0")
	if l := v.errs[keyReminderMax]; !l.Visible() || !strings.Contains(l.Text, "between 1 and 99") {
		t.Errorf("reminder.max 0: error %q (visible %v)", l.Text, l.Visible())
	}
	r.channels.SetText("nobody")
	if l := v.errs[keyEscalationChannels]; !l.Visible() || !strings.Contains(l.Text, "nobody") {
		t.Errorf("unknown channel: error %q (visible %v)", l.Text, l.Visible())
	}
	if s := stored(t, env); s.Reminder.Max != 2 || len(s.Escalation.Channels) != 1 {
		t.Errorf("rejected values were stored: %+v %+v", s.Reminder, s.Escalation)
	}
}

// The preview sentence in Chinese.
func TestRemindPreviewChinese(t *testing.T) {
	for _, name := range []string{"zh_Hans.json", "remind.zh_Hans.json"} {
		d, err := os.ReadFile("../../assets/translations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := lang.AddTranslationsForLocale(d, fyne.Locale("zh-Hans")); err != nil {
			t.Fatal(err)
		}
	}
	s := dispatch.DefaultSettings()
	s.Reminder.Interval, s.Escalation.Failures = 4*3600, 3
	got := RemindPreview(s, "pager")
	en := "A task that keeps failing is reminded every 4 h, at most 3 times, until it succeeds again.\n" +
		"After 3 pushed failures without a recovery, pager are told too, once per failure streak."
	zh := "任务持续失败时，每 4 小时 提醒一次，最多 3 次，直到任务再次成功。\n失败推送达 3 次且未恢复后，同时通知 pager，每轮连续失败一次。"
	if got != en && got != zh {
		t.Errorf("preview %q, want %q or %q", got, en, zh)
	}
}

// shownRemind reads the reminder and escalation settings off the card.
func shownRemind(t *testing.T, v *View, s *dispatch.Settings) {
	t.Helper()
	r := v.remind
	var err error
	if s.Reminder.Interval, err = r.interval.seconds(); err != nil {
		t.Fatalf("reminder interval shows %q %q", r.interval.amount.Text, r.interval.unit.Selected)
	}
	if s.Reminder.Max, err = strconv.Atoi(r.max.Text); err != nil {
		t.Fatalf("reminder max shows %q", r.max.Text)
	}
	if s.Escalation.After, err = r.after.seconds(); err != nil {
		t.Fatalf("escalate after shows %q %q", r.after.amount.Text, r.after.unit.Selected)
	}
	if s.Escalation.Failures, err = strconv.Atoi(r.failures.Text); err != nil {
		t.Fatalf("escalation failures shows %q", r.failures.Text)
	}
	if r.channels.Text != "" {
		if s.Escalation.Channels, err = v.resolveNames(strings.Split(r.channels.Text, ", ")); err != nil {
			t.Fatal(err)
		}
	}
}
