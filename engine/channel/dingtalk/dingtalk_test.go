package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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
func newFake(t testing.TB) *dingtalktest.Server {
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
	return channeltest.Open(t, Kind, merged, channel.Deps{Now: clock})
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
	channeltest.CheckQDImports(t, Kind, cases, nil, map[string]string{"api": DefaultAPI, "at_all": "false"})
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
			a := channeltest.SendOne(t, ch, s, tt.msg)
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
	suite := channeltest.ErrorSuite[*dingtalktest.Server, dingtalktest.Answer]{
		Kind: Kind, New: newFake, Secrets: []string{dingtalktest.Token, dingtalktest.Secret},
		Open: func(t *testing.T, s *dingtalktest.Server, kv ...string) channel.Channel {
			return openChannel(t, channeltest.With(s.Config(), kv...), nil)
		},
	}
	suite.Run(t, append([]channeltest.ErrorCase[*dingtalktest.Server, dingtalktest.Answer]{
		{Name: "rate limited", Answer: dingtalktest.TooFast, Transient: true, Code: "130101", Msg: "send too fast, exceed 20 times per minute", RetryAfter: 10 * time.Minute},
		{Name: "410100 throttled", Answer: dingtalktest.Answer{Body: `{"errcode":410100,"errmsg":"发送速度太快而限流"}`}, Transient: true, Code: "410100", Msg: "发送速度太快而限流", RetryAfter: 10 * time.Minute},
		{Name: "system busy", Answer: dingtalktest.Busy, Transient: true, Code: "-1", Msg: "系统繁忙"},
		{Name: "wrong token", Extra: []string{"token", "0000wrong"}, Code: "300001", Msg: "token is not exist (the access token is wrong"},
		{Name: "wrong secret", Extra: []string{"secret", "SECwrong"}, Code: "310000", Msg: "sign not match, more: ["},
		{Name: "no secret for a signing robot", Extra: []string{"secret", ""}, Code: "310000", Msg: "sign not match"},
		{Name: "clock two hours off", Setup: func(s *dingtalktest.Server) { s.SetClock(func() time.Time { return fixedNow.Add(2 * time.Hour) }) }, Code: "310000", Msg: "invalid timestamp"},
		{Name: "keyword missing", Setup: func(s *dingtalktest.Server) { s.SetKeywords("QD", "推送") }, Code: "310000", Msg: "keywords not in content"},
		{Name: "message too long", Answer: dingtalktest.Answer{Body: `{"errcode":460101,"errmsg":"message too long, exceed 20000 bytes"}`}, Code: "460101", Msg: "message too long"},
		{Name: "robot disabled", Answer: dingtalktest.Answer{Body: `{"errcode":400102,"errmsg":"机器人已停用"}`}, Code: "400102", Msg: "机器人已停用"},
	}, channeltest.GatewayErrorCases[*dingtalktest.Server](`{"errcode":0}`, "errcode")...))
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
	suite := channeltest.CatchSuite{Path: "/robot/send", New: func(t *testing.T) (string, channeltest.Violator) {
		s := newFake(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Query: signed + goodSign, Answer: "want POST", Violation: "method GET"},
		{Name: "unencoded sign", Query: signed + unencoded, Body: `{"msgtype":"text","text":{"content":"x"}}`, Answer: `"errcode":310000`, Violation: "not URL-encoded"},
		{Name: "sign without timestamp", Query: "access_token=" + dingtalktest.Token + "&sign=" + goodSign, Body: `{}`, Answer: "sign not match", Violation: "must come together"},
		{Name: "form body", Query: signed + goodSign, CType: "application/x-www-form-urlencoded", Body: "a=b", Answer: `"errcode":43004`, Violation: "Content-Type"},
		{Name: "isAtAll as string", Query: signed + goodSign, Body: `{"msgtype":"text","text":{"content":"x"},"at":{"isAtAll":"false"}}`, Answer: "want a boolean", Violation: "at.isAtAll is string"},
		{Name: "atMobiles not a list", Query: signed + goodSign, Body: `{"msgtype":"text","text":{"content":"x"},"at":{"atMobiles":"138"}}`, Answer: "want an array", Violation: "at.atMobiles"},
		{Name: "markdown without title", Query: signed + goodSign, Body: `{"msgtype":"markdown","markdown":{"text":"x"}}`, Answer: "markdown.title", Violation: "markdown.title"},
		{Name: "unknown msgtype", Query: signed + goodSign, Body: `{"msgtype":"image"}`, Answer: "want \"text\" or \"markdown\"", Violation: "msgtype"},
		{Name: "mention not in text", Query: signed + goodSign, Body: `{"msgtype":"markdown","markdown":{"title":"t","text":"x"},"at":{"atMobiles":["13800138000"]}}`, Answer: `"errcode":0`, Violation: "will not highlight"},
		{Name: "too long", Query: signed + goodSign, Body: `{"msgtype":"text","text":{"content":"` + strings.Repeat("a", 20001) + `"}}`, Answer: "exceed 20000 bytes", Violation: "over 20000"},
		{Name: "extra query parameter", Query: signed + goodSign + "&debug=1", Body: `{"msgtype":"text","text":{"content":"x"}}`, Answer: `"errcode":0`, Violation: `"debug"`},
		{Name: "wrong token is a setup error, not a violation", Query: "access_token=nope", Body: `{}`, Answer: `{"errcode":300001,"errmsg":"token is not exist"}`, NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, dingtalktest.Fixture)
}

func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, Kind, []channeltest.EnvCase{
		{Name: "token and secret", Vars: map[string]string{"DD_BOT_TOKEN": "0123abcd", "DD_BOT_SECRET": "SEC0123abcd"},
			Want: channel.Config{"token": "0123abcd", "secret": "SEC0123abcd"}},
		{Name: "bad secret", Vars: map[string]string{"DD_BOT_TOKEN": "0123abcd", "DD_BOT_SECRET": "0123"}, ErrField: "secret"},
	})
}

// A pasted webhook URL exports as the bare token notify.py wants.
func TestPackToken(t *testing.T) {
	c := channel.Config{"token": "https://oapi.dingtalk.com/robot/send?access_token=0123abcd"}
	if got := channeltest.EnvOf(Kind, c)["DD_BOT_TOKEN"]; got != "0123abcd" {
		t.Errorf("DD_BOT_TOKEN = %q", got)
	}
}
