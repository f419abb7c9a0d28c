package apprise_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/apprise"
	"github.com/heraldpush/herald/engine/channel/apprise/apprisetest"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, s *apprisetest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, apprise.Kind, channeltest.With(s.Config(), kv...), channel.Deps{})
}

// stateless opens a channel sending to urls instead of the stored key.
func stateless(t *testing.T, s *apprisetest.Server, urls string, kv ...string) channel.Channel {
	t.Helper()
	return open(t, s, append([]string{"key", "", "urls", urls}, kv...)...)
}

func TestSchema(t *testing.T) {
	channeltest.CheckSchema(t, apprise.Kind, []string{"server", "key", "tag", "urls", "username", "password", "proxy"}, 0, []string{"urls", "password", "proxy"})
	f, _ := apprise.Kind.Field("urls")
	if got := f.Mask("tgram://123:AAH-secret/42, mailto://me:pw@gmail.com"); got != "tgram://••••, mailto://••••" || strings.Contains(got, "secret") {
		t.Errorf("mask = %q", got)
	}
}

func TestParse(t *testing.T) {
	const srv = "http://apprise.local:8000"
	channeltest.RunParseCases(t, apprise.Kind, []channeltest.ParseCase{
		{Name: "key", Raw: map[string]string{"server": srv, "key": "alerts_1", "tag": "devops, admin"},
			Want: channel.Config{"server": srv, "key": "alerts_1", "tag": "devops, admin"}},
		{Name: "stateless with auth", Raw: map[string]string{"API": srv + "/apprise/", "urls": apprisetest.URL, "user": "u", "password": "pw"},
			Want: channel.Config{"server": srv + "/apprise/", "urls": apprisetest.URL, "username": "u", "password": "pw"}},
		{Name: "neither key nor urls", Raw: map[string]string{"server": srv}, WantErr: "apprise: key: give a configuration key or Apprise URLs"},
		{Name: "both", Raw: map[string]string{"server": srv, "key": "k", "urls": apprisetest.URL},
			WantErr: "apprise: urls: give either a configuration key or Apprise URLs, not both"},
		{Name: "tag without key", Raw: map[string]string{"server": srv, "urls": apprisetest.URL, "tag": "devops"},
			WantErr: "apprise: tag: tags select URLs of a stored configuration: set the configuration key"},
		{Name: "password without user", Raw: map[string]string{"server": srv, "key": "k", "password": "pw"},
			WantErr: "apprise: username: a password needs the user name it goes with"},
		{Name: "key with a slash", Raw: map[string]string{"server": srv, "key": "a/b"},
			WantErr: "apprise: key: must be the configuration key: up to 128 letters, digits, - and _"},
		{Name: "notify path in server", Raw: map[string]string{"server": srv + "/notify/abc", "key": "abc"},
			WantErr: "apprise: server: must be the server's address without /notify/…, like http://apprise.local:8000"},
		{Name: "query in server", Raw: map[string]string{"server": srv + "?tag=x", "key": "abc"},
			WantErr: "apprise: server: must be only the address, like http://apprise.local:8000: no user, ?… or #…"},
		{Name: "server required", Raw: map[string]string{"key": "abc"}, WantErr: "apprise: server: required"},
	}, apprisetest.URL, "pw")
}

