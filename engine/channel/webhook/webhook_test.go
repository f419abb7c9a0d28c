package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/webhook"
	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/message"
)

// trickyLog holds everything that breaks naive templating: quotes,
// backslashes (also before n), newlines, control characters, unicode, JSON
// inside the text, HTML, URL syntax and the placeholders themselves.
const trickyLog = "line1 \"quoted\" and 'single'\nback\\slash \\n literal\r\n\ttab \x00nul \x01\x1f\x7f" +
	" unicode 中文 🚀 é {\"x\":\"y\"} </script> & + % = ? # {t} {log} \u2028 end\\"

const trickyTitle = `Build "nightly" ✓ / 50% done & {log}`

func newChannel(t *testing.T, raw map[string]string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, webhook.Kind, raw, channel.Deps{})
}

func one(t *testing.T, s *webhooktest.Server) webhooktest.Accepted {
	t.Helper()
	got := s.Accepted()
	if len(got) != 1 {
		t.Fatalf("accepted %d requests, want 1 (all: %d)", len(got), s.Requests())
	}
	return got[0]
}

func TestParse(t *testing.T) {
	u := "https://example.com/push?log={log}&t={t}"
	channeltest.RunParseCases(t, webhook.Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: map[string]string{"url": u}, WantSome: map[string]string{"url": u, "method": "", "content_type": "json", "body": "", "headers": ""}},
		{Name: "QD names, any case", Raw: map[string]string{"URL": u, "get_header": `{"X-A": "1"}`, "Post_Data": `{"k": "{log}"}`},
			WantSome: map[string]string{"url": u, "headers": `{"X-A": "1"}`, "body": `{"k": "{log}"}`}},
		{Name: "POST_Header alias", Raw: map[string]string{"url": u, "POST_Header": `{"X-A": "1"}`}, WantSome: map[string]string{"headers": `{"X-A": "1"}`}},
		{Name: "choices normalised", Raw: map[string]string{"url": u, "method": "post", "content_type": "FORM", "body": `{"a": "b"}`},
			WantSome: map[string]string{"method": "POST", "content_type": "form"}},
		{Name: "missing url", Raw: map[string]string{}, WantErr: "webhook: url: required"},
		{Name: "url without scheme", Raw: map[string]string{"url": "example.com/push"}, WantErr: "webhook: url: must start with http:// or https://"},
		{Name: "headers not JSON", Raw: map[string]string{"url": u, "headers": `{Authorization: x}`},
			WantErr: `webhook: headers: must be a JSON object like {"key": "value"} with double quotes: invalid character 'A' looking for beginning of object key string`},
		{Name: "header value not a string", Raw: map[string]string{"url": u, "headers": `{"X-Retry": 3}`},
			WantErr: `webhook: headers: header "X-Retry" must have a string value in double quotes, e.g. {"X-Retry": "value"}`},
		{Name: "bad header name", Raw: map[string]string{"url": u, "headers": `{"X Token": "a"}`},
			WantErr: `webhook: headers: "X Token" is not a valid header name (letters, digits and - only)`},
		{Name: "header value with line break", Raw: map[string]string{"url": u, "headers": `{"X-A": "a\r\nX-B: b"}`},
			WantErr: `webhook: headers: header "X-A" has a line break in its value`},
		{Name: "body not JSON", Raw: map[string]string{"url": u, "body": `{"text": {log}}`},
			WantErr: `webhook: body: must be a JSON object like {"key": "value"} with double quotes: invalid character 'l' looking for beginning of object key string`},
		{Name: "body not an object", Raw: map[string]string{"url": u, "body": `["{log}"]`},
			WantErr: `webhook: body: must be a JSON object like {"key": "value"} with double quotes: json: cannot unmarshal array into Go value of type map[string]interface {}`},
		{Name: "GET with body", Raw: map[string]string{"url": u, "method": "GET", "body": `{"a": "b"}`},
			WantErr: "webhook: body: a GET request carries no body; clear body or set method to POST"},
		{Name: "form with nested object", Raw: map[string]string{"url": u, "content_type": "form", "body": `{"a": {"b": "c"}}`},
			WantErr: `webhook: body: with content_type form, each value must be a string, number, true/false or a list of them; "a" is not`},
		{Name: "form with nested list", Raw: map[string]string{"url": u, "content_type": "form", "body": `{"a": [["x"]]}`},
			WantErr: `webhook: body: with content_type form, each value must be a string, number, true/false or a list of them; "a" is not`},
		{Name: "GET carrying no message", Raw: map[string]string{"url": "https://example.com/push", "method": "get"},
			WantErr: "webhook: method: a GET request would carry no message: put {log} or {t} in the URL, or set method to POST (or leave it empty)"},
		{Name: "GET with a placeholder in a header", Raw: map[string]string{"url": "https://example.com/push", "method": "GET", "headers": `{"X-T": "{t}"}`},
			WantSome: map[string]string{"method": "GET"}},
		{Name: "bad method", Raw: map[string]string{"url": u, "method": "PUT"}, WantErr: `webhook: method: must be one of GET, POST, got "PUT"`},
		{Name: "headers twice under different names", Raw: map[string]string{"url": u, "GET_Header": `{"A": "1"}`, "POST_Header": `{"A": "2"}`},
			WantErr: "webhook: headers: given twice under different names"},
	})
}

