package feishu

import (
	"context"
	"encoding/json"
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
	"github.com/heraldpush/herald/engine/channel/feishu/feishutest"
	"github.com/heraldpush/herald/engine/message"
)

// fixedNow is the timestamp of Feishu's own signing example.
var fixedNow = time.Unix(1599360473, 0)

func clock() time.Time { return fixedNow }

// newFake starts the fake bot on the same fixed clock as the channel.
func newFake(t testing.TB) *feishutest.Server {
	t.Helper()
	s := feishutest.NewServer(t)
	s.SetClock(clock)
	return s
}

// openChannel parses raw and opens the channel on the fixed clock.
func openChannel(t *testing.T, raw map[string]string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, Kind, raw, channel.Deps{Now: clock})
}

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"token", "secret", "msg_type", "api", "proxy"}, 0, []string{"token", "secret", "proxy"})
	for alias, key := range map[string]string{"WEBHOOK_URL": "token", "Hook_Token": "token", "MsgType": "msg_type", "proxy_url": "proxy"} {
		if f, ok := Kind.Field(alias); !ok || f.Key != key {
			t.Errorf("Field(%q) = %q, %t; want %q", alias, f.Key, ok, key)
		}
	}
}

func TestParse(t *testing.T) {
	const tok = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	hook := "https://open.feishu.cn/open-apis/bot/v2/hook/" + tok
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: map[string]string{"token": tok}, Want: channel.Config{"token": tok, "api": DefaultAPI}},
		{
			Name: "aliases in any case, choice normalised",
			Raw:  map[string]string{"Webhook_URL": hook, "SECRET": "abc123", "MSGTYPE": "Interactive", "API": "https://open.larksuite.com", "PROXY_URL": "socks5://127.0.0.1:1080"},
			Want: channel.Config{"token": hook, "secret": "abc123", "msg_type": "interactive", "api": "https://open.larksuite.com", "proxy": "socks5://127.0.0.1:1080"},
		},
		{Name: "Lark webhook URL", Raw: map[string]string{"token": "https://open.larksuite.com/open-apis/bot/v2/hook/" + tok}, Want: channel.Config{"token": "https://open.larksuite.com/open-apis/bot/v2/hook/" + tok, "api": DefaultAPI}},
		{Name: "token missing", Raw: map[string]string{"secret": "x"}, WantErr: "feishu: token: required"},
		{
			Name:    "token with a space",
			Raw:     map[string]string{"token": "abc def"},
			WantErr: "feishu: token: must be the token after /hook/ or the whole webhook URL https://open.feishu.cn/open-apis/bot/v2/hook/…",
		},
		{
			Name:    "URL of another API",
			Raw:     map[string]string{"token": "https://open.feishu.cn/open-apis/im/v1/messages?x=" + tok},
			WantErr: "feishu: token: webhook URL must contain /open-apis/bot/v2/hook/; copy it again from the bot settings",
		},
		{
			Name:    "URL without the token",
			Raw:     map[string]string{"token": "https://open.feishu.cn/open-apis/bot/v2/hook/"},
			WantErr: "feishu: token: webhook URL has no token after /hook/; copy the whole URL from the bot settings",
		},
		{
			Name:    "URL with an odd scheme",
			Raw:     map[string]string{"token": "ftp://open.feishu.cn/open-apis/bot/v2/hook/" + tok},
			WantErr: "feishu: token: is not a valid webhook URL; paste it as https://open.feishu.cn/open-apis/bot/v2/hook/…",
		},
		{
			Name:    "secret with a line break",
			Raw:     map[string]string{"token": tok, "secret": "abc\ndef"},
			WantErr: "feishu: secret: must not contain spaces or line breaks: copy the key shown under \"Set signature verification\" (签名校验) again",
		},
		{Name: "unknown msg_type", Raw: map[string]string{"token": tok, "msg_type": "image"}, WantErr: `feishu: msg_type: must be one of text, post, interactive, got "image"`},
		{Name: "api not http", Raw: map[string]string{"token": tok, "api": "open.feishu.cn"}, WantErr: "feishu: api: must start with http:// or https://"},
		{Name: "proxy scheme", Raw: map[string]string{"token": tok, "proxy": "ftp://p:1"}, WantErr: `feishu: proxy: scheme must be http, https, socks5 or socks5h, got "ftp"`},
		{
			Name:    "two problems at once, in field order",
			Raw:     map[string]string{"msg_type": "card", "token": "a b"},
			WantErr: "feishu: token: must be the token after /hook/ or the whole webhook URL https://open.feishu.cn/open-apis/bot/v2/hook/…; feishu: msg_type: must be one of text, post, interactive, got \"card\"",
		},
	}, tok, "abc\ndef", feishutest.Token, feishutest.Secret)
}

