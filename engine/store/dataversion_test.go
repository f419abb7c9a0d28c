package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A commit through this handle's writer or through another handle (another
// process) moves the probe; reads do not.
func TestVersionProbe(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := a.NewVersionProbe(ctx)
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name string
		do   func() error
		want bool
	}{
		{"nothing", func() error { return nil }, false},
		{"a read", func() error { var v map[string]any; _, err := a.Setting(ctx, "x", &v); return err }, false},
		{"this handle writes", func() error { return a.SetSetting(ctx, "x", map[string]int{"n": 1}) }, true},
		{"after it, nothing", func() error { return nil }, false},
		{"another handle writes", func() error { return b.SetSetting(ctx, "x", map[string]int{"n": 2}) }, true},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := p.Changed(ctx); got != s.want {
			t.Errorf("%s: Changed = %v, want %v", s.name, got, s.want)
		}
	}
}
