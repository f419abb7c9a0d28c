package pushover_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/pushover"
	"github.com/heraldpush/herald/engine/channel/pushover/pushovertest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, srv *pushovertest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, pushover.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, pushover.Kind, []string{"token", "user", "device", "priority", "retry", "expire", "sound", "url", "url_title", "ttl", "api", "proxy"}, 0, []string{"token", "proxy"})
}

func TestParse(t *testing.T) {
	const tok, usr = pushovertest.Token, pushovertest.User
	base := map[string]string{"token": tok, "user": usr}
	with := func(kv ...string) map[string]string { return channeltest.With(base, kv...) }
	defaults := channel.Config{"token": tok, "user": usr, "priority": "0", "retry": "60", "expire": "3600", "api": pushover.DefaultAPI}
	channeltest.RunParseCases(t, pushover.Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: base, Want: defaults},
		{Name: "aliases", Raw: map[string]string{"APP_TOKEN": tok, "user_key": usr, "devices": "phone, ipad"}, WantSome: map[string]string{"token": tok, "user": usr, "device": "phone, ipad"}},
		{Name: "emergency", Raw: with("priority", "2", "retry", "30", "expire", "10800"), WantSome: map[string]string{"priority": "2", "retry": "30", "expire": "10800"}},
		{Name: "required", Raw: map[string]string{}, WantErr: "pushover: token: required; pushover: user: required"},
		{Name: "short token", Raw: with("token", "abc"), WantErr: "pushover: token: must be the application's API token: 30 letters and digits from pushover.net → Your Applications"},
		{Name: "user key", Raw: with("user", "me@example.com"), WantErr: "pushover: user: must be the user or group key: 30 letters and digits from the pushover.net dashboard, not an e-mail address"},
		{Name: "device", Raw: with("device", "phone,my phone"), WantErr: `pushover: device: "my phone" is not a device name: at most 25 letters, digits, _ and -`},
		{Name: "priority", Raw: with("priority", "3"), WantErr: "pushover: priority: must be -2 to 2, got 3"},
		{Name: "retry", Raw: with("retry", "10"), WantErr: "pushover: retry: must be 30 to 10800 seconds, got 10"},
		{Name: "expire", Raw: with("expire", "86400"), WantErr: "pushover: expire: must be 1 to 10800 seconds (3 hours), got 86400"},
		{Name: "sound", Raw: with("sound", "my sound"), WantErr: "pushover: sound: must be a sound name like pushover or siren: at most 20 letters, digits, _ and -"},
		{Name: "url scheme", Raw: with("url", "example.com"), WantErr: "pushover: url: must be a URL with a scheme, like https://example.com/status"},
		{Name: "url long", Raw: with("url", "https://example.com/"+strings.Repeat("a", 500)), WantErr: "pushover: url: must be at most 512 characters"},
		{Name: "url title long", Raw: with("url", "https://e.com", "url_title", strings.Repeat("t", 101)), WantErr: "pushover: url_title: must be at most 100 characters"},
		{Name: "url title alone", Raw: with("url_title", "Open"), WantErr: "pushover: url_title: needs a link: fill in the link the title stands for"},
		{Name: "ttl", Raw: with("ttl", "0"), WantErr: "pushover: ttl: must be a positive number of seconds, got 0"},
	}, tok)
}

func TestSend(t *testing.T) {
	srv := pushovertest.NewServer(t)
	ch := open(t, srv, "device", pushovertest.Device, "priority", "1", "sound", "siren", "url", "https://ci.example.com/1", "url_title", "Run", "ttl", "3600")
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: "Backup <done>", Body: "3 files & 2 dirs\n", PictureURL: "https://example.com/p.png"})
	want := url.Values{
		"token": {pushovertest.Token}, "user": {pushovertest.User}, "device": {"phone"}, "priority": {"1"}, "sound": {"siren"},
		"url": {"https://ci.example.com/1"}, "url_title": {"Run"}, "ttl": {"3600"}, "title": {"Backup <done>"}, "message": {"3 files & 2 dirs"},
	}
	if !reflect.DeepEqual(a.Form, want) {
		t.Errorf("form = %v\nwant   %v", a.Form, want)
	}
}

func TestMinimalAndEmergency(t *testing.T) {
	srv := pushovertest.NewServer(t)
	a := channeltest.SendLast(t, open(t, srv), srv, message.Message{Title: "T", Body: "b"})
	if want := (url.Values{"token": {pushovertest.Token}, "user": {pushovertest.User}, "title": {"T"}, "message": {"b"}}); !reflect.DeepEqual(a.Form, want) {
		t.Errorf("form = %v, want %v", a.Form, want)
	}
	// ttl is not sent with priority 2, which ignores it.
	e := channeltest.SendLast(t, open(t, srv, "priority", "2", "ttl", "60"), srv, message.Message{Body: "down"})
	if e.Priority != 2 || e.Form.Get("retry") != "60" || e.Form.Get("expire") != "3600" || e.Form.Has("ttl") {
		t.Errorf("emergency form %v", e.Form)
	}
}

