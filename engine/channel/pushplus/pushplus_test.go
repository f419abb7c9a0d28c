package pushplus

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/pushplus/pushplustest"
	"github.com/heraldpush/herald/engine/message"
)

// fixedNow is 15:30 in China, 8.5 hours before PushPlus's day ends.
var fixedNow = time.Date(2024, 9, 1, 7, 30, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// openChannel parses raw and opens the channel on the fixed clock.
func openChannel(t *testing.T, raw map[string]string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, Kind, raw, channel.Deps{Now: clock})
}

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"token", "topic", "template", "channel", "webhook", "to", "callback_url", "api", "proxy"}, 0, []string{"token", "proxy"})
	for alias, key := range map[string]string{"push_plus_token": "token", "PUSH_PLUS_USER": "topic", "Option": "webhook", "proxy_url": "proxy"} {
		if f, ok := Kind.Field(alias); !ok || f.Key != key {
			t.Errorf("Field(%q) = %q, %t; want %q", alias, f.Key, ok, key)
		}
	}
}

func TestParse(t *testing.T) {
	const tok = pushplustest.Token
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: map[string]string{"token": tok}, Want: channel.Config{"token": tok, "channel": "wechat", "api": DefaultAPI}},
		{
			Name: "aliases in any case, choices normalised",
			Raw:  map[string]string{"Push_Plus_Token": tok, "push_plus_user": "ops-team", "TEMPLATE": "Markdown", "Channel": "WEBHOOK", "OPTION": "dingding_1", "API": "http://127.0.0.1:9000/"},
			Want: channel.Config{"token": tok, "topic": "ops-team", "template": "markdown", "channel": "webhook", "webhook": "dingding_1", "api": "http://127.0.0.1:9000/"},
		},
		{Name: "mail takes an optional code", Raw: map[string]string{"token": tok, "channel": "mail"}, Want: channel.Config{"token": tok, "channel": "mail", "api": DefaultAPI}},
		{Name: "token missing", Raw: map[string]string{"topic": "x"}, WantErr: "pushplus: token: required"},
		{
			Name:    "token pasted as a URL",
			Raw:     map[string]string{"token": "http://www.pushplus.plus/send?token=" + tok},
			WantErr: "pushplus: token: must be the token alone (letters and digits, as shown on pushplus.plus), not a URL or a sentence",
		},
		{Name: "topic with a space", Raw: map[string]string{"token": tok, "topic": "my group"}, WantErr: `pushplus: topic: "my group" is not a code: use the code shown on pushplus.plus (letters, digits, - and _)`},
		{Name: "unknown template", Raw: map[string]string{"token": tok, "template": "cloudMonitor"}, WantErr: `pushplus: template: must be one of html, txt, markdown, json, got "cloudMonitor"`},
		{Name: "unknown channel", Raw: map[string]string{"token": tok, "channel": "voice"}, WantErr: `pushplus: channel: must be one of wechat, webhook, cp, mail, sms, got "voice"`},
		{
			Name:    "webhook channel without its code",
			Raw:     map[string]string{"token": tok, "channel": "webhook"},
			WantErr: "pushplus: webhook: required for the webhook channel: set the code of the channel configured on PushPlus (个人中心 → 渠道配置)",
		},
		{
			Name:    "cp channel without its code",
			Raw:     map[string]string{"token": tok, "channel": "cp"},
			WantErr: "pushplus: webhook: required for the cp channel: set the code of the channel configured on PushPlus (个人中心 → 渠道配置)",
		},
		{Name: "proxy scheme", Raw: map[string]string{"token": tok, "proxy": "ftp://p:1"}, WantErr: `pushplus: proxy: scheme must be http, https, socks5 or socks5h, got "ftp"`},
		{
			Name:    "two problems at once, in field order",
			Raw:     map[string]string{"channel": "fax", "token": "a b"},
			WantErr: "pushplus: token: must be the token alone (letters and digits, as shown on pushplus.plus), not a URL or a sentence; pushplus: channel: must be one of wechat, webhook, cp, mail, sms, got \"fax\"",
		},
	}, pushplustest.Token)
}

// PushPlus has no QD ';' string: only an empty one imports.
func TestParseQD(t *testing.T) {
	channeltest.RunQDCases(t, Kind, []channeltest.QDCase{
		{In: ";;"},
		{In: "tok", WantErr: "pushplus: qd: has 1 values but QD's pushplus string has at most 0 ()"},
	})
}

