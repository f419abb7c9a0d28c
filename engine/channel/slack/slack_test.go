package slack_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/slack"
	"github.com/heraldpush/herald/engine/channel/slack/slacktest"
	"github.com/heraldpush/herald/engine/message"
)

const hookURL = "https://hooks.slack.com/services/" + slacktest.Team + "/" + slacktest.Bot + "/" + slacktest.Token

func open(t *testing.T, srv *slacktest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, slack.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, slack.Kind, []string{"url", "proxy"}, 0, []string{"url", "proxy"})
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, slack.Kind, slacktest.Fixture)
}

func TestParse(t *testing.T) {
	channeltest.RunParseCases(t, slack.Kind, []channeltest.ParseCase{
		{Name: "url", Raw: map[string]string{"WEBHOOK_URL": hookURL}, Want: channel.Config{"url": hookURL}},
		{Name: "required", Raw: map[string]string{}, WantErr: "slack: url: required"},
		{Name: "not a webhook", Raw: map[string]string{"url": "https://myteam.slack.com/archives/C1"},
			WantErr: "slack: url: must be an incoming webhook URL like https://hooks.slack.com/services/T…/B…/…; copy it from your app's Incoming Webhooks page"},
		{Name: "workflow trigger", Raw: map[string]string{"url": "https://hooks.slack.com/triggers/T1/123/abc"},
			WantErr: "slack: url: is a Workflow Builder webhook, which takes its own variables; use an app's incoming webhook (https://hooks.slack.com/services/…)"},
		{Name: "query", Raw: map[string]string{"url": hookURL + "?x=1"},
			WantErr: "slack: url: must be the webhook URL alone, without a user name, ?… or #…"},
	}, slacktest.Token)
}

func TestMaskHidesToken(t *testing.T) {
	f, _ := slack.Kind.Field("url")
	if got, want := f.Mask(hookURL), "https://hooks.slack.com/services/"+slacktest.Team+"/"+slacktest.Bot+"/••••"; got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
}

func TestSend(t *testing.T) {
	srv := slacktest.NewServer(t)
	m := message.Message{Title: "Backup <nightly> &\nmore", Body: "3 files & <2> dirs\n> not a quote"}
	a := channeltest.SendOne(t, open(t, srv), srv, m)
	want := slacktest.Accepted{
		Title:    "Backup <nightly> & more",
		Text:     "3 files &amp; &lt;2&gt; dirs\n&gt; not a quote",
		Fallback: "Backup &lt;nightly&gt; &amp;\nmore\n\n3 files &amp; &lt;2&gt; dirs\n&gt; not a quote",
		Sections: []string{"3 files &amp; &lt;2&gt; dirs\n&gt; not a quote"},
	}
	a.Raw = nil
	if !reflect.DeepEqual(a, want) {
		t.Errorf("accepted %#v\nwant     %#v", a, want)
	}
}

func TestMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"## Result\n**3** files, see [the log](https://ci.example.com/1?a=1&b=2)": "*Result*\n*3* files, see <https://ci.example.com/1?a=1&amp;b=2|the log>",
		"a < b && [x|y](http://e.x)": "a &lt; b &amp;&amp; <http://e.x|x¦y>",
	} {
		if got := slack.Mrkdwn(in, true); got != want {
			t.Errorf("Mrkdwn(%q) = %q, want %q", in, got, want)
		}
	}
	srv := slacktest.NewServer(t)
	a := channeltest.SendOne(t, open(t, srv), srv, message.Message{Body: "**ok** [x](https://e.x)", Markdown: true})
	if a.Text != "*ok* <https://e.x|x>" || a.Title != "" {
		t.Errorf("accepted %+v", a)
	}
}

// A long body is split over sections of 3000 characters, never inside an
// entity; the fallback text is cut.
func TestLongBody(t *testing.T) {
	srv := slacktest.NewServer(t)
	body := "HEAD" + strings.Repeat("a&b<", 5000) + "TAIL"
	a := channeltest.SendOne(t, open(t, srv), srv, message.Message{Title: strings.Repeat("t", 200), Body: body})
	if len(a.Sections) < 2 || !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") {
		t.Fatalf("%d sections, text %q…", len(a.Sections), a.Text[:20])
	}
	if n := utf8.RuneCountInString(a.Title); n > slacktest.MaxHeader {
		t.Errorf("header %d characters", n)
	}
}

// Line ends cut sections short: the blocks still fit in Slack's 50.
func TestManyShortLines(t *testing.T) {
	srv := slacktest.NewServer(t)
	line := strings.Repeat("&", 1600) + "\n"
	a := channeltest.SendOne(t, open(t, srv), srv, message.Message{Title: "T", Body: strings.Repeat(line, 60) + "END"})
	if n := len(a.Sections); n != slacktest.MaxBlocks-1 || !strings.HasSuffix(a.Text, "END") || !strings.Contains(a.Text, "sections cut") {
		t.Errorf("%d sections", n)
	}
}

