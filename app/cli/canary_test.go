package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/kinds"
)

// What a person sees of a channel whose service quotes the whole request in
// its errors (send, channel test/show/list, outbox list/show) and what the
// data folder keeps holds no secret in any encoding.
func TestCanarySecretsNeverReachCLIOutput(t *testing.T) {
	h := newHerald(t)
	srv := httptest.NewServer(channeltest.EchoHandler(http.StatusBadRequest))
	t.Cleanup(srv.Close)
	smtpHost, smtpPort := channeltest.SMTPEcho(t, "PLAIN")
	var c channeltest.Canaries
	configs := channeltest.CanaryConfigs(&c, srv.URL, smtpHost, smtpPort)
	var outputs []string
	record := func(args ...string) {
		code, out, errs := h.run("", args...)
		outputs = append(outputs, fmt.Sprintf("herald %s (exit %d)\n%s%s", strings.Join(args, " "), code, out, errs))
	}
	for _, k := range kinds.All() {
		for i, cfg := range configs[k.ID] {
			name := fmt.Sprintf("%s-%d", k.ID, i)
			h.must(append([]string{"channel", "add", k.ID, name}, kvArgs(cfg)...)...)
			t.Cleanup(func() { h.run("", "channel", "rm", name) })
			record("channel", "test", name)
			record("send", "--channel", name, "--title", "canary", "canary body")
			record("channel", "show", name)
		}
	}
	record("channel", "list")
	record("outbox", "list")
	for id := 1; ; id++ {
		code, out, errs := h.run("", "outbox", "show", strconv.Itoa(id))
		if code != 0 {
			break
		}
		outputs = append(outputs, out+errs)
	}
	var hits []string
	for _, out := range outputs {
		where, _, _ := strings.Cut(out, "\n")
		hits = append(hits, c.Hits("output of "+where, out)...)
	}
	entries, _ := os.ReadDir(h.dir)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(h.dir, e.Name()))
		hits = append(hits, c.Hits("file "+e.Name(), string(data))...)
	}
	for _, hit := range hits {
		t.Error(hit)
	}
	t.Logf("canary hits: %d places, %d occurrences", len(hits), c.Count)
	if testing.Verbose() {
		t.Log(strings.Join(outputs, "\n"))
	}
}