func TestSend(t *testing.T) {
	tests := []struct {
		name string
		urls string // stateless when set
		kv   []string
		msg  message.Message
		want apprisetest.Accepted
	}{
		{"key, info text", "", nil, message.Message{Title: "Backup", Body: "done"},
			apprisetest.Accepted{Key: apprisetest.Key, Title: "Backup", Text: "done", Type: "info", Format: "text"}},
		{"key with tag, failure markdown", "", []string{"tag", "devops admin"}, message.Message{Title: "T", Body: "**x**", Markdown: true, Level: message.LevelError},
			apprisetest.Accepted{Key: apprisetest.Key, Title: "T", Text: "**x**", Type: "failure", Format: "markdown", Tag: "devops admin"}},
		{"success", "", nil, message.Message{Body: "ok", Level: message.LevelSuccess},
			apprisetest.Accepted{Key: apprisetest.Key, Text: "ok", Type: "success", Format: "text"}},
		{"warning, title only becomes the body", "", nil, message.Message{Title: "disk 90%", Level: message.LevelWarning},
			apprisetest.Accepted{Key: apprisetest.Key, Text: "disk 90%", Type: "warning", Format: "text"}},
		{"stateless", apprisetest.URL + ", mailto://u:p@example.com", nil, message.Message{Body: "hi"},
			apprisetest.Accepted{URLs: apprisetest.URL + ", mailto://u:p@example.com", Text: "hi", Type: "info", Format: "text"}},
		{"empty message", "", nil, message.Message{},
			apprisetest.Accepted{Key: apprisetest.Key, Text: "Herald", Type: "info", Format: "text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := apprisetest.NewServer(t)
			ch := open(t, s, tt.kv...)
			if tt.urls != "" {
				ch = stateless(t, s, tt.urls, tt.kv...)
			}
			got := channeltest.SendOne(t, ch, s, tt.msg)
			got.Content = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sent %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	s := apprisetest.NewServer(t)
	s.RequireAuth("herald", "pr0xy-pass")
	channeltest.SendOne(t, open(t, s, "username", "herald", "password", "pr0xy-pass"), s, message.Message{Body: "x"})
}

func TestLongBody(t *testing.T) {
	s := apprisetest.NewServer(t)
	got := channeltest.SendOne(t, open(t, s), s, message.Message{Body: strings.Repeat("日志", 100000)})
	if len(got.Text) > apprise.MaxBody || !strings.Contains(got.Text, "cut]") {
		t.Errorf("body %d bytes, want at most %d, cut", len(got.Text), apprise.MaxBody)
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*apprisetest.Server, apprisetest.Answer]{
		Kind: apprise.Kind, New: apprisetest.NewServer, Secrets: []string{apprisetest.URL, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "pr0xy-pass"},
		Open: func(t *testing.T, s *apprisetest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
	}
	suite.Run(t, []channeltest.ErrorCase[*apprisetest.Server, apprisetest.Answer]{
		{Name: "a service failed", Answer: apprisetest.FailedDependency, Transient: true, Status: 424,
			Msg: "One or more notification could not be sent: Failed to send Telegram notification: Unauthorized (401)."},
		{Name: "no tag matches", Extra: []string{"tag", "finance"}, Transient: true, Status: 424, Msg: "There are no service(s) to notify"},
		{Name: "unknown key", Extra: []string{"key", "nope"}, Status: 204, Msg: "no configuration saved under this key"},
		{Name: "no valid stateless URL", Extra: []string{"key", "", "urls", "not-a-url"}, Status: 204, Msg: "none of the Apprise URLs is valid"},
		{Name: "stateless service down", Extra: []string{"key", "", "urls", apprisetest.URL + "," + apprisetest.BadURL}, Transient: true, Status: 424, Msg: "There are no service(s)"},
		{Name: "config I/O error", Answer: apprisetest.ConfigIOError, Transient: true, Status: 500, Msg: "An error occurred accessing configuration"},
		{Name: "too large", Answer: apprisetest.TooLarge, Status: 431, Msg: "JSON Payload provided is to large"},
		{Name: "bad request", Answer: apprisetest.Answer{Status: 400, Body: `{"error":"Payload lacks minimum requirements"}`}, Status: 400, Msg: "Payload lacks minimum requirements"},
		{Name: "answer quoting the secret URL", Answer: apprisetest.Answer{Status: 424, Body: `{"error":"One or more notification could not be sent","details":[["ERROR","t","bad ` + apprisetest.URL + ` and AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"]]}`},
			Extra: []string{"key", "", "urls", apprisetest.URL}, Transient: true, Status: 424, Msg: "bad <url> and <token>"},
		{Name: "proxy asks for auth", Setup: func(s *apprisetest.Server) { s.RequireAuth("herald", "pr0xy-pass") }, Extra: []string{"username", "herald", "password", "wrong-pass"},
			Status: 401, Msg: "401 Authorization Required"},
		{Name: "bad gateway", Answer: channeltest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "503 with Retry-After", Answer: apprisetest.Answer{Status: 503, Body: "down", Header: http.Header{"Retry-After": {"7"}}}, Transient: true, Status: 503, Msg: "down", RetryAfter: 7 * time.Second},
		{Name: "200 web page", Answer: apprisetest.Answer{Body: "<html>portal</html>", Header: http.Header{"Content-Type": {"text/html"}}}, Status: 200, Msg: "not the Apprise API"},
	})
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	suite := channeltest.CatchSuite{Path: "/notify/" + apprisetest.Key, New: func(t *testing.T) (string, channeltest.Violator) {
		s := apprisetest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "form body", CType: "application/x-www-form-urlencoded", Body: "body=x", Answer: "Bad FORM Payload", Violation: "Content-Type"},
		{Name: "GET", Method: "GET", Answer: "", Violation: "method GET"},
		{Name: "no body", Body: `{"title":"t"}`, Answer: "Payload lacks minimum requirements", Violation: "want a body"},
		{Name: "bad type", Body: `{"body":"x","type":"error"}`, Answer: "Payload lacks minimum requirements", Violation: `type "error"`},
		{Name: "bad format", Body: `{"body":"x","format":"md"}`, Answer: "invalid body input format", Violation: `format "md"`},
		{Name: "bad tag", Body: `{"body":"x","tag":"a;b"}`, Answer: "Unsupported characters", Violation: "tag"},
		{Name: "urls with a key", Body: `{"body":"x","urls":"json://x"}`, Answer: "null", Violation: `unexpected field "urls"`},
		{Name: "number body", Body: `{"body":5}`, Answer: "Payload lacks", Violation: "body is float64"},
		{Name: "query fields", Query: "title=x", Body: `{"body":"x"}`, Answer: "null", Violation: "query"},
		{Name: "wrong path", Path: "/api/notify", Body: `{"body":"x"}`, Answer: "Not Found", Violation: "path"},
		{Name: "over 3 MB", Body: `{"body":"` + strings.Repeat("a", apprisetest.MaxPayload) + `"}`, Answer: "to large", Violation: "over"},
		{Name: "stateless without urls", Path: "/notify/", Body: `{"body":"x"}`, Answer: "", Violation: "without urls"},
		{Name: "unknown key is setup, not a break", Path: "/notify/other", Body: `{"body":"x"}`, Answer: "", NoViolation: true},
	})
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, apprise.Kind, apprisetest.Fixture)
	channeltest.RunContract(t, apprise.Kind, func(t testing.TB) channeltest.Fixture {
		f := apprisetest.Fixture(t)
		f.Config["key"], f.Config["urls"] = "", apprisetest.URL
		return f
	})
}
