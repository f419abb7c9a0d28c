package wecomapp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/wecomapp/wecomapptest"
	"github.com/heraldpush/herald/engine/message"
)

// fakeClock is a settable clock for token and media expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newChannel(t *testing.T, s *wecomapptest.Server, clock *fakeClock, extra map[string]string) channel.Channel {
	t.Helper()
	raw := s.Config()
	for k, v := range extra {
		raw[k] = v
	}
	deps := channel.Deps{}
	if clock != nil {
		deps.Now = clock.Now
	}
	ch, err := Kind.New(raw, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ch
}

func TestParse(t *testing.T) {
	base := map[string]string{"corp_id": "ww0123456789abcdef", "agent_id": "1000002", "secret": "s3cret"}
	with := func(kv ...string) map[string]string { return channeltest.Edit(base, kv...) }
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: base, WantSome: map[string]string{"host": DefaultHost, "to_user": "@all", "msg_type": "text"}},
		{Name: "QD aliases any case", Raw: map[string]string{
			"corpid": "ww1", "AGENTID": "7", "agentSECRET": "x", "push_pic_url_or_media_id": "MEDIA_1", "qywx_proxy_host": "qywx.example.com",
		}, WantSome: map[string]string{"corp_id": "ww1", "agent_id": "7", "secret": "x", "pic": "MEDIA_1", "host": "qywx.example.com"}},
		{Name: "api alias", Raw: with("API", "https://proxy.example.com/"), WantSome: map[string]string{"host": "https://proxy.example.com/"}},
		{Name: "choice case folded", Raw: with("msg_type", "MarkDown"), WantSome: map[string]string{"msg_type": "markdown"}},
		{Name: "bad corp id", Raw: with("corp_id", "ww-12 3"), WantErr: "wecom_app: corp_id: must be letters and digits only, like ww0123456789abcdef (My Company → Company Information)"},
		{Name: "agent id not a number", Raw: with("agent_id", "abc"), WantErr: `wecom_app: agent_id: must be a whole number, got "abc"`},
		{Name: "agent id zero", Raw: with("agent_id", "0"), WantErr: "wecom_app: agent_id: must be the app's positive AgentId, like 1000002"},
		{Name: "missing secret", Raw: with("secret", ""), WantErr: "wecom_app: secret: required"},
		{Name: "pic neither URL nor media id", Raw: with("pic", "ftp://x/y.png"), WantErr: "wecom_app: pic: must be an http(s) image URL or a media_id (letters, digits, - and _)"},
		{Name: "pic URL without host", Raw: with("pic", "https://"), WantErr: "wecom_app: pic: has no host"},
		{Name: "host without host", Raw: with("host", "http://"), WantErr: "wecom_app: host: has no host"},
		{Name: "@all mixed", Raw: with("to_user", "@all|bob"), WantErr: "wecom_app: to_user: @all cannot be combined with member IDs"},
		{Name: "user with space", Raw: with("to_user", "al ice"), WantErr: `wecom_app: to_user: "al ice" is not a member account ID (up to 64 letters, digits, -, _ or .)`},
		{Name: "bad msg type", Raw: with("msg_type", "card"), WantErr: `wecom_app: msg_type: must be one of text, markdown, mpnews, got "card"`},
		{Name: "mpnews needs pic", Raw: with("msg_type", "mpnews"), WantErr: "wecom_app: pic: required when msg_type is mpnews (an article needs a cover image): set an image URL or a media_id"},
		{Name: "bad proxy", Raw: with("proxy", "ftp://h:1"), WantErr: `wecom_app: proxy: scheme must be http, https, socks5 or socks5h, got "ftp"`},
		{Name: "unknown field", Raw: with("token", "x"), WantErr: "wecom_app: token: unknown field (known: corp_id, agent_id, secret, pic, host, to_user, msg_type, proxy)"},
	})
}

