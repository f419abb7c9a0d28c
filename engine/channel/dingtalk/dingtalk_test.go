package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/message"
)

// fixedNow is 1700000000003 ms: the known-answer test's timestamp.
var fixedNow = time.UnixMilli(1700000000003)

func clock() time.Time { return fixedNow }

// newFake starts the fake robot on the same fixed clock as the channel.
func newFake(t *testing.T) *dingtalktest.Server {
	t.Helper()
	s := dingtalktest.NewServer(t)
	s.SetClock(clock)
	return s
}

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
	ch, err := Kind.New(merged, channel.Deps{Now: clock})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ch
}

// noSecrets fails when text carries any credential.
func noSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, dingtalktest.Token, dingtalktest.Secret) {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error text %q contains the secret %q", text, s)
		}
	}
}

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"token", "pic_url", "secret", "at_mobiles", "at_all", "api", "proxy"}, 2, []string{"token", "secret", "proxy"})
	for alias, key := range map[string]string{"DINGDING_TOKEN": "token", "dingding_token": "token", "Webhook_URL": "token", "push_pic_url": "pic_url", "PROXY_URL": "proxy"} {
		if f, ok := Kind.Field(alias); !ok || f.Key != key {
			t.Errorf("Field(%q) = %q, %t; want %q", alias, f.Key, ok, key)
		}
	}
}

func TestParse(t *testing.T) {
	const tok = "abc123def456"
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{
			Name: "defaults",
			Raw:  map[string]string{"token": tok},
			Want: channel.Config{"token": tok, "at_all": "false", "api": DefaultAPI},
		},
		{
			Name: "aliases in any case",
			Raw: map[string]string{"DingDing_Token": tok, "PUSH_PIC_URL": "https://img.example.com/a.png", "SECRET": "SECabc",
				"At_Mobiles": "13800138000, 13900139000", "at_all": "yes", "API": "https://ding.example.com/"},
			Want: channel.Config{"token": tok, "pic_url": "https://img.example.com/a.png", "secret": "SECabc",
				"at_mobiles": "13800138000, 13900139000", "at_all": "true", "api": "https://ding.example.com/"},
		},
		{
			Name: "whole webhook URL",
			Raw:  map[string]string{"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=" + tok},
			Want: channel.Config{"token": "https://oapi.dingtalk.com/robot/send?access_token=" + tok, "at_all": "false", "api": DefaultAPI},
		},
		{Name: "token missing", Raw: map[string]string{"secret": "SECx"}, WantErr: "dingtalk: token: required"},
		{
			Name:    "token with a space",
			Raw:     map[string]string{"token": "abc def"},
			WantErr: "dingtalk: token: must be the access_token value or the whole webhook URL https://oapi.dingtalk.com/robot/send?access_token=…",
		},
		{
			Name:    "URL without access_token",
			Raw:     map[string]string{"token": "https://oapi.dingtalk.com/robot/send?foo=" + tok},
			WantErr: "dingtalk: token: webhook URL has no access_token=…; copy the whole URL from the robot settings",
		},
		{
			Name:    "URL with another path",
			Raw:     map[string]string{"token": "https://oapi.dingtalk.com/robot/other?access_token=" + tok},
			WantErr: "dingtalk: token: webhook URL must end in /robot/send?access_token=…; copy it again from the robot settings",
		},
		{
			Name:    "secret without SEC",
			Raw:     map[string]string{"token": tok, "secret": "0123456789abcdef"},
			WantErr: "dingtalk: secret: must start with SEC: copy the whole secret shown under \"Additional signature\" (加签) in the robot's security settings",
		},
		{
			Name:    "mobile with letters",
			Raw:     map[string]string{"token": tok, "at_mobiles": "13800138000,alice"},
			WantErr: `dingtalk: at_mobiles: "alice" is not a mobile number: use digits only, e.g. 13800138000`,
		},
		{Name: "at_all not a bool", Raw: map[string]string{"token": tok, "at_all": "maybe"}, WantErr: `dingtalk: at_all: must be true or false, got "maybe"`},
		{Name: "pic_url not http", Raw: map[string]string{"token": tok, "pic_url": "ftp://x/y.png"}, WantErr: "dingtalk: pic_url: must start with http:// or https://"},
		{Name: "proxy scheme", Raw: map[string]string{"token": tok, "proxy": "ftp://p:1"}, WantErr: `dingtalk: proxy: scheme must be http, https, socks5 or socks5h, got "ftp"`},
		{
			Name:    "two problems at once, in field order",
			Raw:     map[string]string{"secret": "nope", "token": tok, "pic_url": "x"},
			WantErr: "dingtalk: pic_url: must start with http:// or https://; dingtalk: secret: must start with SEC: copy the whole secret shown under \"Additional signature\" (加签) in the robot's security settings",
		},
	}, tok, "0123456789abcdef", dingtalktest.Token, dingtalktest.Secret)
}

