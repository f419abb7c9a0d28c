package wecomwebhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook/wecomwebhooktest"
	"github.com/heraldpush/herald/engine/message"
)

// openChannel parses raw with extra settings overriding and opens the channel.
func openChannel(t *testing.T, raw map[string]string, extra map[string]string) channel.Channel {
	t.Helper()
	merged := map[string]string{}
	for k, v := range raw {
		merged[k] = v
	}
	for k, v := range extra {
		merged[k] = v
	}
	return channeltest.Open(t, Kind, merged, channel.Deps{})
}

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"key", "mentioned", "mentioned_mobiles", "msg_type", "api", "proxy"}, 1, []string{"key", "proxy"})
	for alias, key := range map[string]string{"QYWX_WebHook_Key": "key", "qywx_webhook_key": "key", "WEBHOOK_URL": "key", "mentioned_mobile_list": "mentioned_mobiles"} {
		if f, ok := Kind.Field(alias); !ok || f.Key != key {
			t.Errorf("Field(%q) = %q, %t; want %q", alias, f.Key, ok, key)
		}
	}
}

func TestParse(t *testing.T) {
	const key = "633a31f6-7f9c-4bc4-97a0-0ec1eefa5898"
	pasted := "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: map[string]string{"key": key}, Want: channel.Config{"key": key, "msg_type": "text", "api": DefaultAPI}},
		{
			Name: "aliases in any case, choice normalised",
			Raw:  map[string]string{"qywx_webhook_KEY": pasted, "Mentioned": "alice,@all", "MENTIONED_MOBILES": "13800001111", "msg_type": "TEXT"},
			Want: channel.Config{"key": pasted, "mentioned": "alice,@all", "mentioned_mobiles": "13800001111", "msg_type": "text", "api": DefaultAPI},
		},
		{Name: "markdown with user mentions", Raw: map[string]string{"key": key, "msg_type": "markdown", "mentioned": "alice"},
			Want: channel.Config{"key": key, "msg_type": "markdown", "mentioned": "alice", "api": DefaultAPI}},
		{Name: "key missing", Raw: map[string]string{"msg_type": "text"}, WantErr: "wecom_webhook: key: required"},
		{
			Name:    "key with a space",
			Raw:     map[string]string{"key": "633a31f6 7f9c"},
			WantErr: "wecom_webhook: key: must be the key (like 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa) or the whole webhook URL https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
		},
		{
			Name:    "URL without key",
			Raw:     map[string]string{"key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?token=" + key},
			WantErr: "wecom_webhook: key: webhook URL has no key=…; copy the whole URL from the robot's settings",
		},
		{
			Name:    "URL of another API",
			Raw:     map[string]string{"key": "https://qyapi.weixin.qq.com/cgi-bin/message/send?key=" + key},
			WantErr: "wecom_webhook: key: webhook URL must end in /cgi-bin/webhook/send?key=…; copy it again from the robot's settings",
		},
		{Name: "bad msg_type", Raw: map[string]string{"key": key, "msg_type": "news"}, WantErr: `wecom_webhook: msg_type: must be one of text, markdown, got "news"`},
		{Name: "bad mobile", Raw: map[string]string{"key": key, "mentioned_mobiles": "138-0000,bob"}, WantErr: `wecom_webhook: mentioned_mobiles: "bob" is not a mobile number: use digits, e.g. 13800001111, or @all`},
		{
			Name:    "mobiles in markdown",
			Raw:     map[string]string{"key": key, "msg_type": "markdown", "mentioned_mobiles": "13800001111"},
			WantErr: "wecom_webhook: mentioned_mobiles: mentions by mobile need msg_type text: WeCom markdown messages can only mention user IDs",
		},
		{
			Name:    "@all in markdown",
			Raw:     map[string]string{"key": key, "msg_type": "markdown", "mentioned": "alice,@all"},
			WantErr: "wecom_webhook: mentioned: @all needs msg_type text: WeCom markdown messages can only mention user IDs",
		},
		{Name: "api not a URL", Raw: map[string]string{"key": key, "api": "qyapi.weixin.qq.com"}, WantErr: "wecom_webhook: api: must start with http:// or https://"},
	}, key, "633a31f6", wecomwebhooktest.Key)
}