func TestParseQD(t *testing.T) {
	cases := []channeltest.QDCase{
		{Name: "full", In: "ww0123;1000002;s3cret;https://img.example.com/a.png;qywx.example.com",
			Want: map[string]string{"corp_id": "ww0123", "agent_id": "1000002", "secret": "s3cret", "pic": "https://img.example.com/a.png", "host": "qywx.example.com"}},
		{Name: "empty positions keep defaults", In: "ww0123;1000002;s3cret;;",
			Want: map[string]string{"corp_id": "ww0123", "agent_id": "1000002", "secret": "s3cret"}},
		{Name: "too few", In: "ww0123;1000002", WantErr: "wecom_app: secret: missing from the QD string (expected corp_id;agent_id;secret;pic;host)"},
		{Name: "too many", In: "a;1;s;p;h;extra", WantErr: "wecom_app: qd: has 6 values but QD's wecom_app string has at most 5 (corp_id;agent_id;secret;pic;host)"},
	}
	channeltest.RunQDCases(t, Kind, cases)
	channeltest.CheckQDImports(t, Kind, cases, nil, map[string]string{"host": DefaultHost})
}

func TestHostNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"qywx.example.com":             "https://qywx.example.com",
		"http://10.0.0.1:8080/":        "http://10.0.0.1:8080",
		"https://qyapi.weixin.qq.com/": "https://qyapi.weixin.qq.com",
	} {
		ch, err := Kind.New(map[string]string{"corp_id": "ww1", "agent_id": "1", "secret": "s", "host": in}, channel.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ch.(*wecomApp).base; got != want {
			t.Errorf("host %q → %q, want %q", in, got, want)
		}
	}
}