// A section never ends inside a link, even one holding an entity.
func TestLinksNotCut(t *testing.T) {
	srv := slacktest.NewServer(t)
	body := strings.Repeat("[log](https://ci.example.com/x?a=1&b=2) ", 400)
	a := channeltest.SendOne(t, open(t, srv), srv, message.Message{Body: body, Markdown: true})
	for i, s := range a.Sections {
		if strings.Count(s, "<") != strings.Count(s, ">") {
			t.Errorf("section %d cuts a link: …%q", i, s[len(s)-40:])
		}
	}
}

func TestEmptyMessage(t *testing.T) {
	srv := slacktest.NewServer(t)
	if a := channeltest.SendOne(t, open(t, srv), srv, message.Message{}); a.Fallback != "Herald" || a.Sections != nil {
		t.Errorf("accepted %+v", a)
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*slacktest.Server, slacktest.Answer]{
		Kind:    slack.Kind,
		New:     func(t testing.TB) *slacktest.Server { return slacktest.NewServer(t) },
		Open:    func(t *testing.T, s *slacktest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
		Secrets: []string{slacktest.Token},
	}
	suite.Run(t, []channeltest.ErrorCase[*slacktest.Server, slacktest.Answer]{
		{Name: "rate limited", Answer: slacktest.RateLimited, Transient: true, Status: 429, Code: "rate_limited", RetryAfter: 30 * time.Second},
		{Name: "archived", Answer: slacktest.Archived, Status: 410, Code: "channel_is_archived", Msg: "archived — "},
		{Name: "no service", Answer: slacktest.NoService, Status: 404, Code: "no_service", Msg: "removed or invalid — "},
		{Name: "prohibited", Answer: slacktest.Prohibited, Status: 403, Code: "action_prohibited", Msg: "this channel — "},
		{Name: "general", Answer: slacktest.GeneralDenied, Status: 403, Code: "posting_to_general_channel_denied", Msg: "#general — "},
		{Name: "too many attachments", Answer: slacktest.TooMany, Status: 400, Code: "too_many_attachments", Msg: "100"},
		{Name: "invalid payload", Answer: slacktest.InvalidPayload, Status: 400, Code: "invalid_payload", Msg: "malformed"},
		{Name: "channel not found", Answer: slacktest.ChannelNotFound, Status: 404, Code: "channel_not_found", Msg: "no longer exists — "},
		{Name: "server error", Answer: slacktest.Answer{Status: 500, Body: "<html>oops</html>"}, Transient: true, Status: 500, Msg: "oops"},
		{Name: "200 not ok", Answer: slacktest.Answer{Body: "<html>portal</html>"}, Status: 200, Msg: "unexpected answer"},
		{Name: "echoed token", Answer: slacktest.Answer{Status: 400, Body: "bad " + slacktest.Token}, Status: 400, Msg: "bad <token>"},
	})
}

// The fake's own answers to a wrong token and an unknown webhook.
func TestWrongWebhook(t *testing.T) {
	srv := slacktest.NewServer(t)
	base := srv.URL + "/services/" + slacktest.Team + "/" + slacktest.Bot + "/"
	err := open(t, srv, "url", base+"Wrong0Token0Wrong0Token0").Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "invalid_token", http.StatusForbidden, "— ")
	err = open(t, srv, "url", srv.URL+"/services/T1/B1/"+slacktest.Token).Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "no_service", http.StatusNotFound, "— ")
	channeltest.AssertNoSecrets(t, err, slacktest.Token)
}

// The fake catches what a broken client sends.
func TestFakeCatches(t *testing.T) {
	channeltest.CatchSuite{
		New: func(t *testing.T) (string, channeltest.Violator) {
			s := slacktest.NewServer(t)
			return s.URL, s
		},
		Path: "/services/" + slacktest.Team + "/" + slacktest.Bot + "/" + slacktest.Token,
	}.Run(t, []channeltest.CatchCase{
		{Name: "valid", Body: `{"text":"a &amp; b"}`, Answer: "ok", NoViolation: true},
		{Name: "unescaped", Body: `{"text":"a & b"}`, Answer: "invalid_payload", Violation: "unescaped"},
		{Name: "no text", Body: `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]}`, Answer: "no_text", Violation: "fallback"},
		{Name: "long header", Body: `{"text":"x","blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}]}`, Answer: "invalid_blocks", Violation: "header"},
		{Name: "mrkdwn header", Body: `{"text":"x","blocks":[{"type":"header","text":{"type":"mrkdwn","text":"h"}}]}`, Answer: "invalid_blocks", Violation: "plain_text"},
		{Name: "form body", CType: "application/x-www-form-urlencoded", Body: "payload={}", Answer: "invalid_payload", Violation: "Content-Type"},
		{Name: "unknown field", Body: `{"text":"x","title":"y"}`, Answer: "invalid_payload", Violation: "unknown field"},
	})
}