func TestParseQD(t *testing.T) {
	cases := []channeltest.QDCase{
		{In: "k-123", Want: map[string]string{"key": "k-123"}},
		{In: "k-123;", Want: map[string]string{"key": "k-123"}},
		{In: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-123", Want: map[string]string{"key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-123"}},
		{In: ";", WantErr: "wecom_webhook: key: missing from the QD string (expected key)"},
		{In: "k-123;alice", WantErr: "wecom_webhook: qd: has 2 values but QD's wecom_webhook string has at most 1 (key)"},
	}
	channeltest.RunQDCases(t, Kind, cases)
	channeltest.CheckQDImports(t, Kind, cases, nil, map[string]string{"msg_type": "text", "api": DefaultAPI})
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		extra   map[string]string
		msg     message.Message
		msgType string
		text    string
		users   []string
		mobiles []string
	}{
		{
			name:    "text",
			msg:     message.Message{Title: "Backup", Body: "done"},
			msgType: "text",
			text:    "Backup\n\ndone",
		},
		{
			name:    "text with mention lists",
			extra:   map[string]string{"mentioned": "alice, @all", "mentioned_mobiles": "13800001111,@all"},
			msg:     message.Message{Title: "Backup", Body: "failed"},
			msgType: "text",
			text:    "Backup\n\nfailed",
			users:   []string{"alice", "@all"},
			mobiles: []string{"13800001111", "@all"},
		},
		{
			name:    "markdown message on a text robot stays text",
			msg:     message.Message{Title: "T", Body: "**bold**", Markdown: true},
			msgType: "text",
			text:    "T\n\n**bold**",
		},
		{
			name:    "text carries the picture as a link",
			msg:     message.Message{Body: "chart", PictureURL: "https://img.example.com/c.png"},
			msgType: "text",
			text:    "chart\n\nhttps://img.example.com/c.png",
		},
		{
			name:    "markdown",
			extra:   map[string]string{"msg_type": "markdown"},
			msg:     message.Message{Title: "Nightly", Body: "> failed", Markdown: true},
			msgType: "markdown",
			text:    "### Nightly\n\n> failed",
		},
		{
			name:    "markdown robot sends a plain message as markdown",
			extra:   map[string]string{"msg_type": "markdown"},
			msg:     message.Message{Body: "plain"},
			msgType: "markdown",
			text:    "plain",
		},
		{
			name:    "markdown with only a picture starts with its link",
			extra:   map[string]string{"msg_type": "markdown"},
			msg:     message.Message{PictureURL: "https://img.example.com/c.png"},
			msgType: "markdown",
			text:    "[https://img.example.com/c.png](https://img.example.com/c.png)",
		},
		{
			name:    "text with only a picture is its link",
			msg:     message.Message{PictureURL: "https://img.example.com/c.png"},
			msgType: "text",
			text:    "https://img.example.com/c.png",
		},
		{
			name:    "markdown mentions go into the content",
			extra:   map[string]string{"msg_type": "markdown", "mentioned": "alice,bob"},
			msg:     message.Message{Title: "T", Body: "b", PictureURL: "https://img.example.com/c.png", Markdown: true},
			msgType: "markdown",
			text:    "### T\n\nb\n\n[https://img.example.com/c.png](https://img.example.com/c.png)\n\n<@alice> <@bob>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomwebhooktest.NewServer(t)
			ch := openChannel(t, s.Config(), tt.extra)
			a := channeltest.SendOne(t, ch, s, tt.msg)
			if a.MsgType != tt.msgType || a.Text != tt.text || a.Title != "" {
				t.Errorf("got %s %q %q, want %s %q", a.MsgType, a.Title, a.Text, tt.msgType, tt.text)
			}
			if !reflect.DeepEqual(a.MentionedList, tt.users) || !reflect.DeepEqual(a.MentionedMobileList, tt.mobiles) {
				t.Errorf("mentions = %v %v, want %v %v", a.MentionedList, a.MentionedMobileList, tt.users, tt.mobiles)
			}
			if _, ok := a.Raw[tt.msgType].(map[string]any); !ok {
				t.Errorf("raw body lacks %q: %v", tt.msgType, a.Raw)
			}
		})
	}
}

func TestRequestLine(t *testing.T) {
	var method, path, rawQuery, contentType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, path, rawQuery, contentType = r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type")
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer srv.Close()
	ch := openChannel(t, map[string]string{"key": "k+1", "api": srv.URL + "/"}, nil)
	if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if method != "POST" || path != "/cgi-bin/webhook/send" || rawQuery != "key=k%2B1" || contentType != "application/json; charset=utf-8" {
		t.Errorf("request %s %s?%s (%s)", method, path, rawQuery, contentType)
	}
}