func TestSendText(t *testing.T) {
	s := wecomapptest.NewServer(t)
	ch := newChannel(t, s, nil, map[string]string{"to_user": "alice, bob"})
	err := ch.Send(context.Background(), message.Message{Title: "Backup", Body: "done <ok> & fine", Markdown: true})
	if err != nil {
		t.Fatal(err)
	}
	acc := s.Accepted()
	if len(acc) != 1 {
		t.Fatalf("accepted %d messages, want 1", len(acc))
	}
	raw := acc[0].Raw
	if raw["touser"] != "alice|bob" || raw["msgtype"] != "text" || raw["agentid"] != json.Number("1000002") {
		t.Errorf("request = %v", raw)
	}
	if got, want := raw["text"], map[string]any{"content": "Backup\n\ndone <ok> & fine"}; !jsonEqual(got, want) {
		t.Errorf("text = %v, want %v", got, want)
	}
	if len(raw) != 4 {
		t.Errorf("request has extra fields: %v", raw)
	}
	if s.GettokenCalls() != 1 || s.SendCalls() != 1 || s.Uploads() != 0 {
		t.Errorf("gettoken %d, send %d, upload %d calls; want 1, 1, 0", s.GettokenCalls(), s.SendCalls(), s.Uploads())
	}
	channeltest.NoViolations(t, s)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	s := wecomapptest.NewServer(t)
	clock := newClock()
	ch := newChannel(t, s, clock, nil)
	send := func() {
		t.Helper()
		if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	send()
	clock.Advance(wecomapptest.ExpiresIn*time.Second - refreshEarly - time.Second)
	send()
	if n := s.GettokenCalls(); n != 1 {
		t.Fatalf("gettoken called %d times within the token's life, want 1", n)
	}
	clock.Advance(time.Second) // now 5 minutes before expiry
	send()
	if n := s.GettokenCalls(); n != 2 {
		t.Fatalf("gettoken called %d times after the refresh point, want 2", n)
	}
	if len(s.Accepted()) != 4 {
		t.Errorf("accepted %d, want 4", len(s.Accepted()))
	}
	channeltest.NoViolations(t, s)
}

func TestTokenRefreshedOnceOnTokenErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		expire bool
		answer wecomapptest.Answer
	}{
		{name: "42001 expired", expire: true},
		{name: "40014 invalid", answer: wecomapptest.Answer{ErrCode: 40014, ErrMsg: "invalid access_token"}},
		{name: "40001 invalid credential", answer: wecomapptest.Answer{ErrCode: 40001, ErrMsg: "invalid credential"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomapptest.NewServer(t)
			ch := newChannel(t, s, newClock(), nil)
			if err := ch.Send(context.Background(), message.Message{Body: "first"}); err != nil {
				t.Fatal(err)
			}
			if tt.expire {
				s.ExpireTokens()
			} else {
				s.FailNext(tt.answer)
			}
			if err := ch.Send(context.Background(), message.Message{Body: "second"}); err != nil {
				t.Fatalf("send after token error: %v", err)
			}
			if n := s.GettokenCalls(); n != 2 {
				t.Errorf("gettoken calls = %d, want 2", n)
			}
			if n := s.SendCalls(); n != 3 {
				t.Errorf("message/send calls = %d, want 3 (one resend)", n)
			}
			if acc := s.Accepted(); len(acc) != 2 || acc[1].Text != "second" {
				t.Errorf("accepted = %+v", acc)
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestTokenRefreshOnlyOnce(t *testing.T) {
	s := wecomapptest.NewServer(t)
	ch := newChannel(t, s, newClock(), nil)
	s.FailNext(wecomapptest.Answer{ErrCode: 42001, ErrMsg: "access_token expired"}, wecomapptest.Answer{ErrCode: 42001, ErrMsg: "access_token expired"})
	err := ch.Send(context.Background(), message.Message{Body: "x"})
	e := channeltest.AsError(t, err)
	if e.Transient || e.Code != "42001" || !strings.Contains(e.Msg, "still rejected after fetching a new one") {
		t.Errorf("error = %#v", e)
	}
	if s.GettokenCalls() != 2 || s.SendCalls() != 2 {
		t.Errorf("gettoken %d, send %d; want 2 and 2", s.GettokenCalls(), s.SendCalls())
	}
	channeltest.NoViolations(t, s)
}

func TestGettokenErrors(t *testing.T) {
	tests := []struct {
		name      string
		raw       map[string]string
		answer    *wecomapptest.Answer
		code      string
		transient bool
		msg       string
	}{
		{name: "wrong corp id", raw: map[string]string{"corp_id": "wwwrong"}, code: "40013", msg: "corp_id is wrong: check it under My Company → Company Information; WeCom said: invalid corpid"},
		{name: "wrong secret", raw: map[string]string{"secret": "not-the-secret"}, code: "40001", msg: "secret is wrong: copy the app's Secret again from App Management → your app; WeCom said: invalid credential"},
		{name: "IP not trusted", answer: &wecomapptest.Answer{Endpoint: wecomapptest.EndpointGettoken, ErrCode: 60020, ErrMsg: "not allow to access from your ip"}, code: "60020", msg: "trusted IPs (企业可信IP)"},
		{name: "frequency limit", answer: &wecomapptest.Answer{Endpoint: wecomapptest.EndpointGettoken, ErrCode: 45009, ErrMsg: "api freq out of limit"}, code: "45009", transient: true, msg: "api freq out of limit"},
		{name: "concurrency limit", answer: &wecomapptest.Answer{Endpoint: wecomapptest.EndpointGettoken, ErrCode: 45033, ErrMsg: "api concurrent out of limit"}, code: "45033", transient: true, msg: "api concurrent out of limit"},
		{name: "system busy", answer: &wecomapptest.Answer{Endpoint: wecomapptest.EndpointGettoken, ErrCode: -1, ErrMsg: "system busy"}, code: "-1", transient: true, msg: "system busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomapptest.NewServer(t)
			ch := newChannel(t, s, nil, tt.raw)
			if tt.answer != nil {
				s.FailNext(*tt.answer)
			}
			err := ch.Send(context.Background(), message.Message{Body: "x"})
			e := channeltest.AsError(t, err)
			if e.Code != tt.code || e.Transient != tt.transient || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = %v (transient %v), want code %s transient %v containing %q", err, e.Transient, tt.code, tt.transient, tt.msg)
			}
			for _, secret := range []string{wecomapptest.Secret, "not-the-secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains a secret", err)
				}
			}
			if s.SendCalls() != 0 {
				t.Errorf("message/send called without a token")
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		raw        map[string]string
		answer     *wecomapptest.Answer
		code       string
		status     int
		transient  bool
		retryAfter time.Duration
		msg        string
	}{
		{name: "rate limited", answer: &wecomapptest.Answer{ErrCode: 45009, ErrMsg: "api freq out of limit"}, code: "45009", transient: true, msg: "api freq out of limit"},
		{name: "busy", answer: &wecomapptest.Answer{ErrCode: -1, ErrMsg: "system busy"}, code: "-1", transient: true, msg: "system busy"},
		{name: "IP not trusted", answer: &wecomapptest.Answer{ErrCode: 60020, ErrMsg: "not allow to access from your ip"}, code: "60020", msg: "add it under App Management → your app → Trusted IP; WeCom said: not allow to access from your ip"},
		{name: "wrong agent id", raw: map[string]string{"agent_id": "42"}, code: "40056", msg: "agent_id is wrong: use the AgentId of the app the secret belongs to; WeCom said: invalid agentid"},
		{name: "all recipients invalid", raw: map[string]string{"to_user": "carol|dave"}, code: "81013", msg: "to_user: no recipient is valid or in the app's visible range; WeCom said: user & party & tag all invalid"},
		{name: "content refused", answer: &wecomapptest.Answer{ErrCode: 45002, ErrMsg: "content size out of limit"}, code: "45002", msg: "content size out of limit"},
		{name: "503 with Retry-After", answer: &wecomapptest.Answer{Status: 503, Body: "upstream busy", RetryAfter: "7"}, status: 503, transient: true, retryAfter: 7 * time.Second, msg: "upstream busy"},
		{name: "proxy error page", answer: &wecomapptest.Answer{Status: 502, Body: "<html>Bad Gateway</html>"}, status: 502, transient: true, msg: "Bad Gateway"},
		{name: "403 page", answer: &wecomapptest.Answer{Status: 403, Body: "forbidden"}, status: 403, msg: "forbidden"},
		{name: "200 but not JSON", answer: &wecomapptest.Answer{Body: "<html>captive portal</html>"}, status: 200, msg: "unexpected answer (not JSON)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomapptest.NewServer(t)
			ch := newChannel(t, s, nil, tt.raw)
			if tt.answer != nil {
				s.FailNext(*tt.answer)
			}
			err := ch.Send(context.Background(), message.Message{Body: "x"})
			e := channeltest.AsError(t, err)
			if e.Code != tt.code || e.Status != tt.status || e.Transient != tt.transient || e.RetryAfter != tt.retryAfter || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = %#v, want code %q status %d transient %v retry %v msg containing %q", e, tt.code, tt.status, tt.transient, tt.retryAfter, tt.msg)
			}
			if s.SendCalls() != 1 {
				t.Errorf("message/send calls = %d, want 1 (no resend for non-token errors)", s.SendCalls())
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestInvalidUsers(t *testing.T) {
	t.Run("some invalid is delivered", func(t *testing.T) {
		s := wecomapptest.NewServer(t)
		ch := newChannel(t, s, nil, map[string]string{"to_user": "alice|Carol"})
		if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
			t.Fatal(err)
		}
		channeltest.NoViolations(t, s)
	})
	t.Run("all invalid with errcode 0", func(t *testing.T) {
		s := wecomapptest.NewServer(t)
		ch := newChannel(t, s, nil, map[string]string{"to_user": "Alice|bob"})
		s.FailNext(wecomapptest.Answer{InvalidUser: "alice|bob"})
		err := ch.Send(context.Background(), message.Message{Body: "x"})
		e := channeltest.AsError(t, err)
		if e.Transient || e.Msg != "invalid user: alice|bob (check to_user: the members must exist and be in the app's visible range)" {
			t.Errorf("error = %#v", e)
		}
		channeltest.NoViolations(t, s)
	})
}

func TestMarkdown(t *testing.T) {
	s := wecomapptest.NewServer(t)
	ch := newChannel(t, s, nil, map[string]string{"msg_type": "markdown", "pic": wecomapptest.MediaID})
	if err := ch.Send(context.Background(), message.Message{Title: "Disk", Body: "**95%** used", Markdown: true}); err != nil {
		t.Fatal(err)
	}
	acc := s.Accepted()
	if len(acc) != 1 || acc[0].MsgType != "markdown" || acc[0].Text != "### Disk\n**95%** used" {
		t.Errorf("accepted = %+v", acc)
	}
	channeltest.NoViolations(t, s)
}

func TestPictureURLUploadedOnce(t *testing.T) {
	s := wecomapptest.NewServer(t)
	clock := newClock()
	ch := newChannel(t, s, clock, map[string]string{"pic": s.PictureURL()})
	for i := 0; i < 2; i++ {
		if err := ch.Send(context.Background(), message.Message{Title: "Job <1>", Body: "line 1 & <b>\nline 2"}); err != nil {
			t.Fatal(err)
		}
	}
	if s.Uploads() != 1 || s.Downloads() != 1 {
		t.Fatalf("uploads %d, downloads %d; want 1 and 1", s.Uploads(), s.Downloads())
	}
	acc := s.Accepted()
	if len(acc) != 2 {
		t.Fatalf("accepted %d, want 2", len(acc))
	}
	for _, a := range acc {
		art := a.Raw["mpnews"].(map[string]any)["articles"].([]any)[0].(map[string]any)
		want := map[string]any{
			"title":          "Job <1>",
			"thumb_media_id": "3herald-uploaded-1_Xw",
			"content":        "line 1 &amp; &lt;b&gt;<br>line 2",
			"digest":         "line 1 & <b>\nline 2",
		}
		if !jsonEqual(art, want) || a.MsgType != "mpnews" {
			t.Errorf("article = %v, want %v", art, want)
		}
	}
	// The media_id lives 3 days; it is replaced shortly before.
	clock.Advance(mediaLifetime - refreshEarly)
	if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if s.Uploads() != 2 {
		t.Errorf("uploads after 3 days = %d, want 2", s.Uploads())
	}
	channeltest.NoViolations(t, s)
}

func TestPictureChoices(t *testing.T) {
	tests := []struct {
		name    string
		raw     map[string]string
		picture string // Message.PictureURL
		msgType string
		media   string // expected thumb_media_id; "" = uploaded
		uploads int
	}{
		{name: "media id used directly", raw: map[string]string{"pic": wecomapptest.MediaID}, msgType: "mpnews", media: wecomapptest.MediaID},
		{name: "message picture overrides pic", raw: map[string]string{"pic": wecomapptest.MediaID}, picture: "{pic}", msgType: "mpnews", uploads: 1},
		{name: "message picture without pic", picture: "{pic}", msgType: "mpnews", uploads: 1},
		{name: "mpnews type", raw: map[string]string{"msg_type": "mpnews", "pic": wecomapptest.MediaID}, msgType: "mpnews", media: wecomapptest.MediaID},
		{name: "markdown ignores picture", raw: map[string]string{"msg_type": "markdown"}, picture: "{pic}", msgType: "markdown"},
		{name: "no picture stays text", msgType: "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomapptest.NewServer(t)
			ch := newChannel(t, s, nil, tt.raw)
			m := message.Message{Title: "T", Body: "B", PictureURL: strings.ReplaceAll(tt.picture, "{pic}", s.PictureURL())}
			if err := ch.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			acc := s.Accepted()
			if len(acc) != 1 || acc[0].MsgType != tt.msgType {
				t.Fatalf("accepted = %+v, want msgtype %s", acc, tt.msgType)
			}
			if tt.msgType == "mpnews" {
				art := acc[0].Raw["mpnews"].(map[string]any)["articles"].([]any)[0].(map[string]any)
				if tt.media != "" && art["thumb_media_id"] != tt.media {
					t.Errorf("thumb_media_id = %v, want %s", art["thumb_media_id"], tt.media)
				}
			}
			if s.Uploads() != tt.uploads {
				t.Errorf("uploads = %d, want %d", s.Uploads(), tt.uploads)
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestPictureErrors(t *testing.T) {
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone.png":
			http.NotFound(w, r)
		case "/busy.png":
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/page.png":
			io.WriteString(w, "<html><body>not an image</body></html>")
		}
	}))
	defer images.Close()
	tests := []struct {
		name      string
		pic       string
		answer    *wecomapptest.Answer
		code      string
		transient bool
		msg       string
		uploads   int
	}{
		{name: "unknown media id", pic: "unknown-media", code: "40007", msg: "pic: WeCom does not know this media_id"},
		{name: "picture 404", pic: images.URL + "/gone.png", msg: "picture download from " + strings.TrimPrefix(images.URL, "http://") + " failed: 404 page not found"},
		{name: "picture 503", pic: images.URL + "/busy.png", transient: true, msg: "picture download"},
		{name: "not an image", pic: images.URL + "/page.png", msg: "picture is text/html; charset=utf-8 but WeCom takes only JPG or PNG"},
		{name: "upload refused", pic: "{pic}", answer: &wecomapptest.Answer{Endpoint: wecomapptest.EndpointUpload, ErrCode: 40004, ErrMsg: "invalid media type"}, code: "40004", msg: "pic: WeCom refused the picture (JPG or PNG, at most 10 MB)", uploads: 1},
		{name: "upload rate limited", pic: "{pic}", answer: &wecomapptest.Answer{Endpoint: wecomapptest.EndpointUpload, ErrCode: 45009, ErrMsg: "api freq out of limit"}, code: "45009", transient: true, msg: "api freq out of limit", uploads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomapptest.NewServer(t)
			ch := newChannel(t, s, nil, map[string]string{"pic": strings.ReplaceAll(tt.pic, "{pic}", s.PictureURL())})
			if tt.answer != nil {
				s.FailNext(*tt.answer)
			}
			err := ch.Send(context.Background(), message.Message{Body: "x"})
			e := channeltest.AsError(t, err)
			if e.Code != tt.code || e.Transient != tt.transient || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = %#v, want code %q transient %v containing %q", e, tt.code, tt.transient, tt.msg)
			}
			if s.Uploads() != tt.uploads {
				t.Errorf("uploads = %d, want %d", s.Uploads(), tt.uploads)
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestForgottenMediaUploadedAgain(t *testing.T) {
	s := wecomapptest.NewServer(t)
	ch := newChannel(t, s, nil, map[string]string{"pic": s.PictureURL()})
	if err := ch.Send(context.Background(), message.Message{Body: "one"}); err != nil {
		t.Fatal(err)
	}
	s.FailNext(wecomapptest.Answer{ErrCode: 40007, ErrMsg: "invalid media_id"})
	if err := ch.Send(context.Background(), message.Message{Body: "two"}); err != nil {
		t.Fatal(err)
	}
	if s.Uploads() != 2 || s.SendCalls() != 3 {
		t.Errorf("uploads %d, send calls %d; want 2 and 3", s.Uploads(), s.SendCalls())
	}
	channeltest.NoViolations(t, s)
}

func TestTokenErrorDuringUploadRefreshes(t *testing.T) {
	s := wecomapptest.NewServer(t)
	ch := newChannel(t, s, nil, map[string]string{"pic": s.PictureURL()})
	if err := ch.Send(context.Background(), message.Message{Body: "warm up"}); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	if err := ch.Send(context.Background(), message.Message{Body: "new picture", PictureURL: s.PictureURL() + "?v=2"}); err != nil {
		t.Fatal(err)
	}
	if s.GettokenCalls() != 2 || s.Uploads() != 3 {
		t.Errorf("gettoken %d, uploads %d; want 2 and 3 (one refused with 42001)", s.GettokenCalls(), s.Uploads())
	}
	channeltest.NoViolations(t, s)
}

func TestLimits(t *testing.T) {
	long := strings.Repeat("abcdefghij", 1000)   // 10000 bytes
	cjk := strings.Repeat("错误日志", 1000)          // 12000 bytes
	angle := strings.Repeat("<", maxNewsBytes/2) // escapes to 2× the limit
	titleCJK := strings.Repeat("标", 60)          // 180 bytes
	tests := []struct {
		name  string
		raw   map[string]string
		m     message.Message
		check func(t *testing.T, a wecomapptest.Accepted)
	}{
		{name: "text ascii", m: message.Message{Body: long}, check: func(t *testing.T, a wecomapptest.Accepted) {
			// TruncateBytes sizes its marker for the worst case, so the cut
			// text may end a byte or two short of the limit.
			if a.Text != message.TruncateBytes(long, maxTextBytes) || len(a.Text) > maxTextBytes || len(a.Text) < maxTextBytes-2 {
				t.Errorf("text is %d bytes, want the head-and-tail cut to at most %d", len(a.Text), maxTextBytes)
			}
			if !strings.HasPrefix(a.Text, "abcdefghij") || !strings.HasSuffix(a.Text, "abcdefghij") || !strings.Contains(a.Text, "bytes cut]") {
				t.Errorf("cut does not keep head and tail: %.40q…", a.Text)
			}
		}},
		{name: "text cjk", m: message.Message{Title: "标题", Body: cjk}, check: func(t *testing.T, a wecomapptest.Accepted) {
			if len(a.Text) > maxTextBytes || len(a.Text) < maxTextBytes-3 || !utf8.ValidString(a.Text) {
				t.Errorf("text is %d bytes (valid UTF-8: %v), want at most %d and near it", len(a.Text), utf8.ValidString(a.Text), maxTextBytes)
			}
		}},
		{name: "markdown", raw: map[string]string{"msg_type": "markdown"}, m: message.Message{Title: "T", Body: long}, check: func(t *testing.T, a wecomapptest.Accepted) {
			if a.Text != message.TruncateBytes("### T\n"+long, maxMarkdownBytes) || len(a.Text) > maxMarkdownBytes || len(a.Text) < maxMarkdownBytes-2 {
				t.Errorf("markdown is %d bytes, want the head-and-tail cut to at most %d", len(a.Text), maxMarkdownBytes)
			}
		}},
		{name: "mpnews", raw: map[string]string{"pic": wecomapptest.MediaID}, m: message.Message{Title: titleCJK, Body: angle}, check: func(t *testing.T, a wecomapptest.Accepted) {
			if len(a.Text) > maxNewsBytes || len(a.Text) < maxNewsBytes-128 {
				t.Errorf("article content is %d bytes, want at most %d and near it", len(a.Text), maxNewsBytes)
			}
			if strings.Contains(a.Text, "<<") || !strings.HasPrefix(a.Text, "&lt;&lt;") {
				t.Errorf("content not escaped: %.40q", a.Text)
			}
			if len(a.Title) > maxTitleBytes || !strings.HasSuffix(a.Title, "…") || !utf8.ValidString(a.Title) {
				t.Errorf("title = %q (%d bytes), want ≤ %d ending in …", a.Title, len(a.Title), maxTitleBytes)
			}
			art := a.Raw["mpnews"].(map[string]any)["articles"].([]any)[0].(map[string]any)
			if d := art["digest"].(string); len(d) != maxDigestBytes {
				t.Errorf("digest is %d bytes, want %d", len(d), maxDigestBytes)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomapptest.NewServer(t)
			ch := newChannel(t, s, nil, tt.raw)
			if err := ch.Send(context.Background(), tt.m); err != nil {
				t.Fatal(err)
			}
			acc := s.Accepted()
			if len(acc) != 1 {
				t.Fatalf("accepted %d", len(acc))
			}
			tt.check(t, acc[0])
			channeltest.NoViolations(t, s)
		})
	}
}

func TestNetworkFailureIsTransientAndHidesSecrets(t *testing.T) {
	s := wecomapptest.NewServer(t)
	ch := newChannel(t, s, nil, nil)
	if err := ch.Send(context.Background(), message.Message{Body: "warm up"}); err != nil {
		t.Fatal(err)
	}
	tokens := s.Tokens()
	s.ExpireTokens() // force a gettoken, whose URL carries the secret
	s.Close()
	for _, m := range []message.Message{{Body: "x"}, {Body: "y", PictureURL: "http://127.0.0.1:1/p.png"}} {
		err := ch.Send(context.Background(), m)
		if err == nil || !channel.IsTransient(err) {
			t.Fatalf("error = %v, want transient", err)
		}
		for _, secret := range append(tokens, wecomapptest.Secret) {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains secret %q", err, secret)
			}
		}
	}
}

func TestConcurrentSendsShareOneToken(t *testing.T) {
	s := wecomapptest.NewServer(t)
	ch := newChannel(t, s, nil, map[string]string{"pic": s.PictureURL()})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- ch.Send(context.Background(), message.Message{Body: "x"})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if s.GettokenCalls() != 1 || s.Uploads() != 1 || len(s.Accepted()) != 8 {
		t.Errorf("gettoken %d, uploads %d, accepted %d; want 1, 1, 8", s.GettokenCalls(), s.Uploads(), len(s.Accepted()))
	}
	channeltest.NoViolations(t, s)
}

// TestFakeChecksContract makes sure the fake notices a request off the
// documented contract, so the tests above can fail.
func TestFakeChecksContract(t *testing.T) {
	s := wecomapptest.NewServer(t)
	resp, err := http.Get(s.URL + "/cgi-bin/gettoken?corpid=" + wecomapptest.CorpID + "&corpsecret=" + wecomapptest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	body := `{"touser":"@all","msgtype":"text","agentid":"1000002","text":{"content":"x"},"extra":1}`
	resp, err = http.Post(s.URL+"/cgi-bin/message/send?access_token="+tok.AccessToken, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		ErrCode int `json:"errcode"`
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if ans.ErrCode != 40056 {
		t.Errorf("errcode = %d, want 40056 for a string agentid", ans.ErrCode)
	}
	v := strings.Join(s.Violations(), "\n")
	for _, want := range []string{"Content-Type", "agentid must be a JSON number", `unknown field "extra"`} {
		if !strings.Contains(v, want) {
			t.Errorf("violations %q lack %q", v, want)
		}
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, wecomapptest.Fixture)
}

// qinglong's QYWX_AM packs the app; QYWX_ORIGIN is the API host.
func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, Kind, []channeltest.EnvCase{
		{Name: "four parts", Vars: map[string]string{"QYWX_AM": "ww123,s3cret,@all,1000002"},
			Want: channel.Config{"corp_id": "ww123", "secret": "s3cret", "to_user": "@all", "agent_id": "1000002"}},
		{Name: "media id and origin", Vars: map[string]string{"QYWX_AM": "ww123,s3cret,zhang|li,1000002,2-G6nrLmr5EC3MMb_-zK1dDdzmd0p7",
			"QYWX_ORIGIN": "https://qywx.example.com"},
			Want: channel.Config{"to_user": "zhang|li", "pic": "2-G6nrLmr5EC3MMb_-zK1dDdzmd0p7", "host": "https://qywx.example.com"}},
		{Name: "no touser", Vars: map[string]string{"QYWX_AM": "ww123,s3cret,,1000002"}, Want: channel.Config{"to_user": "@all"}},
		{Name: "three parts", Vars: map[string]string{"QYWX_AM": "ww123,s3cret,1000002"}, ErrField: "QYWX_AM"},
		{Name: "bad agent", Vars: map[string]string{"QYWX_AM": "ww123,s3cret,@all,x"}, ErrField: "agent_id"},
		{Name: "given twice", Vars: map[string]string{"QYWX_AM": "ww123,s3cret,@all,1000002", "corp_id": "ww456"}, ErrField: "corp_id"},
	})
}

func TestPackAM(t *testing.T) {
	c := channel.Config{"corp_id": "ww1", "secret": "s", "agent_id": "7", "to_user": "a, b", "pic": "https://example.com/p.png"}
	if got := channeltest.EnvOf(Kind, c)["QYWX_AM"]; got != "ww1,s,a|b,7" {
		t.Errorf("QYWX_AM = %q", got)
	}
	// Stored settings leave the default @all out; notify.py needs it written.
	delete(c, "to_user")
	if got := channeltest.EnvOf(Kind, c)["QYWX_AM"]; got != "ww1,s,@all,7" {
		t.Errorf("QYWX_AM without to_user = %q", got)
	}
}
