package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
)

// Push rules end to end through the CLI: a failing task pushes only on the
// Nth consecutive automatic… here manual failure with the default settings,
// the push lands at the receiver, and the outbox shows it sent.
func TestRunPushesThroughTheOutbox(t *testing.T) {
	h := newHerald(t)
	srv := webhooktest.NewServer(t)
	h.must(append([]string{"channel", "add", "webhook", "hook"}, kvArgs(srv.Config())...)...)
	h.must("task", "add", "flaky", "--command", "echo boom >&2; exit 4")

	code, out, _ := h.run("", "task", "run", "flaky")
	if code != cli.ExitFailed || !strings.Contains(out, "push to hook: sent") {
		t.Fatalf("task run: exit %d\n%s", code, out)
	}
	got := acceptedTexts(t, srv)
	if len(got) != 1 || !strings.Contains(got[0], "flaky") || !strings.Contains(got[0], "boom") {
		t.Fatalf("receiver got %q", got)
	}
	list := h.must("outbox", "list")
	if !strings.Contains(list, "sent") || !strings.Contains(list, "hook") {
		t.Fatalf("outbox list:\n%s", list)
	}

	// Manual successes are not pushed by default…
	h.must("task", "edit", "flaky", "--command", "echo fine")
	out = h.must("task", "run", "flaky")
	// …but this one follows a pushed failure: "recovered".
	if !strings.Contains(out, "push to hook: sent") {
		t.Fatalf("recovery push missing:\n%s", out)
	}
	if got := acceptedTexts(t, srv); len(got) != 2 || !strings.Contains(strings.ToLower(got[1]), "recovered") && !strings.Contains(got[1], "恢复") {
		t.Fatalf("receiver got %q", got)
	}
	out = h.must("task", "run", "flaky")
	if strings.Contains(out, "push to") {
		t.Fatalf("plain manual success pushed:\n%s", out)
	}

	// Per-task override: push off → nothing for a failure.
	h.must("task", "push", "flaky", "push=off")
	h.must("task", "edit", "flaky", "--command", "exit 1")
	if _, out, _ := h.run("", "task", "run", "flaky"); strings.Contains(out, "push to") {
		t.Fatalf("push=off still pushed:\n%s", out)
	}
	show := h.must("task", "push", "flaky")
	if !strings.Contains(show, "push                    false") || !strings.Contains(show, "channels                (global)") {
		t.Fatalf("task push show:\n%s", show)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Fatalf("violations %q", v)
	}
}

func TestSettingsShowSetAndErrors(t *testing.T) {
	h := newHerald(t)
	srv := webhooktest.NewServer(t)
	h.must(append([]string{"channel", "add", "webhook", "hook"}, kvArgs(srv.Config())...)...)
	show := h.must("settings", "show")
	for _, want := range []string{"enabled                 true", "channels                all", "manual_failure          true", "auto_success            false", "failures_before_notify  0", "batch.interval          86400"} {
		if !strings.Contains(show, want) {
			t.Errorf("settings show lacks %q:\n%s", want, show)
		}
	}
	h.must("settings", "set", "failures_before_notify=3", "channels=hook", "batch.enabled=true", "batch.first=08:30:00", "rate_limits.webhook=100/sec")
	show = h.must("settings", "show")
	for _, want := range []string{"failures_before_notify  3", "channels                hook", "batch.first             08:30:00", "batch.next_due", "rate_limits.webhook     100/sec"} {
		if !strings.Contains(show, want) {
			t.Errorf("after set, show lacks %q:\n%s", want, show)
		}
	}
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"settings", "set", "failures_before_notify=100"}, "failures_before_notify"},
		{[]string{"settings", "set", "batch.interval=10"}, "batch.interval"},
		{[]string{"settings", "set", "colour=red"}, "colour"},
		{[]string{"settings", "set", "channels=nope"}, `no channel called "nope"`},
		{[]string{"settings", "set", "title_template={{.Nope}}"}, "title_template"},
		{[]string{"outbox", "retry", "999"}, "outbox row 999"},
		{[]string{"outbox", "drop", "x"}, `"x" is not an outbox id`},
		{[]string{"task", "push", "missing"}, `no task called "missing"`},
	}
	for _, tt := range tests {
		code, _, errs := h.run("", tt.args...)
		if code != cli.ExitBadArgs || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("herald %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, errs, tt.wantErr)
		}
	}
	// The failed sets changed nothing.
	if show2 := h.must("settings", "show"); show2 != show {
		t.Errorf("a rejected set changed the settings:\n%s\n---\n%s", show, show2)
	}
}

func TestSendQueueAndOutboxRetryDrop(t *testing.T) {
	h := newHerald(t)
	srv := webhooktest.NewServer(t)
	h.must(append([]string{"channel", "add", "webhook", "hook"}, kvArgs(srv.Config())...)...)
	out := h.must("send", "--channel", "hook", "--queue", "later please")
	if !strings.Contains(out, "hook: queued (outbox 1)") {
		t.Fatalf("send --queue: %s", out)
	}
	if n := len(acceptedTexts(t, srv)); n != 0 {
		t.Fatalf("--queue delivered %d messages", n)
	}
	var items []struct {
		ID    int64
		State string
	}
	if err := json.Unmarshal([]byte(h.must("outbox", "list", "--json")), &items); err != nil || len(items) != 1 || items[0].State != "pending" {
		t.Fatalf("outbox: %+v %v", items, err)
	}
	h.must("outbox", "drop", "1")
	if list := h.must("outbox", "list", "--state", "dropped"); !strings.Contains(list, "dropped") {
		t.Fatalf("after drop:\n%s", list)
	}
	// Retry makes it pending and delivers it at once.
	if out := h.must("outbox", "retry", "1"); !strings.Contains(out, "outbox 1 (hook): ok") {
		t.Fatalf("outbox retry: %s", out)
	}
	if n := len(acceptedTexts(t, srv)); n != 1 {
		t.Fatalf("retry delivered %d messages, want 1", n)
	}
	if list := h.must("outbox", "list", "--state", "sent"); !strings.Contains(list, "sent") {
		t.Fatalf("after retry:\n%s", list)
	}
	if code, _, errs := h.run("", "outbox", "retry", "1"); code != cli.ExitFailed || !strings.Contains(errs, "is sent, not failed or dropped") {
		t.Fatalf("retry of a sent row: exit %d %q", code, errs)
	}
}

func TestAPITokenAndSettings(t *testing.T) {
	h := newHerald(t)
	tok := strings.TrimSpace(h.must("api", "token"))
	if len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	if again := strings.TrimSpace(h.must("api", "token")); again != tok {
		t.Fatalf("token changed between calls: %q %q", tok, again)
	}
	if regen := strings.TrimSpace(h.must("api", "regenerate")); regen == tok || len(regen) < 40 {
		t.Fatalf("regenerate gave %q", regen)
	}
	h.must("api", "port", "7799")
	h.must("api", "disable")
	if show := h.must("api", "show"); !strings.Contains(show, "enabled: false") || !strings.Contains(show, "127.0.0.1:7799") {
		t.Fatalf("api show:\n%s", show)
	}
	if code, _, errs := h.run("", "api", "port", "70000"); code != cli.ExitBadArgs || !strings.Contains(errs, "port: must be between 1 and 65535") {
		t.Fatalf("bad port: %d %q", code, errs)
	}
	h.assertNoSecrets([]string{tok})
}
