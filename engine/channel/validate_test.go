package channel_test

import (
	"testing"

	"github.com/heraldpush/herald/engine/channel"
)

func TestCheckHostOrURL(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"tg.example.com", true},
		{"tg.example.com/", true},
		{"1.2.3.4:8080", true},
		{"[::1]:8080", true},
		{"localhost", true},
		{"例子.测试", true},
		{"https://proxy.example.com/wecom", true},
		{"http://1.2.3.4:8080/", true},
		{"../../../../etc/passwd", false},
		{"/etc/passwd", false},
		{"tg.example.com/bot", false},
		{"tg.example.com:http", false},
		{"tg.example.com:70000", false},
		{"user@tg.example.com", false},
		{"http://../../etc/passwd", false},
		{"a..b", false},
		{"-a.example.com", false},
		{"host name", false},
	}
	for _, tt := range tests {
		if err := channel.CheckHostOrURL(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckHostOrURL(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}
