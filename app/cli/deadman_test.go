package cli_test

import (
	"strings"
	"testing"
)

// The watch settings through the CLI: the global keys, the heartbeat URL
// in the keyring (shown masked, never in the data folder), and the
// per-task flags of task add/edit, shown by `task push`.
func TestWatchSettingsThroughTheCLI(t *testing.T) {
	h := newHerald(t)
	const token = "5f0c1a2b-heartbeat-token"
	url := "https://hc-ping.com/" + token
	h.must("settings", "set", "anomaly.enabled=on", "anomaly.k=2.5", "anomaly.min_runs=20",
		"heartbeat.interval=30", "away_summary=off", "heartbeat.url="+url)
	show := h.must("settings", "show")
	for _, want := range []string{"anomaly.enabled         true", "anomaly.k               2.5", "anomaly.min_runs        20",
		"heartbeat.url           https://hc-ping.com/…", "heartbeat.interval      30", "away_summary            false"} {
		if !strings.Contains(show, want) {
			t.Errorf("settings show lacks %q:\n%s", want, show)
		}
	}
	h.assertNoSecrets([]string{token}, show)

	for _, bad := range [][]string{
		{"settings", "set", "anomaly.k=0"},
		{"settings", "set", "heartbeat.url=ftp://example.com/" + token},
		{"task", "add", "x", "--command", "true", "--deadman", "soon"},
	} {
		code, out, errs := h.run("", bad...)
		if code == 0 {
			t.Errorf("%v passed: %s", bad, out)
		}
		if strings.Contains(out+errs, token) {
			t.Errorf("%v quotes the token: %s %s", bad, out, errs)
		}
	}
	if code, out, _ := h.run("", "task", "push", "x"); code == 0 {
		t.Errorf("a task with a bad --deadman was saved:\n%s", out)
	}

	h.must("task", "add", "backup", "--command", "true", "--deadman", "26h", "--anomaly", "on")
	push := h.must("task", "push", "backup")
	for _, want := range []string{"deadman                 26h", "anomaly                 true"} {
		if !strings.Contains(push, want) {
			t.Errorf("task push lacks %q:\n%s", want, push)
		}
	}
	h.must("task", "edit", "backup", "--deadman", "off", "--anomaly", "default")
	push = h.must("task", "push", "backup")
	for _, want := range []string{"deadman                 off", "anomaly                 (global)"} {
		if !strings.Contains(push, want) {
			t.Errorf("after edit, task push lacks %q:\n%s", want, push)
		}
	}
	h.must("task", "push", "backup", "deadman=2d")
	if push = h.must("task", "push", "backup"); !strings.Contains(push, "deadman                 2d") {
		t.Errorf("task push deadman=2d:\n%s", push)
	}

	h.must("settings", "set", "heartbeat.url=off")
	if show = h.must("settings", "show"); !strings.Contains(show, "heartbeat.url           (none)") {
		t.Errorf("heartbeat.url=off:\n%s", show)
	}
}
