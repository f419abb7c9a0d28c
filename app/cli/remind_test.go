package cli_test

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
)

// Reminder, escalation and fallback keys through `settings set`, `task
// push` and `channel edit --fallback`.
func TestRemindSettingsThroughTheCLI(t *testing.T) {
	h := newHerald(t)
	srv := webhooktest.NewServer(t)
	for _, name := range []string{"team", "phone", "pager"} {
		h.must(append([]string{"channel", "add", "webhook", name}, kvArgs(srv.Config())...)...)
	}
	h.must("task", "add", "backup", "--command", "exit 1")
	h.must("settings", "set", "reminder.interval=4h", "reminder.max=5", "escalation.after=1d12h", "escalation.failures=3", "escalation.channels=pager")
	h.must("channel", "edit", "team", "--fallback", "phone,pager")
	show := h.must("settings", "show")
	for _, want := range []string{"reminder.interval       4h", "reminder.max            5", "escalation.after        36h",
		"escalation.failures     3", "escalation.channels     pager", "fallback.team           phone,pager"} {
		if !strings.Contains(show, want) {
			t.Errorf("settings show lacks %q:\n%s", want, show)
		}
	}
	if out := h.must("channel", "show", "team"); !strings.Contains(out, "fallback: phone,pager") {
		t.Errorf("channel show:\n%s", out)
	}
	h.must("channel", "edit", "team", "--fallback", "none")
	if out := h.must("channel", "show", "team"); strings.Contains(out, "fallback:") {
		t.Errorf("fallback not removed:\n%s", out)
	}
	out := h.must("task", "push", "backup", "reminder.interval=30m", "escalation.channels=phone")
	for _, want := range []string{"reminder.interval       30m", "reminder.max            (global)", "escalation.channels     phone"} {
		if !strings.Contains(out, want) {
			t.Errorf("task push lacks %q:\n%s", want, out)
		}
	}
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"settings", "set", "reminder.interval=soon"}, "reminder.interval"},
		{[]string{"settings", "set", "reminder.max=0"}, "reminder.max"},
		{[]string{"settings", "set", "escalation.channels=nope"}, `no channel called "nope"`},
		{[]string{"channel", "edit", "team", "--fallback", "team"}, "own fallback"},
		{[]string{"task", "push", "backup", "reminder.max=100"}, "reminder.max"},
	} {
		code, _, errs := h.run("", tt.args...)
		if code != cli.ExitBadArgs || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("herald %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, errs, tt.wantErr)
		}
	}
}
