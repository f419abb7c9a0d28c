package serverchan_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/serverchan"
	"github.com/heraldpush/herald/engine/channel/serverchan/serverchantest"
	"github.com/heraldpush/herald/engine/message"
)

func newChannel(t *testing.T, raw map[string]string, deps channel.Deps) channel.Channel {
	t.Helper()
	ch, err := serverchan.Kind.New(raw, deps)
	if err != nil {
		t.Fatalf("New(%v): %v", raw, err)
	}
	return ch
}

func TestParse(t *testing.T) {
	turbo, sc3 := serverchantest.TurboKey, serverchantest.SC3Key
	channeltest.RunParseCases(t, serverchan.Kind, []channeltest.ParseCase{
		{Name: "canonical key, defaults", Raw: map[string]string{"sendkey": turbo},
			WantSome: map[string]string{"sendkey": turbo, "noip": "false", "channel": "", "api": ""}},
		{Name: "alias skey", Raw: map[string]string{"skey": turbo}, WantSome: map[string]string{"sendkey": turbo}},
		{Name: "alias SCKEY any case", Raw: map[string]string{"sckey": turbo}, WantSome: map[string]string{"sendkey": turbo}},
		{Name: "key name case-insensitive", Raw: map[string]string{"SendKey": sc3}, WantSome: map[string]string{"sendkey": sc3}},
		{Name: "value trimmed", Raw: map[string]string{"sendkey": "  " + turbo + " \n"}, WantSome: map[string]string{"sendkey": turbo}},
		{Name: "all fields", Raw: map[string]string{"sendkey": turbo, "channel": "9|66", "noip": "yes", "api": "https://sc.example.com/"},
			WantSome: map[string]string{"channel": "9|66", "noip": "true", "api": "https://sc.example.com/"}},
		{Name: "missing key", Raw: map[string]string{}, WantErr: "serverchan: sendkey: required"},
		{Name: "unknown prefix", Raw: map[string]string{"sendkey": "abc123"},
			WantErr: "serverchan: sendkey: must start with SCT (Server酱 Turbo) or sctp (Server酱³)"},
		{Name: "classic SCU key", Raw: map[string]string{"sendkey": "SCU54202Tbe18f7a69"},
			WantErr: "serverchan: sendkey: SCU keys belong to the retired Server酱 classic; get a Turbo SendKey (SCT…) at https://sct.ftqq.com/sendkey"},
		{Name: "sc3 key without uid", Raw: map[string]string{"sendkey": "sctpXt123"},
			WantErr: "serverchan: sendkey: a Server酱³ SendKey looks like sctp<digits>t…; copy it again from https://sc3.ft07.com/sendkey"},
		{Name: "key with a space", Raw: map[string]string{"sendkey": "SCT12 34"},
			WantErr: "serverchan: sendkey: must contain only letters and digits; copy the SendKey again without spaces"},
		{Name: "key with a slash", Raw: map[string]string{"sendkey": "SCT12/../x"},
			WantErr: "serverchan: sendkey: must contain only letters and digits; copy the SendKey again without spaces"},
		{Name: "channel with comma", Raw: map[string]string{"sendkey": turbo, "channel": "9,66"},
			WantErr: `serverchan: channel: must be one or two channel numbers separated by "|", e.g. 9|66`},
		{Name: "three channels", Raw: map[string]string{"sendkey": turbo, "channel": "9|66|1"},
			WantErr: `serverchan: channel: must be one or two channel numbers separated by "|", e.g. 9|66`},
		{Name: "bad bool", Raw: map[string]string{"sendkey": turbo, "noip": "maybe"},
			WantErr: `serverchan: noip: must be true or false, got "maybe"`},
		{Name: "bad api", Raw: map[string]string{"sendkey": turbo, "api": "ftp://x"},
			WantErr: "serverchan: api: must start with http:// or https://"},
		{Name: "bad proxy", Raw: map[string]string{"sendkey": turbo, "proxy": "ftp://p:1"},
			WantErr: `serverchan: proxy: scheme must be http, https, socks5 or socks5h, got "ftp"`},
		{Name: "channel with sc3 key", Raw: map[string]string{"sendkey": sc3, "channel": "9"},
			WantErr: "serverchan: channel: only Server酱 Turbo keys (SCT…) take a message channel; clear it for a Server酱³ key"},
		{Name: "noip with sc3 key", Raw: map[string]string{"sendkey": sc3, "noip": "true"},
			WantErr: "serverchan: noip: only Server酱 Turbo keys (SCT…) can hide the sender IP; set it to false for a Server酱³ key"},
		{Name: "unknown field", Raw: map[string]string{"sendkey": turbo, "token": "x"},
			WantErr: "serverchan: token: unknown field (known: sendkey, channel, noip, api, proxy)"},
	})
}

