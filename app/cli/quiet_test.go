package cli_test

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
)

// Quiet hours and burst coalescing through `herald settings set` and
// `herald task push`: canonical values shown back, problems named.
func TestQuietAndBurstKeys(t *testing.T) {
	h := newHerald(t)
	show := h.must("settings", "show")
	for _, want := range []string{"quiet.windows           off", "quiet.break_through     false", "burst.max               0 (off)", "burst.window            60"} {
		if !strings.Contains(show, want) {
			t.Errorf("settings show lacks %q:\n%s", want, show)
		}
	}
	h.must("settings", "set", "quiet.windows=23:00-07:30 daily; Sat,Sun all day", "quiet.break_through=on", "burst.max=5", "burst.window=2m")
	show = h.must("settings", "show")
	for _, want := range []string{"quiet.windows           23:00-07:30 daily; sat,sun all day", "quiet.break_through     true", "burst.max               5\n", "burst.window            120"} {
		if !strings.Contains(show, want) {
			t.Errorf("after set, show lacks %q:\n%s", want, show)
		}
	}
	for _, tt := range []struct{ arg, wantErr string }{
		{"quiet.windows=23:00", `quiet.windows: "23:00" has no times`},
		{"quiet.windows=mon-fry 1:00-2:00", `"mon-fry" is not a day`},
		{"quiet.windows=7:00-7:00", "starts and ends at the same time"},
		{"burst.max=lots", "burst.max"},
	} {
		code, _, errs := h.run("", "settings", "set", tt.arg)
		if code != cli.ExitBadArgs || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("settings set %s: exit %d, stderr %q; want exit 2 and %q", tt.arg, code, errs, tt.wantErr)
		}
	}

	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANGUAGE"} {
		t.Setenv(k, "")
	}
	t.Setenv("LANG", "zh_CN.UTF-8")
	if code, _, errs := h.run("", "settings", "set", "quiet.windows=23:00"); code != cli.ExitBadArgs || !strings.Contains(errs, "免打扰时段：\"23:00\" 缺少时间") {
		t.Errorf("in Chinese: exit %d, stderr %q", code, errs)
	}
	t.Setenv("LANG", "C")

	h.must("task", "add", "nightly", "--command", "true")
	show = h.must("task", "push", "nightly", "quiet_break_through=yes", "quiet_windows=off")
	for _, want := range []string{"quiet_windows           off", "quiet_break_through     true"} {
		if !strings.Contains(show, want) {
			t.Errorf("task push lacks %q:\n%s", want, show)
		}
	}
}
