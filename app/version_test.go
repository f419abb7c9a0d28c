package app

import (
	"os"
	"regexp"
	"testing"
)

func TestDisplayVersion(t *testing.T) {
	tests := []struct{ version, commit, want string }{
		{"bbbcdf3", "bbbcdf3", Release + " (bbbcdf3)"},
		{"bbbcdf3-dirty", "bbbcdf3", Release + " (bbbcdf3)"},
		{"v0.2.0", "1234abc", "0.2.0 (1234abc)"},
		{"v0.2.0-3-g1234abc", "1234abc", Release + " (1234abc)"},
		{"dev", "unknown", Release + " (dev)"},
	}
	for _, tt := range tests {
		if got := displayVersion(tt.version, tt.commit); got != tt.want {
			t.Errorf("displayVersion(%q, %q) = %q, want %q", tt.version, tt.commit, got, tt.want)
		}
	}
}

// Release is FyneApp.toml's Details.Version, which names the packages.
func TestReleaseMatchesFyneApp(t *testing.T) {
	data, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(data)
	if m == nil || string(m[1]) != Release {
		t.Fatalf("FyneApp.toml's version %q, app.Release %q: keep them in step", m, Release)
	}
}