func TestFieldsSchema(t *testing.T) {
	k := serverchan.Kind
	if k.QDFields != 1 || k.Fields[0].Key != "sendkey" {
		t.Fatalf("QD fields = %d starting %q", k.QDFields, k.Fields[0].Key)
	}
	if got := strings.Join(k.SecretKeys(), ","); got != "sendkey,proxy" {
		t.Errorf("secret keys = %s", got)
	}
	last := k.Fields[len(k.Fields)-2:]
	if last[0].Key != "api" || last[1].Key != "proxy" {
		t.Errorf("last fields = %s, %s; want api, proxy", last[0].Key, last[1].Key)
	}
	for _, f := range k.Fields {
		if f.Label == "" || f.Help == "" {
			t.Errorf("field %s lacks label or help", f.Key)
		}
	}
}

func TestParseQD(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: serverchantest.TurboKey, want: serverchantest.TurboKey},
		{in: " " + serverchantest.SC3Key + " ;", want: serverchantest.SC3Key},
		{in: serverchantest.TurboKey + ";;;", want: serverchantest.TurboKey},
		{in: "", wantErr: "serverchan: sendkey: missing from the QD string (expected sendkey)"},
		{in: ";", wantErr: "serverchan: sendkey: missing from the QD string (expected sendkey)"},
		{in: serverchantest.TurboKey + ";9|66", wantErr: "serverchan: qd: has 2 values but QD's serverchan string has at most 1 (sendkey)"},
	}
	for _, tt := range tests {
		raw, err := serverchan.Kind.ParseQD(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseQD(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || raw["sendkey"] != tt.want || len(raw) != 1 {
			t.Errorf("ParseQD(%q) = %v, %v", tt.in, raw, err)
			continue
		}
		if _, err := serverchan.Kind.Parse(raw); err != nil {
			t.Errorf("Parse(ParseQD(%q)): %v", tt.in, err)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct{ api, key, want string }{
		{"", "SCT1TabcDEF", "https://sctapi.ftqq.com/SCT1TabcDEF.send"},
		{"", "sctp12345tAbC", "https://12345.push.ft07.com/send/sctp12345tAbC.send"},
		{"http://127.0.0.1:8080/", "SCT1TabcDEF", "http://127.0.0.1:8080/SCT1TabcDEF.send"},
		{"https://proxy.example.com/sc", "sctp7tX", "https://proxy.example.com/sc/send/sctp7tX.send"},
	}
	for _, tt := range tests {
		if got := serverchan.Endpoint(tt.api, tt.key); got != tt.want {
			t.Errorf("Endpoint(%q, %q) = %q, want %q", tt.api, tt.key, got, tt.want)
		}
	}
}

func TestSendTurbo(t *testing.T) {
	s := serverchantest.NewServer(t)
	ch := newChannel(t, channeltest.With(s.Config(), "channel", "9|66", "noip", "true"), channel.Deps{})
	m := message.Message{Title: "Backup failed", Body: "exit status 2\nno space left on device", Level: message.LevelError}
	a := channeltest.SendOne(t, ch, s, m)
	if a.SC3 || a.Key != serverchantest.TurboKey {
		t.Errorf("sent with key %q sc3=%v, want the Turbo form", a.Key, a.SC3)
	}
	if a.Title != "Backup failed" {
		t.Errorf("title = %q", a.Title)
	}
	if want := "```\nexit status 2\nno space left on device\n```"; a.Text != want {
		t.Errorf("desp = %q, want %q", a.Text, want)
	}
	if a.Short != "exit status 2 no space left on device" {
		t.Errorf("short = %q", a.Short)
	}
	if a.Raw["channel"] != "9|66" {
		t.Errorf("channel = %#v", a.Raw["channel"])
	}
	if n, ok := a.Raw["noip"].(interface{ String() string }); !ok || n.String() != "1" {
		t.Errorf("noip = %#v, want the number 1", a.Raw["noip"])
	}
	if len(a.Raw) != 5 {
		t.Errorf("fields sent = %v, want exactly title, desp, short, noip, channel", a.Raw)
	}
}

func TestSendSC3(t *testing.T) {
	s := serverchantest.NewServer(t)
	ch := newChannel(t, s.ConfigSC3(), channel.Deps{})
	m := message.Message{Title: "Deploy", Body: "**done** in 3s", Markdown: true}
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	got := s.Accepted()
	if len(got) != 1 || !got[0].SC3 || got[0].Key != serverchantest.SC3Key {
		t.Fatalf("accepted = %+v, want one message in the Server酱³ form", got)
	}
	if got[0].Title != "Deploy" || got[0].Text != "**done** in 3s" {
		t.Errorf("title, desp = %q, %q", got[0].Title, got[0].Text)
	}
	for _, k := range []string{"short", "noip", "channel"} {
		if _, ok := got[0].Raw[k]; ok {
			t.Errorf("%s sent for a Markdown message to Server酱³: %v", k, got[0].Raw)
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name               string
		m                  message.Message
		title, desp, short string
	}{
		{name: "plain text in a code block",
			m:     message.Message{Title: "T", Body: "a  b\n\tc"},
			title: "T", desp: "```\na  b\n\tc\n```", short: "a b c"},
		{name: "markdown as is, no short",
			m:     message.Message{Title: "T", Body: "# H\n\n- x", Markdown: true},
			title: "T", desp: "# H\n\n- x"},
		{name: "no title: first body line",
			m:     message.Message{Body: "\n  first line  \nsecond", Markdown: true},
			title: "first line", desp: "\n  first line  \nsecond"},
		{name: "multi-line title flattened",
			m:     message.Message{Title: "a\nb\t c", Body: "x", Markdown: true},
			title: "a b c", desp: "x"},
		{name: "nothing at all",
			m:     message.Message{},
			title: "Herald"},
		{name: "backticks in plain body get a longer fence",
			m:     message.Message{Title: "T", Body: "run ```` here"},
			title: "T", desp: "`````\nrun ```` here\n`````", short: "run ```` here"},
		{name: "picture appended as image",
			m:     message.Message{Title: "T", Body: "see", Markdown: true, PictureURL: "https://img.example.com/a b(1).png"},
			title: "T", desp: "see\n\n![](https://img.example.com/a%20b%281%29.png)"},
		{name: "picture alone",
			m:     message.Message{Title: "T", PictureURL: "https://img.example.com/a.png"},
			title: "T", desp: "![](https://img.example.com/a.png)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, desp, short := serverchan.Render(tt.m)
			if title != tt.title || desp != tt.desp || short != tt.short {
				t.Errorf("Render = %q, %q, %q\nwant      %q, %q, %q", title, desp, short, tt.title, tt.desp, tt.short)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	s := serverchantest.NewServer(t)
	ch := newChannel(t, s.Config(), channel.Deps{})
	longTitle := strings.Repeat("标", 40)
	bigBody := strings.Repeat("0123456789abcdef\n", 3000) // 51000 bytes
	msgs := []message.Message{
		{Title: longTitle, Body: "BEGIN" + bigBody + "END", Markdown: true},
		{Title: longTitle, Body: "BEGIN" + bigBody + "END"},
		{Title: "pic", Body: "BEGIN" + bigBody + "END", Markdown: true, PictureURL: "https://img.example.com/x.png"},
	}
	for _, m := range msgs {
		if err := ch.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	channeltest.NoViolations(t, s)
	got := s.Accepted()
	if len(got) != 3 {
		t.Fatalf("accepted %d, want 3", len(got))
	}
	for i, a := range got {
		if len(a.Text) != serverchan.DespMax {
			t.Errorf("message %d: desp has %d bytes, want exactly %d", i, len(a.Text), serverchan.DespMax)
		}
		if !strings.Contains(a.Text, "BEGIN") || !strings.Contains(a.Text, "END") || !strings.Contains(a.Text, "bytes cut]") {
			t.Errorf("message %d: cut lost the head, the tail or the marker", i)
		}
		if !utf8.ValidString(a.Text) {
			t.Errorf("message %d: desp is not valid UTF-8", i)
		}
	}
	if n := utf8.RuneCountInString(got[0].Title); n != serverchan.TitleMax || got[0].Title != strings.Repeat("标", 31)+"…" {
		t.Errorf("title = %q (%d chars), want 31 chars and …", got[0].Title, n)
	}
	if !strings.HasPrefix(got[1].Text, "```\nBEGIN") || !strings.HasSuffix(got[1].Text, "END\n```") {
		t.Errorf("plain desp lost its code fence: %q…%q", got[1].Text[:12], got[1].Text[len(got[1].Text)-12:])
	}
	if n := utf8.RuneCountInString(got[1].Short); n != serverchan.ShortMax || !strings.HasSuffix(got[1].Short, "…") {
		t.Errorf("short has %d chars (%q), want %d ending in …", n, got[1].Short, serverchan.ShortMax)
	}
	if !strings.HasSuffix(got[2].Text, "END\n\n![](https://img.example.com/x.png)") {
		t.Errorf("picture lost by the cut: …%q", got[2].Text[len(got[2].Text)-50:])
	}
}

func TestErrors(t *testing.T) {
	// 15:00 UTC is 23:00 in Beijing: the quota resets at 00:01, 61 minutes on.
	now := func() time.Time { return time.Date(2025, 1, 2, 15, 0, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		answer     serverchantest.Answer
		transient  bool
		status     int
		code       string
		msg        string
		retryAfter time.Duration
	}{
		{name: "bad key", answer: serverchantest.BadKey(), status: 400, code: "40001", msg: "[AUTH]用户不存在或者权限不足"},
		{name: "daily quota", answer: serverchantest.QuotaExceeded(), transient: true, status: 400, code: "40001",
			msg: "[AUTH]超过当天的发送次数限制[5] (daily quota used up; retrying after midnight Beijing time)", retryAfter: 61 * time.Minute},
		{name: "errno in data", answer: serverchantest.DataErrno(1024, "bad pushtoken"), status: 200, code: "1024", msg: "bad pushtoken"},
		{name: "classic errno", answer: serverchantest.Answer{Status: 200, Body: `{"errno":1024,"errmsg":"不要重复发送同样的内容"}`},
			status: 200, code: "1024", msg: "不要重复发送同样的内容"},
		{name: "rate limited", answer: serverchantest.TooManyRequests("30"), transient: true, status: 429, msg: "Too Many Requests", retryAfter: 30 * time.Second},
		{name: "bad gateway", answer: serverchantest.BadGateway(), transient: true, status: 502, msg: "<html><body>502 Bad Gateway</body></html>"},
		{name: "500 with JSON", answer: serverchantest.Answer{Status: 500, Body: `{"code":500,"message":"server busy"}`},
			transient: true, status: 500, msg: "server busy"},
		{name: "gateway auth failure without code", answer: serverchantest.Answer{Status: 401, Body: `{"message":"Custom authentication failed"}`},
			status: 401, msg: "Custom authentication failed"},
		{name: "200 not JSON", answer: serverchantest.Answer{Status: 200, Body: "<html>portal</html>"},
			status: 200, msg: "unexpected answer (not JSON): <html>portal</html>"},
		{name: "200 without code", answer: serverchantest.Answer{Status: 200, Body: `{"ok":true}`},
			status: 200, msg: `unexpected answer (no code): {"ok":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serverchantest.NewServer(t)
			ch := newChannel(t, s.Config(), channel.Deps{Now: now})
			s.FailNext(tt.answer)
			err := ch.Send(context.Background(), message.Message{Title: "t", Body: "b"})
			channeltest.NoViolations(t, s)
			var e *channel.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *channel.Error", err)
			}
			if e.Transient != tt.transient || channel.IsTransient(err) != tt.transient {
				t.Errorf("transient = %v, want %v (%v)", e.Transient, tt.transient, err)
			}
			if e.Status != tt.status || e.Code != tt.code || e.Msg != tt.msg {
				t.Errorf("status, code, msg = %d, %q, %q; want %d, %q, %q", e.Status, e.Code, e.Msg, tt.status, tt.code, tt.msg)
			}
			if e.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.retryAfter)
			}
			if strings.Contains(err.Error(), serverchantest.TurboKey) {
				t.Errorf("error shows the key: %v", err)
			}
			if len(s.Accepted()) != 0 {
				t.Errorf("fake accepted a message it was told to refuse")
			}
		})
	}
}

func TestUnknownKeyRefused(t *testing.T) {
	s := serverchantest.NewServer(t)
	ch := newChannel(t, channeltest.With(s.Config(), "sendkey", "SCT9TwrongKey"), channel.Deps{})
	err := ch.Send(context.Background(), message.Message{Title: "t", Body: "b"})
	if err == nil || channel.IsTransient(err) || !strings.Contains(err.Error(), "40001 [AUTH]用户不存在或者权限不足") {
		t.Fatalf("err = %v, want permanent 40001", err)
	}
	if strings.Contains(err.Error(), "SCT9TwrongKey") {
		t.Errorf("error shows the key: %v", err)
	}
	channeltest.NoViolations(t, s)
}

// TestFakeFlagsViolations makes sure the fake fails loudly on a request that
// breaks the contract, so the tests above can be trusted.
func TestFakeFlagsViolations(t *testing.T) {
	s := serverchantest.NewServer(t)
	post := func(path, ctype, body string) int {
		resp, err := http.Post(s.URL+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	k := serverchantest.TurboKey
	cases := []struct{ path, ctype, body, want string }{
		{"/" + k + ".send", "application/json", `{"desp":"x"}`, "title is required"},
		{"/" + k + ".send", "application/json", `{"title":"` + strings.Repeat("x", 33) + `"}`, "title has 33 characters, max 32"},
		{"/" + k + ".send", "application/json", `{"title":"t","noip":true}`, "noip must be the number 1"},
		{"/" + k + ".send", "application/json", `{"title":"t","text":"x"}`, `field "text" is not part of the Turbo API`},
		{"/" + k + ".send", "application/x-www-form-urlencoded", `title=t`, "want application/json"},
		{"/send/" + serverchantest.SC3Key + ".send", "application/json", `{"title":"t","channel":"9"}`, `field "channel" is not part of the Server酱³ API`},
		{"/send/" + k + ".send", "application/json", `{"title":"t"}`, "Turbo key sent in the Server酱³ URL form"},
	}
	for i, c := range cases {
		if code := post(c.path, c.ctype, c.body); code == http.StatusOK {
			t.Errorf("case %d answered 200", i)
		}
		channeltest.NewViolation(t, s, i+1, c.want)
	}
	if len(s.Accepted()) != 0 {
		t.Errorf("fake accepted a bad request")
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, serverchan.Kind, serverchantest.Fixture)
}

func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, serverchan.Kind, []channeltest.EnvCase{
		{Name: "turbo", Vars: map[string]string{"PUSH_KEY": "SCT123456TAbCdEfGhIjKlMnOpQrStUvWx"}, Want: channel.Config{"sendkey": "SCT123456TAbCdEfGhIjKlMnOpQrStUvWx"}},
		{Name: "sc3", Vars: map[string]string{"PUSH_KEY": "sctp1234tAbCdEfGhIjKlMnOp"}, Want: channel.Config{"sendkey": "sctp1234tAbCdEfGhIjKlMnOp"}},
		{Name: "empty", Vars: map[string]string{"PUSH_KEY": ""}, ErrField: "sendkey"},
	})
}
