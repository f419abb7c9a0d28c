package wecomwebhook

import (
	"context"
	"errors"
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
	ch, err := Kind.New(merged, channel.Deps{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ch
}

// noSecrets fails when text carries the key (or another given secret).
func noSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, wecomwebhooktest.Key) {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error text %q contains the secret %q", text, s)
		}
	}
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
	// Each import parses, keeping the defaults.
	for _, tc := range cases {
		if tc.WantErr != "" {
			continue
		}
		c, err := Kind.Parse(tc.Want)
		if err != nil {
			t.Errorf("Parse of the QD import %q: %v", tc.In, err)
			continue
		}
		if c.String("msg_type") != "text" || c.String("api") != DefaultAPI {
			t.Errorf("defaults not kept: %v", c)
		}
	}
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
			if err := ch.Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			channeltest.NoViolations(t, s)
			acc := s.Accepted()
			if len(acc) != 1 {
				t.Fatalf("accepted %d messages, want 1", len(acc))
			}
			a := acc[0]
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
	tests := []struct {
		name       string
		answer     *wecomwebhooktest.Answer
		extra      map[string]string
		transient  bool
		status     int
		code       string
		msg        string
		retryAfter time.Duration
	}{
		{name: "rate limited", answer: &wecomwebhooktest.FreqOutOfLimit, transient: true, code: "45009", msg: "api freq out of limit"},
		{name: "system busy", answer: &wecomwebhooktest.Busy, transient: true, code: "-1", msg: "system busy"},
		{name: "wrong key", extra: map[string]string{"key": "00000000-0000-0000-0000-000000000000"}, code: "93000", msg: "the webhook key is wrong or the robot was removed from the group: copy the webhook URL again from the robot's settings (invalid webhook url, hint:"},
		{name: "content too long", answer: &wecomwebhooktest.Answer{Body: `{"errcode":40058,"errmsg":"text.content exceed max length 2048. invalid Request Parameter"}`}, code: "40058", msg: "exceed max length"},
		{name: "bad gateway", answer: &wecomwebhooktest.BadGateway, transient: true, status: 502, msg: "502 Bad Gateway"},
		{
			name:       "429 with Retry-After",
			answer:     &wecomwebhooktest.Answer{Status: 429, Body: "slow down", Header: http.Header{"Retry-After": {"30"}}},
			transient:  true,
			status:     429,
			msg:        "slow down",
			retryAfter: 30 * time.Second,
		},
		{name: "500 with JSON", answer: &wecomwebhooktest.Answer{Status: 500, Body: `{"errcode":0}`}, transient: true, status: 500},
		{name: "404 page", answer: &wecomwebhooktest.Answer{Status: 404, Body: "not found"}, status: 404, msg: "not found"},
		{name: "200 not JSON", answer: &wecomwebhooktest.Answer{Body: "<html>captive portal</html>"}, status: 200, msg: "unexpected answer (not JSON)"},
		{name: "200 without errcode", answer: &wecomwebhooktest.Answer{Body: `{}`}, status: 200, msg: "no errcode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomwebhooktest.NewServer(t)
			if tt.answer != nil {
				s.FailNext(*tt.answer)
			}
			ch := openChannel(t, s.Config(), tt.extra)
			err := ch.Send(context.Background(), message.Message{Title: "Backup", Body: "failed"})
			var e *channel.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *channel.Error", err, err)
			}
			if e.Kind != ID || e.Transient != tt.transient || channel.IsTransient(err) != tt.transient || e.Status != tt.status || e.Code != tt.code || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got kind=%s transient=%t status=%d code=%q msg=%q; want transient=%t status=%d code=%q msg~%q",
					e.Kind, e.Transient, e.Status, e.Code, e.Msg, tt.transient, tt.status, tt.code, tt.msg)
			}
			if got := channel.RetryAfter(err); got != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.retryAfter)
			}
			if len(s.Accepted()) != 0 {
				t.Errorf("the fake accepted a message")
			}
			noSecrets(t, err.Error(), tt.extra["key"])
			channeltest.NoViolations(t, s)
		})
	}
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
	tests := []struct {
		name        string
		method      string
		query       string
		ctype       string
		body        string
		answer      string
		violation   string
		noViolation bool
	}{
		{name: "GET", method: "GET", query: good, answer: "want POST", violation: "method GET"},
		{name: "form body", query: good, ctype: "application/x-www-form-urlencoded", body: "a=b", answer: "want application/json", violation: "Content-Type"},
		{name: "unknown msgtype", query: good, body: `{"msgtype":"news","news":{}}`, answer: `"errcode":40008`, violation: "msgtype"},
		{name: "content not a string", query: good, body: `{"msgtype":"text","text":{"content":5}}`, answer: "want a string", violation: "text.content is float64"},
		{name: "mention list as a string", query: good, body: `{"msgtype":"text","text":{"content":"x","mentioned_list":"alice"}}`, answer: "want an array", violation: "text.mentioned_list"},
		{name: "mention list in markdown", query: good, body: `{"msgtype":"markdown","markdown":{"content":"x","mentioned_list":["alice"]}}`, answer: "unexpected field", violation: "markdown.mentioned_list"},
		{name: "empty content", query: good, body: `{"msgtype":"text","text":{"content":" "}}`, answer: `"errcode":44004`, violation: "empty"},
		{name: "text over 2048 bytes", query: good, body: `{"msgtype":"text","text":{"content":"` + strings.Repeat("a", 2049) + `"}}`, answer: "text.content exceed max length 2048", violation: "over 2048"},
		{name: "markdown over 4096 bytes", query: good, body: `{"msgtype":"markdown","markdown":{"content":"` + strings.Repeat("a", 4097) + `"}}`, answer: "markdown.content exceed max length 4096", violation: "over 4096"},
		{name: "no key", query: "", body: `{"msgtype":"text","text":{"content":"x"}}`, answer: `"errcode":93000`, violation: "no key"},
		{name: "wrong key is a setup error, not a violation", query: "key=nope", body: `{}`, answer: `"errmsg":"invalid webhook url, hint: [`, noViolation: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wecomwebhooktest.NewServer(t)
			method := tt.method
			if method == "" {
				method = "POST"
			}
			req, _ := http.NewRequest(method, s.URL+"/cgi-bin/webhook/send?"+tt.query, strings.NewReader(tt.body))
			ctype := tt.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			req.Header.Set("Content-Type", ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), tt.answer) {
				t.Errorf("answer %q, want it to contain %q", body, tt.answer)
			}
			v := s.Violations()
			if tt.noViolation {
				if len(v) != 0 {
					t.Errorf("violations %v, want none", v)
				}
				return
			}
			if len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), tt.violation) {
				t.Errorf("violations %v, want one about %q", v, tt.violation)
			}
		})
	}
}