func TestWebhookURLAsKey(t *testing.T) {
	s := wecomwebhooktest.NewServer(t)
	pasted := s.URL + "/cgi-bin/webhook/send?key=" + wecomwebhooktest.Key
	ch := openChannel(t, map[string]string{"QYWX_WebHook_Key": pasted}, nil)
	if err := ch.Send(context.Background(), message.Message{Body: "via pasted URL"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if acc := s.Accepted(); len(acc) != 1 || acc[0].Text != "via pasted URL" {
		t.Fatalf("accepted %v", acc)
	}
	channeltest.NoViolations(t, s)

	tests := []struct {
		name string
		raw  map[string]string
		want string
	}{
		{"official URL", map[string]string{"key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"}, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"},
		{"proxy path prefix kept", map[string]string{"key": "http://10.0.0.2:8080/wx/cgi-bin/webhook/send?key=abc"}, "http://10.0.0.2:8080/wx/cgi-bin/webhook/send?key=abc"},
		{"changed api wins over the URL's host", map[string]string{"key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "api": "https://relay.example.com"}, "https://relay.example.com/cgi-bin/webhook/send?key=abc"},
		{"key= prefix dropped", map[string]string{"key": "key=abc"}, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := openChannel(t, tt.raw, nil).(*robot).url; got != tt.want {
				t.Errorf("url = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*wecomwebhooktest.Server, wecomwebhooktest.Answer]{
		Kind: Kind, New: wecomwebhooktest.NewServer, Secrets: []string{wecomwebhooktest.Key},
		Open: func(t *testing.T, s *wecomwebhooktest.Server, kv ...string) channel.Channel {
			return openChannel(t, channeltest.With(s.Config(), kv...), nil)
		},
	}
	suite.Run(t, []channeltest.ErrorCase[*wecomwebhooktest.Server, wecomwebhooktest.Answer]{
		{Name: "rate limited", Answer: wecomwebhooktest.FreqOutOfLimit, Transient: true, Code: "45009", Msg: "api freq out of limit"},
		{Name: "system busy", Answer: wecomwebhooktest.Busy, Transient: true, Code: "-1", Msg: "system busy"},
		{Name: "wrong key", Extra: []string{"key", "00000000-0000-0000-0000-000000000000"}, Code: "93000", Msg: "the webhook key is wrong or the robot was removed from the group: copy the webhook URL again from the robot's settings (invalid webhook url, hint:"},
		{Name: "content too long", Answer: wecomwebhooktest.Answer{Body: `{"errcode":40058,"errmsg":"text.content exceed max length 2048. invalid Request Parameter"}`}, Code: "40058", Msg: "exceed max length"},
		{Name: "bad gateway", Answer: wecomwebhooktest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{
			Name:       "429 with Retry-After",
			Answer:     wecomwebhooktest.Answer{Status: 429, Body: "slow down", Header: http.Header{"Retry-After": {"30"}}},
			Transient:  true,
			Status:     429,
			Msg:        "slow down",
			RetryAfter: 30 * time.Second,
		},
		{Name: "500 with JSON", Answer: wecomwebhooktest.Answer{Status: 500, Body: `{"errcode":0}`}, Transient: true, Status: 500},
		{Name: "404 page", Answer: wecomwebhooktest.Answer{Status: 404, Body: "not found"}, Status: 404, Msg: "not found"},
		{Name: "200 not JSON", Answer: wecomwebhooktest.Answer{Body: "<html>captive portal</html>"}, Status: 200, Msg: "unexpected answer (not JSON)"},
		{Name: "200 without errcode", Answer: wecomwebhooktest.Answer{Body: `{}`}, Status: 200, Msg: "no errcode"},
	})
}

func TestTruncation(t *testing.T) {
	// 20008 bytes: the cut marker's byte count has as many digits as the
	// length TruncateBytes sizes it for, so the result hits the limit exactly.
	long := "HEAD" + strings.Repeat("x", 20000) + "TAIL"
	cjk := "HEAD" + strings.Repeat("日志", 3000) + "TAIL"
	tests := []struct {
		name   string
		extra  map[string]string
		msg    message.Message
		length int
		prefix string
		suffix string
		cut    bool
	}{
		{"text cut to 2048 bytes", nil, message.Message{Title: "T", Body: long}, MaxTextBytes, "T\n\nHEAD", "TAIL", true},
		{"text picture link survives the cut", nil, message.Message{Body: long, PictureURL: "https://img.example.com/p.png"}, MaxTextBytes, "HEAD", "TAIL\n\nhttps://img.example.com/p.png", true},
		{"text at exactly 2048 bytes is whole", nil, message.Message{Body: strings.Repeat("a", MaxTextBytes)}, MaxTextBytes, "aaa", "aaa", false},
		{"multi-byte text cut on a rune boundary", nil, message.Message{Body: cjk}, MaxTextBytes - 2, "HEAD日志", "日志TAIL", true},
		{"markdown cut to 4096 bytes", map[string]string{"msg_type": "markdown", "mentioned": "alice"}, message.Message{Title: "T", Body: long, Markdown: true}, MaxMarkdownBytes, "### T\n\nHEAD", "TAIL\n\n<@alice>", true},
		{"markdown at exactly 4096 bytes is whole", map[string]string{"msg_type": "markdown"}, message.Message{Body: strings.Repeat("a", MaxMarkdownBytes)}, MaxMarkdownBytes, "aaa", "aaa", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomwebhooktest.NewServer(t)
			ch := openChannel(t, s.Config(), tt.extra)
			if err := ch.Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			channeltest.NoViolations(t, s)
			got := s.Accepted()[0].Text
			if !utf8.ValidString(got) {
				t.Errorf("content is not valid UTF-8")
			}
			if len(got) != tt.length || !strings.HasPrefix(got, tt.prefix) || !strings.HasSuffix(got, tt.suffix) {
				t.Errorf("content: %d bytes, starts %q, ends %q; want %d bytes, %q…%q", len(got), got[:20], got[len(got)-20:], tt.length, tt.prefix, tt.suffix)
			}
			if strings.Contains(got, "bytes cut]") != tt.cut {
				t.Errorf("cut marker present = %t, want %t", !tt.cut, tt.cut)
			}
		})
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	good := "key=" + wecomwebhooktest.Key
	suite := channeltest.CatchSuite{Path: "/cgi-bin/webhook/send", New: func(t *testing.T) (string, channeltest.Violator) {
		s := wecomwebhooktest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Query: good, Answer: "want POST", Violation: "method GET"},
		{Name: "form body", Query: good, CType: "application/x-www-form-urlencoded", Body: "a=b", Answer: "want application/json", Violation: "Content-Type"},
		{Name: "unknown msgtype", Query: good, Body: `{"msgtype":"news","news":{}}`, Answer: `"errcode":40008`, Violation: "msgtype"},
		{Name: "content not a string", Query: good, Body: `{"msgtype":"text","text":{"content":5}}`, Answer: "want a string", Violation: "text.content is float64"},
		{Name: "mention list as a string", Query: good, Body: `{"msgtype":"text","text":{"content":"x","mentioned_list":"alice"}}`, Answer: "want an array", Violation: "text.mentioned_list"},
		{Name: "mention list in markdown", Query: good, Body: `{"msgtype":"markdown","markdown":{"content":"x","mentioned_list":["alice"]}}`, Answer: "unexpected field", Violation: "markdown.mentioned_list"},
		{Name: "empty content", Query: good, Body: `{"msgtype":"text","text":{"content":" "}}`, Answer: `"errcode":44004`, Violation: "empty"},
		{Name: "text over 2048 bytes", Query: good, Body: `{"msgtype":"text","text":{"content":"` + strings.Repeat("a", 2049) + `"}}`, Answer: "text.content exceed max length 2048", Violation: "over 2048"},
		{Name: "markdown over 4096 bytes", Query: good, Body: `{"msgtype":"markdown","markdown":{"content":"` + strings.Repeat("a", 4097) + `"}}`, Answer: "markdown.content exceed max length 4096", Violation: "over 4096"},
		{Name: "no key", Query: "", Body: `{"msgtype":"text","text":{"content":"x"}}`, Answer: `"errcode":93000`, Violation: "no key"},
		{Name: "wrong key is a setup error, not a violation", Query: "key=nope", Body: `{}`, Answer: `"errmsg":"invalid webhook url, hint: [`, NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, wecomwebhooktest.Fixture)
}

func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, Kind, []channeltest.EnvCase{
		{Name: "key", Vars: map[string]string{"QYWX_KEY": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}, Want: channel.Config{"key": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}},
		{Name: "empty", Vars: map[string]string{"QYWX_KEY": " "}, ErrField: "key"},
	})
}

// A pasted webhook URL exports as the bare key notify.py wants.
func TestPackKey(t *testing.T) {
	c := channel.Config{"key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}
	if got := channeltest.EnvOf(Kind, c)["QYWX_KEY"]; got != "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa" {
		t.Errorf("QYWX_KEY = %q", got)
	}
}
