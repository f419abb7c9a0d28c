package channel

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
)

// minDerived is the shortest request value registered as derived from a
// secret: signatures, tokens and credentials are longer, while shorter
// values ("json", "image", "1") would only garble answers.
const minDerived = 8

// maxScan bounds how much of a request body is searched for credentials.
const maxScan = 1 << 20

type messageKey struct{}

// WithMessage tells the HTTP client of a channel which message ctx's sends
// carry, so that its text is never taken for a secret.
func WithMessage(ctx context.Context, m message.Message) context.Context {
	return context.WithValue(ctx, messageKey{}, []string{m.Title, m.Body})
}

func messageText(ctx context.Context) []string {
	text, _ := ctx.Value(messageKey{}).([]string)
	return text
}

// registering is the transport of every channel's HTTP client: before a
// request leaves, it registers with the redactor each value in it that may
// derive from a secret (credentials, signatures, tokens in the query or in
// custom headers), so that an answer or error quoting the request is
// redacted. Masking a harmless value is acceptable; leaking is not.
type registering struct {
	next http.RoundTripper
	red  *redact.Redactor
}

func (t *registering) RoundTrip(req *http.Request) (*http.Response, error) {
	t.red.AddRecent(requestSecrets(req)...)
	return t.next.RoundTrip(req)
}

// credentialHeaders are always secret, whatever their length.
var credentialHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true}

// plainHeaders are standard headers that carry no credentials.
var plainHeaders = map[string]bool{
	"Accept": true, "Accept-Charset": true, "Accept-Encoding": true, "Accept-Language": true, "Cache-Control": true,
	"Connection": true, "Content-Encoding": true, "Content-Language": true, "Content-Length": true, "Content-Type": true,
	"Date": true, "Expect": true, "Host": true, "Origin": true, "Pragma": true, "Range": true, "Referer": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "User-Agent": true, "Via": true,
}

// requestSecrets lists the values of req that may derive from a secret,
// leaving out the message's own text.
func requestSecrets(req *http.Request) []string {
	text := messageText(req.Context())
	var out []string
	for name, vs := range req.Header {
		for _, v := range vs {
			switch {
			case credentialHeaders[name]:
				out = append(out, v)
			case !plainHeaders[name]:
				out = append(out, notMessage(decodeHeader(v), text)...)
			}
		}
	}
	if u := req.URL; u != nil {
		if u.User != nil {
			pw, _ := u.User.Password()
			out = append(out, u.User.String(), pw)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				out = append(out, notMessage(v, text)...)
			}
		}
	}
	for _, v := range bodyCredentials(req) {
		out = append(out, notMessage(v, text)...)
	}
	return out
}

func decodeHeader(v string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// notMessage returns v without the message's text: nothing when v is part
// of the title or body, else the pieces of v around them.
func notMessage(v string, text []string) []string {
	for _, t := range text {
		if strings.Contains(t, v) {
			return nil
		}
	}
	pieces := []string{v}
	for _, t := range text {
		if len(t) < minDerived {
			continue // splitting on a short title would cut secrets apart
		}
		var next []string
		for _, p := range pieces {
			next = append(next, strings.Split(p, t)...)
		}
		pieces = next
	}
	out := pieces[:0]
	for _, p := range pieces {
		if len(strings.TrimSpace(p)) >= minDerived {
			out = append(out, p)
		}
	}
	return out
}

// credentialKey matches body fields that carry a credential or signature
// (Feishu's "sign", PushPlus's "token", WxPusher's "appToken").
var credentialKey = regexp.MustCompile(`(?i)sign|secret|token|key|pass|auth|credential`)

// bodyCredentials returns the values of credential-named fields of a JSON
// or form body.
func bodyCredentials(req *http.Request) []string {
	if req.GetBody == nil || req.ContentLength > maxScan {
		return nil
	}
	ctype, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if ctype != "application/json" && ctype != "application/x-www-form-urlencoded" {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxScan))
	if err != nil {
		return nil
	}
	var out []string
	if ctype == "application/json" {
		var obj any
		if json.Unmarshal(data, &obj) == nil {
			out = jsonCredentials(obj, out)
		}
		return out
	}
	form, _ := url.ParseQuery(string(data))
	for k, vs := range form {
		if credentialKey.MatchString(k) {
			out = append(out, vs...)
		}
	}
	return out
}

func jsonCredentials(v any, out []string) []string {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && credentialKey.MatchString(k) {
				out = append(out, s)
				continue
			}
			out = jsonCredentials(e, out)
		}
	case []any:
		for _, e := range x {
			out = jsonCredentials(e, out)
		}
	}
	return out
}
