package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/store"
)

type pushDoc struct {
	Enabled  bool              `json:"enabled"`
	Channels []string          `json:"channels"`
	Limits   map[string]string `json:"limits"`
	N        int               `json:"n"`
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	doc := pushDoc{Enabled: true, Channels: []string{"c1", "c2"}, Limits: map[string]string{"dingtalk": "20/min"}, N: 3}
	tests := []struct {
		name  string
		key   string
		set   any        // nil: do not set
		into  func() any // a fresh pointer to read into
		found bool
		want  any // what into points to afterwards
	}{
		{"unset key keeps defaults", "push", nil, func() any { return &pushDoc{N: 9} }, false, &pushDoc{N: 9}},
		{"struct", "push", doc, func() any { return &pushDoc{} }, true, &doc},
		{"overwrite", "push", pushDoc{N: 1}, func() any { return &pushDoc{} }, true, &pushDoc{N: 1}},
		{"fields missing from the stored document keep the caller's defaults", "push.task.7", map[string]any{"n": 2},
			func() any { return &pushDoc{Enabled: true, Channels: []string{"x"}} }, true, &pushDoc{Enabled: true, Channels: []string{"x"}, N: 2}},
		{"string", "digest.last_due", "2026-03-31T12:00:00Z", func() any { return new(string) }, true, ptr("2026-03-31T12:00:00Z")},
		{"number", "n", 42, func() any { return new(int) }, true, ptr(42)},
		{"unicode key and value", "推送", "你好", func() any { return new(string) }, true, ptr("你好")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.set != nil {
				if err := s.SetSetting(ctx, tt.key, tt.set); err != nil {
					t.Fatal(err)
				}
			}
			into := tt.into()
			found, err := s.Setting(ctx, tt.key, into)
			if err != nil || found != tt.found {
				t.Fatalf("Setting(%q) = %v, %v; want %v", tt.key, found, err, tt.found)
			}
			if !reflect.DeepEqual(into, tt.want) {
				t.Fatalf("Setting(%q) read %#v, want %#v", tt.key, into, tt.want)
			}
		})
	}

	t.Run("delete", func(t *testing.T) {
		if err := s.DeleteSetting(ctx, "n"); err != nil {
			t.Fatal(err)
		}
		if found, err := s.Setting(ctx, "n", new(int)); found || err != nil {
			t.Fatalf("after delete: %v, %v; want unset", found, err)
		}
		if err := s.DeleteSetting(ctx, "never set"); err != nil {
			t.Fatalf("deleting an unset key: %v", err)
		}
	})
	t.Run("stored document of another shape", func(t *testing.T) {
		var n int
		found, err := s.Setting(ctx, "push", &n)
		if err == nil || !strings.Contains(err.Error(), `"push"`) {
			t.Fatalf("reading an object into an int = %v, %v; want an error naming the key", found, err)
		}
	})
	t.Run("value that is not JSON-able", func(t *testing.T) {
		if err := s.SetSetting(ctx, "bad", make(chan int)); err == nil {
			t.Fatal("SetSetting of a channel succeeded")
		}
		if found, _ := s.Setting(ctx, "bad", new(any)); found {
			t.Fatal("a failed SetSetting stored something")
		}
	})
	t.Run("settings survive reopening", func(t *testing.T) {
		s2, err := store.Open(ctx, s.Path())
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		var got pushDoc
		if found, err := s2.Setting(ctx, "push", &got); !found || err != nil || got.N != 1 {
			t.Fatalf("from a second handle: %+v, %v, %v", got, found, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// Concurrent updates of different fields of one setting, from two handles
// (two processes), all survive: each reads the stored document inside its
// own transaction instead of writing back a copy read earlier.
func TestUpdateSettingKeepsOtherFields(t *testing.T) {
	ctx := context.Background()
	a := open(t)
	b, err := store.Open(ctx, a.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	type doc struct {
		A, B int
	}
	const n = 20
	done := make(chan error, 2)
	bump := func(s *store.Store, field func(*doc) *int) {
		for range n {
			var d doc
			if err := s.UpdateSetting(ctx, "doc", &d, func() error { *field(&d)++; return nil }); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}
	go bump(a, func(d *doc) *int { return &d.A })
	go bump(b, func(d *doc) *int { return &d.B })
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var got doc
	if _, err := a.Setting(ctx, "doc", &got); err != nil || got != (doc{n, n}) {
		t.Fatalf("after concurrent updates: %+v, %v; want both fields %d", got, err, n)
	}
}

func TestUpdateSettingErrorStoresNothing(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	n := 1
	if err := s.UpdateSetting(ctx, "n", &n, func() error { n = 5; return errors.New("no") }); err == nil {
		t.Fatal("an error from change was not returned")
	}
	if found, _ := s.Setting(ctx, "n", new(int)); found {
		t.Fatal("a failed update stored something")
	}
}