// Feishu has no QD ';' string: only an empty one imports.
func TestParseQD(t *testing.T) {
	channeltest.RunQDCases(t, Kind, []channeltest.QDCase{
		{In: ""},
		{In: " ; ;"},
		{In: "tok123", WantErr: "feishu: qd: has 1 values but QD's feishu string has at most 0 ()"},
	})
}

// TestSignKnownAnswer pins the signature to Feishu's example timestamp with
// a value computed outside Go: Python's hmac.new(b"1599360473\ndemo",
// digestmod=sha256) over nothing, and openssl dgst -hmac with an empty
// input, both base64-encoded.
func TestSignKnownAnswer(t *testing.T) {
	const want = "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8="
	if got := sign("1599360473", "demo"); got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}

	// And the request carries exactly that, with the clock's seconds as a
	// string next to msg_type.
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		json.Unmarshal(data, &got)
		io.WriteString(w, `{"code":0,"msg":"success","data":{}}`)
	}))
	defer srv.Close()
	ch := openChannel(t, map[string]string{"token": "tok-1", "secret": "demo", "api": srv.URL})
	if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	wantBody := map[string]any{"timestamp": "1599360473", "sign": want, "msg_type": "text", "content": map[string]any{"text": "x"}}
	if !reflect.DeepEqual(got, wantBody) {
		t.Errorf("body = %v, want %v", got, wantBody)
	}
}

