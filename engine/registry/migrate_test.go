package registry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
)

// A webhook saved by an older Herald has its url (now secret) in the
// store's plain config: the first load moves it into the keyring and out of
// the database, and the channel keeps working.
func TestSecretKeptInStoreMovesToKeyring(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t)
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Get("key") == "old-key-0123456789" {
			hits++
		}
	}))
	t.Cleanup(srv.Close)
	old := srv.URL + "/hook?key=old-key-0123456789&t={t}"
	if err := r.Store.CreateChannel(ctx, store.Channel{ID: "0123abcd", Name: "old hook", Kind: "webhook",
		Config: map[string]string{"url": old}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Remove(ctx, "old hook") })

	for _, load := range []string{"list", "get"} {
		var c registry.Channel
		if load == "list" {
			list, err := r.List(ctx)
			if err != nil || len(list) != 1 {
				t.Fatalf("List = %v, %v", list, err)
			}
			c = list[0]
		} else {
			var err error
			if c, err = r.Get(ctx, "old hook"); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok := c.Config["url"]; ok || len(c.Secrets) != 1 || c.Secrets[0] != "url" {
			t.Fatalf("%s: config %v, secrets %v: url not moved", load, c.Config, c.Secrets)
		}
	}
	stored, err := r.Store.ChannelByName(ctx, "old hook")
	if err != nil || stored.Config["url"] != "" {
		t.Fatalf("store still holds the url: %v, %v", stored.Config, err)
	}
	if v, err := (secret.Keyring{}).Get("0123abcd", "url"); err != nil || v != old {
		t.Fatalf("keyring url = %q, %v", v, err)
	}
	c, _ := r.Get(ctx, "old hook")
	if got, err := r.Reveal(ctx, c, "url", false); err != nil || got != srv.URL+"/hook?key=••••&t=••••" {
		t.Fatalf("Reveal masked = %q, %v", got, err)
	}
	if err := r.Send(ctx, c, message.Message{Title: "t", Body: "b"}); err != nil || hits != 1 {
		t.Fatalf("send after the move: %v, %d hits", err, hits)
	}
}

// A send cut off by the dispatcher's timeout is logged as transient: it is
// retried.
func TestSendCutOffByTimeoutLogsTransient(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t)
	var buf bytes.Buffer
	r.Log = slog.New(slog.NewTextHandler(&buf, nil))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// The server notices the client leave only once the body is read
		// (a URL alone POSTs the message).
		io.Copy(io.Discard, req.Body)
		<-req.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, err := r.Add(ctx, "webhook", "slow", map[string]string{"url": srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Remove(ctx, "slow") })
	sendCtx, cancel := context.WithCancelCause(ctx)
	time.AfterFunc(50*time.Millisecond, func() { cancel(errors.New("send timeout")) })
	if err := r.Send(sendCtx, c, message.Message{Body: "b"}); err == nil {
		t.Fatal("send to a silent server succeeded")
	}
	if !strings.Contains(buf.String(), "transient=true") {
		t.Fatalf("log does not say transient:\n%s", buf.String())
	}
}
