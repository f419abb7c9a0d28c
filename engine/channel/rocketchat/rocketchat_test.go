package rocketchat_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/rocketchat"
	"github.com/heraldpush/herald/engine/channel/rocketchat/rocketchattest"
	"github.com/heraldpush/herald/engine/message"
)

const (
	tok     = rocketchattest.Token
	hookURL = "https://chat.example.com/hooks/" + rocketchattest.IntegrationID + "/" + tok
)

func open(t *testing.T, srv *rocketchattest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, rocketchat.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, rocketchat.Kind, []string{"url", "channel", "alias", "avatar", "emoji", "proxy"}, 0, []string{"url", "proxy"})
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, rocketchat.Kind, rocketchattest.Fixture)
}

func TestParse(t *testing.T) {
	channeltest.RunParseCases(t, rocketchat.Kind, []channeltest.ParseCase{
		{Name: "url", Raw: map[string]string{"webhook_url": hookURL, "channel": "#alerts", "emoji": ":robot:"},
			Want: channel.Config{"url": hookURL, "channel": "#alerts", "emoji": ":robot:"}},
		{Name: "required", Raw: map[string]string{}, WantErr: "rocketchat: url: required"},
		{Name: "not a hook", Raw: map[string]string{"url": "https://chat.example.com/channel/general"},
			WantErr: "rocketchat: url: must be the incoming webhook's URL, like https://your-server/hooks/…/…; copy it from Administration → Integrations"},
		{Name: "channel without #", Raw: map[string]string{"url": hookURL, "channel": "alerts"},
			WantErr: "rocketchat: channel: must be #channel or @username"},
		{Name: "emoji", Raw: map[string]string{"url": hookURL, "emoji": "robot"},
			WantErr: "rocketchat: emoji: must be an emoji name between colons, like :robot:"},
	}, tok)
}

func TestMaskHidesToken(t *testing.T) {
	f, _ := rocketchat.Kind.Field("url")
	if got := f.Mask(hookURL); got != "https://chat.example.com/hooks/"+rocketchattest.IntegrationID+"/••••" {
		t.Errorf("Mask = %q", got)
	}
}

func TestSend(t *testing.T) {
	srv := rocketchattest.NewServer(t)
	ch := open(t, srv, "channel", "#alerts", "alias", "CI", "avatar", "https://example.com/a.png", "emoji", ":robot:")
	a := channeltest.SendOne(t, ch, srv, message.Message{Title: "Backup", Body: "failed: disk full\n", Level: message.LevelError, PictureURL: "https://example.com/p.png"})
	want := rocketchattest.Accepted{Title: "Backup", Text: "Backup\nfailed: disk full", Color: "#F5455C", ImageURL: "https://example.com/p.png",
		Channel: "#alerts", Alias: "CI", Avatar: "https://example.com/a.png", Emoji: ":robot:"}
	a.Raw = nil
	if !reflect.DeepEqual(a, want) {
		t.Errorf("accepted %#v\nwant     %#v", a, want)
	}
}

func TestUntitledAndLong(t *testing.T) {
	srv := rocketchattest.NewServer(t)
	a := channeltest.SendOne(t, open(t, srv), srv, message.Message{Body: "HEAD" + strings.Repeat("長", 9000) + "TAIL"})
	if n := utf8.RuneCountInString(a.Text); n > rocketchattest.MaxText || !strings.HasSuffix(a.Text, "TAIL") || a.Raw["attachments"] != nil {
		t.Errorf("text %d characters, attachments %v", n, a.Raw["attachments"])
	}
	a = channeltest.SendLast(t, open(t, srv), srv, message.Message{})
	if a.Text != "Herald" {
		t.Errorf("empty message: %q", a.Text)
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*rocketchattest.Server, rocketchattest.Answer]{
		Kind:    rocketchat.Kind,
		New:     func(t testing.TB) *rocketchattest.Server { return rocketchattest.NewServer(t) },
		Open:    func(t *testing.T, s *rocketchattest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
		Secrets: []string{tok},
	}
	suite.Run(t, []channeltest.ErrorCase[*rocketchattest.Server, rocketchattest.Answer]{
		{Name: "rate limited", Answer: rocketchattest.TooMany, Transient: true, Status: 429, Msg: "too many requests", RetryAfter: 7 * time.Second},
		{Name: "integration gone", Answer: rocketchattest.Disabled, Status: 400, Msg: "Invalid integration id or token provided. — "},
		{Name: "integration gone with 500", Answer: rocketchattest.Answer{Status: 500, Body: `{"success":false,"error":"Invalid integration id or token provided."}`}, Status: 500, Msg: "Invalid integration"},
		{Name: "unknown channel", Extra: []string{"channel", "#nope"}, Status: 400, Msg: "invalid-channel — "},
		{Name: "error object", Answer: rocketchattest.Answer{Status: 400, Body: `{"success":false,"error":{"error":"error-message-size-exceeded","message":"too big"}}`}, Status: 400, Msg: "error-message-size-exceeded too big"},
		{Name: "success false with 200", Answer: rocketchattest.Answer{Body: `{"success":false,"error":"nope"}`}, Status: 200, Msg: "nope"},
		{Name: "gateway", Answer: channeltest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "200 not JSON", Answer: rocketchattest.Answer{Body: "<html>login</html>"}, Status: 200, Msg: "unexpected answer"},
		{Name: "echoed token", Answer: rocketchattest.Answer{Status: 400, Body: `{"success":false,"error":"bad ` + tok + `"}`}, Status: 400, Msg: "bad <token>"},
	})
}

func TestWrongToken(t *testing.T) {
	srv := rocketchattest.NewServer(t)
	err := open(t, srv, "url", srv.URL+"/hooks/"+rocketchattest.IntegrationID+"/Wrong0Token0Wrong").Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "", 400, "Invalid integration id or token provided. — ")
}

func TestFakeCatches(t *testing.T) {
	channeltest.CatchSuite{
		New: func(t *testing.T) (string, channeltest.Violator) {
			s := rocketchattest.NewServer(t)
			return s.URL, s
		},
		Path: "/hooks/" + rocketchattest.IntegrationID + "/" + tok,
	}.Run(t, []channeltest.CatchCase{
		{Name: "valid", Body: `{"text":"hi"}`, Answer: `"success":true`, NoViolation: true},
		{Name: "empty", Body: `{}`, Answer: `"success":false`, Violation: "neither text"},
		{Name: "too long", Body: `{"text":"` + strings.Repeat("x", 5001) + `"}`, Answer: "error-message-size-exceeded", Violation: "size"},
		{Name: "bad attachment", Body: `{"text":"x","attachments":[{"title":1}]}`, Answer: `"success":false`, Violation: "title"},
	})
}