func TestSend(t *testing.T) {
	const pic = "https://img.example.com/chart.png"
	tests := []struct {
		name     string
		msgType  string // the msg_type setting
		msg      message.Message
		wantType string
		title    string
		text     string
		template string
		links    []string
		check    func(t *testing.T, raw map[string]any)
	}{
		{
			name:     "plain text without title is text",
			msg:      message.Message{Body: "done in 3s"},
			wantType: TypeText,
			text:     "done in 3s",
			check: func(t *testing.T, raw map[string]any) {
				if _, ok := raw["card"]; ok {
					t.Errorf("text message has a card")
				}
			},
		},
		{
			name:     "text carries the picture as a link",
			msg:      message.Message{Body: "see chart", PictureURL: pic},
			wantType: TypeText,
			text:     "see chart\n\n" + pic,
		},
		{
			name:     "text with only a picture is its link",
			msgType:  TypeText,
			msg:      message.Message{PictureURL: pic},
			wantType: TypeText,
			text:     pic,
		},
		{
			name:     "forced text joins title and body",
			msgType:  TypeText,
			msg:      message.Message{Title: "Backup", Body: "done"},
			wantType: TypeText,
			text:     "Backup\n\ndone",
		},
		{
			name:     "a title makes a post",
			msg:      message.Message{Title: "Backup", Body: "line 1\nline 2"},
			wantType: TypePost,
			title:    "Backup",
			text:     "line 1\nline 2",
			check: func(t *testing.T, raw map[string]any) {
				want := map[string]any{"post": map[string]any{"zh_cn": map[string]any{
					"title":   "Backup",
					"content": []any{[]any{map[string]any{"tag": "text", "text": "line 1\nline 2"}}},
				}}}
				if !reflect.DeepEqual(raw["content"], want) {
					t.Errorf("content = %v, want %v", raw["content"], want)
				}
			},
		},
		{
			name:     "Markdown without title is a post too, with the picture as a link paragraph",
			msg:      message.Message{Body: "**bold**", Markdown: true, PictureURL: pic},
			wantType: TypePost,
			text:     "**bold**\n" + pic,
			links:    []string{pic},
			check: func(t *testing.T, raw map[string]any) {
				lang := raw["content"].(map[string]any)["post"].(map[string]any)["zh_cn"].(map[string]any)
				if _, ok := lang["title"]; ok {
					t.Errorf("post without a title carries title %v", lang["title"])
				}
			},
		},
		{
			name:     "a picture that is not a web address is dropped",
			msg:      message.Message{Title: "T", Body: "b", PictureURL: "javascript:alert(1)"},
			wantType: TypePost,
			title:    "T",
			text:     "b",
		},
		{
			name:     "title-only post repeats the title as its paragraph",
			msg:      message.Message{Title: "Only title"},
			wantType: TypePost,
			title:    "Only title",
			text:     "Only title",
		},
		{
			name:     "card: error level is red, Markdown in a markdown element",
			msgType:  TypeInteractive,
			msg:      message.Message{Title: "Nightly", Body: "**failed**\n- step 2", Markdown: true, Level: message.LevelError},
			wantType: TypeInteractive,
			title:    "Nightly",
			text:     "**failed**\n- step 2",
			template: "red",
			check: func(t *testing.T, raw map[string]any) {
				want := map[string]any{
					"schema": "2.0",
					"header": map[string]any{"title": map[string]any{"tag": "plain_text", "content": "Nightly"}, "template": "red"},
					"body":   map[string]any{"elements": []any{map[string]any{"tag": "markdown", "content": "**failed**\n- step 2"}}},
				}
				if !reflect.DeepEqual(raw["card"], want) {
					t.Errorf("card = %v, want %v", raw["card"], want)
				}
				if _, ok := raw["content"]; ok {
					t.Errorf("card message also has content")
				}
			},
		},
		{
			name:     "card: success is green, plain text stays plain",
			msgType:  TypeInteractive,
			msg:      message.Message{Title: "Backup", Body: "a*b*c # d", Level: message.LevelSuccess},
			wantType: TypeInteractive,
			title:    "Backup",
			text:     "a*b*c # d",
			template: "green",
			check: func(t *testing.T, raw map[string]any) {
				el := raw["card"].(map[string]any)["body"].(map[string]any)["elements"].([]any)[0]
				want := map[string]any{"tag": "div", "text": map[string]any{"tag": "plain_text", "content": "a*b*c # d"}}
				if !reflect.DeepEqual(el, want) {
					t.Errorf("element = %v, want %v", el, want)
				}
			},
		},
		{name: "card: warning is orange", msgType: TypeInteractive, msg: message.Message{Title: "T", Body: "b", Level: message.LevelWarning}, wantType: TypeInteractive, title: "T", text: "b", template: "orange"},
		{name: "card: info is blue", msgType: TypeInteractive, msg: message.Message{Title: "T", Body: "b", Level: message.LevelInfo}, wantType: TypeInteractive, title: "T", text: "b", template: "blue"},
		{
			name:     "card without title has no header; picture is a markdown link",
			msgType:  TypeInteractive,
			msg:      message.Message{Body: "b", PictureURL: pic, Level: message.LevelError},
			wantType: TypeInteractive,
			text:     "b\n[" + pic + "](" + pic + ")",
			links:    []string{pic},
			check: func(t *testing.T, raw map[string]any) {
				if _, ok := raw["card"].(map[string]any)["header"]; ok {
					t.Errorf("card without title has a header")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			ch := openChannel(t, channeltest.With(s.Config(), "msg_type", tt.msgType))
			a := channeltest.SendOne(t, ch, s, tt.msg)
			if a.MsgType != tt.wantType || a.Title != tt.title || a.Text != tt.text || a.Template != tt.template {
				t.Errorf("got %s %q %q %q, want %s %q %q %q", a.MsgType, a.Title, a.Text, a.Template, tt.wantType, tt.title, tt.text, tt.template)
			}
			if !reflect.DeepEqual(a.Links, tt.links) {
				t.Errorf("links = %v, want %v", a.Links, tt.links)
			}
			if a.Timestamp != fixedNow.Unix() || a.Raw["timestamp"] != "1599360473" {
				t.Errorf("timestamp = %d (%v), want %d as a string", a.Timestamp, a.Raw["timestamp"], fixedNow.Unix())
			}
			if tt.check != nil {
				tt.check(t, a.Raw)
			}
		})
	}
}

func TestSendWithoutSigning(t *testing.T) {
	s := newFake(t)
	s.SetSigning(false)
	var contentType string
	var raw map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contentType = r.Header.Get("Content-Type")
		data, _ := io.ReadAll(r.Body)
		json.Unmarshal(data, &raw)
		// Relay to the fake so it checks the request too.
		out, _ := http.NewRequest(r.Method, s.URL+r.URL.Path, strings.NewReader(string(data)))
		out.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}))
	defer srv.Close()
	ch := openChannel(t, map[string]string{"token": feishutest.Token, "api": srv.URL})
	if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["timestamp"]; ok {
		t.Errorf("unsigned request has a timestamp: %v", raw)
	}
	if _, ok := raw["sign"]; ok {
		t.Errorf("unsigned request has a sign: %v", raw)
	}
	if contentType != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", contentType)
	}
	if len(s.Accepted()) != 1 {
		t.Errorf("the fake accepted %d messages", len(s.Accepted()))
	}
	channeltest.NoViolations(t, s)
}

