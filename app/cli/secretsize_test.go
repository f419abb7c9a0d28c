package cli_test

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/secret"
)

// A secret larger than every OS keyring holds is bad input (exit 2) on
// every OS, naming the field, its size and the limit; nothing is saved.
func TestTooLargeSecretIsBadInput(t *testing.T) {
	h := newHerald(t)
	srv := dingtalktest.NewServer(t)
	h.must(append([]string{"channel", "add", "dingtalk", "kept"}, kvArgs(srv.Config())...)...)
	big := "SEC" + strings.Repeat("0", secret.MaxSize-2) // 2,561 bytes
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"channel", "add", "dingtalk", "x", "token=abc", "secret=" + big}, "dingtalk: secret: is 2,561 bytes; OS keyrings hold at most 2,560 bytes per secret"},
		{[]string{"channel", "edit", "kept", "secret=" + big}, "dingtalk: secret: is 2,561 bytes"},
		{[]string{"task", "add", "t", "--command", "true", "--env", "K=" + big}, "env: take 2,567 bytes together as stored"},
		{[]string{"task", "add", "t", "--http", "http://example.com", "--header", "X-Key: " + big}, "header: take 2,573 bytes together as stored"},
	}
	for _, tt := range tests {
		code, _, errs := h.run("", tt.args...)
		if code != cli.ExitBadArgs || !strings.Contains(errs, tt.wantErr) || strings.Contains(errs, big) {
			t.Errorf("herald %s …: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args[:3], " "), code, errs, tt.wantErr)
		}
	}
	if list := h.must("channel", "list"); strings.Count(list, "\n") != 2 {
		t.Fatalf("channels after a refused secret:\n%s", list)
	}
	if list := h.must("task", "list"); strings.Count(list, "\n") != 1 {
		t.Fatalf("tasks after refused secrets:\n%s", list)
	}
	h.must("channel", "test", "kept")
}
