package cli_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
)

func requestsOf(f fake) int {
	return int(reflect.ValueOf(f).MethodByName("Requests").Call(nil)[0].Int())
}

// TestSendDryRun: for every kind with a contract fake, send --dry-run
// prints the channel's requests, sends nothing, queues nothing and shows
// no secret.
func TestSendDryRun(t *testing.T) {
	for _, k := range kinds.All() {
		start, ok := fakes[k.ID]
		if !ok {
			continue // desktop
		}
		t.Run(k.ID, func(t *testing.T) {
			srv := start(t)
			h := newHerald(t)
			cfg := srv.Config()
			var secrets []string
			for _, key := range k.SecretKeys() {
				if v := cfg[key]; len(v) >= 8 {
					secrets = append(secrets, v)
				}
			}
			h.must(append([]string{"channel", "add", k.ID, "team"}, kvArgs(cfg)...)...)
			out := h.must("send", "--dry-run", "--channel", "team", "--title", "Nightly backup", "--markdown", "**backup finished**: 42 files")
			if !strings.HasPrefix(out, "=== team ("+k.ID+"): ") || !strings.Contains(out, "--- request 1\n") {
				t.Errorf("dry-run output:\n%s", out)
			}
			if k.Network == channel.NetHTTP && !strings.Contains(out, " HTTP/1.1\r\n") {
				t.Errorf("no HTTP request line in:\n%s", out)
			}
			if k.Network == channel.NetSMTP && !strings.Contains(out, "Subject: Nightly backup") {
				t.Errorf("no mail header in:\n%s", out)
			}
			if n := requestsOf(srv); n != 0 {
				t.Errorf("the fake saw %d requests on a dry run", n)
			}
			if outbox := h.must("outbox", "list"); strings.Contains(outbox, "team") {
				t.Errorf("a dry run queued: %s", outbox)
			}
			h.assertNoSecrets(secrets, out)
		})
	}
}

// TestTaskPushPreview: push-preview says why and shows the requests of
// the task's failure push; a success is not pushed by default.
func TestTaskPushPreview(t *testing.T) {
	srv := fakes["ntfy"](t)
	h := newHerald(t)
	h.must(append([]string{"channel", "add", "ntfy", "phone"}, kvArgs(srv.Config())...)...)
	h.must("task", "add", "backup", "--command", "echo copying; exit 3")
	out := h.must("task", "push-preview", "backup")
	for _, want := range []string{
		"If an automatic run of backup ended now with failure:",
		"failures of automatic runs are pushed",
		"every registered channel (1)",
		"=== phone (ntfy): 1 request(s), not sent",
		"backup",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("push-preview lacks %q:\n%s", want, out)
		}
	}
	out = h.must("task", "push-preview", "backup", "--status", "success")
	if !strings.Contains(out, "successes of automatic runs are not pushed") || strings.Contains(out, "===") {
		t.Errorf("success preview:\n%s", out)
	}
	h.must("task", "push", "backup", "auto_success=true")
	if out = h.must("task", "push-preview", "backup", "--status", "success"); !strings.Contains(out, "=== phone (ntfy)") {
		t.Errorf("success preview with auto_success:\n%s", out)
	}
	if code, _, errs := h.run("", "task", "push-preview", "backup", "--status", "maybe"); code == 0 || !strings.Contains(errs, "--status") {
		t.Errorf("bad status: exit %d, %s", code, errs)
	}
	if n := requestsOf(srv); n != 0 {
		t.Errorf("the fake saw %d requests", n)
	}
}