func TestSchema(t *testing.T) {
	channeltest.CheckSchema(t, webhook.Kind, []string{"url", "headers", "body", "method", "content_type", "proxy"}, 3, []string{"url", "headers", "proxy"})
}

func TestParseQD(t *testing.T) {
	cases := []channeltest.QDCase{
		{In: `https://e.com/p?log={log};{"Authorization": "Bearer x"};{"text": "{log}"}`,
			Want: map[string]string{"url": "https://e.com/p?log={log}", "headers": `{"Authorization": "Bearer x"}`, "body": `{"text": "{log}"}`}},
		{In: `https://e.com/p?log={log};;`, Want: map[string]string{"url": "https://e.com/p?log={log}"}},
		{In: `https://e.com/p;;{"t": "{t}"}`, Want: map[string]string{"url": "https://e.com/p", "body": `{"t": "{t}"}`}},
		{In: `;{"A": "b"};`, WantErr: "webhook: url: missing from the QD string (expected url;headers;body)"},
		{In: `https://e.com;{};{};POST`, WantErr: "webhook: qd: has 4 values but QD's webhook string has at most 3 (url;headers;body)"},
	}
	channeltest.RunQDCases(t, webhook.Kind, cases)
	channeltest.CheckQDImports(t, webhook.Kind, cases, nil, nil)
}

