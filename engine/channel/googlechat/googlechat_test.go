package googlechat_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/googlechat"
	"github.com/heraldpush/herald/engine/channel/googlechat/googlechattest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, s *googlechattest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, googlechat.Kind, channeltest.With(s.Config(), kv...), channel.Deps{})
}

const official = "https://chat.googleapis.com/v1/spaces/" + googlechattest.Space + "/messages?key=" + googlechattest.Key + "&token=" + googlechattest.Token

func TestSchema(t *testing.T) {
	channeltest.CheckSchema(t, googlechat.Kind, []string{"url", "thread_key", "api", "proxy"}, 0, []string{"url", "proxy"})
	f, _ := googlechat.Kind.Field("url")
	if got := f.Mask(official); strings.Contains(got, googlechattest.Key) || strings.Contains(got, googlechattest.Token) || !strings.Contains(got, "chat.googleapis.com") {
		t.Errorf("mask = %q", got)
	}
}

func TestParse(t *testing.T) {
	channeltest.RunParseCases(t, googlechat.Kind, []channeltest.ParseCase{
		{Name: "webhook", Raw: map[string]string{"url": official}, Want: channel.Config{"url": official, "api": googlechat.DefaultAPI}},
		{Name: "alias and thread", Raw: map[string]string{"WEBHOOK_URL": official, "thread": "backups"},
			Want: channel.Config{"url": official, "thread_key": "backups", "api": googlechat.DefaultAPI}},
		{Name: "required", Raw: map[string]string{}, WantErr: "google_chat: url: required"},
		{Name: "not a webhook", Raw: map[string]string{"url": "https://chat.google.com/room/AAAAbCdEfGh"},
			WantErr: "google_chat: url: must be the webhook URL https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…: copy it from the space's Apps & integrations › Webhooks"},
		{Name: "no token", Raw: map[string]string{"url": strings.Split(official, "&token=")[0]},
			WantErr: "google_chat: url: has no key=… or token=…: copy the whole webhook URL, query included"},
	}, googlechattest.Key, googlechattest.Token)
}

