package channel_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
)

// The client a channel gets registers every value of a request that may
// derive from a secret before it leaves, and never the message's text.
func TestClientRegistersRequestSecrets(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	t.Cleanup(srv.Close)
	m := message.Message{Title: "Disk almost full", Body: "disk /dev/sda1 is 97% full"}
	tests := []struct {
		name    string
		build   func() *http.Request
		masked  []string
		visible []string
	}{
		{
			name: "signed query, message in query",
			build: func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, srv.URL+"/send?sign=c2lnbmF0dXJlLTAxMjM0&timestamp=1796597468000&t=Disk+almost+full", nil)
				return r
			},
			masked:  []string{"c2lnbmF0dXJlLTAxMjM0", "1796597468000"},
			visible: []string{"Disk almost full"},
		},
		{
			name: "Basic auth",
			build: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
				r.SetBasicAuth("api", "key-0123456789abcdef")
				return r
			},
			masked: []string{"key-0123456789abcdef", base64.StdEncoding.EncodeToString([]byte("api:key-0123456789abcdef"))},
		},
		{
			name: "custom headers, title in one",
			build: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
				r.Header.Set("X-Api-Key", "xk-0123456789")
				r.Header.Set("X-Title", m.Title)
				r.Header.Set("X-Auth", "tok-abcdef012345 "+m.Title)
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			masked:  []string{"xk-0123456789", "tok-abcdef012345"},
			visible: []string{"Disk almost full", "application/json"},
		},
		{
			name: "credential fields of a JSON body",
			build: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, srv.URL,
					strings.NewReader(`{"timestamp":"1796597468","sign":"hmac-0123456789abc=","msg":{"text":"disk /dev/sda1 is 97% full"}}`))
				r.Header.Set("Content-Type", "application/json; charset=utf-8")
				return r
			},
			masked:  []string{"hmac-0123456789abc="},
			visible: []string{"disk /dev/sda1 is 97% full", "1796597468"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			red := &redact.Redactor{}
			client, err := channel.Client(channel.Deps{Redactor: red}, "")
			if err != nil {
				t.Fatal(err)
			}
			req := tt.build().WithContext(channel.WithMessage(context.Background(), m))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got == nil {
				t.Fatal("request did not reach the server")
			}
			for _, v := range tt.masked {
				if s := red.String("echo " + v); strings.Contains(s, v) {
					t.Errorf("%q not registered: %q", v, s)
				}
			}
			for _, v := range tt.visible {
				if s := red.String(v); s != v {
					t.Errorf("%q registered as a secret: %q", v, s)
				}
			}
		})
	}
}

// With a proxy the client still registers, and without a redactor it is
// the host's client unchanged.
func TestClientWrapsOnlyWithRedactor(t *testing.T) {
	base := &http.Client{}
	c, err := channel.Client(channel.Deps{HTTP: base}, "")
	if err != nil || c != base {
		t.Fatalf("without a redactor: %v, %v", c, err)
	}
	c, err = channel.Client(channel.Deps{HTTP: base, Redactor: &redact.Redactor{}}, "http://u:p@127.0.0.1:3128")
	if err != nil {
		t.Fatal(err)
	}
	if c == base || c.Transport == nil || base.Transport != nil {
		t.Fatal("the host's client was changed or not wrapped")
	}
}

// MaskURL keeps what identifies a webhook and hides what authenticates.
func TestMaskURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/push?key=abc123&t={t}&log={log}", "https://example.com/push?key=••••&t=••••&log=••••"},
		{"https://bob:pw@hooks.slack.com/services/T0AB12CD3/B0123456789/XyZ0123456789abcdEF",
			"https://••••@hooks.slack.com/services/T0AB12CD3/••••/••••"},
		{"http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"},
		{"not a url", "••••"},
	}
	for _, tt := range tests {
		if got := channel.MaskURL(tt.in); got != tt.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"X-Key": "abc", "Authorization": "Bearer xyz"}`, `{"Authorization": "••••", "X-Key": "••••"}`},
		{`not json`, "••••"},
	}
	for _, tt := range tests {
		if got := channel.MaskJSON(tt.in); got != tt.want {
			t.Errorf("MaskJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A send cut off by a timeout (a deadline, or a cancel with a cause) is
// worth retrying; one cancelled plainly is not.
func TestTimedOut(t *testing.T) {
	done := func(f func(context.Context) (context.Context, func())) context.Context {
		ctx, stop := f(context.Background())
		stop()
		return ctx
	}
	tests := []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"live", context.Background(), false},
		{"cancelled", done(func(c context.Context) (context.Context, func()) { return context.WithCancel(c) }), false},
		{"cancelled with a cause", done(func(c context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(c)
			return ctx, func() { cancel(context.DeadlineExceeded) }
		}), true},
		{"deadline", done(func(c context.Context) (context.Context, func()) {
			ctx, cancel := context.WithTimeout(c, 0)
			return ctx, func() { <-ctx.Done(); cancel() }
		}), true},
	}
	for _, tt := range tests {
		if got := channel.TimedOut(tt.ctx); got != tt.want {
			t.Errorf("%s: TimedOut = %v, want %v", tt.name, got, tt.want)
		}
	}
}