// TestSendJSONByteExact is the core contract: whatever the log holds, it
// arrives byte for byte in the URL query and in the JSON body.
func TestSendJSONByteExact(t *testing.T) {
	s := webhooktest.NewServer(t)
	ch := newChannel(t, s.Config())
	if err := ch.Send(context.Background(), message.Message{Title: trickyTitle, Body: trickyLog}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	a := one(t, s)
	if a.Method != http.MethodPost || a.Path != "/hook" {
		t.Errorf("%s %s, want POST /hook", a.Method, a.Path)
	}
	if a.Query.Get("log") != trickyLog || a.Query.Get("t") != trickyTitle {
		t.Errorf("query = %q", a.Query)
	}
	if a.Raw["log"] != trickyLog || a.Raw["title"] != trickyTitle || a.Raw["source"] != "herald" || len(a.Raw) != 3 {
		t.Errorf("body = %q", a.Body)
	}
	if a.Text != trickyLog || a.Title != trickyTitle {
		t.Errorf("accepted text/title = %q / %q", a.Text, a.Title)
	}
	if got := a.Header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := a.Header.Get("Authorization"); got != "Bearer "+webhooktest.Token {
		t.Errorf("Authorization = %q", got)
	}
	// The template's key order survives and <, >, & are not HTML-escaped.
	if !strings.HasPrefix(string(a.Body), `{"log":"line1 \"quoted\"`) || !strings.Contains(string(a.Body), `</script> & +`) ||
		!strings.HasSuffix(string(a.Body), `,"title":"Build \"nightly\" ✓ / 50% done & {log}","source":"herald"}`) {
		t.Errorf("body bytes = %s", a.Body)
	}
}

func TestRenderJSON(t *testing.T) {
	repl := strings.NewReplacer("{log}", "a\"b\\c\nd", "{t}", "T")
	tests := []struct{ in, want string }{
		{`{"k": "{log}"}`, `{"k":"a\"b\\c\nd"}`},
		{`{"{t}": ["x {t} y", 1.50, -2e3, true, false, null, {"n": {}}, []]}`, `{"T":["x T y",1.50,-2e3,true,false,null,{"n":{}},[]]}`},
		{`{"z": 1, "a": {"m": "{t}{t}", "b": ["{log}"]}}`, `{"z":1,"a":{"m":"TT","b":["a\"b\\c\nd"]}}`},
		{`{"html": "<b>&amp;</b>", "esc": "\u00e9\t"}`, `{"html":"<b>&amp;</b>","esc":"é\t"}`},
	}
	for _, tt := range tests {
		got, err := webhook.RenderJSON(tt.in, repl)
		if err != nil || string(got) != tt.want {
			t.Errorf("RenderJSON(%s) = %s, %v\nwant %s", tt.in, got, err, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("RenderJSON(%s) is not valid JSON", tt.in)
		}
	}
}

func TestRenderURL(t *testing.T) {
	tests := []struct{ tmpl, log, title, want string }{
		{"https://e.com/p?log={log}&t={t}", "a b&c=d", "x/y", "https://e.com/p?log=a+b%26c%3Dd&t=x%2Fy"},
		{"https://e.com/{t}/x?q={log}#{t}", "1+1", "a b/c?", "https://e.com/a%20b%2Fc%3F/x?q=1%2B1#a+b%2Fc%3F"},
		{"https://e.com/static", "ignored", "ignored", "https://e.com/static"},
	}
	for _, tt := range tests {
		if got := webhook.RenderURL(tt.tmpl, tt.log, tt.title); got != tt.want {
			t.Errorf("RenderURL(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestSendForm(t *testing.T) {
	s := webhooktest.NewServer(t)
	raw := channeltest.With(s.Config(), "content_type", "form",
		"body", `{"log": "{log}", "title": "{t}", "n": 3, "ok": true, "tags": ["a", "{t}"]}`)
	if err := newChannel(t, raw).Send(context.Background(), message.Message{Title: trickyTitle, Body: trickyLog}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	a := one(t, s)
	if got := a.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	want := url.Values{"log": {trickyLog}, "title": {trickyTitle}, "n": {"3"}, "ok": {"true"}, "tags": {"a", trickyTitle}}
	for k, v := range want {
		if !slices.Equal(a.Form[k], v) {
			t.Errorf("form %s = %q, want %q", k, a.Form[k], v)
		}
	}
	if len(a.Form) != len(want) {
		t.Errorf("form = %q", a.Form)
	}
}

func TestSendGET(t *testing.T) {
	s := webhooktest.NewServer(t)
	raw := map[string]string{"url": s.URL + "/hook/{t}?log={log}&t={t}&fixed=1"}
	m := message.Message{Title: "a b/c?", Body: trickyLog}
	if err := newChannel(t, raw).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	a := one(t, s)
	if a.Method != http.MethodGet || len(a.Body) != 0 || a.Header.Get("Content-Type") != "" {
		t.Errorf("%s with body %q and Content-Type %q, want a bare GET", a.Method, a.Body, a.Header.Get("Content-Type"))
	}
	if a.EscapedPath != "/hook/a%20b%2Fc%3F" {
		t.Errorf("path = %q, want the title path-escaped", a.EscapedPath)
	}
	if a.Query.Get("log") != trickyLog || a.Query.Get("t") != "a b/c?" || a.Query.Get("fixed") != "1" {
		t.Errorf("query = %q", a.Query)
	}
	if a.Header.Get("Authorization") != "" {
		t.Errorf("unexpected Authorization header")
	}
}

// A URL without placeholders (and no body template) would send an empty
// request: the message goes as the default JSON body instead.
func TestSendURLOnly(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]string
		ctype string
		body  string
	}{
		{name: "method empty", ctype: "application/json; charset=utf-8",
			body: `{"title":"Build \"nightly\" ✓ / 50% done & {log}","body":` + jsonString(t, trickyLog) + `}`},
		{name: "method POST", extra: map[string]string{"method": "POST"}, ctype: "application/json; charset=utf-8",
			body: `{"title":"Build \"nightly\" ✓ / 50% done & {log}","body":` + jsonString(t, trickyLog) + `}`},
		{name: "as a form", extra: map[string]string{"content_type": "form"}, ctype: "application/x-www-form-urlencoded; charset=utf-8",
			body: url.Values{"title": {trickyTitle}, "body": {trickyLog}}.Encode()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := webhooktest.NewServer(t)
			raw := map[string]string{"url": s.URL + "/hook"}
			for k, v := range tt.extra {
				raw[k] = v
			}
			if err := newChannel(t, raw).Send(context.Background(), message.Message{Title: trickyTitle, Body: trickyLog}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			channeltest.NoViolations(t, s)
			a := one(t, s)
			if a.Method != http.MethodPost || a.Path != "/hook" || len(a.Query) != 0 {
				t.Errorf("%s %s?%s, want POST /hook", a.Method, a.Path, a.Query.Encode())
			}
			if got := a.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if string(a.Body) != tt.body {
				t.Errorf("body =\n%s\nwant\n%s", a.Body, tt.body)
			}
			if a.Title != trickyTitle || a.Text != trickyLog {
				t.Errorf("received title %q, text %q", a.Title, a.Text)
			}
		})
	}
}

// jsonString is s as a JSON string with <, > and & kept as they are.
func jsonString(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestSendDetails(t *testing.T) {
	tests := []struct {
		name  string
		raw   func(*webhooktest.Server) map[string]string
		m     message.Message
		check func(t *testing.T, a webhooktest.Accepted)
	}{
		{name: "POST without body",
			raw: func(s *webhooktest.Server) map[string]string {
				return map[string]string{"url": s.URL + "/p?t={t}", "method": "POST"}
			},
			m: message.Message{Title: "x", Body: "y"},
			check: func(t *testing.T, a webhooktest.Accepted) {
				if a.Method != http.MethodPost || len(a.Body) != 0 || a.Header.Get("Content-Type") != "" || a.Query.Get("t") != "x" {
					t.Errorf("%s %q %q %q", a.Method, a.Body, a.Header.Get("Content-Type"), a.Query)
				}
			}},
		{name: "headers override Content-Type and set Host",
			raw: func(s *webhooktest.Server) map[string]string {
				return map[string]string{"url": s.URL + "/p", "body": `{"m": "{log}"}`,
					"headers": `{"content-type": "application/vnd.api+json", "Host": "hooks.example.com", "X-Empty": ""}`}
			},
			m: message.Message{Body: "y"},
			check: func(t *testing.T, a webhooktest.Accepted) {
				if ct := a.Header.Values("Content-Type"); len(ct) != 1 || ct[0] != "application/vnd.api+json" {
					t.Errorf("Content-Type = %q", ct)
				}
				if a.Header.Get("X-Empty") != "" || a.Header.Values("X-Empty") == nil {
					t.Errorf("X-Empty = %q", a.Header.Values("X-Empty"))
				}
				if string(a.Body) != `{"m":"y"}` || a.Method != http.MethodPost {
					t.Errorf("%s %s", a.Method, a.Body)
				}
			}},
		{name: "placeholders in header values, one line each",
			raw: func(s *webhooktest.Server) map[string]string {
				return map[string]string{"url": s.URL + "/p", "headers": `{"X-Title": "[{t}]", "X-Log": "{log}"}`}
			},
			m: message.Message{Title: "a\r\nInjected: 1", Body: "l1\nl2\t\x00 中"},
			check: func(t *testing.T, a webhooktest.Accepted) {
				if a.Method != http.MethodGet || len(a.Body) != 0 {
					t.Errorf("%s with body %q, want a bare GET: the headers carry the message", a.Method, a.Body)
				}
				if a.Header.Get("X-Title") != "[a  Injected: 1]" || a.Header.Get("X-Log") != "l1 l2   中" || a.Header.Get("Injected") != "" {
					t.Errorf("headers = %q", a.Header)
				}
			}},
		{name: "no title: first body line for {t}",
			raw: func(s *webhooktest.Server) map[string]string {
				return map[string]string{"url": s.URL + "/p?t={t}&log={log}"}
			},
			m: message.Message{Body: "\n first \nsecond"},
			check: func(t *testing.T, a webhooktest.Accepted) {
				if a.Query.Get("t") != "first" || a.Query.Get("log") != "\n first \nsecond" {
					t.Errorf("query = %q", a.Query)
				}
			}},
		{name: "markdown body passes through as written",
			raw: func(s *webhooktest.Server) map[string]string { return channeltest.With(s.Config()) },
			m:   message.Message{Title: "t", Body: "**bold** `code`", Markdown: true, PictureURL: "https://img.example.com/x.png"},
			check: func(t *testing.T, a webhooktest.Accepted) {
				if a.Text != "**bold** `code`" {
					t.Errorf("log = %q", a.Text)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := webhooktest.NewServer(t)
			if err := newChannel(t, tt.raw(s)).Send(context.Background(), tt.m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			channeltest.NoViolations(t, s)
			tt.check(t, one(t, s))
		})
	}
}

func TestHostHeader(t *testing.T) {
	var host atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { host.Store(r.Host) }))
	defer srv.Close()
	ch := newChannel(t, map[string]string{"url": srv.URL, "headers": `{"Host": "hooks.example.com"}`})
	if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if host.Load() != "hooks.example.com" {
		t.Errorf("Host = %v", host.Load())
	}
}

func TestLimits(t *testing.T) {
	s := webhooktest.NewServer(t)
	log := "HEAD" + strings.Repeat("日志", 1_000_000) + "TAIL" // 6 MB
	// The URL and the body cut the log differently, so keep it out of the
	// query's "log", which the fake compares with the body's.
	raw := channeltest.With(s.Config(), "url", s.URL+"/hook?l={log}")
	if err := newChannel(t, raw).Send(context.Background(), message.Message{Title: "t", Body: log}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	a := one(t, s)
	inURL, inBody := a.Query.Get("l"), str(a.Raw["log"])
	if len(inURL) > webhook.MaxURLLog || len(inURL) < webhook.MaxURLLog-3 || !strings.HasPrefix(inURL, "HEAD") || !strings.HasSuffix(inURL, "TAIL") {
		t.Errorf("log in URL has %d bytes, want %d (less at most a split character), head and tail kept", len(inURL), webhook.MaxURLLog)
	}
	if len(inBody) > webhook.MaxBodyLog || len(inBody) < webhook.MaxBodyLog-3 || !strings.HasPrefix(inBody, "HEAD") || !strings.HasSuffix(inBody, "TAIL") {
		t.Errorf("log in body has %d bytes, want %d (less at most a split character)", len(inBody), webhook.MaxBodyLog)
	}
	if inURL != message.TruncateBytes(log, webhook.MaxURLLog) || inBody != message.TruncateBytes(log, webhook.MaxBodyLog) {
		t.Errorf("cut differs from message.TruncateBytes")
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name       string
		answer     webhooktest.Answer
		ok         bool
		transient  bool
		status     int
		msg        string
		retryAfter time.Duration
	}{
		{name: "201", answer: webhooktest.Status(201, "created"), ok: true},
		{name: "204", answer: webhooktest.Answer{Status: 204}, ok: true},
		{name: "429", answer: webhooktest.TooManyRequests("12"), transient: true, status: 429, msg: "slow down", retryAfter: 12 * time.Second},
		{name: "503", answer: webhooktest.Status(503, "maintenance"), transient: true, status: 503, msg: "maintenance"},
		{name: "500 empty", answer: webhooktest.Answer{Status: 500}, transient: true, status: 500, msg: "Internal Server Error"},
		{name: "400 with excerpt", answer: webhooktest.Status(400, "  field\n  'text'   missing  "), status: 400, msg: "field 'text' missing"},
		{name: "404", answer: webhooktest.Status(404, "no such hook"), status: 404, msg: "no such hook"},
		{name: "302 on POST", answer: webhooktest.Redirect(302, "/elsewhere"), status: 302,
			msg: "the server redirected the POST (its body would be lost); set url to the address it redirects to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := webhooktest.NewServer(t)
			s.FailNext(tt.answer)
			err := newChannel(t, s.Config()).Send(context.Background(), message.Message{Title: "t", Body: "b"})
			channeltest.NoViolations(t, s)
			if tt.ok {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var e *channel.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *channel.Error", err)
			}
			if e.Transient != tt.transient || e.Status != tt.status || e.Msg != tt.msg || e.RetryAfter != tt.retryAfter {
				t.Errorf("got transient=%v status=%d msg=%q retry=%v\nwant transient=%v status=%d msg=%q retry=%v",
					e.Transient, e.Status, e.Msg, e.RetryAfter, tt.transient, tt.status, tt.msg, tt.retryAfter)
			}
			if strings.Contains(err.Error(), webhooktest.Token) {
				t.Errorf("error shows the token: %v", err)
			}
			if s.Requests() != 1 {
				t.Errorf("%d requests, want 1 (no redirect followed)", s.Requests())
			}
		})
	}
}

func TestWrongToken(t *testing.T) {
	s := webhooktest.NewServer(t)
	raw := channeltest.With(s.Config(), "headers", `{"Authorization": "Bearer wrong-token"}`)
	err := newChannel(t, raw).Send(context.Background(), message.Message{Body: "b"})
	if err == nil || channel.IsTransient(err) || err.Error() != `webhook: HTTP 401 {"error":"invalid token"}` {
		t.Errorf("err = %v, want a permanent 401", err)
	}
	channeltest.NoViolations(t, s)
}

func TestRedirectKeepingMethod(t *testing.T) {
	s := webhooktest.NewServer(t)
	s.FailNext(webhooktest.Redirect(307, "/moved"))
	if err := newChannel(t, s.Config()).Send(context.Background(), message.Message{Title: "t", Body: "b"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := s.Received()
	if len(reqs) != 2 || reqs[1].Method != http.MethodPost || reqs[1].Path != "/moved" || str(reqs[1].JSON.(map[string]any)["log"]) != "b" {
		t.Errorf("requests = %+v, want the POST repeated at /moved", reqs)
	}
}

// TestFakeFlagsViolations checks the receiver fails loudly on broken
// requests.
func TestFakeFlagsViolations(t *testing.T) {
	s := webhooktest.NewServer(t)
	send := func(method, path, ctype, body string) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s %s answered %d", method, path, resp.StatusCode)
		}
	}
	cases := []struct{ method, path, ctype, body, want string }{
		{"POST", "/hook", "application/json", `{"log": "a"`, "not one valid JSON document"},
		{"POST", "/hook", "", `{"log": "a"}`, "body without Content-Type"},
		{"GET", "/hook", "", `x`, "GET request with a body"},
		{"POST", "/hook?log=a", "application/json", `{"log": "b"}`, "the query's log is neither the body's log nor it cut"},
		{"POST", "/hook?log=%ZZ", "", ``, "query does not decode"},
	}
	for i, c := range cases {
		send(c.method, c.path, c.ctype, c.body)
		channeltest.NewViolation(t, s, i+1, c.want)
	}
	if len(s.Accepted()) != 0 {
		t.Errorf("receiver accepted a broken request")
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, webhook.Kind, webhooktest.Fixture)
}

// qinglong's WEBHOOK_* variables: $title and $content are {t} and {log},
// headers and body are "key: value" lines.
func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, webhook.Kind, []channeltest.EnvCase{
		{Name: "get", Vars: map[string]string{"WEBHOOK_URL": "https://example.com/push?t=$title&c=$content", "WEBHOOK_METHOD": "get"},
			Want: channel.Config{"url": "https://example.com/push?t={t}&c={log}", "method": "GET"}},
		{Name: "json post", Vars: map[string]string{"WEBHOOK_URL": "https://example.com/push", "WEBHOOK_METHOD": "POST",
			"WEBHOOK_CONTENT_TYPE": "application/json",
			"WEBHOOK_HEADERS":      "Authorization: Bearer abc\nX-Tag: a\nx-tag: b",
			"WEBHOOK_BODY":         "title: $title\ncontent: $content\ncount: 3\nextra: {\"at\": [\"$title\"], \"ok\": true}\nquoted: \"007\"\nurl: https://example.com/x"},
			Want: channel.Config{"method": "POST", "content_type": "json",
				"headers": `{"Authorization":"Bearer abc","X-Tag":"a, b"}`,
				"body":    `{"title":"{t}","content":"{log}","count":3,"extra":{"at":["{t}"],"ok":true},"quoted":"007","url":"https://example.com/x"}`}},
		{Name: "form", Vars: map[string]string{"WEBHOOK_URL": "https://example.com/push", "WEBHOOK_METHOD": "POST",
			"WEBHOOK_CONTENT_TYPE": "application/x-www-form-urlencoded", "WEBHOOK_BODY": "text: $title $content"},
			Want: channel.Config{"content_type": "form", "body": `{"text":"{t} {log}"}`}},
		{Name: "no content type is form", Vars: map[string]string{"WEBHOOK_URL": "https://example.com/push", "WEBHOOK_METHOD": "POST",
			"WEBHOOK_BODY": "text: $content"}, Want: channel.Config{"content_type": "form"}},
		{Name: "text/plain", Vars: map[string]string{"WEBHOOK_URL": "https://example.com/push", "WEBHOOK_METHOD": "POST",
			"WEBHOOK_CONTENT_TYPE": "text/plain", "WEBHOOK_BODY": "$content"}, ErrField: "WEBHOOK_CONTENT_TYPE"},
		{Name: "no body lines", Vars: map[string]string{"WEBHOOK_URL": "https://example.com/push", "WEBHOOK_METHOD": "POST",
			"WEBHOOK_BODY": "just text"}, ErrField: "WEBHOOK_BODY"},
		{Name: "put", Vars: map[string]string{"WEBHOOK_URL": "https://example.com/push", "WEBHOOK_METHOD": "PUT"}, ErrField: "method"},
	})
}

// Herald's own webhooks export as notify.py needs them: a method and a
// body that carries the message.
func TestPackQinglong(t *testing.T) {
	cases := []struct {
		c    channel.Config
		want map[string]string
	}{
		{c: channel.Config{"url": "https://example.com/hook", "content_type": "json"}, want: map[string]string{
			"WEBHOOK_URL": "https://example.com/hook", "WEBHOOK_METHOD": "POST", "WEBHOOK_CONTENT_TYPE": "application/json",
			"WEBHOOK_BODY": "title: $title\nbody: $content"}},
		{c: channel.Config{"url": "https://example.com/hook?m={log}", "content_type": "json"}, want: map[string]string{
			"WEBHOOK_URL": "https://example.com/hook?m=$content", "WEBHOOK_METHOD": "GET"}},
		{c: channel.Config{"url": "https://example.com/hook", "content_type": "form", "headers": `{"X-Key": "k"}`,
			"body": `{"n": "12", "multi": "a\nb", "list": ["{t}", 1]}`}, want: map[string]string{
			"WEBHOOK_URL": "https://example.com/hook", "WEBHOOK_METHOD": "POST", "WEBHOOK_CONTENT_TYPE": "application/x-www-form-urlencoded",
			"WEBHOOK_HEADERS": "X-Key: k", "WEBHOOK_BODY": "n: \"12\"\nmulti: \"a\\nb\"\nlist: [\"$title\", 1]"}},
	}
	for _, tc := range cases {
		if got := channeltest.EnvOf(webhook.Kind, tc.c); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("EnvOf(%v) =\n%q\nwant\n%q", tc.c, got, tc.want)
		}
	}
}
