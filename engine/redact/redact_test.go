package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/redact"
)

func TestString(t *testing.T) {
	var r redact.Redactor
	r.Add("SECdeadbeef0123", "pw", "hunter2hunter2", "hunter2hunter2-longer")
	tests := []struct{ in, want string }{
		{"sign with SECdeadbeef0123 failed", "sign with [REDACTED] failed"},
		{"pw is too short to redact", "pw is too short to redact"},
		{"login hunter2hunter2-longer", "login [REDACTED]"},
		{`Post "https://api.telegram.org/bot123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-2A/sendMessage": dial tcp: timeout`,
			`Post "https://api.telegram.org/bot[REDACTED]/sendMessage": dial tcp: timeout`},
		{"GET https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1", "GET https://oapi.dingtalk.com/robot/send?access_token=[REDACTED]&timestamp=1"},
		{"proxy http://bob:s3cr3t@proxy:8080 refused", "proxy http://bob:[REDACTED]@proxy:8080 refused"},
		{"nothing here", "nothing here"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if got := r.Error(nil); got != "" {
		t.Errorf("Error(nil) = %q", got)
	}
}

func TestHandlerRedactsMessageAttrsGroupsAndErrors(t *testing.T) {
	const canary = "canary-9f8e7d6c5b4a"
	var r redact.Redactor
	r.Add(canary)
	var buf bytes.Buffer
	log := slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil), &r))

	_, netErr := http.Get("http://127.0.0.1:1/bot1234567:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012/sendMessage")
	log.With("token", canary).WithGroup("send").Info("sending with "+canary,
		"err", errors.New("auth "+canary+" rejected"),
		"net", netErr,
		"cfg", slog.GroupValue(slog.String("secret", canary), slog.Int("port", 465)),
		"stringer", fmt.Sprintf("%v", []string{canary}),
	)
	out := buf.String()
	if strings.Contains(out, canary) || strings.Contains(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012") {
		t.Fatalf("secret leaked into log:\n%s", out)
	}
	if strings.Count(out, redact.Mask) < 6 {
		t.Fatalf("expected every occurrence masked:\n%s", out)
	}
	if !strings.Contains(out, "port=465") {
		t.Fatalf("non-secret attributes lost:\n%s", out)
	}
}
