package discord_test

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
	"github.com/heraldpush/herald/engine/channel/discord"
	"github.com/heraldpush/herald/engine/channel/discord/discordtest"
	"github.com/heraldpush/herald/engine/message"
)

const (
	id      = discordtest.WebhookID
	tok     = discordtest.Token
	hookURL = "https://discord.com/api/webhooks/" + id + "/" + tok
)

func open(t *testing.T, srv *discordtest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, discord.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, discord.Kind, []string{"url", "username", "avatar_url", "thread_id", "api", "proxy"}, 0, []string{"url", "proxy"})
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, discord.Kind, discordtest.Fixture)
}

func TestParse(t *testing.T) {
	channeltest.RunParseCases(t, discord.Kind, []channeltest.ParseCase{
		{Name: "url", Raw: map[string]string{"Webhook_URL": hookURL}, Want: channel.Config{"url": hookURL, "api": discord.DefaultAPI}},
		{Name: "id/token", Raw: map[string]string{"url": id + "/" + tok, "thread_id": discordtest.ThreadID, "username": "CI"},
			Want: channel.Config{"url": id + "/" + tok, "thread_id": discordtest.ThreadID, "username": "CI", "api": discord.DefaultAPI}},
		{Name: "required", Raw: map[string]string{}, WantErr: "discord: url: required"},
		{Name: "not a webhook path", Raw: map[string]string{"url": "https://discord.com/channels/1/2"},
			WantErr: "discord: url: webhook URL must contain /webhooks/; copy it again from the server settings (Integrations → Webhooks)"},
		{Name: "token missing", Raw: map[string]string{"url": "https://discord.com/api/webhooks/" + id},
			WantErr: "discord: url: webhook URL has no token after /webhooks/; copy the whole URL from the server settings (Integrations → Webhooks)"},
		{Name: "bare token", Raw: map[string]string{"url": tok},
			WantErr: "discord: url: must be the webhook URL (https://discord.com/api/webhooks/…/…) or its id/token"},
		{Name: "thread id", Raw: map[string]string{"url": hookURL, "thread_id": "general"},
			WantErr: "discord: thread_id: must be the thread's numeric id (Copy Thread ID with Developer Mode on)"},
		{Name: "username word", Raw: map[string]string{"url": hookURL, "username": "My Discord bot"},
			WantErr: `discord: username: Discord refuses names containing "discord" or "clyde", and "everyone" or "here"`},
		{Name: "username long", Raw: map[string]string{"url": hookURL, "username": strings.Repeat("n", 81)},
			WantErr: "discord: username: must be at most 80 characters"},
	}, tok)
}