func TestSend(t *testing.T) {
	tests := []struct {
		name string
		kv   []string
		msg  message.Message
		want googlechattest.Accepted
	}{
		{"plain", nil, message.Message{Title: "Backup", Body: "done *as is*"}, googlechattest.Accepted{Text: "*Backup*\ndone *as is*"}},
		{"markdown converted", nil, message.Message{Body: "# Report\n**bold** *it* ~~old~~ [site](https://e.com) `**code**`", Markdown: true},
			googlechattest.Accepted{Text: "*Report*\n*bold* _it_ ~old~ <https://e.com|site> `**code**`"}},
		{"thread key", []string{"thread_key", "herald-backups"}, message.Message{Body: "x"},
			googlechattest.Accepted{Text: "x", ThreadKey: "herald-backups", ReplyOption: googlechat.ReplyOption}},
		{"picture link", nil, message.Message{Body: "chart", PictureURL: "https://img.example.com/c.png"}, googlechattest.Accepted{Text: "chart\nhttps://img.example.com/c.png"}},
		{"empty", nil, message.Message{}, googlechattest.Accepted{Text: "Herald"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := googlechattest.NewServer(t)
			if got := channeltest.SendOne(t, open(t, s, tt.kv...), s, tt.msg); got != tt.want {
				t.Errorf("sent %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestChatFormat(t *testing.T) {
	for in, want := range map[string]string{
		"**a** and __b__":           "*a* and *b*",
		"*i* and a*b*c":             "_i_ and a*b*c",
		"2 * 3 * 4":                 "2 * 3 * 4",
		"```\n**kept**\n```\n**x**": "```\n**kept**\n```\n*x*",
		"[t](javascript:alert(1))":  "[t](javascript:alert(1))",
		"`open **code":              "`open **code",
		"## Title ##":               "*Title*",
		"- **item**":                "- *item*",
		"line\r\n**two**":           "line\n*two*",
	} {
		if got := googlechat.ChatFormat(in); got != want {
			t.Errorf("ChatFormat(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThreadKeyFromPastedURL(t *testing.T) {
	s := googlechattest.NewServer(t)
	got := channeltest.SendOne(t, open(t, s, "url", s.WebhookURL()+"&threadKey=pasted"), s, message.Message{Body: "x"})
	if got.ThreadKey != "pasted" || got.ReplyOption != googlechat.ReplyOption {
		t.Errorf("thread %q option %q", got.ThreadKey, got.ReplyOption)
	}
}

func TestLongText(t *testing.T) {
	s := googlechattest.NewServer(t)
	got := channeltest.SendOne(t, open(t, s), s, message.Message{Title: "T", Body: strings.Repeat("日志", 5000)})
	if n := utf8.RuneCountInString(got.Text); n > googlechat.MaxText || n < googlechat.MaxText-8 || !strings.Contains(got.Text, "cut]") {
		t.Errorf("text %d characters, want just under %d with a cut marker", n, googlechat.MaxText)
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*googlechattest.Server, googlechattest.Answer]{
		Kind: googlechat.Kind, New: googlechattest.NewServer, Secrets: []string{googlechattest.Key, googlechattest.Token},
		Open: func(t *testing.T, s *googlechattest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
	}
	suite.Run(t, []channeltest.ErrorCase[*googlechattest.Server, googlechattest.Answer]{
		{Name: "quota", Answer: googlechattest.Exhausted, Transient: true, Status: 429, Code: "RESOURCE_EXHAUSTED", Msg: "Resource has been exhausted"},
		{Name: "unavailable", Answer: googlechattest.Unavailable, Transient: true, Status: 503, Code: "UNAVAILABLE", Msg: "currently unavailable", RetryAfter: 5 * time.Second},
		{Name: "revoked", Answer: googlechattest.Answer{Status: 403, Body: `{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}`}, Status: 403, Code: "PERMISSION_DENIED", Msg: "does not have permission"},
		{Name: "space deleted", Answer: googlechattest.Answer{Status: 404, Body: `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}`}, Status: 404, Code: "NOT_FOUND", Msg: "Requested entity was not found."},
		{Name: "answer quoting the key", Answer: googlechattest.Answer{Status: 400, Body: `{"error":{"code":400,"message":"bad key ` + googlechattest.Key + `","status":"INVALID_ARGUMENT"}}`}, Status: 400, Code: "INVALID_ARGUMENT", Msg: "bad key …"},
		{Name: "bad gateway", Answer: googlechattest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "503 page with Retry-After", Answer: googlechattest.Answer{Status: 503, Body: "busy", Header: http.Header{"Retry-After": {"9"}}}, Transient: true, Status: 503, Msg: "busy", RetryAfter: 9 * time.Second},
		{Name: "200 not JSON", Answer: googlechattest.Answer{Body: "<html>portal</html>"}, Status: 200, Msg: "unexpected answer (not JSON)"},
		{Name: "200 without name", Answer: googlechattest.Answer{Body: `{}`}, Status: 200, Msg: "no message name"},
	})
}

// A wrong key or token is the fake's own answer.
func TestSetupErrors(t *testing.T) {
	for _, tt := range []struct{ name, from, to, code string }{
		{"wrong key", googlechattest.Key, "AIzaSyWrongKeyWrongKeyWrongKeyWrong00", "INVALID_ARGUMENT"},
		{"wrong token", googlechattest.Token, "WrongTokenWrongTokenWrongToken0000000000", "UNAUTHENTICATED"},
		{"other space", googlechattest.Space, "ZZZZzzzzzzz", "NOT_FOUND"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := googlechattest.NewServer(t)
			err := open(t, s, "url", strings.Replace(s.WebhookURL(), tt.from, tt.to, 1)).Send(t.Context(), message.Message{Body: "x"})
			if e := channeltest.AsError(t, err); e.Transient || e.Code != tt.code {
				t.Errorf("got %v, want permanent %s", err, tt.code)
			}
			channeltest.AssertNoSecrets(t, err, googlechattest.Key, googlechattest.Token)
			channeltest.NoViolations(t, s)
		})
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	q := "key=" + googlechattest.Key + "&token=" + googlechattest.Token
	suite := channeltest.CatchSuite{Path: googlechattest.Path, New: func(t *testing.T) (string, channeltest.Violator) {
		s := googlechattest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Query: q, Answer: "METHOD_NOT_ALLOWED", Violation: "method GET"},
		{Name: "no token", Query: "key=" + googlechattest.Key, Body: `{"text":"x"}`, Answer: "PERMISSION_DENIED", Violation: "missing"},
		{Name: "threadKey alone", Query: q + "&threadKey=a", Body: `{"text":"x"}`, Answer: "name", Violation: "go together"},
		{Name: "bad reply option", Query: q + "&threadKey=a&messageReplyOption=NEW", Body: `{"text":"x"}`, Answer: "message_reply_option", Violation: "messageReplyOption"},
		{Name: "unknown field", Query: q, Body: `{"text":"x","title":"t"}`, Answer: "Unknown name", Violation: "unexpected field"},
		{Name: "empty text", Query: q, Body: `{"text":" "}`, Answer: "cannot be empty", Violation: "empty"},
		{Name: "over 4096 characters", Query: q, Body: `{"text":"` + strings.Repeat("日", 4097) + `"}`, Answer: "too long", Violation: "over 4096"},
		{Name: "form body", Query: q, CType: "application/x-www-form-urlencoded", Body: "text=x", Answer: "Invalid JSON", Violation: "Content-Type"},
		{Name: "extra query", Query: q + "&foo=1", Body: `{"text":"x"}`, Answer: "name", Violation: "foo"},
		{Name: "wrong path", Path: "/v1/spaces/" + googlechattest.Space, Query: q, Body: `{"text":"x"}`, Answer: "NOT_FOUND", Violation: "path"},
	})
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, googlechat.Kind, googlechattest.Fixture)
}
