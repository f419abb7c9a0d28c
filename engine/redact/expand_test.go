package redact_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/redact"
)

// Every form a secret, or a secret part of one, may travel in is masked.
func TestAddMasksEncodingsAndParts(t *testing.T) {
	const pw = "pw-9f8e7d6c5b4a3210"
	basic := base64.StdEncoding.EncodeToString([]byte("user:" + pw))
	tests := []struct {
		name   string
		secret string
		leaks  []string // each must be masked in text
	}{
		{"raw and encodings", pw, []string{pw, base64.StdEncoding.EncodeToString([]byte(pw)),
			base64.RawURLEncoding.EncodeToString([]byte(pw)), hex.EncodeToString([]byte(pw)),
			strings.ToUpper(hex.EncodeToString([]byte(pw)))}},
		{"escaped forms", `a+b/c d"e<f>&` + pw, []string{url.QueryEscape(`a+b/c d"e<f>&` + pw), url.PathEscape(`a+b/c d"e<f>&` + pw),
			`a+b/c d\"e\u003cf\u003e\u0026` + pw, `a+b/c d\"e<f>&` + pw}},
		{"JSON headers, each value", `{"Authorization": "Bearer tok-0123456789ab", "X-Key": "xk-abcdefgh1234", "X-Title": "{t}"}`,
			[]string{"tok-0123456789ab", "Bearer tok-0123456789ab", "xk-abcdefgh1234", base64.StdEncoding.EncodeToString([]byte("xk-abcdefgh1234"))}},
		{"header value with a placeholder", `{"Authorization": "Bearer tok-0123456789ab {t}"}`, []string{"Bearer tok-0123456789ab Title", "tok-0123456789ab"}},
		{"Basic header", `{"Authorization": "Basic ` + basic + `"}`, []string{basic, "user:" + pw, pw}},
		{"URL query, user info, token path", "https://bob:" + pw + "@hooks.example.com/services/T0AB12CD3/XyZ0123456789abcdEF?key=k-0123456789&t={t}",
			[]string{pw, "bob:" + pw, base64.StdEncoding.EncodeToString([]byte("bob:" + pw)), "k-0123456789", "XyZ0123456789abcdEF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r redact.Redactor
			r.Add(tt.secret)
			for _, leak := range tt.leaks {
				if got := r.String("answer: " + leak + " end"); strings.Contains(got, leak) {
					t.Errorf("%q not masked: %q", leak, got)
				}
			}
		})
	}
}

// Words of a URL that identify rather than authenticate stay readable.
func TestAddKeepsURLWordsReadable(t *testing.T) {
	var r redact.Redactor
	r.Add("https://hooks.example.com/services/T0AB12CD3/XyZ0123456789abcdEF")
	if got := r.String("posting to hooks.example.com/services failed"); got != "posting to hooks.example.com/services failed" {
		t.Errorf("over-masked: %q", got)
	}
}

// Values of one request are masked while recent, and a long-running
// process does not keep every signature it ever sent.
func TestAddRecentIsBounded(t *testing.T) {
	var r redact.Redactor
	r.Add("permanent-secret-0123")
	for i := range 5000 {
		r.AddRecent(fmt.Sprintf("sig-%08d-abcdef", i))
	}
	if got := r.String("sig-00004999-abcdef"); got != redact.Mask {
		t.Errorf("latest value not masked: %q", got)
	}
	if got := r.String("sig-00000000-abcdef"); got == redact.Mask {
		t.Error("the oldest of 5000 values is still kept")
	}
	if got := r.String("permanent-secret-0123"); got != redact.Mask {
		t.Errorf("a secret was evicted: %q", got)
	}
}

// An answer cut short in the middle of a secret does not keep its start.
func TestStringMasksSecretCutByEllipsis(t *testing.T) {
	var r redact.Redactor
	r.Add("cut-secret-0123456789")
	tests := []struct{ in, want string }{
		{"token cut-secret-01…", "token " + redact.Mask + "…"},
		{"a … b", "a … b"},
		{"cut…", "cut…"}, // shorter than anything worth masking
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
