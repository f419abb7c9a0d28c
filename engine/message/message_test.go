package message

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMessageTruncation(t *testing.T) {
	body := "HEAD-" + strings.Repeat("中", 3000) + "-TAIL error: disk full"
	for _, max := range []int{100, 500, 2048, 4096} {
		got := TruncateBytes(body, max)
		if len(got) > max || !strings.HasPrefix(got, "HEAD-") || !strings.HasSuffix(got, "disk full") || !strings.Contains(got, "cut]") {
			t.Errorf("TruncateBytes(%d): len %d, %q…%q", max, len(got), got[:10], got[len(got)-12:])
		}
		if !utf8.ValidString(got) {
			t.Errorf("TruncateBytes(%d) broke UTF-8", max)
		}
		r := TruncateRunes(body, max)
		if n := len([]rune(r)); n > max || !strings.HasSuffix(r, "disk full") {
			t.Errorf("TruncateRunes(%d): %d runes", max, n)
		}
	}
	if got := TruncateBytes("short", 10); got != "short" {
		t.Errorf("short text changed: %q", got)
	}
}

func TestTruncateBytesLandsOnTheLimit(t *testing.T) {
	for _, n := range []int{101, 999, 10000, 123456} {
		s := strings.Repeat("a", n)
		for _, max := range []int{60, 100, 2048, 4096} {
			if max >= n {
				continue
			}
			if got := TruncateBytes(s, max); len(got) != max {
				t.Errorf("TruncateBytes(%d bytes, %d) = %d bytes", n, max, len(got))
			}
		}
	}
	if got := TruncateBytes("abcdef", 3); got != "abc" {
		t.Errorf("limit below the marker: %q", got)
	}
}

func TestTextAndFirstLine(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{Title: "T", Body: "B"}, "T\n\nB"},
		{Message{Title: "T"}, "T"},
		{Message{Body: "B"}, "B"},
	}
	for _, tt := range tests {
		if got := tt.m.Text(); got != tt.want {
			t.Errorf("Text() = %q, want %q", got, tt.want)
		}
	}
	if got := FirstLine("\n  \n  error: boom \nmore"); got != "error: boom" {
		t.Errorf("FirstLine = %q", got)
	}
}