func TestMaskHidesToken(t *testing.T) {
	f, _ := discord.Kind.Field("url")
	for v, want := range map[string]string{
		hookURL:                   "https://discord.com/api/webhooks/" + id + "/••••",
		id + "/" + tok:            id + "/••••",
		"https://x.example/a/b/c": "••••",
	} {
		if got := f.Mask(v); got != want || strings.Contains(got, tok) {
			t.Errorf("Mask(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestSend(t *testing.T) {
	srv := discordtest.NewServer(t)
	ch := open(t, srv, "username", "Herald CI", "avatar_url", "https://example.com/a.png", "thread_id", discordtest.ThreadID)
	m := message.Message{Title: "Backup", Body: "3 *files* & <b>\n# not a heading", Level: message.LevelError, PictureURL: "https://example.com/p.png"}
	a := channeltest.SendOne(t, ch, srv, m)
	want := discordtest.Accepted{
		Title: "Backup", Text: `3 \*files\* & <b>` + "\n" + `\# not a heading`, Color: 0xED4245,
		Username: "Herald CI", AvatarURL: "https://example.com/a.png", ImageURL: "https://example.com/p.png",
		ThreadID: discordtest.ThreadID, Wait: true,
	}
	a.Raw = nil
	if !reflect.DeepEqual(a, want) {
		t.Errorf("accepted %+v\nwant     %+v", a, want)
	}
}

func TestSendMarkdownAndMentions(t *testing.T) {
	srv := discordtest.NewServer(t)
	a := channeltest.SendOne(t, open(t, srv), srv, message.Message{Body: "**ok** @everyone", Markdown: true, Level: message.LevelSuccess})
	if a.Text != "**ok** @everyone" || a.Title != "" || a.Color != 0x57F287 {
		t.Errorf("accepted %+v", a)
	}
	am, _ := a.Raw["allowed_mentions"].(map[string]any)
	if p, ok := am["parse"].([]any); !ok || len(p) != 0 {
		t.Errorf("allowed_mentions = %v, want parse: [] (nobody pinged)", a.Raw["allowed_mentions"])
	}
}

// A pasted forum-post URL carries its thread; a long body is cut to the
// embed's 4096 characters, head and tail kept.
func TestPastedThreadAndLongBody(t *testing.T) {
	srv := discordtest.NewServer(t)
	ch := open(t, srv, "url", srv.WebhookURL()+"?thread_id="+discordtest.ThreadID)
	body := "HEAD" + strings.Repeat("长", 10000) + "TAIL"
	a := channeltest.SendOne(t, ch, srv, message.Message{Title: strings.Repeat("t", 300), Body: body})
	if n := utf8.RuneCountInString(a.Text); n > discordtest.MaxDescription || !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") {
		t.Errorf("description %d chars", n)
	}
	if a.ThreadID != discordtest.ThreadID || utf8.RuneCountInString(a.Title) > discordtest.MaxTitle {
		t.Errorf("thread %q, title %d chars", a.ThreadID, len(a.Title))
	}
}

func TestEmptyMessage(t *testing.T) {
	srv := discordtest.NewServer(t)
	if a := channeltest.SendOne(t, open(t, srv), srv, message.Message{}); a.Title != "Herald" {
		t.Errorf("accepted %+v", a)
	}
}

// The API base replaces the pasted URL's for a reverse proxy.
func TestAPIOverride(t *testing.T) {
	srv := discordtest.NewServer(t)
	ch := open(t, srv, "url", id+"/"+tok, "api", srv.URL+"/api")
	channeltest.SendOne(t, ch, srv, message.Message{Body: "via api"})
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*discordtest.Server, discordtest.Answer]{
		Kind:    discord.Kind,
		New:     func(t testing.TB) *discordtest.Server { return discordtest.NewServer(t) },
		Open:    func(t *testing.T, s *discordtest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
		Secrets: []string{tok},
	}
	cases := []channeltest.ErrorCase[*discordtest.Server, discordtest.Answer]{
		{Name: "rate limited", Answer: discordtest.RateLimited, Transient: true, Status: 429, Msg: "You are being rate limited.", RetryAfter: 1234 * time.Millisecond},
		{Name: "429 header only", Answer: discordtest.Answer{Status: 429, Body: `{"message": "You are being rate limited.", "global": true}`, Header: http.Header{"Retry-After": {"3"}}},
			Transient: true, Status: 429, Msg: "rate limited", RetryAfter: 3 * time.Second},
		{Name: "unknown thread", Extra: []string{"thread_id", "1186789011111111111"}, Status: 404, Code: "10003", Msg: "Unknown Channel — "},
		{Name: "form error", Answer: discordtest.Answer{Status: 400, Body: `{"code": 50035, "errors": {"embeds": {}}, "message": "Invalid Form Body"}`}, Status: 400, Code: "50035", Msg: "Invalid Form Body"},
		{Name: "server error", Answer: discordtest.Unavailable, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "200 without id", Answer: discordtest.Answer{Body: `{}`}, Status: 200, Msg: "no message id"},
		{Name: "200 not JSON", Answer: discordtest.Answer{Body: "<html>portal</html>"}, Status: 200, Msg: "not JSON"},
		{Name: "echoed token", Answer: discordtest.Answer{Status: 400, Body: `{"message": "bad ` + tok + `", "code": 0}`}, Status: 400, Code: "0", Msg: "bad <token>"},
	}
	suite.Run(t, cases)
}

// Discord's own rejections of the token and id, from the fake's contract.
func TestWrongCredentials(t *testing.T) {
	srv := discordtest.NewServer(t)
	ch := open(t, srv, "url", srv.URL+"/api/webhooks/"+id+"/"+strings.Repeat("y", 68))
	err := ch.Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "50027", 401, "Invalid Webhook Token — ")
	ch = open(t, srv, "url", srv.URL+"/api/webhooks/1186789000000000000/"+tok)
	err = ch.Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "10015", 404, "Unknown Webhook — ")
	channeltest.AssertNoSecrets(t, err, tok)
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"a_b*c~d`e|f[g]":               `a\_b\*c\~d` + "\\`" + `e\|f\[g\]`,
		"> quote\n  - item":            `\> quote` + "\n  " + `\- item`,
		`back\slash`:                   `back\\slash`,
		"see https://e.x/a_b*c for_it": `see https://e.x/a_b*c for\_it`,
	} {
		if got := discord.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}
