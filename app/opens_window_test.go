package app

import (
	"strings"
	"testing"
)

func TestOpensWindow(t *testing.T) {
	tests := []struct {
		args string // split on spaces
		want bool
	}{
		{"", true},
		{"--minimized", true},
		{"--window-only --tab history", true},
		{"--data-dir D --minimized", true},
		{"--data-dir=D", true},
		{"channel list", false},
		{"--data-dir D channel list", false},
		{"daemon", false},
		{"api token", false},
		{"completion powershell", false},
		{"--help", false},
		{"-h", false},
		{"--version", false},
		{"bogus", false},
		{"--minimized bogus", false},
		{"--no-such-flag", false},
	}
	for _, tt := range tests {
		if got := OpensWindow(strings.Fields(tt.args)); got != tt.want {
			t.Errorf("OpensWindow(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
