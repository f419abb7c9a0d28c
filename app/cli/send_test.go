package cli_test

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
)

// A channel named more than once, by name in any case or by id, is sent to
// once.
func TestSendRepeatedChannelSendsOnce(t *testing.T) {
	h := newHerald(t)
	srv := webhooktest.NewServer(t)
	id := strings.TrimSpace(h.must(append([]string{"channel", "add", "webhook", "hook"}, kvArgs(srv.Config())...)...))
	out := h.must("send", "--channel", "hook", "--channel", "HOOK", "--channel", id, "once")
	if strings.Count(out, "hook: ok") != 1 {
		t.Errorf("send printed:\n%s", out)
	}
	if got := acceptedTexts(t, srv); len(got) != 1 {
		t.Errorf("the receiver got %d pushes, want 1: %q", len(got), got)
	}
}
