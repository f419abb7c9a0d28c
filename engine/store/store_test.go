package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// open is the fixture factory: a real SQLite file in a temp dir.
func open(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenAppliesMigrationsOnceAndSetsPragmas(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "herald.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("schema version = %d, %v; want ≥ 1", v, err)
	}
	if err := s.CreateChannel(ctx, store.Channel{ID: "c1", Name: "phone", Kind: "bark"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Reopening must not re-run migrations (CREATE TABLE would fail) and keeps data.
	s, err = store.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if v2, _ := s.SchemaVersion(ctx); v2 != v {
		t.Fatalf("schema version after reopen = %d, want %d", v2, v)
	}
	if _, err := s.ChannelByName(ctx, "phone"); err != nil {
		t.Fatalf("data lost across reopen: %v", err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		got, err := s.Pragma(ctx, pragma)
		if err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSchemaVersionForTest(ctx, 999); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := store.Open(ctx, path); err == nil {
		t.Fatal("opening a database from a newer Herald succeeded; want an error")
	}
}

func TestChannelCRUD(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	c := store.Channel{ID: "a1", Name: "Team Ding", Kind: "dingtalk",
		Config: map[string]string{"at_all": "false"}, Secrets: []string{"token", "secret"}}
	if err := s.CreateChannel(ctx, c); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		create  store.Channel
		wantErr error
	}{
		{"same name other case", store.Channel{ID: "a2", Name: "team ding", Kind: "bark"}, store.ErrNameTaken},
		{"new name", store.Channel{ID: "a3", Name: "Phone", Kind: "bark"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreateChannel(ctx, tt.create)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CreateChannel = %v, want %v", err, tt.wantErr)
			}
		})
	}

	got, err := s.ChannelByName(ctx, "TEAM DING")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "a1" || got.Kind != "dingtalk" || got.Config["at_all"] != "false" || len(got.Secrets) != 2 {
		t.Fatalf("ChannelByName = %+v", got)
	}
	if byID, err := s.ChannelByName(ctx, "a1"); err != nil || byID.Name != "Team Ding" {
		t.Fatalf("lookup by id = %+v, %v", byID, err)
	}

	got.Name = "Ops"
	got.Config["at_all"] = "true"
	if err := s.UpdateChannel(ctx, got); err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(time.Now().UnixMilli())
	if err := s.RecordChannelTest(ctx, "a1", store.TestResult{At: at, OK: false, Answer: "310000 sign not match"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ChannelByName(ctx, "ops")
	if got.Config["at_all"] != "true" || got.LastTest == nil || got.LastTest.OK || got.LastTest.Answer != "310000 sign not match" || !got.LastTest.At.Equal(at) {
		t.Fatalf("after update: %+v %+v", got, got.LastTest)
	}

	list, err := s.Channels(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "Ops" || list[1].Name != "Phone" {
		t.Fatalf("Channels = %+v, %v", list, err)
	}
	if err := s.DeleteChannel(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChannelByName(ctx, "Ops"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteChannel(ctx, "a1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
}

func TestInstanceIDIsStableAndDistinct(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	a, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	id1, err := a.InstanceID(ctx)
	a.Close()
	if err != nil || len(id1) != 16 {
		t.Fatalf("InstanceID = %q, %v", id1, err)
	}
	a, _ = store.Open(ctx, path)
	defer a.Close()
	if id2, _ := a.InstanceID(ctx); id2 != id1 {
		t.Fatalf("instance id changed across opens: %q → %q", id1, id2)
	}
	if other, _ := open(t).InstanceID(ctx); other == id1 {
		t.Fatal("two databases share an instance id")
	}
}