func TestWebhookURLAsToken(t *testing.T) {
	s := newFake(t)
	pasted := s.URL + feishutest.HookPath
	ch := openChannel(t, map[string]string{"webhook_url": pasted, "secret": feishutest.Secret})
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
		{"bare token", map[string]string{"token": "abc-1"}, "https://open.feishu.cn/open-apis/bot/v2/hook/abc-1"},
		{"Feishu URL", map[string]string{"token": "https://open.feishu.cn/open-apis/bot/v2/hook/abc-1"}, "https://open.feishu.cn/open-apis/bot/v2/hook/abc-1"},
		{"Lark URL keeps Lark's host", map[string]string{"token": "https://open.larksuite.com/open-apis/bot/v2/hook/abc-1"}, "https://open.larksuite.com/open-apis/bot/v2/hook/abc-1"},
		{"proxy path prefix and trailing slash", map[string]string{"token": "http://10.0.0.2:8080/fs/open-apis/bot/v2/hook/abc-1/"}, "http://10.0.0.2:8080/fs/open-apis/bot/v2/hook/abc-1"},
		{"changed api wins over the URL's host", map[string]string{"token": "https://open.larksuite.com/open-apis/bot/v2/hook/abc-1", "api": "https://relay.example.com/"}, "https://relay.example.com/open-apis/bot/v2/hook/abc-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := openChannel(t, tt.raw)
			if got := ch.(*bot).url; got != tt.want {
				t.Errorf("url = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*feishutest.Server, feishutest.Answer]{
		Kind: Kind, New: newFake, Secrets: []string{feishutest.Token, feishutest.Secret},
		Open: func(t *testing.T, s *feishutest.Server, kv ...string) channel.Channel {
			return openChannel(t, channeltest.With(s.Config(), kv...))
		},
	}
	suite.Run(t, append([]channeltest.ErrorCase[*feishutest.Server, feishutest.Answer]{
		{Name: "frequency limited", Answer: feishutest.FrequencyLimited, Transient: true, Code: "11232", Msg: "frequency limited"},
		{Name: "frequency limited with reset header", Answer: feishutest.Answer{Body: feishutest.FrequencyLimited.Body, Header: http.Header{"X-Ogw-Ratelimit-Reset": {"12"}}}, Transient: true, Code: "11232", Msg: "frequency limited", RetryAfter: 12 * time.Second},
		{Name: "9499 too many request", Answer: feishutest.TooManyRequests, Transient: true, Code: "9499", Msg: "too many request"},
		{Name: "9499 bad request", Answer: feishutest.Answer{Body: `{"code":9499,"msg":"Bad Request","data":{}}`}, Code: "9499", Msg: "Bad Request"},
		{Name: "open platform rate limit under 429", Answer: feishutest.Answer{Status: 429, Body: `{"code":99991400,"msg":"request trigger frequency limit"}`, Header: http.Header{"Retry-After": {"3"}}}, Transient: true, Status: 429, Code: "99991400", Msg: "frequency limit", RetryAfter: 3 * time.Second},
		{Name: "internal error", Answer: feishutest.Answer{Body: `{"code":2200,"msg":"internal error"}`}, Transient: true, Code: "2200", Msg: "internal error"},
		{Name: "business code under 500 is retried", Answer: feishutest.Answer{Status: 500, Body: `{"code":19001,"msg":"param invalid"}`}, Transient: true, Status: 500, Code: "19001", Msg: "param invalid"},
		{Name: "wrong token", Extra: []string{"token", "0000-wrong"}, Code: "19001", Msg: "param invalid: incoming webhook access token invalid (the hook token is wrong"},
		{Name: "wrong secret", Extra: []string{"secret", "not-the-secret"}, Code: "19021", Msg: "sign match fail or timestamp is not within one hour from current time (check the signing secret"},
		{Name: "no secret for a signing bot", Extra: []string{"secret", ""}, Code: "19021", Msg: "sign match fail"},
		{Name: "clock two hours off", Setup: func(s *feishutest.Server) { s.SetClock(func() time.Time { return fixedNow.Add(2 * time.Hour) }) }, Code: "19021", Msg: "sign match fail"},
		{Name: "keyword missing", Setup: func(s *feishutest.Server) { s.SetKeywords("应用报警", "项目更新") }, Code: "19024", Msg: "Key Words Not Found (the message lacks every custom keyword"},
		{Name: "IP not allowed", Answer: feishutest.IPNotAllowed, Code: "19022", Msg: "Ip Not Allowed (this computer's IP"},
		{Name: "bot not enabled", Answer: feishutest.BotNotEnabled, Code: "19007", Msg: "Bot Not Enabled"},
		{Name: "legacy StatusCode error", Answer: feishutest.Answer{Body: `{"StatusCode":19021,"StatusMessage":"sign error"}`}, Code: "19021", Msg: "sign error"},
		{Name: "a page quoting the hook path is redacted", Answer: feishutest.Answer{Status: 404, Body: "no route for " + feishutest.HookPath}, Status: 404, Msg: "no route for /open-apis/bot/v2/hook/…"},
	}, channeltest.GatewayErrorCases[*feishutest.Server](`{"code":0}`, "code")...))
}

// Both documented success shapes are success.
func TestSuccessShapes(t *testing.T) {
	for _, body := range []string{
		`{"code":0,"msg":"success","data":{}}`,
		`{"StatusCode":0,"StatusMessage":"success"}`,
		`{"Extra":null,"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}`,
	} {
		s := newFake(t)
		s.FailNext(feishutest.Answer{Body: body})
		ch := openChannel(t, s.Config())
		if err := ch.Send(context.Background(), message.Message{Body: "x"}); err != nil {
			t.Errorf("answer %s: %v", body, err)
		}
	}
}

func TestTruncation(t *testing.T) {
	ascii := "HEAD" + strings.Repeat("x", 60000) + "TAIL"
	// 3-byte runes: the cut lands on a rune boundary, up to 2 bytes short.
	cjk := "HEAD" + strings.Repeat("日志", 10000) + "TAIL"
	// Go's JSON encoder writes < > & as 6-byte \u escapes: the cut must
	// count the encoded size, not the text's.
	escaped := "HEAD" + strings.Repeat("<&>", 10000) + "TAIL"
	tests := []struct {
		name     string
		msgType  string
		msg      message.Message
		minBytes int // the encoded request is within [minBytes, MaxBodyBytes]
		prefix   string
		suffix   string
	}{
		{"text", TypeText, message.Message{Body: ascii}, MaxBodyBytes, "HEAD", "TAIL"},
		{"text keeps the picture link", TypeText, message.Message{Body: ascii, PictureURL: "https://img.example.com/p.png"}, MaxBodyBytes, "HEAD", "TAIL\n\nhttps://img.example.com/p.png"},
		{"post", TypePost, message.Message{Title: "Run", Body: ascii}, MaxBodyBytes, "HEAD", "TAIL"},
		{"card", TypeInteractive, message.Message{Title: "Run", Body: ascii, Markdown: true}, MaxBodyBytes, "HEAD", "TAIL"},
		{"multi-byte text", TypeText, message.Message{Body: cjk}, MaxBodyBytes - 2, "HEAD日志", "日志TAIL"},
		{"escaped characters", TypePost, message.Message{Title: "Run", Body: escaped}, MaxBodyBytes - 5, "HEAD<&>", "<&>TAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			ch := openChannel(t, channeltest.With(s.Config(), "msg_type", tt.msgType))
			if err := ch.Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			channeltest.NoViolations(t, s)
			a := s.Accepted()[0]
			if a.BodyBytes > MaxBodyBytes || a.BodyBytes < tt.minBytes {
				t.Errorf("request body is %d bytes, want %d..%d", a.BodyBytes, tt.minBytes, MaxBodyBytes)
			}
			if !utf8.ValidString(a.Text) || !strings.HasPrefix(a.Text, tt.prefix) || !strings.HasSuffix(a.Text, tt.suffix) || !strings.Contains(a.Text, "bytes cut]") {
				t.Errorf("text starts %q, ends %q; want %q…[cut]…%q", a.Text[:20], a.Text[len(a.Text)-20:], tt.prefix, tt.suffix)
			}
		})
	}
}

// A body that encodes to exactly MaxBodyBytes goes whole; one byte more is
// cut back to the limit.
func TestTruncationBoundary(t *testing.T) {
	b := openChannel(t, map[string]string{"token": feishutest.Token, "secret": feishutest.Secret}).(*bot)
	req, err := b.render(message.Message{Body: "a"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(req)
	exact := strings.Repeat("a", MaxBodyBytes-len(data)+1)
	for _, tt := range []struct {
		body string
		cut  bool
	}{{exact, false}, {exact + "b", true}} {
		s := newFake(t)
		ch := openChannel(t, s.Config())
		if err := ch.Send(context.Background(), message.Message{Body: tt.body}); err != nil {
			t.Fatal(err)
		}
		a := s.Accepted()[0]
		if a.BodyBytes != MaxBodyBytes || (a.Text == tt.body) == tt.cut || strings.Contains(a.Text, "bytes cut]") != tt.cut {
			t.Errorf("body of %d bytes: request %d bytes, cut %t; want %d bytes, cut %t", len(tt.body), a.BodyBytes, a.Text != tt.body, MaxBodyBytes, tt.cut)
		}
		channeltest.NoViolations(t, s)
	}
}

func TestLongTitle(t *testing.T) {
	title := strings.Repeat("标", 300)
	for _, mt := range []string{TypePost, TypeInteractive} {
		s := newFake(t)
		ch := openChannel(t, channeltest.With(s.Config(), "msg_type", mt))
		if err := ch.Send(context.Background(), message.Message{Title: title, Body: "b"}); err != nil {
			t.Fatal(err)
		}
		got := []rune(s.Accepted()[0].Title)
		if len(got) != maxTitleRunes || got[len(got)-1] != '…' {
			t.Errorf("%s: title has %d runes (ends %q), want %d ending in …", mt, len(got), got[len(got)-1], maxTitleRunes)
		}
	}
}

func TestEmptyMessage(t *testing.T) {
	s := newFake(t)
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
	ts := "1599360473"
	good := sign(ts, feishutest.Secret)
	signed := `"timestamp":"` + ts + `","sign":"` + good + `",`
	suite := channeltest.CatchSuite{Path: feishutest.HookPath, New: func(t *testing.T) (string, channeltest.Violator) {
		s := newFake(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Answer: "404", Violation: "method GET"},
		{Name: "wrong path", Path: "/open-apis/bot/hook/" + feishutest.Token, Body: `{}`, Answer: "404", Violation: "want /open-apis/bot/v2/hook/{token}"},
		{Name: "form body", CType: "application/x-www-form-urlencoded", Body: "a=b", Answer: `"code":9499`, Violation: "Content-Type"},
		{Name: "too big", Body: `{` + signed + `"msg_type":"text","content":{"text":"` + strings.Repeat("a", 20000) + `"}}`, Answer: `"msg":"Bad Request"`, Violation: "over 20000"},
		{Name: "timestamp as a number", Body: `{"timestamp":1599360473,"sign":"` + good + `","msg_type":"text","content":{"text":"x"}}`, Answer: `"code":19021`, Violation: "timestamp is float64"},
		{Name: "timestamp in milliseconds", Body: `{"timestamp":"1599360473000","sign":"x","msg_type":"text","content":{"text":"x"}}`, Answer: `"code":19021`, Violation: "milliseconds"},
		{Name: "sign without timestamp", Body: `{"sign":"` + good + `","msg_type":"text","content":{"text":"x"}}`, Answer: `"code":19021`, Violation: "must come together"},
		{Name: "unknown msg_type", Body: `{` + signed + `"msg_type":"markdown","content":{"text":"x"}}`, Answer: `"code":9499`, Violation: "msg_type"},
		{Name: "empty text", Body: `{` + signed + `"msg_type":"text","content":{"text":" "}}`, Answer: `"code":9499`, Violation: "content.text is empty"},
		{Name: "card inside content", Body: `{` + signed + `"msg_type":"interactive","content":{"card":{}}}`, Answer: `"code":9499`, Violation: "top level"},
		{Name: "card without schema 2.0", Body: `{` + signed + `"msg_type":"interactive","card":{"elements":[{"tag":"markdown","content":"x"}]}}`, Answer: `"code":9499`, Violation: "card.schema"},
		{Name: "card colour", Body: `{` + signed + `"msg_type":"interactive","card":{"schema":"2.0","header":{"title":{"tag":"plain_text","content":"t"},"template":"pink"},"body":{"elements":[{"tag":"markdown","content":"x"}]}}}`, Answer: `"code":9499`, Violation: "not a Feishu colour"},
		{Name: "post link not http", Body: `{` + signed + `"msg_type":"post","content":{"post":{"zh_cn":{"content":[[{"tag":"a","text":"x","href":"javascript:alert(1)"}]]}}}}`, Answer: `"code":9499`, Violation: "not an http(s) link"},
		{Name: "post without paragraphs", Body: `{` + signed + `"msg_type":"post","content":{"post":{"zh_cn":{"title":"t","content":[]}}}}`, Answer: `"code":9499`, Violation: "non-empty array of paragraphs"},
		{Name: "unknown top-level field", Body: `{` + signed + `"msg_type":"text","content":{"text":"x"},"at":{}}`, Answer: `"code":9499`, Violation: "unknown field body.at"},
		{Name: "wrong token is a setup error, not a violation", Path: "/open-apis/bot/v2/hook/nope", Body: `{` + signed + `"msg_type":"text","content":{"text":"x"}}`, Answer: `incoming webhook access token invalid`, NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, feishutest.Fixture)
}

func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, Kind, []channeltest.EnvCase{
		{Name: "key and secret", Vars: map[string]string{"FSKEY": "0123abcd-4567-89ab-cdef-0123456789ab", "FSSECRET": "qwertyuiop123456"},
			Want: channel.Config{"token": "0123abcd-4567-89ab-cdef-0123456789ab", "secret": "qwertyuiop123456"}},
		{Name: "key only", Vars: map[string]string{"FSKEY": "0123abcd-4567-89ab-cdef-0123456789ab"}, Want: channel.Config{"secret": ""}},
	})
}

// A pasted webhook URL exports as the bare hook token notify.py wants.
func TestPackToken(t *testing.T) {
	c := channel.Config{"token": "https://open.feishu.cn/open-apis/bot/v2/hook/0123abcd-4567-89ab-cdef-0123456789ab"}
	if got := channeltest.EnvOf(Kind, c)["FSKEY"]; got != "0123abcd-4567-89ab-cdef-0123456789ab" {
		t.Errorf("FSKEY = %q", got)
	}
}
