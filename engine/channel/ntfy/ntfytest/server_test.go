package ntfytest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

func do(t *testing.T, method, u, auth, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, data := channeltest.Do(t, req)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("answer %q is not JSON", data)
	}
	return resp.StatusCode, out, resp.Header
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestFakeAnswersLikeNtfy(t *testing.T) {
	bearer := "Bearer " + Token
	msg := func(topic, extra string) string {
		return `{"topic":"` + topic + `","message":"hi"` + extra + `}`
	}
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		code                           float64 // ntfy's error code; 0 for success
		violation                      string
	}{
		{"token", "POST", "/", bearer, msg(Topic, `,"priority":4,"tags":["a"],"markdown":true`), 200, 0, ""},
		{"user and password", "POST", "/", basic(User, Password), msg(Topic, ""), 200, 0, ""},
		{"token as basic password", "PUT", "/", basic("", Token), msg(Topic, ""), 200, 0, ""},
		{"anonymous, open topic", "POST", "/", "", msg("anything", ""), 200, 0, ""},
		{"anonymous, protected topic", "POST", "/", "", msg(Topic, ""), 403, 40301, ""},
		{"read-only topic", "POST", "/", bearer, msg(ReadOnlyTopic, ""), 403, 40301, ""},
		{"wrong token", "POST", "/", "Bearer tk_nope", msg(Topic, ""), 401, 40101, ""},
		{"wrong password", "POST", "/", basic(User, "nope"), msg(Topic, ""), 401, 40101, ""},
		{"topic in the path", "POST", "/" + Topic, bearer, msg(Topic, ""), 404, 40401, "Herald must publish JSON with POST /"},
		{"not JSON", "POST", "/", bearer, `{"topic":`, 400, 40024, "not a JSON object"},
		{"priority as string", "POST", "/", bearer, msg(Topic, `,"priority":"4"`), 400, 40024, `field "priority" is string`},
		{"tags as string", "POST", "/", bearer, msg(Topic, `,"tags":"a,b"`), 400, 40024, `field "tags" is string`},
		{"priority out of range", "POST", "/", bearer, msg(Topic, `,"priority":6`), 400, 40007, "priority 6 is not 1-5"},
		{"bad topic", "POST", "/", bearer, msg("a b", ""), 400, 40009, "does not match"},
		{"reserved topic", "POST", "/", bearer, msg("docs", ""), 400, 40010, `topic "docs" is reserved`},
		{"attach not http", "POST", "/", bearer, msg(Topic, `,"attach":"ftp://x/y"`), 400, 40013, "attach"},
		{"icon not http", "POST", "/", bearer, msg(Topic, `,"icon":"x.png"`), 400, 40021, "icon"},
		{"unknown field", "POST", "/", bearer, msg(Topic, `,"sound":"x"`), 200, 0, `unknown field "sound"`},
		{"empty field", "POST", "/", bearer, msg(Topic, `,"title":""`), 200, 0, `field "title" is empty`},
		{"markdown false", "POST", "/", bearer, msg(Topic, `,"markdown":false`), 200, 0, `field "markdown" is false`},
		{"tag with comma", "POST", "/", bearer, msg(Topic, `,"tags":["a,b"]`), 200, 0, `tag "a,b"`},
		{"click without scheme", "POST", "/", bearer, msg(Topic, `,"click":"example.com"`), 200, 0, "click"},
		{"no message", "POST", "/", bearer, `{"topic":"` + Topic + `"}`, 200, 0, "message missing"},
		{"query parameters", "POST", "/?title=x", bearer, msg(Topic, ""), 200, 0, "query"},
		{"unknown auth scheme", "POST", "/", "Token abc", msg("anything", ""), 200, 0, "neither Basic nor Bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			status, out, _ := do(t, tt.method, s.URL+tt.path, tt.auth, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d (%v)", status, tt.status, out)
			}
			if tt.code == 0 {
				if id, _ := out["id"].(string); len(id) != 12 || out["event"] != "message" || out["time"] == nil {
					t.Errorf("success answer %v lacks id, event or time", out)
				}
			} else if out["code"] != tt.code || out["http"] != float64(tt.status) || out["error"] == "" {
				t.Errorf("error answer %v, want code %v", out, tt.code)
			}
			v := strings.Join(s.Violations(), "\n")
			if (tt.violation == "") != (v == "") || !strings.Contains(v, tt.violation) {
				t.Errorf("violations %q, want %q", v, tt.violation)
			}
			if accepted := len(s.Accepted()) == 1; accepted != (tt.status == 200) {
				t.Errorf("accepted = %v for status %d", accepted, tt.status)
			}
		})
	}
}