func TestTitleOnlyAndEmpty(t *testing.T) {
	srv := pushovertest.NewServer(t)
	ch := open(t, srv)
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: "Only a title", Body: " \n", Markdown: true})
	if a.Form.Has("title") || a.Text != "Only a title" || a.HTML {
		t.Errorf("title-only message sent as %v", a.Form)
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{}); a.Text != "Herald" {
		t.Errorf("empty message sent as %q", a.Text)
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**bold** and *it* & <x>", "<b>bold</b> and <i>it</i> &amp; &lt;x&gt;"},
		{"# Report\n- one\n- two", "<b>Report</b>\n• one\n• two"},
		{"see [the *log*](https://ci.example.com/a_b?x=1&y=2)", `see <a href="https://ci.example.com/a_b?x=1&amp;y=2">the <i>log</i></a>`},
		{"snake_case_name 2*3*4", "snake_case_name 2*3*4"},
		{"```\n**kept**\n```", "**kept**"},
		{"[js](javascript:alert(1))", "[js](javascript:alert(1))"},
	}
	for _, tt := range tests {
		if got := pushover.MarkdownHTML(tt.in); got != tt.want {
			t.Errorf("MarkdownHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	srv := pushovertest.NewServer(t)
	ch := open(t, srv)
	md := channeltest.SendLast(t, ch, srv, message.Message{Body: "**x**", Markdown: true})
	if !md.HTML || md.Text != "<b>x</b>" {
		t.Errorf("markdown sent as %v", md.Form)
	}
	plain := channeltest.SendLast(t, ch, srv, message.Message{Body: "<b>x</b>"})
	if plain.Form.Has("html") || plain.Text != "<b>x</b>" {
		t.Errorf("plain text sent as %v", plain.Form)
	}
}

func TestLimits(t *testing.T) {
	srv := pushovertest.NewServer(t)
	ch := open(t, srv)
	exact := strings.Repeat("推", pushover.MaxMessage)
	if a := channeltest.SendLast(t, ch, srv, message.Message{Body: exact}); a.Text != exact {
		t.Errorf("a message of exactly %d characters was changed", pushover.MaxMessage)
	}
	for _, md := range []bool{false, true} {
		body := "HEAD " + strings.Repeat("<&> **b** ", 2000) + " TAIL"
		a := channeltest.SendLast(t, ch, srv, message.Message{Title: strings.Repeat("T", 400), Body: body, Markdown: md})
		n := len([]rune(a.Text))
		if n > pushover.MaxMessage || n < pushover.MaxMessage-40 || !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") || !strings.Contains(a.Text, "chars cut]") {
			t.Errorf("markdown %t: cut message of %d characters: %.40q…%.40q", md, n, a.Text, a.Text[len(a.Text)-40:])
		}
		if len([]rune(a.Title)) != pushover.MaxTitle {
			t.Errorf("title of %d characters sent", len([]rune(a.Title)))
		}
	}
}

func TestErrors(t *testing.T) {
	const wrongTok, wrongUser = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	now := time.Unix(pushovertest.Reset-3600, 0)
	suite := channeltest.ErrorSuite[*pushovertest.Server, pushovertest.Answer]{
		Kind: pushover.Kind, New: pushovertest.NewServer, Secrets: []string{pushovertest.Token, wrongTok},
		Open: func(t *testing.T, s *pushovertest.Server, kv ...string) channel.Channel {
			return channeltest.Open(t, pushover.Kind, channeltest.With(s.Config(), kv...), channel.Deps{Now: func() time.Time { return now }})
		},
		ExactMsg: true,
	}
	suite.Run(t, []channeltest.ErrorCase[*pushovertest.Server, pushovertest.Answer]{
		{Name: "wrong token", Extra: []string{"token", wrongTok}, Status: 400, Msg: "application token is invalid — check the app token: copy the API Token/Key of your application on pushover.net"},
		{Name: "wrong user", Extra: []string{"user", wrongUser}, Status: 400, Msg: "user identifier is not a valid user, group, or subscribed user key — check the user key: copy it from the pushover.net dashboard"},
		{Name: "unknown device", Extra: []string{"device", "tablet"}, Status: 400, Msg: "device name is not valid for user"},
		{Name: "unknown sound", Extra: []string{"sound", "mysound"}, Status: 400, Msg: "sound is invalid"},
		{Name: "over quota", Answer: pushovertest.OverQuota, Transient: true, Status: 429, RetryAfter: time.Hour,
			Msg: "application has exceeded its monthly message limit — the application used its monthly messages: Pushover takes more after the reset"},
		{Name: "over quota without reset", Answer: pushovertest.Answer{Status: 429, Body: `{"errors":["over limit"],"status":0}`, Header: http.Header{"Retry-After": {"30"}}},
			Transient: true, Status: 429, RetryAfter: 30 * time.Second, Msg: "over limit — the application used its monthly messages: Pushover takes more after the reset"},
		{Name: "server error", Answer: pushovertest.ServerError, Transient: true, Status: 500, RetryAfter: pushover.ServerErrorWait, Msg: "internal error"},
		{Name: "gateway", Answer: channeltest.BadGateway, Transient: true, Status: 502, RetryAfter: pushover.ServerErrorWait, Msg: "<html><body><h1>502 Bad Gateway</h1></body></html>"},
		{Name: "200 not JSON", Answer: pushovertest.Answer{Body: "<html>portal</html>"}, Status: 200, Msg: "unexpected answer (no status): <html>portal</html>"},
		{Name: "status 0 in a 200", Answer: pushovertest.Answer{Body: `{"status":0,"errors":["odd"]}`}, Status: 200, Msg: "odd"},
		{Name: "echoed token", Answer: pushovertest.Answer{Status: 403, Body: "denied for " + pushovertest.Token}, Status: 403, Msg: "denied for …"},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, pushover.Kind, pushovertest.Fixture)
}
