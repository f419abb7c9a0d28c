package registry_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
)

// dataFolder is a data folder as the app lays it out: store, keyring, a
// redacting herald.log, the registry and the dispatcher.
type dataFolder struct {
	dir      string
	store    *store.Store
	registry *registry.Registry
	dispatch *dispatch.Dispatcher
	logFile  *os.File
}

func openDataFolder(t *testing.T, client *http.Client) *dataFolder {
	t.Helper()
	dir := t.TempDir()
	red := &redact.Redactor{}
	lf, err := os.OpenFile(filepath.Join(dir, "herald.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lf.Close() })
	log := slog.New(redact.NewHandler(slog.NewTextHandler(lf, nil), red))
	st, err := store.Open(context.Background(), filepath.Join(dir, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := &registry.Registry{Store: st, Secrets: secret.Keyring{}, Redactor: red, Deps: channel.Deps{HTTP: client}, Log: log}
	d := dispatch.New(dispatch.Params{Store: st, Registry: reg, Redactor: red, Log: log})
	return &dataFolder{dir: dir, store: st, registry: reg, dispatch: d, logFile: lf}
}

// files returns the text of every file in the data folder.
func (f *dataFolder) files(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(f.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

// No secret, in any encoding, reaches the database, the log or any text
// shown to a person, even when every service quotes the whole request
// (credentials, signed URLs, headers) back in its error.
func TestCanarySecretsNeverLeaveTheKeyring(t *testing.T) {
	testenv.NeedKeyring(t)
	variants := []struct {
		name   string
		status int
		mech   string
		proxy  bool
	}{
		{"400", http.StatusBadRequest, "PLAIN", false},
		{"500 via proxy", http.StatusInternalServerError, "LOGIN", true},
		{"200 error JSON", http.StatusOK, "PLAIN", false},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			hits, n := runCanaries(t, v.status, v.mech, v.proxy)
			for _, h := range hits {
				t.Error(h)
			}
			t.Logf("canary hits: %d places, %d occurrences", len(hits), n)
		})
	}
}

func runCanaries(t *testing.T, status int, mech string, proxy bool) ([]string, int) {
	ctx := context.Background()
	srv := httptest.NewServer(channeltest.EchoHandler(status))
	t.Cleanup(srv.Close)
	smtpHost, smtpPort := channeltest.SMTPEcho(t, mech)
	var c channeltest.Canaries
	configs := channeltest.CanaryConfigs(&c, srv.URL, smtpHost, smtpPort)
	var proxyURL string
	if proxy {
		proxyURL = channeltest.NewProxy(t).URLWithUser("pu", c.New("proxy password"))
	}
	f := openDataFolder(t, &http.Client{Timeout: channel.DefaultTimeout})
	outputs := map[string]string{}
	var names []string
	for _, k := range kinds.All() {
		cfgs, ok := configs[k.ID]
		if !ok {
			t.Errorf("%s: no canary settings; add the kind to canaryConfigs", k.ID)
			continue
		}
		for i, cfg := range cfgs {
			if _, has := k.Field("proxy"); has && proxyURL != "" {
				cfg["proxy"] = proxyURL
			}
			name := fmt.Sprintf("%s-%d", k.ID, i)
			where := name + ": "
			ch, err := f.registry.Add(ctx, k.ID, name, cfg)
			if err != nil {
				outputs[where+"add error"] = f.registry.Redactor.Error(err)
				t.Errorf("%s: add: %v", name, f.registry.Redactor.Error(err))
				continue
			}
			names = append(names, name)
			del, err := f.dispatch.TestChannel(ctx, ch)
			outputs[where+"test answer"] = del.Answer
			outputs[where+"test error"] = errText(err)
			outputs[where+"send error"] = errText(f.registry.Send(ctx, ch, message.Message{Title: "canary", Body: "canary body"}))
			for _, fv := range f.registry.Show(ch) {
				outputs[where+"show "+fv.Key] = fv.Value
			}
			for _, key := range ch.Secrets {
				masked, err := f.registry.Reveal(ctx, ch, key, false)
				outputs[where+"reveal "+key] = masked + errText(err)
			}
		}
	}
	t.Cleanup(func() {
		for _, n := range names {
			_ = f.registry.Remove(context.Background(), n)
		}
	})
	var hits []string
	for where, text := range outputs {
		hits = append(hits, c.Hits("output "+where, text)...)
	}
	for name, text := range f.files(t) {
		hits = append(hits, c.Hits("file "+name, text)...)
	}
	if testing.Verbose() {
		for _, k := range slices.Sorted(maps.Keys(outputs)) {
			t.Logf("%s: %.300s", k, outputs[k])
		}
	}
	sort.Strings(hits)
	return hits, c.Count
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