// TestRequest asserts every field of one request as PushPlus receives it.
func TestRequest(t *testing.T) {
	s := pushplustest.NewServer(t)
	ch := openChannel(t, channeltest.With(s.Config(), "topic", "ops", "channel", "webhook", "webhook", "feishu1"))
	if err := ch.Send(context.Background(), message.Message{Title: "Backup", Body: "done in 3s"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	acc := s.Accepted()
	if len(acc) != 1 {
		t.Fatalf("accepted %d messages, want 1", len(acc))
	}
	want := map[string]any{"token": pushplustest.Token, "title": "Backup", "content": "done in 3s", "template": "txt", "topic": "ops", "channel": "webhook", "webhook": "feishu1"}
	if !reflect.DeepEqual(acc[0].Raw, want) {
		t.Errorf("request = %v, want %v", acc[0].Raw, want)
	}
}

// to and callbackUrl go as PushPlus documents them: friends comma-separated.
func TestFriendsAndCallback(t *testing.T) {
	s := pushplustest.NewServer(t)
	ch := openChannel(t, channeltest.With(s.Config(), "to", "f1 | f2,f3", "callback_url", "https://example.com/cb"))
	if err := ch.Send(context.Background(), message.Message{Title: "T", Body: "b"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	want := map[string]any{"token": pushplustest.Token, "title": "T", "content": "b", "template": "txt", "channel": "wechat",
		"to": "f1,f2,f3", "callbackUrl": "https://example.com/cb"}
	if got := s.Accepted()[0].Raw; !reflect.DeepEqual(got, want) {
		t.Errorf("request = %v, want %v", got, want)
	}
}

// qinglong's PUSH_PLUS_* variables.
func TestQinglongEnv(t *testing.T) {
	const tok = "0123456789abcdef0123456789abcdef"
	channeltest.RunEnvCases(t, Kind, []channeltest.EnvCase{
		{Name: "token", Vars: map[string]string{"PUSH_PLUS_TOKEN": tok}, Want: channel.Config{"token": tok, "channel": "wechat"}},
		{Name: "qinglong defaults", Vars: map[string]string{"PUSH_PLUS_TOKEN": tok, "PUSH_PLUS_TEMPLATE": "html", "PUSH_PLUS_CHANNEL": "wechat"},
			Want: channel.Config{"template": "html", "channel": "wechat"}},
		{Name: "all", Vars: map[string]string{"PUSH_PLUS_TOKEN": tok, "PUSH_PLUS_USER": "ops", "PUSH_PLUS_TEMPLATE": "markdown",
			"PUSH_PLUS_CHANNEL": "cp", "PUSH_PLUS_WEBHOOK": "cp1", "PUSH_PLUS_CALLBACKURL": "https://example.com/cb", "PUSH_PLUS_TO": "zhangsan,lisi"},
			Want: channel.Config{"topic": "ops", "template": "markdown", "channel": "cp", "webhook": "cp1", "callback_url": "https://example.com/cb", "to": "zhangsan,lisi"}},
		{Name: "webhook channel without code", Vars: map[string]string{"PUSH_PLUS_TOKEN": tok, "PUSH_PLUS_CHANNEL": "webhook"}, ErrField: "webhook"},
		{Name: "to with mail", Vars: map[string]string{"PUSH_PLUS_TOKEN": tok, "PUSH_PLUS_CHANNEL": "mail", "PUSH_PLUS_TO": "f1"}, ErrField: "to"},
		{Name: "bad callback", Vars: map[string]string{"PUSH_PLUS_TOKEN": tok, "PUSH_PLUS_CALLBACKURL": "example.com"}, ErrField: "callback_url"},
	})
}

func TestSend(t *testing.T) {
	const pic = "https://img.example.com/chart.png"
	tests := []struct {
		name     string
		template string // the template setting
		msg      message.Message
		wantTmpl string
		title    string
		text     string
	}{
		{name: "plain text is txt", msg: message.Message{Title: "Backup", Body: "done"}, wantTmpl: "txt", title: "Backup", text: "done"},
		{name: "no title: the first line is the title", msg: message.Message{Body: "\n first line \nsecond"}, wantTmpl: "txt", title: "first line", text: "\n first line \nsecond"},
		{name: "title only: content repeats it", msg: message.Message{Title: "Only title"}, wantTmpl: "txt", title: "Only title", text: "Only title"},
		{name: "txt carries the picture as a link", msg: message.Message{Title: "T", Body: "see chart", PictureURL: pic}, wantTmpl: "txt", title: "T", text: "see chart\n\n" + pic},
		{name: "picture only", msg: message.Message{PictureURL: pic}, wantTmpl: "txt", text: pic},
		{name: "Markdown is markdown", msg: message.Message{Title: "Nightly", Body: "**failed**\n- step 2", Markdown: true}, wantTmpl: "markdown", title: "Nightly", text: "**failed**\n- step 2"},
		{name: "markdown shows the picture", msg: message.Message{Title: "T", Body: "b", Markdown: true, PictureURL: pic}, wantTmpl: "markdown", title: "T", text: "![](" + pic + ")\n\nb"},
		{name: "forced markdown for plain text", template: "markdown", msg: message.Message{Title: "T", Body: "b"}, wantTmpl: "markdown", title: "T", text: "b"},
		{
			name:     "html escapes plain text inside pre",
			template: "html",
			msg:      message.Message{Title: "T", Body: "a < b & c\nnext"},
			wantTmpl: "html",
			title:    "T",
			text:     `<pre style="white-space:pre-wrap;word-wrap:break-word">a &lt; b &amp; c` + "\nnext</pre>",
		},
		{name: "html keeps an HTML body", template: "html", msg: message.Message{Title: "T", Body: "<p>done <b>ok</b></p>"}, wantTmpl: "html", title: "T", text: "<p>done <b>ok</b></p>"},
		{
			name:     "html shows the picture",
			template: "html",
			msg:      message.Message{Title: "T", Body: "<p>x</p>", PictureURL: pic + "?a=1&b=2"},
			wantTmpl: "html",
			title:    "T",
			text:     `<img src="` + pic + `?a=1&amp;b=2" style="max-width:100%"/><p>x</p>`,
		},
		{name: "a picture that is not a web address is dropped", template: "html", msg: message.Message{Title: "T", Body: "<p>x</p>", PictureURL: "javascript:alert(1)"}, wantTmpl: "html", title: "T", text: "<p>x</p>"},
		{name: "json keeps a JSON object", template: "json", msg: message.Message{Title: "T", Body: `{"name":"backup","ok":true}`}, wantTmpl: "json", title: "T", text: `{"name":"backup","ok":true}`},
		{name: "json wraps text", template: "json", msg: message.Message{Title: "T", Body: "a \"quoted\" <line>", PictureURL: pic}, wantTmpl: "json", title: "T", text: `{"message":"a \"quoted\" <line>","picture":"` + pic + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pushplustest.NewServer(t)
			ch := openChannel(t, channeltest.With(s.Config(), "template", tt.template))
			a := channeltest.SendOne(t, ch, s, tt.msg)
			if a.Template != tt.wantTmpl || a.Title != tt.title || a.Text != tt.text || a.Channel != "wechat" {
				t.Errorf("got %s %q %q (%s), want %s %q %q (wechat)", a.Template, a.Title, a.Text, a.Channel, tt.wantTmpl, tt.title, tt.text)
			}
			if _, ok := a.Raw["topic"]; ok {
				t.Errorf("topic sent although unset: %v", a.Raw["topic"])
			}
		})
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*pushplustest.Server, pushplustest.Answer]{
		Kind: Kind, New: pushplustest.NewServer, Secrets: []string{pushplustest.Token, "ffffffffffffffffffffffffffffffff"},
		Open: func(t *testing.T, s *pushplustest.Server, kv ...string) channel.Channel {
			return openChannel(t, channeltest.With(s.Config(), kv...))
		},
	}
	suite.Run(t, append([]channeltest.ErrorCase[*pushplustest.Server, pushplustest.Answer]{
		// 15:30 in Shanghai: PushPlus lets the account through at midnight.
		{Name: "account restricted", Answer: pushplustest.Restricted, Transient: true, Code: "900", Msg: "请求次数过多,减少请求后2天恢复正常 (PushPlus stopped", RetryAfter: 8*time.Hour + 30*time.Minute},
		{Name: "wrong token", Extra: []string{"token", "ffffffffffffffffffffffffffffffff"}, Code: "903", Msg: "无效的用户令牌 (the token is wrong"},
		{Name: "not real-name verified", Answer: pushplustest.NotVerified, Code: "905", Msg: "账户未进行实名认证 (PushPlus sends only"},
		{Name: "system error", Answer: pushplustest.SystemError, Transient: true, Code: "500", Msg: "系统异常"},
		{Name: "same content too often", Answer: pushplustest.Duplicate, Transient: true, Code: "999", Msg: "请勿频繁推送相同内容", RetryAfter: time.Hour},
		{Name: "requests too often", Answer: pushplustest.Answer{Body: `{"code":999,"msg":"请求过于频繁","data":null}`}, Transient: true, Code: "999", Msg: "请求过于频繁", RetryAfter: time.Minute},
		{Name: "validation error", Answer: pushplustest.Answer{Body: `{"code":999,"msg":"发送内容不能为空","data":null}`}, Code: "999", Msg: "发送内容不能为空"},
		{Name: "no points", Answer: pushplustest.Answer{Body: `{"code":888,"msg":"积分不足，需要充值","data":null}`}, Code: "888", Msg: "积分不足"},
		{Name: "data error", Answer: pushplustest.Answer{Body: `{"code":600,"msg":"数据异常，操作失败","data":null}`}, Code: "600", Msg: "数据异常"},
		{Name: "token echoed back is redacted", Answer: pushplustest.Answer{Body: `{"code":903,"msg":"token ` + pushplustest.Token + ` 无效","data":null}`}, Code: "903", Msg: "token … 无效"},
	}, channeltest.GatewayErrorCases[*pushplustest.Server](`{"code":200}`, "code")...))
}

func TestUntilMidnight(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		want time.Duration
	}{
		{time.Date(2024, 9, 1, 15, 59, 59, 0, time.UTC), time.Second},                        // 23:59:59 in China
		{time.Date(2024, 9, 1, 16, 0, 0, 0, time.UTC), 24 * time.Hour},                       // midnight exactly: a full day
		{time.Date(2024, 12, 31, 20, 0, 0, 0, time.UTC), 20 * time.Hour},                     // 04:00 on 1 January
		{time.Date(2024, 9, 1, 10, 0, 0, 0, time.FixedZone("PDT", -7*3600)), 23 * time.Hour}, // 01:00 in China
	} {
		if got := untilMidnight(tt.now); got != tt.want {
			t.Errorf("untilMidnight(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestTruncation(t *testing.T) {
	ascii := "HEAD" + strings.Repeat("x", 60000) + "TAIL"
	cjk := "HEAD" + strings.Repeat("日志", 20000) + "TAIL"
	lt := "HEAD" + strings.Repeat("<", 30000) + "TAIL"
	exact := strings.Repeat("a", MaxContentChars)
	tests := []struct {
		name     string
		template string
		msg      message.Message
		chars    int // characters of content, exactly
		prefix   string
		suffix   string
		cut      bool
	}{
		{"txt cut to the limit", "", message.Message{Title: "T", Body: ascii}, MaxContentChars, "HEAD", "TAIL", true},
		{"characters, not bytes", "", message.Message{Title: "T", Body: cjk}, MaxContentChars, "HEAD日志", "日志TAIL", true},
		{"at exactly the limit is kept whole", "", message.Message{Title: "T", Body: exact}, MaxContentChars, "aaa", "aaa", false},
		{"the picture link survives", "", message.Message{Title: "T", Body: ascii, PictureURL: "https://img.example.com/p.png"}, MaxContentChars, "HEAD", "TAIL\n\nhttps://img.example.com/p.png", true},
		{"markdown keeps the picture first", "", message.Message{Title: "T", Body: ascii, Markdown: true, PictureURL: "https://img.example.com/p.png"}, MaxContentChars, "![](https://img.example.com/p.png)\n\nHEAD", "TAIL", true},
		// Each < becomes 4 characters (&lt;): the cut counts the escaped
		// content, so it may end up to 3 characters short of the limit.
		{"html counts the escaped content", "html", message.Message{Title: "T", Body: lt}, -1, `<pre style="white-space:pre-wrap;word-wrap:break-word">HEAD&lt;`, "&lt;TAIL</pre>", true},
		{"json wraps a cut body", "json", message.Message{Title: "T", Body: ascii}, -1, `{"message":"HEAD`, `TAIL"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pushplustest.NewServer(t)
			ch := openChannel(t, channeltest.With(s.Config(), "template", tt.template))
			if err := ch.Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			channeltest.NoViolations(t, s)
			got := s.Accepted()[0].Text
			n := utf8.RuneCountInString(got)
			if tt.chars >= 0 && n != tt.chars || tt.chars < 0 && (n > MaxContentChars || n < MaxContentChars-3) {
				t.Errorf("content has %d characters, want %d (or within 3 below %d when escaped)", n, tt.chars, MaxContentChars)
			}
			if !strings.HasPrefix(got, tt.prefix) || !strings.HasSuffix(got, tt.suffix) {
				t.Errorf("content starts %q, ends %q; want %q…%q", firstRunes(got, 60), lastRunes(got, 40), tt.prefix, tt.suffix)
			}
			if strings.Contains(got, "chars cut]") != tt.cut {
				t.Errorf("cut marker present = %t, want %t", !tt.cut, tt.cut)
			}
			if tt.template == "json" && !json.Valid([]byte(got)) {
				t.Errorf("json content is not JSON")
			}
		})
	}
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

func lastRunes(s string, n int) string {
	r := []rune(s)
	return string(r[max(0, len(r)-n):])
}

func TestLongTitle(t *testing.T) {
	s := pushplustest.NewServer(t)
	ch := openChannel(t, s.Config())
	if err := ch.Send(context.Background(), message.Message{Title: strings.Repeat("标", 300), Body: "b"}); err != nil {
		t.Fatal(err)
	}
	got := []rune(s.Accepted()[0].Title)
	if len(got) != MaxTitleChars || got[len(got)-1] != '…' {
		t.Errorf("title has %d characters (ends %q), want %d ending in …", len(got), got[len(got)-1], MaxTitleChars)
	}
	channeltest.NoViolations(t, s)
}

func TestEmptyMessage(t *testing.T) {
	s := pushplustest.NewServer(t)
	ch := openChannel(t, s.Config())
	err := ch.Send(context.Background(), message.Message{Level: message.LevelError})
	if err == nil || channel.IsTransient(err) || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("err = %v, want a permanent 'empty' error", err)
	}
	if s.Requests() != 0 {
		t.Errorf("the fake saw %d requests", s.Requests())
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	tok := `"token":"` + pushplustest.Token + `",`
	suite := channeltest.CatchSuite{Path: "/send", New: func(t *testing.T) (string, channeltest.Violator) {
		s := pushplustest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Path: "/send?token=" + pushplustest.Token + "&content=x", Answer: "method not allowed", Violation: "method GET"},
		{Name: "token in the path", Path: "/send/" + pushplustest.Token, Body: `{"content":"x","template":"txt"}`, Answer: "404", Violation: "want /send"},
		{Name: "form body", CType: "application/x-www-form-urlencoded", Body: "token=x&content=y", Answer: `"code":903`, Violation: "Content-Type"},
		{Name: "template missing", Body: `{` + tok + `"content":"x"}`, Answer: "bad request", Violation: "template is missing"},
		{Name: "unknown template", Body: `{` + tok + `"content":"x","template":"text"}`, Answer: "bad request", Violation: `template "text"`},
		{Name: "unknown channel", Body: `{` + tok + `"content":"x","template":"txt","channel":"qq"}`, Answer: "bad request", Violation: `channel "qq"`},
		{Name: "topic as a number", Body: `{` + tok + `"content":"x","template":"txt","topic":123}`, Answer: "bad request", Violation: "topic is float64"},
		{Name: "unknown field", Body: `{` + tok + `"content":"x","template":"txt","summary":"s"}`, Answer: "bad request", Violation: `unknown field "summary"`},
		{Name: "empty content", Body: `{` + tok + `"content":" ","template":"txt"}`, Answer: "发送内容不能为空", Violation: "content is empty"},
		{Name: "title too long", Body: `{` + tok + `"title":"` + strings.Repeat("标", 101) + `","content":"x","template":"txt"}`, Answer: `"code":999`, Violation: "title has 101 characters"},
		{Name: "content too long", Body: `{` + tok + `"content":"` + strings.Repeat("志", 20001) + `","template":"txt"}`, Answer: `"code":999`, Violation: "content has 20001 characters"},
		{Name: "webhook channel without code", Body: `{` + tok + `"content":"x","template":"txt","channel":"webhook"}`, Answer: `"code":999`, Violation: "without a webhook code"},
		{Name: "json template with text", Body: `{` + tok + `"content":"not json","template":"json"}`, Answer: `"code":200`, Violation: "not JSON"},
		{Name: "wrong token is a setup error, not a violation", Body: `{"token":"nope","content":"x","template":"txt"}`, Answer: `{"code":903,"data":null,"msg":"无效的用户令牌"}`, NoViolation: true},
		{Name: "to with mail", Body: `{` + tok + `"content":"x","template":"txt","channel":"mail","to":"f1"}`, Answer: `"code":200`, Violation: "to with channel mail"},
		{Name: "to with spaces", Body: `{` + tok + `"content":"x","template":"txt","to":"f1, f2"}`, Answer: "bad request", Violation: "single commas"},
		{Name: "callback not a URL", Body: `{` + tok + `"content":"x","template":"txt","callbackUrl":"example.com/cb"}`, Answer: "bad request", Violation: "not an http(s) URL"},
		{Name: "a valid request", Body: `{` + tok + `"title":"t","content":"x","template":"html","channel":"mail","timestamp":1632993318000}`, Answer: `"code":200,"data":"`, NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, pushplustest.Fixture)
}