func TestParseQD(t *testing.T) {
	cases := []channeltest.QDCase{
		{In: "tok123;https://img.example.com/p.png", Want: map[string]string{"token": "tok123", "pic_url": "https://img.example.com/p.png"}},
		{In: "tok123", Want: map[string]string{"token": "tok123"}},
		{In: " tok123 ;; ", Want: map[string]string{"token": "tok123"}},
		{In: ";https://img.example.com/p.png", WantErr: "dingtalk: token: missing from the QD string (expected token;pic_url)"},
		{In: "", WantErr: "dingtalk: token: missing from the QD string (expected token;pic_url)"},
		{In: "tok123;https://img.example.com/p.png;SECx", WantErr: "dingtalk: qd: has 3 values but QD's dingtalk string has at most 2 (token;pic_url)"},
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
		if c.String("api") != DefaultAPI || c.String("at_all") != "false" {
			t.Errorf("defaults not kept: %v", c)
		}
	}
}

// TestSignKnownAnswer pins the signature to a value computed outside Go
// (Python hmac + base64 + urllib.parse.quote_plus) and to the formula.
func TestSignKnownAnswer(t *testing.T) {
	const (
		ts     = int64(1700000000003)
		secret = "SECexample0123456789abcdef"
		want   = "DvF9aL4gB8wBn7xW%2Bwmf7eroOu%2FjsGy3roNSUteiGfo%3D"
	)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("1700000000003\n" + secret))
	if formula := url.QueryEscape(base64.StdEncoding.EncodeToString(mac.Sum(nil))); formula != want {
		t.Fatalf("the formula gives %s, want %s", formula, want)
	}
	if got := sign(ts, secret); got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}

	// And the request carries exactly that, with the clock's milliseconds.
	var rawQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rawQuery = r.URL.RawQuery
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer srv.Close()
	ch := openChannel(t, map[string]string{"token": "tok123", "secret": secret, "api": srv.URL}, nil)
	if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if wantQ := "access_token=tok123&timestamp=1700000000003&sign=" + want; rawQuery != wantQ {
		t.Errorf("query = %s, want %s", rawQuery, wantQ)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name      string
		extra     map[string]string
		msg       message.Message
		msgType   string
		title     string
		text      string
		atMobiles []string
		atAll     bool
	}{
		{
			name:    "plain text",
			msg:     message.Message{Title: "Backup", Body: "done in 3s"},
			msgType: "text",
			text:    "Backup\n\ndone in 3s",
		},
		{
			name:      "text mentions are written into the content",
			extra:     map[string]string{"at_mobiles": "13800138000,13900139000", "at_all": "true"},
			msg:       message.Message{Title: "Backup", Body: "failed"},
			msgType:   "text",
			text:      "Backup\n\nfailed\n\n@13800138000 @13900139000",
			atMobiles: []string{"13800138000", "13900139000"},
			atAll:     true,
		},
		{
			name:    "text carries the message's picture as a link, not the channel's",
			extra:   map[string]string{"pic_url": "https://img.example.com/banner.png"},
			msg:     message.Message{Body: "see chart", PictureURL: "https://img.example.com/chart.png"},
			msgType: "text",
			text:    "see chart\n\nhttps://img.example.com/chart.png",
		},
		{
			name:    "text with only a picture is its link",
			msg:     message.Message{PictureURL: "https://img.example.com/chart.png"},
			msgType: "text",
			text:    "https://img.example.com/chart.png",
		},
		{
			name:    "text ignores the channel's banner picture",
			extra:   map[string]string{"pic_url": "https://img.example.com/banner.png"},
			msg:     message.Message{Body: "plain"},
			msgType: "text",
			text:    "plain",
		},
		{
			name:      "markdown with banner, heading and mention",
			extra:     map[string]string{"pic_url": "https://img.example.com/banner.png", "at_mobiles": "13800138000"},
			msg:       message.Message{Title: "Nightly", Body: "**failed**\n\n- step 2", Markdown: true},
			msgType:   "markdown",
			title:     "Nightly",
			text:      "![](https://img.example.com/banner.png)\n\n### Nightly\n\n**failed**\n\n- step 2\n\n@13800138000",
			atMobiles: []string{"13800138000"},
		},
		{
			name:    "markdown: the message's picture replaces the banner",
			extra:   map[string]string{"pic_url": "https://img.example.com/banner.png"},
			msg:     message.Message{Title: "T", Body: "b", Markdown: true, PictureURL: "https://img.example.com/shot.png"},
			msgType: "markdown",
			title:   "T",
			text:    "![](https://img.example.com/shot.png)\n\n### T\n\nb",
		},
		{
			name:    "markdown without title takes the first line as preview",
			msg:     message.Message{Body: "\n first line \nsecond", Markdown: true},
			msgType: "markdown",
			title:   "first line",
			text:    " first line \nsecond",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
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
			if a.MsgType != tt.msgType || a.Title != tt.title || a.Text != tt.text {
				t.Errorf("got %s %q %q, want %s %q %q", a.MsgType, a.Title, a.Text, tt.msgType, tt.title, tt.text)
			}
			if !reflect.DeepEqual(a.AtMobiles, tt.atMobiles) || a.IsAtAll != tt.atAll {
				t.Errorf("at = %v %t, want %v %t", a.AtMobiles, a.IsAtAll, tt.atMobiles, tt.atAll)
			}
			if a.Timestamp != fixedNow.UnixMilli() {
				t.Errorf("timestamp = %d, want %d", a.Timestamp, fixedNow.UnixMilli())
			}
			if at, ok := a.Raw["at"].(map[string]any); !ok || at["isAtAll"] != tt.atAll {
				t.Errorf("raw at = %v", a.Raw["at"])
			}
		})
	}
}

