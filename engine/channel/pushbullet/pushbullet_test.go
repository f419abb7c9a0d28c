package pushbullet_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/pushbullet"
	"github.com/heraldpush/herald/engine/channel/pushbullet/pushbullettest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, srv *pushbullettest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, pushbullet.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, pushbullet.Kind, []string{"token", "device_iden", "channel_tag", "email", "api", "proxy"}, 0, []string{"token", "proxy"})
}

func TestParse(t *testing.T) {
	const tok = pushbullettest.Token
	base := map[string]string{"token": tok}
	with := func(kv ...string) map[string]string { return channeltest.With(base, kv...) }
	channeltest.RunParseCases(t, pushbullet.Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: base, Want: channel.Config{"token": tok, "api": pushbullet.DefaultAPI}},
		{Name: "aliases", Raw: map[string]string{"ACCESS_TOKEN": tok, "device": "ujpah72o0sjAoRtnM0jc"}, WantSome: map[string]string{"token": tok, "device_iden": "ujpah72o0sjAoRtnM0jc"}},
		{Name: "channel", Raw: with("channel_tag", "my-alerts_1"), WantSome: map[string]string{"channel_tag": "my-alerts_1"}},
		{Name: "email", Raw: with("email", "friend@example.com"), WantSome: map[string]string{"email": "friend@example.com"}},
		{Name: "required", Raw: map[string]string{}, WantErr: "pushbullet: token: required"},
		{Name: "token", Raw: with("token", "o.abc def"), WantErr: "pushbullet: token: must be the access token from pushbullet.com → Settings → Account: letters, digits, . - and _ only"},
		{Name: "device", Raw: with("device_iden", "My Phone"), WantErr: "pushbullet: device_iden: must be a device iden (letters and digits), not the device's name"},
		{Name: "channel tag", Raw: with("channel_tag", "#alerts"), WantErr: "pushbullet: channel_tag: must be a channel tag: letters, digits, - and _, without #"},
		{Name: "email", Raw: with("email", "Friend <f@example.com>"), WantErr: "pushbullet: email: must be one e-mail address like friend@example.com"},
		{Name: "two targets", Raw: with("device_iden", "abc", "email", "f@example.com"), WantErr: "pushbullet: email: only one of device iden, channel tag and e-mail may be set: Pushbullet sends to one target"},
	}, tok)
}

func TestSend(t *testing.T) {
	for _, tt := range []struct {
		target []string
		want   string
	}{
		{nil, ""},
		{[]string{"device_iden", pushbullettest.Device}, "device_iden=" + pushbullettest.Device},
		{[]string{"channel_tag", pushbullettest.ChannelTag}, "channel_tag=" + pushbullettest.ChannelTag},
		{[]string{"email", "friend@example.com"}, "email=friend@example.com"},
	} {
		srv := pushbullettest.NewServer(t)
		a := channeltest.SendLast(t, open(t, srv, tt.target...), srv, message.Message{Title: " Backup ", Body: "**3** files\n\n", Markdown: true, PictureURL: "https://e.com/p.png"})
		want := map[string]any{"type": "note", "title": "Backup", "body": "**3** files"}
		if tt.want != "" {
			want[tt.target[0]] = tt.target[1]
		}
		if !reflect.DeepEqual(a.Raw, want) || a.Target != tt.want {
			t.Errorf("target %v: request %v (target %q), want %v", tt.target, a.Raw, a.Target, want)
		}
	}
}

func TestOddMessages(t *testing.T) {
	srv := pushbullettest.NewServer(t)
	ch := open(t, srv)
	if a := channeltest.SendLast(t, ch, srv, message.Message{Title: "T"}); !reflect.DeepEqual(a.Raw, map[string]any{"type": "note", "title": "T"}) {
		t.Errorf("title only: %v", a.Raw)
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{}); a.Text != "Herald" {
		t.Errorf("empty: %v", a.Raw)
	}
	long := "HEAD" + strings.Repeat("推", 20000) + "TAIL"
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: strings.Repeat("t", 900), Body: long})
	if len(a.Text) > pushbullet.MaxBody || !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") || len(a.Title) != pushbullet.MaxTitle {
		t.Errorf("long note: body %d bytes, title %d", len(a.Text), len(a.Title))
	}
}

func TestErrors(t *testing.T) {
	const wrong = "o.WrongToken"
	now := time.Unix(pushbullettest.Reset-90, 0)
	suite := channeltest.ErrorSuite[*pushbullettest.Server, pushbullettest.Answer]{
		Kind: pushbullet.Kind, New: pushbullettest.NewServer, Secrets: []string{pushbullettest.Token, wrong}, ExactMsg: true,
		Open: func(t *testing.T, s *pushbullettest.Server, kv ...string) channel.Channel {
			return channeltest.Open(t, pushbullet.Kind, channeltest.With(s.Config(), kv...), channel.Deps{Now: func() time.Time { return now }})
		},
	}
	suite.Run(t, []channeltest.ErrorCase[*pushbullettest.Server, pushbullettest.Answer]{
		{Name: "wrong token", Extra: []string{"token", wrong}, Status: 401, Code: "invalid_access_token",
			Msg: "Access token is missing or invalid. — check the access token: create a new one under Settings → Account on pushbullet.com"},
		{Name: "forbidden", Answer: pushbullettest.Forbidden, Status: 403, Code: "forbidden",
			Msg: "The access token does not have permission to do this. — check the access token: create a new one under Settings → Account on pushbullet.com"},
		{Name: "unknown device", Extra: []string{"device_iden", "ujnope"}, Status: 400, Code: "invalid_param",
			Msg: "Device not found. — check the device iden, channel tag or e-mail"},
		{Name: "unknown channel", Extra: []string{"channel_tag", "nope"}, Status: 400, Code: "invalid_param", Msg: "Channel not found. — check the device iden, channel tag or e-mail"},
		{Name: "rate limited", Answer: pushbullettest.RateLimited, Transient: true, Status: 429, Code: "ratelimited", RetryAfter: 90 * time.Second,
			Msg: "You have been ratelimited for making too many requests to the server."},
		{Name: "server error", Answer: pushbullettest.ServerError, Transient: true, Status: 500, Code: "server_error", Msg: "Something went wrong on our end."},
		{Name: "gateway", Answer: pushbullettest.Answer{Status: 503, Body: "down", Header: http.Header{"Retry-After": {"7"}}}, Transient: true, Status: 503, RetryAfter: 7 * time.Second, Msg: "down"},
		{Name: "not JSON", Answer: pushbullettest.Answer{Body: "<html>portal</html>"}, Status: 200, Msg: "unexpected answer (not JSON): <html>portal</html>"},
		{Name: "no iden", Answer: pushbullettest.Answer{Body: `{"active":true}`}, Status: 200, Msg: `unexpected answer without a push iden: {"active":true}`},
		{Name: "echoed token", Answer: pushbullettest.Answer{Status: 401, Body: "bad token " + pushbullettest.Token}, Status: 401, Msg: "bad token …"},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, pushbullet.Kind, pushbullettest.Fixture)
}
