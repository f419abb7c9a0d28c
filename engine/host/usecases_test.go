package host_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/heraldpush/herald/engine/channel/webhook"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
)

// open is a data folder on an in-memory keyring: the use cases don't need
// the OS one (the API and CLI tests run on it).
func open(t *testing.T) *host.Env {
	t.Helper()
	env, err := host.Open(t.Context(), t.TempDir(), host.Options{Secrets: &secret.Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

func addWebhook(t *testing.T, env *host.Env, name, url string) registry.Channel {
	t.Helper()
	c, err := env.Registry.Add(t.Context(), "webhook", name, map[string]string{"url": url})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendQueuesEachChannelOnce(t *testing.T) {
	env := open(t)
	a := addWebhook(t, env, "a", "http://127.0.0.1:1/a")
	b := addWebhook(t, env, "b", "http://127.0.0.1:1/b")
	items, err := env.Send(t.Context(), []registry.Channel{a, b, a}, message.Message{Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].ChannelID != a.ID || items[1].ChannelID != b.ID {
		t.Fatalf("queued %+v, want one row for a then one for b", items)
	}
	rows, err := env.Store.OutboxItems(t.Context(), store.OutboxFilter{})
	if err != nil || len(rows) != 2 {
		t.Fatalf("outbox holds %d rows (%v), want 2", len(rows), err)
	}
}

func TestTestRecordsTheAnswerAndRetryRequeues(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusBadRequest)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	env := open(t)
	c := addWebhook(t, env, "hook", srv.URL)
	ctx := context.Background()
	d, err := env.Test(ctx, c)
	if err != nil || d.OK {
		t.Fatalf("test against a 400: %+v %v, want a failed delivery", d, err)
	}
	rows, err := env.Store.OutboxItems(ctx, store.OutboxFilter{})
	if err != nil || len(rows) != 1 || rows[0].State != store.OutboxFailed {
		t.Fatalf("after the test: %+v %v, want one failed row", rows, err)
	}
	before, err := env.Retry(ctx, rows[0].ID)
	if err != nil || before.State != store.OutboxFailed {
		t.Fatalf("retry: %+v %v", before, err)
	}
	after, err := env.Store.OutboxItemByID(ctx, rows[0].ID)
	if err != nil || after.State != store.OutboxPending {
		t.Fatalf("after the retry: %+v %v, want pending", after, err)
	}
	if _, err := env.Retry(ctx, rows[0].ID); err == nil {
		t.Fatal("a pending row was retried again")
	}
}

// A test of unsaved settings reaches the service and leaves nothing
// behind: no channel, no outbox row; a failure's text masks the unsaved
// secret (the URL's key).
func TestTestUnsavedStoresNothing(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte("bad key " + r.URL.Query().Get("key")))
		}
	}))
	defer srv.Close()
	env := open(t)
	ctx := t.Context()
	const key = "unsaved-key-0123456789abcdef"
	if err := env.TestUnsaved(ctx, webhook.Kind, "draft", map[string]string{"url": srv.URL + "/h?key=" + key}); err != nil {
		t.Fatalf("TestUnsaved: %v", err)
	}
	err := env.TestUnsaved(ctx, webhook.Kind, "draft", map[string]string{"url": srv.URL + "/h?fail=1&key=" + key})
	if err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("failed test: %v, want an error without the key", err)
	}
	if got.Load() != 2 {
		t.Errorf("the service got %d requests, want 2", got.Load())
	}
	cs, err := env.Registry.List(ctx)
	if err != nil || len(cs) != 0 {
		t.Errorf("channels: %v %v, want none", cs, err)
	}
	rows, err := env.Store.OutboxItems(ctx, store.OutboxFilter{})
	if err != nil || len(rows) != 0 {
		t.Errorf("outbox: %d rows %v, want none", len(rows), err)
	}
	if err := env.TestUnsaved(ctx, webhook.Kind, "draft", map[string]string{}); err == nil {
		t.Error("settings without a URL were sent")
	}
}
