package registry_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/wecomapp/wecomapptest"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
)

func newRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	testenv.NeedKeyring(t)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &registry.Registry{Store: st, Secrets: secret.Keyring{}, Redactor: &redact.Redactor{}}
}

// A built channel is reused between sends so WeCom's access token is fetched
// once, and rebuilt after an edit.
func TestOpenChannelsAreReusedUntilEdited(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t)
	srv := wecomapptest.NewServer(t)
	if _, err := r.Add(ctx, "wecom_app", "corp", srv.Config()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Remove(ctx, "corp") })
	send := func() {
		t.Helper()
		c, err := r.Get(ctx, "corp")
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Send(ctx, c, message.Message{Title: "t", Body: "b"}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	send()
	send()
	if n := srv.GettokenCalls(); n != 1 {
		t.Fatalf("gettoken called %d times for 3 sends, want 1", n)
	}
	if _, err := r.Edit(ctx, "corp", map[string]string{"to_user": "alice"}); err != nil {
		t.Fatal(err)
	}
	send()
	if n := srv.GettokenCalls(); n != 2 {
		t.Fatalf("after edit gettoken called %d times, want 2 (channel rebuilt)", n)
	}
}

func TestSecretsSplitBetweenKeyringAndStore(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t)
	srv := wecomapptest.NewServer(t)
	cfg := srv.Config()
	c, err := r.Add(ctx, "wecom_app", "corp", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Remove(ctx, "corp") })

	if _, ok := c.Config["secret"]; ok {
		t.Fatal("secret stored in SQLite config")
	}
	if got, err := (secret.Keyring{}).Get(c.ID, "secret"); err != nil || got != cfg["secret"] {
		t.Fatalf("keyring herald/%s/secret = %q, %v", c.ID, got, err)
	}
	if _, ok := c.Config["to_user"]; ok {
		t.Fatal("a default value was stored; defaults must stay in code")
	}
	for _, f := range r.Show(c) {
		if f.Secret && f.Value != "" && f.Value != "••••" {
			t.Errorf("Show(%s) = %q, want masked", f.Key, f.Value)
		}
		if f.Key == "to_user" && (!f.Default || f.Value != "@all") {
			t.Errorf("to_user shown as %+v, want the default @all", f)
		}
	}
	masked, err := r.Reveal(ctx, c, "secret", false)
	if err != nil || !strings.HasPrefix(masked, "••••") || strings.Contains(masked, cfg["secret"]) {
		t.Fatalf("Reveal masked = %q, %v", masked, err)
	}
	full, err := r.Reveal(ctx, c, "secret", true)
	if err != nil || full != cfg["secret"] {
		t.Fatalf("Reveal full = %q, %v", full, err)
	}
	// The redactor now knows the secret: any text quoting it is masked.
	if got := r.Redactor.String("oops " + cfg["secret"]); strings.Contains(got, cfg["secret"]) {
		t.Fatalf("redactor did not learn the secret: %q", got)
	}

	// Removing the channel removes its secrets from the keyring.
	if err := r.Remove(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := (secret.Keyring{}).Get(c.ID, "secret"); err == nil {
		t.Fatal("secret left in the keyring after remove")
	}
}

func TestEditResetsToDefaultAndKeepsOldOnError(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t)
	srv := wecomapptest.NewServer(t)
	cfg := srv.Config()
	cfg["to_user"] = "alice|bob"
	if _, err := r.Add(ctx, "wecom_app", "corp", cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Remove(ctx, "corp") })

	if _, err := r.Edit(ctx, "corp", map[string]string{"agent_id": "not-a-number"}); err == nil {
		t.Fatal("invalid edit accepted")
	}
	c, _ := r.Get(ctx, "corp")
	if c.Config["agent_id"] != cfg["agent_id"] || c.Config["to_user"] != "alice|bob" {
		t.Fatalf("failed edit changed the channel: %v", c.Config)
	}
	if _, err := r.Edit(ctx, "corp", map[string]string{"TO_USER": ""}); err != nil {
		t.Fatal(err)
	}
	c, _ = r.Get(ctx, "corp")
	if _, ok := c.Config["to_user"]; ok {
		t.Fatalf("empty value did not reset to_user: %v", c.Config)
	}
	if err := r.Rename(ctx, "corp", "Corp WeCom"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(ctx, "corp wecom"); err != nil {
		t.Fatal(err)
	}
	c, _ = r.Get(ctx, "Corp WeCom")
	if err := r.Send(ctx, c, registry.TestMessage(c.Name, time.Now())); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Accepted()); n != 1 {
		t.Fatalf("fake accepted %d messages, want 1", n)
	}
}