// withTitle builds a body with a 4095-byte message and a title that makes it
// size bytes long.
func withTitle(body func(int, string) string, size int) string {
	n := size - len(body(MessageLimit-1, `,"title":""`))
	return body(MessageLimit-1, `,"title":"`+strings.Repeat("t", n)+`"`)
}

func TestFakeSizeLimits(t *testing.T) {
	bearer := "Bearer " + Token
	body := func(n int, extra string) string {
		return `{"topic":"` + Topic + `","message":"` + strings.Repeat("x", n) + `"` + extra + `}`
	}
	tests := []struct {
		name      string
		body      string
		status    int
		code      float64
		violation string
	}{
		{"message just within", body(MessageLimit-1, ""), 200, 0, ""},
		{"message at the limit becomes a file", body(MessageLimit, ""), 400, 40014, "ntfy treats 4096 or more as a file"},
		{"with an attachment it is cut", body(MessageLimit, `,"attach":"https://example.com/a.png"`), 200, 0, "ntfy treats 4096 or more as a file"},
		{"JSON just within", withTitle(body, JSONLimit-1), 200, 0, ""},
		{"JSON one byte over", withTitle(body, JSONLimit), 413, 41303, "JSON body is 8192 bytes"},
		{"JSON at the limit", body(10, `,"title":"`+strings.Repeat("t", JSONLimit)+`"`), 413, 41303, "JSON body is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			status, out, _ := do(t, "POST", s.URL+"/", bearer, tt.body)
			if status != tt.status || (tt.code != 0 && out["code"] != tt.code) {
				t.Errorf("answer %d %v, want %d %v", status, out, tt.status, tt.code)
			}
			v := strings.Join(s.Violations(), "\n")
			if (tt.violation == "") != (v == "") || !strings.Contains(v, tt.violation) {
				t.Errorf("violations %q, want %q", v, tt.violation)
			}
			if status == 200 && len(s.Accepted()[0].Text) > MessageLimit {
				t.Errorf("stored %d bytes, more than ntfy keeps", len(s.Accepted()[0].Text))
			}
		})
	}
}

func TestFakeScriptAndRecord(t *testing.T) {
	s := NewServer(t)
	s.FailNext(TooManyRequests("9"), Answer{})
	status, out, h := do(t, "POST", s.URL+"/", "Bearer "+Token, `{"topic":"`+Topic+`","message":"m"}`)
	if status != 429 || out["code"] != float64(42901) || h.Get("Retry-After") != "9" {
		t.Errorf("scripted answer %d %v %v", status, out, h)
	}
	body := `{"topic":"` + Topic + `","message":" m ","title":"T","priority":5,"tags":["warning"],"click":"https://c","icon":"https://i","attach":"https://a","markdown":true}`
	status, out, _ = do(t, "POST", s.URL+"/", "Bearer "+Token, body)
	if status != 200 || out["message"] != "m" || out["priority"] != float64(5) || out["content_type"] != "text/markdown" || out["title"] != "T" {
		t.Errorf("answer %d %v", status, out)
	}
	acc := s.Accepted()
	if len(acc) != 1 || acc[0].Title != "T" || acc[0].Text != " m " || acc[0].Priority != 5 || acc[0].Attach != "https://a" ||
		!acc[0].Markdown || acc[0].Auth != "bearer" || acc[0].JSONBytes != len(body) || len(acc[0].Tags) != 1 {
		t.Errorf("accepted %+v", acc)
	}
	if s.Requests() != 2 || len(s.Violations()) != 0 {
		t.Errorf("requests %d, violations %v", s.Requests(), s.Violations())
	}
}