func TestSendWithoutSigning(t *testing.T) {
	var rawQuery, contentType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rawQuery, contentType = r.URL.RawQuery, r.Header.Get("Content-Type")
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer srv.Close()
	ch := openChannel(t, map[string]string{"token": "tok+1", "api": srv.URL}, nil)
	if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if rawQuery != "access_token=tok%2B1" {
		t.Errorf("query = %q, want only the escaped access_token", rawQuery)
	}
	if contentType != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", contentType)
	}
}

func TestWebhookURLAsToken(t *testing.T) {
	s := newFake(t)
	pasted := s.URL + "/robot/send?access_token=" + dingtalktest.Token
	ch := openChannel(t, map[string]string{"DINGDING_TOKEN": pasted, "secret": dingtalktest.Secret}, nil)
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
		{"official URL", map[string]string{"token": "https://oapi.dingtalk.com/robot/send?access_token=abc"}, "https://oapi.dingtalk.com/robot/send?access_token=abc"},
		{"proxy path prefix kept", map[string]string{"token": "http://10.0.0.2:8080/ding/robot/send/?access_token=abc&timestamp=1&sign=x"}, "http://10.0.0.2:8080/ding/robot/send?access_token=abc"},
		{"changed api wins over the URL's host", map[string]string{"token": "https://oapi.dingtalk.com/robot/send?access_token=abc", "api": "https://relay.example.com/"}, "https://relay.example.com/robot/send?access_token=abc"},
		{"access_token= prefix dropped", map[string]string{"token": "access_token=abc"}, "https://oapi.dingtalk.com/robot/send?access_token=abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := openChannel(t, tt.raw, nil)
			if got := ch.(*robot).endpoint(); got != tt.want {
				t.Errorf("endpoint = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name       string
		answer     *dingtalktest.Answer
		setup      func(s *dingtalktest.Server)
		extra      map[string]string
		transient  bool
		status     int
		code       string
		msg        string // substring of the error's Msg
		retryAfter time.Duration
	}{
		{name: "rate limited", answer: &dingtalktest.TooFast, transient: true, code: "130101", msg: "send too fast, exceed 20 times per minute", retryAfter: 10 * time.Minute},
		{name: "410100 throttled", answer: &dingtalktest.Answer{Body: `{"errcode":410100,"errmsg":"发送速度太快而限流"}`}, transient: true, code: "410100", msg: "发送速度太快而限流", retryAfter: 10 * time.Minute},
		{name: "system busy", answer: &dingtalktest.Busy, transient: true, code: "-1", msg: "系统繁忙"},
		{name: "wrong token", extra: map[string]string{"token": "0000wrong"}, code: "300001", msg: "token is not exist (the access token is wrong"},
		{name: "wrong secret", extra: map[string]string{"secret": "SECwrong"}, code: "310000", msg: "sign not match, more: ["},
		{name: "no secret for a signing robot", extra: map[string]string{"secret": ""}, code: "310000", msg: "sign not match"},
		{name: "clock two hours off", setup: func(s *dingtalktest.Server) { s.SetClock(func() time.Time { return fixedNow.Add(2 * time.Hour) }) }, code: "310000", msg: "invalid timestamp"},
		{name: "keyword missing", setup: func(s *dingtalktest.Server) { s.SetKeywords("QD", "推送") }, code: "310000", msg: "keywords not in content"},
		{name: "message too long", answer: &dingtalktest.Answer{Body: `{"errcode":460101,"errmsg":"message too long, exceed 20000 bytes"}`}, code: "460101", msg: "message too long"},
		{name: "robot disabled", answer: &dingtalktest.Answer{Body: `{"errcode":400102,"errmsg":"机器人已停用"}`}, code: "400102", msg: "机器人已停用"},
		{name: "bad gateway page", answer: &dingtalktest.BadGateway, transient: true, status: 502, msg: "502 Bad Gateway"},
		{name: "503 with Retry-After", answer: &dingtalktest.Answer{Status: 503, Body: "down", Header: http.Header{"Retry-After": {"7"}}}, transient: true, status: 503, msg: "down", retryAfter: 7 * time.Second},
		{name: "5xx even with JSON", answer: &dingtalktest.Answer{Status: 500, Body: `{"errcode":0}`}, transient: true, status: 500},
		{name: "4xx page", answer: &dingtalktest.Answer{Status: 403, Body: "forbidden"}, status: 403, msg: "forbidden"},
		{name: "200 not JSON", answer: &dingtalktest.Answer{Body: "<html>portal login</html>"}, status: 200, msg: "unexpected answer (not JSON)"},
		{name: "200 JSON without errcode", answer: &dingtalktest.Answer{Body: `{"ok":true}`}, status: 200, msg: "no errcode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			if tt.answer != nil {
				s.FailNext(*tt.answer)
			}
			if tt.setup != nil {
				tt.setup(s)
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
			noSecrets(t, err.Error())
			channeltest.NoViolations(t, s)
		})
	}
}

func TestTruncation(t *testing.T) {
	long := "HEAD" + strings.Repeat("x", 60000) + "TAIL"
	exact := strings.Repeat("a", MaxContentBytes)
	// 3-byte runes: the cut lands on a rune boundary, up to 2 bytes short.
	cjk := "HEAD" + strings.Repeat("日志", 10000) + "TAIL"
	tests := []struct {
		name   string
		extra  map[string]string
		msg    message.Message
		length int
		prefix string
		suffix string
		cut    bool
	}{
		{"text cut to the limit", nil, message.Message{Body: long}, MaxContentBytes, "HEAD", "TAIL", true},
		{"multi-byte text cut on a rune boundary", nil, message.Message{Body: cjk}, MaxContentBytes - 2, "HEAD日志", "日志TAIL", true},
		{"text mentions survive the cut", map[string]string{"at_mobiles": "13800138000"}, message.Message{Body: long}, MaxContentBytes, "HEAD", "TAIL\n\n@13800138000", true},
		{"text at exactly the limit is kept whole", nil, message.Message{Body: exact}, MaxContentBytes, "aaa", "aaa", false},
		{
			"markdown keeps picture, heading and mention",
			map[string]string{"pic_url": "https://img.example.com/p.png", "at_mobiles": "13800138000"},
			message.Message{Title: "Run", Body: long, Markdown: true},
			MaxContentBytes, "![](https://img.example.com/p.png)\n\n### Run\n\nHEAD", "TAIL\n\n@13800138000", true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
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

func TestLongTitle(t *testing.T) {
	s := newFake(t)
	ch := openChannel(t, s.Config(), nil)
	title := strings.Repeat("标", 300)
	if err := ch.Send(context.Background(), message.Message{Title: title, Body: "b", Markdown: true}); err != nil {
		t.Fatal(err)
	}
	got := []rune(s.Accepted()[0].Title)
	if len(got) != maxTitleRunes || got[len(got)-1] != '…' {
		t.Errorf("title has %d runes (ends %q), want %d ending in …", len(got), got[len(got)-1], maxTitleRunes)
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	goodSign := sign(fixedNow.UnixMilli(), dingtalktest.Secret)
	unencoded, _ := url.QueryUnescape(goodSign)
	ts := strconv.FormatInt(fixedNow.UnixMilli(), 10)
	signed := "access_token=" + dingtalktest.Token + "&timestamp=" + ts + "&sign="
	tests := []struct {
		name        string
		method      string
		query       string
		ctype       string
		body        string
		answer      string // substring of the reply
		violation   string // substring of the recorded violation
		noViolation bool
	}{
		{name: "GET", method: "GET", query: signed + goodSign, answer: "want POST", violation: "method GET"},
		{name: "unencoded sign", query: signed + unencoded, body: `{"msgtype":"text","text":{"content":"x"}}`, answer: `"errcode":310000`, violation: "not URL-encoded"},
		{name: "sign without timestamp", query: "access_token=" + dingtalktest.Token + "&sign=" + goodSign, body: `{}`, answer: "sign not match", violation: "must come together"},
		{name: "form body", query: signed + goodSign, ctype: "application/x-www-form-urlencoded", body: "a=b", answer: `"errcode":43004`, violation: "Content-Type"},
		{name: "isAtAll as string", query: signed + goodSign, body: `{"msgtype":"text","text":{"content":"x"},"at":{"isAtAll":"false"}}`, answer: "want a boolean", violation: "at.isAtAll is string"},
		{name: "atMobiles not a list", query: signed + goodSign, body: `{"msgtype":"text","text":{"content":"x"},"at":{"atMobiles":"138"}}`, answer: "want an array", violation: "at.atMobiles"},
		{name: "markdown without title", query: signed + goodSign, body: `{"msgtype":"markdown","markdown":{"text":"x"}}`, answer: "markdown.title", violation: "markdown.title"},
		{name: "unknown msgtype", query: signed + goodSign, body: `{"msgtype":"image"}`, answer: "want \"text\" or \"markdown\"", violation: "msgtype"},
		{name: "mention not in text", query: signed + goodSign, body: `{"msgtype":"markdown","markdown":{"title":"t","text":"x"},"at":{"atMobiles":["13800138000"]}}`, answer: `"errcode":0`, violation: "will not highlight"},
		{name: "too long", query: signed + goodSign, body: `{"msgtype":"text","text":{"content":"` + strings.Repeat("a", 20001) + `"}}`, answer: "exceed 20000 bytes", violation: "over 20000"},
		{name: "extra query parameter", query: signed + goodSign + "&debug=1", body: `{"msgtype":"text","text":{"content":"x"}}`, answer: `"errcode":0`, violation: `"debug"`},
		{name: "wrong token is a setup error, not a violation", query: "access_token=nope", body: `{}`, answer: `{"errcode":300001,"errmsg":"token is not exist"}`, noViolation: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			method := tt.method
			if method == "" {
				method = "POST"
			}
			req, _ := http.NewRequest(method, s.URL+"/robot/send?"+tt.query, strings.NewReader(tt.body))
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
