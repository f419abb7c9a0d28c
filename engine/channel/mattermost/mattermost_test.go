package mattermost_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/mattermost"
	"github.com/heraldpush/herald/engine/channel/mattermost/mattermosttest"
	"github.com/heraldpush/herald/engine/message"
)

const (
	key     = mattermosttest.Key
	hookURL = "https://chat.example.com/hooks/" + key
)

func open(t *testing.T, srv *mattermosttest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, mattermost.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, mattermost.Kind, []string{"url", "channel", "username", "icon_url", "icon_emoji", "card", "proxy"}, 0, []string{"url", "proxy"})
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, mattermost.Kind, mattermosttest.Fixture)
}

func TestParse(t *testing.T) {
	channeltest.RunParseCases(t, mattermost.Kind, []channeltest.ParseCase{
		{Name: "url", Raw: map[string]string{"Webhook": hookURL}, Want: channel.Config{"url": hookURL}},
		{Name: "overrides", Raw: map[string]string{"url": "http://10.0.0.5:8065/mm/hooks/" + key, "channel": "off-topic", "username": "CI", "icon_emoji": ":robot:", "card": "yes"},
			Want: channel.Config{"url": "http://10.0.0.5:8065/mm/hooks/" + key, "channel": "off-topic", "username": "CI", "icon_emoji": ":robot:", "card": "true"}},
		{Name: "required", Raw: map[string]string{}, WantErr: "mattermost: url: required"},
		{Name: "not a hook", Raw: map[string]string{"url": "https://chat.example.com/team/channels/town-square"},
			WantErr: "mattermost: url: must be the incoming webhook's URL, like https://your-server/hooks/ and its key; copy it from Integrations → Incoming Webhooks"},
		{Name: "channel display name", Raw: map[string]string{"url": hookURL, "channel": "Town Square"},
			WantErr: "mattermost: channel: must be the channel's name as in its URL (like town-square) or @username"},
		{Name: "emoji", Raw: map[string]string{"url": hookURL, "icon_emoji": "🤖"},
			WantErr: "mattermost: icon_emoji: must be an emoji's name, like robot or :robot:"},
	}, key)
}

func TestMaskHidesKey(t *testing.T) {
	f, _ := mattermost.Kind.Field("url")
	if got := f.Mask(hookURL); got != "https://chat.example.com/hooks/••••" {
		t.Errorf("Mask = %q", got)
	}
}

func TestSend(t *testing.T) {
	srv := mattermosttest.NewServer(t)
	ch := open(t, srv, "channel", "off-topic", "username", "Herald CI", "icon_url", "https://example.com/i.png", "icon_emoji", ":robot:")
	a := channeltest.SendOne(t, ch, srv, message.Message{Title: "Backup #3", Body: "- a_b *c* see https://e.x/a_b", PictureURL: "https://example.com/p.png"})
	want := mattermosttest.Accepted{
		Text:    "#### Backup \\#3\n\n\\- a\\_b \\*c\\* see https://e.x/a_b\n\n![](https://example.com/p.png)",
		Channel: "off-topic", Username: "Herald CI", IconURL: "https://example.com/i.png", IconEmoji: "robot",
	}
	a.Raw = nil
	if !reflect.DeepEqual(a, want) {
		t.Errorf("accepted %#v\nwant     %#v", a, want)
	}
}

func TestMarkdownCardAndLimit(t *testing.T) {
	srv := mattermosttest.NewServer(t)
	a := channeltest.SendOne(t, open(t, srv, "card", "true"), srv, message.Message{Title: "T", Body: "**bold**", Markdown: true})
	if a.Text != "#### T" || a.Card != "**bold**" {
		t.Errorf("card: accepted %+v", a)
	}
	body := "HEAD" + strings.Repeat("長", 20000) + "TAIL"
	a = channeltest.SendLast(t, open(t, srv), srv, message.Message{Body: body, Markdown: true})
	if n := utf8.RuneCountInString(a.Text); n > mattermosttest.MaxText || !strings.HasSuffix(a.Text, "TAIL") {
		t.Errorf("long body: %d characters", n)
	}
	a = channeltest.SendLast(t, open(t, srv), srv, message.Message{})
	if a.Text != "Herald" {
		t.Errorf("empty message: %q", a.Text)
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*mattermosttest.Server, mattermosttest.Answer]{
		Kind:    mattermost.Kind,
		New:     func(t testing.TB) *mattermosttest.Server { return mattermosttest.NewServer(t) },
		Open:    func(t *testing.T, s *mattermosttest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
		Secrets: []string{key},
	}
	suite.Run(t, []channeltest.ErrorCase[*mattermosttest.Server, mattermosttest.Answer]{
		{Name: "disabled", Answer: mattermosttest.Disabled, Status: 501, Code: "web.incoming_webhook.disabled.app_error", Msg: "disabled by the system admin"},
		{Name: "rate limited", Answer: mattermosttest.TooMany, Transient: true, Status: 429, Code: "api.context.rate_limit.app_error", RetryAfter: 4 * time.Second},
		{Name: "locked", Setup: func(s *mattermosttest.Server) { s.Locked = true }, Extra: []string{"channel", "off-topic"},
			Status: 403, Code: "web.incoming_webhook.channel_locked.app_error", Msg: "not permitted to post to the requested channel. — "},
		{Name: "unknown channel", Extra: []string{"channel", "nope"}, Status: 404, Code: "web.incoming_webhook.channel.app_error", Msg: "Couldn't find the channel. — "},
		{Name: "gateway", Answer: channeltest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "200 not ok", Answer: mattermosttest.Answer{Body: "<html>login</html>"}, Status: 200, Msg: "unexpected answer"},
		{Name: "echoed key", Answer: mattermosttest.Answer{Status: 400, Body: `{"id":"x.app_error","message":"bad ` + key + `","status_code":400}`}, Status: 400, Code: "x.app_error", Msg: "bad <key>"},
	})
}

func TestWrongKey(t *testing.T) {
	srv := mattermosttest.NewServer(t)
	err := open(t, srv, "url", srv.URL+"/hooks/"+strings.Repeat("a", 26)).Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "web.incoming_webhook.invalid.app_error", 400, "Invalid webhook. — ")
}

func TestFakeCatches(t *testing.T) {
	channeltest.CatchSuite{
		New: func(t *testing.T) (string, channeltest.Violator) {
			s := mattermosttest.NewServer(t)
			return s.URL, s
		},
		Path: "/hooks/" + key,
	}.Run(t, []channeltest.CatchCase{
		{Name: "valid", Body: `{"text":"hi"}`, Answer: "ok", NoViolation: true},
		{Name: "no text", Body: `{"channel":"off-topic"}`, Answer: "No text specified.", Violation: "no text"},
		{Name: "emoji colons", Body: `{"text":"x","icon_emoji":":robot:"}`, Answer: "Unable to parse", Violation: "colons"},
		{Name: "too long", Body: `{"text":"` + strings.Repeat("x", 16384) + `"}`, Answer: "Unable to parse", Violation: "splits"},
		{Name: "bad props", Body: `{"text":"x","props":{"card":1}}`, Answer: "Unable to parse", Violation: "props"},
	})
}
