package dispatch

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/i18n/i18ntest"
)

func TestParseQuietWindows(t *testing.T) {
	cases := []struct {
		in, want string
		errKey   string
	}{
		{in: "", want: ""},
		{in: "off", want: ""},
		{in: "23:00-07:30", want: "23:00-07:30 daily"},
		{in: "23:00-07:30 daily; sat,sun all day", want: "23:00-07:30 daily; sat,sun all day"},
		{in: "Sat, Sun  all-day ;", want: "sat,sun all day"},
		{in: "mon-fri 12:00 - 13:00", want: "12:00-13:00 weekdays"},
		{in: "fri-mon 22:00-24:00", want: "22:00-24:00 mon,fri,sat,sun"},
		{in: "weekends 9:05:30-10:00", want: "09:05:30-10:00 sat,sun"},
		{in: "tuesday,thu every day 1:00-2:00", errKey: "quiet.err.day"},
		{in: "tuesday,thu 1:00-2:00", want: "01:00-02:00 tue,thu"},
		{in: "23:00", errKey: "quiet.err.range"},
		{in: "nightly", errKey: "quiet.err.range"},
		{in: "25:00-07:00", errKey: "quiet.err.clock"},
		{in: "23:00-24:30", errKey: "quiet.err.clock"},
		{in: "24:00-07:00", errKey: "quiet.err.clock"},
		{in: "07:00-07:00", errKey: "quiet.err.same"},
		{in: "00:00-24:00", errKey: "quiet.err.same"},
		{in: "caturday 23:00-07:00", errKey: "quiet.err.day"},
		{in: "all day", errKey: "quiet.err.always"},
		{in: "weekdays all day; weekends all day", errKey: "quiet.err.always"},
		{in: "12:00-00:00; 00:00-12:00", errKey: "quiet.err.always"},
		{in: "12:00-00:00; 00:00-11:59", want: "12:00-00:00 daily; 00:00-11:59 daily"},
	}
	for _, c := range cases {
		ws, err := ParseQuietWindows(c.in)
		if c.errKey != "" {
			var ie *i18n.Error
			if !errors.As(err, &ie) || ie.Text.Key != c.errKey {
				t.Errorf("%q: error %v, want key %s", c.in, err, c.errKey)
			} else {
				i18ntest.Check(t, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := ws.String(); got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
		// The canonical form reads back the same.
		if again, err := ParseQuietWindows(ws.String()); err != nil || again.String() != c.want {
			t.Errorf("%q: canonical %q reads back as %q, %v", c.in, ws.String(), again.String(), err)
		}
	}
}

// The release times on ordinary days and on DST days, in Berlin and New
// York: windows end at their wall-clock time whatever the offset.
func TestQuietUntil(t *testing.T) {
	ber := berlin(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, mo time.Month, d, h, m int) time.Time {
		return time.Date(2026, mo, d, h, m, 0, 0, loc)
	}
	utcAt := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	never := time.Time{}
	cases := []struct {
		name    string
		windows string
		loc     *time.Location
		t       time.Time
		until   time.Time // zero: not quiet
	}{
		{"night, inside", "23:00-07:30", ber, at(ber, 12, 7, 23, 30), at(ber, 12, 8, 7, 30)},
		{"night, after midnight", "23:00-07:30", ber, at(ber, 12, 8, 3, 0), at(ber, 12, 8, 7, 30)},
		{"night, at its start", "23:00-07:30", ber, at(ber, 12, 7, 23, 0), at(ber, 12, 8, 7, 30)},
		{"night, at its end", "23:00-07:30", ber, at(ber, 12, 8, 7, 30), never},
		{"day", "23:00-07:30", ber, at(ber, 12, 8, 12, 0), never},
		// 2026-03-29: Berlin springs forward 02:00 → 03:00. The night is
		// an hour shorter and still ends at 07:30 local (05:30 UTC).
		{"spring-forward night", "23:00-07:30", ber, at(ber, 3, 28, 23, 30), utcAt(3, 29, 5, 30)},
		// 2026-10-25: Berlin falls back 03:00 → 02:00: 07:30 CET is 06:30 UTC.
		{"fall-back night", "23:00-07:30", ber, at(ber, 10, 24, 23, 30), utcAt(10, 25, 6, 30)},
		// A start the clocks skip moves forward by the gap: 02:30 → 03:30 CEST.
		{"start in the gap, before", "02:30-06:00", ber, utcAt(3, 29, 1, 15), never}, // 03:15 CEST
		{"start in the gap, after", "02:30-06:00", ber, utcAt(3, 29, 1, 45), at(ber, 3, 29, 6, 0)},
		// An end the clocks show twice is its first occurrence (02:30 CEST).
		{"end in the repeated hour, first pass", "01:00-02:30", ber, utcAt(10, 25, 0, 15), utcAt(10, 25, 0, 30)},
		{"end in the repeated hour, second pass", "01:00-02:30", ber, utcAt(10, 25, 1, 15), never}, // 02:15 CET
		{"midnight end", "22:00-24:00", ber, at(ber, 12, 7, 23, 59), at(ber, 12, 8, 0, 0)},
		// Fri 23:00 → Sat all day → Sun all day → Sun 23:00 → Mon 07:30 merge.
		{"weekend chain", "23:00-07:30 daily; sat,sun all day", ber, at(ber, 12, 11, 23, 30), at(ber, 12, 14, 7, 30)},
		{"a window belongs to its start day", "fri 23:00-07:30", ber, at(ber, 12, 12, 3, 0), at(ber, 12, 12, 7, 30)},
		{"not on other days", "fri 23:00-07:30", ber, at(ber, 12, 10, 23, 30), never},
		// 2026-03-08: New York springs forward at 02:00; 2026-11-01 falls back.
		{"New York spring", "22:00-06:00", ny, at(ny, 3, 7, 22, 30), utcAt(3, 8, 10, 0)},
		{"New York fall", "22:00-06:00", ny, at(ny, 10, 31, 22, 30), utcAt(11, 1, 11, 0)},
		{"New York all day across fall back", "sun all day", ny, at(ny, 11, 1, 12, 0), at(ny, 11, 2, 0, 0)},
		{"seconds", "12:00:10-12:00:40", ber, at(ber, 12, 7, 12, 0).Add(20 * time.Second), at(ber, 12, 7, 12, 0).Add(40 * time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, err := ParseQuietWindows(c.windows)
			if err != nil {
				t.Fatal(err)
			}
			until, ok := ws.Until(c.t, c.loc)
			if ok != !c.until.IsZero() || !until.Equal(c.until) {
				t.Errorf("Until(%v) = %v, %v; want %v", c.t.In(c.loc), until.In(c.loc), ok, c.until.In(c.loc))
			}
		})
	}
}

// Which pushes are held: the task's own windows win, and a task (or every
// task) may let its failures and recoveries break through.
func TestQuietUntilRules(t *testing.T) {
	ber := berlin(t)
	night := time.Date(2026, 12, 7, 23, 30, 0, 0, ber)
	yes, no := true, false
	off, lunch := "off", "12:00-13:00"
	s := DefaultSettings()
	s.Quiet.Windows = "23:00-07:30"
	global := s
	global.Quiet.BreakThrough = true
	cases := []struct {
		name   string
		s      Settings
		o      TaskOverrides
		reason Reason
		held   bool
	}{
		{"failure held", s, TaskOverrides{}, ReasonFailure, true},
		{"success held", s, TaskOverrides{}, ReasonSuccess, true},
		{"task breaks through: failure sent", s, TaskOverrides{QuietBreakThrough: &yes}, ReasonFailure, false},
		{"task breaks through: recovery sent", s, TaskOverrides{QuietBreakThrough: &yes}, ReasonRecovered, false},
		{"task breaks through: success still held", s, TaskOverrides{QuietBreakThrough: &yes}, ReasonSuccess, true},
		{"task breaks through: reminder sent", s, TaskOverrides{QuietBreakThrough: &yes}, ReasonReminder, false},
		{"task breaks through: escalation sent", s, TaskOverrides{QuietBreakThrough: &yes}, ReasonEscalation, false},
		{"task breaks through: missing sent", s, TaskOverrides{QuietBreakThrough: &yes}, ReasonMissing, false},
		{"task breaks through: duration warning still held", s, TaskOverrides{QuietBreakThrough: &yes}, ReasonAnomaly, true},
		{"reminder held", s, TaskOverrides{}, ReasonReminder, true},
		{"escalation held", s, TaskOverrides{}, ReasonEscalation, true},
		{"missing held", s, TaskOverrides{}, ReasonMissing, true},
		{"digest held", global, TaskOverrides{}, ReasonDigest, true},
		{"all break through", global, TaskOverrides{}, ReasonFailure, false},
		{"but not this task", global, TaskOverrides{QuietBreakThrough: &no}, ReasonFailure, true},
		{"task without quiet hours", s, TaskOverrides{QuietWindows: &off}, ReasonFailure, false},
		{"task with its own hours", s, TaskOverrides{QuietWindows: &lunch}, ReasonFailure, false},
		{"no quiet hours", DefaultSettings(), TaskOverrides{}, ReasonFailure, false},
	}
	for _, c := range cases {
		until, held := QuietUntil(c.s, c.o, c.reason, night, ber)
		if held != c.held {
			t.Errorf("%s: held %v until %v, want %v", c.name, held, until, c.held)
		}
	}
}

func TestQuietAndBurstSettings(t *testing.T) {
	s := DefaultSettings()
	for _, kv := range [][2]string{
		{"quiet.windows", "Sat,Sun all day; 23:00-7:30"}, {"quiet.break_through", "on"},
		{"burst.max", "5"}, {"burst.window", "2m"},
	} {
		if err := s.Set(kv[0], kv[1], nil); err != nil {
			t.Fatalf("Set %s=%s: %v", kv[0], kv[1], err)
		}
	}
	want := QuietSettings{Windows: "sat,sun all day; 23:00-07:30 daily", BreakThrough: true}
	if s.Quiet != want || s.Burst != (BurstSettings{Max: 5, Window: 120}) {
		t.Errorf("got %+v %+v", s.Quiet, s.Burst)
	}
	if err := s.Set("quiet.windows", "off", nil); err != nil || s.Quiet.Windows != "" {
		t.Errorf("quiet.windows=off: %q, %v", s.Quiet.Windows, err)
	}
	for _, kv := range [][3]string{
		{"quiet.windows", "23:00", "quiet.err.range"},
		{"quiet.windows", "mon-fry 23:00-07:00", "quiet.err.day"},
		{"burst.max", "x", "quiet.err.burst_max"},
		{"burst.max", "-1", "quiet.err.burst_max"},
		{"burst.window", "0", "quiet.err.burst_window"},
		{"burst.window", "soon", "quiet.err.burst_window"},
	} {
		before := s
		err := s.Set(kv[0], kv[1], nil)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != kv[0] {
			t.Errorf("Set %s=%s: %v, want a field error on %s", kv[0], kv[1], err, kv[0])
			continue
		}
		if txt, _ := i18n.TextOf(fe.Err); txt.Key != kv[2] {
			t.Errorf("Set %s=%s: key %s, want %s", kv[0], kv[1], txt.Key, kv[2])
		}
		i18ntest.Check(t, err)
		if zh := fe.UserText().In(i18n.Chinese); zh == "" || zh == fe.Error() {
			t.Errorf("Set %s=%s: no Chinese text: %q", kv[0], kv[1], zh)
		}
		if s.Quiet != before.Quiet || s.Burst != before.Burst {
			t.Errorf("Set %s=%s changed the settings on error", kv[0], kv[1])
		}
	}

	var o TaskOverrides
	if err := o.Set("quiet_windows", "none", nil); err != nil || o.QuietWindows == nil || *o.QuietWindows != "off" {
		t.Errorf("override quiet_windows=none: %v %v", o.QuietWindows, err)
	}
	if err := o.Set("quiet_break_through", "yes", nil); err != nil || o.QuietBreakThrough == nil || !*o.QuietBreakThrough {
		t.Errorf("override quiet_break_through=yes: %v", err)
	}
	if err := o.Set("quiet_windows", "7:00-7:00", nil); err == nil {
		t.Error("override quiet_windows=7:00-7:00 passed")
	}
	if err := o.Set("quiet_windows", "default", nil); err != nil || o.QuietWindows != nil {
		t.Errorf("override quiet_windows=default: %v %v", o.QuietWindows, err)
	}
}

func TestQuietPreview(t *testing.T) {
	ber := berlin(t)
	noon := time.Date(2026, 12, 7, 12, 0, 0, 0, ber)
	night := time.Date(2026, 12, 7, 23, 30, 0, 0, ber)
	cases := []struct {
		q      QuietSettings
		now    time.Time
		en, zh string
	}{
		{QuietSettings{}, noon, "No quiet hours: pushes are sent at once, day and night.", "未设置免打扰时段：推送随时立即发送。"},
		{QuietSettings{Windows: "23:00-07:30"}, noon,
			"Pushes between 23:00 and 07:30 are held and sent at 07:30 as one message per channel. Failures of tasks set to break through (herald task push NAME quiet_break_through=on) are sent at once.",
			"23:00 至 07:30 之间的推送会暂缓，并于 07:30 按渠道合并为一条消息发送。设置为不受免打扰限制的任务（herald task push 任务名 quiet_break_through=on），其失败推送立即发送。"},
		{QuietSettings{Windows: "23:00-07:30; sat,sun all day", BreakThrough: true}, night,
			"Pushes during the quiet hours (23:00-07:30 daily; sat,sun all day) are held and sent as one message per channel when the quiet hours end. Failures, their reminders, escalations and recovery notices, and missing tasks break through and are sent at once. Quiet now, until 12-08 07:30.",
			"免打扰时段（23:00-07:30 daily; sat,sun all day）内的推送会暂缓，并在时段结束时按渠道合并为一条消息发送。失败及其提醒、升级、恢复通知，以及未按时成功的任务不受限制，立即发送。当前处于免打扰时段，至 12-08 07:30 结束。"},
		{QuietSettings{Windows: "23:00"}, noon, `"23:00" has no times: write a range such as 23:00-07:30, or all day (windows are separated by ;)`, ""},
	}
	for _, c := range cases {
		p := QuietPreview(c.q, c.now, ber)
		if got := p.In(i18n.English); got != c.en {
			t.Errorf("%+v: %q, want %q", c.q, got, c.en)
		}
		if got := p.In(i18n.Chinese); c.zh != "" && got != c.zh {
			t.Errorf("%+v in Chinese: %q, want %q", c.q, got, c.zh)
		}
	}
	if got := BurstPreview(BurstSettings{Max: 5}).In(i18n.English); !strings.Contains(got, "more than 5 pushes for one channel would go out within 1 min, the first 5 are sent") {
		t.Errorf("burst preview %q", got)
	}
	if got := BurstPreview(BurstSettings{}).In(i18n.Chinese); got != "已关闭：每条推送单独发送。" {
		t.Errorf("burst preview off %q", got)
	}
}
