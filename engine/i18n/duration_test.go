package i18n

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		d      time.Duration
		en, zh string
	}{
		{0, "0 ms", "0 毫秒"},
		{10 * time.Millisecond, "10 ms", "10 毫秒"},
		{1500 * time.Millisecond, "1.5 s", "1.5 秒"},
		{3 * time.Second, "3 s", "3 秒"},
		{42 * time.Second, "42 s", "42 秒"},
		{time.Minute, "1 min", "1 分钟"},
		{65 * time.Second, "1 min 5 s", "1 分钟 5 秒"},
		{2*time.Hour + 5*time.Minute, "2 h 5 min", "2 小时 5 分钟"},
		{3 * time.Hour, "3 h", "3 小时"},
		{50 * time.Hour, "2 d 2 h", "2 天 2 小时"},
		{-time.Minute, "1 min", "1 分钟"},
	}
	for _, tt := range tests {
		if got := Duration(tt.d).In(English); got != tt.en {
			t.Errorf("Duration(%v) in English = %q, want %q", tt.d, got, tt.en)
		}
		if got := Duration(tt.d).In(Chinese); got != tt.zh {
			t.Errorf("Duration(%v) in Chinese = %q, want %q", tt.d, got, tt.zh)
		}
	}
}

func TestJoinAndPlain(t *testing.T) {
	j := Join(Plain("a"), Plain("b"))
	if got := j.In(English); got != "a; b" {
		t.Errorf("Join in English = %q", got)
	}
	if got := j.In(Chinese); got != "a；b" {
		t.Errorf("Join in Chinese = %q", got)
	}
}
