package wxpusher

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/wxpusher/wxpushertest"
	"github.com/heraldpush/herald/engine/message"
)

func newChannel(t *testing.T, s *wxpushertest.Server, extra map[string]string) channel.Channel {
	t.Helper()
	raw := s.Config()
	for k, v := range extra {
		if v == "" {
			delete(raw, k)
		} else {
			raw[k] = v
		}
	}
	return channeltest.Open(t, Kind, raw, channel.Deps{})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestParse(t *testing.T) {
	base := map[string]string{"app_token": "AT_x", "uids": "UID_a"}
	with := func(kv ...string) map[string]string { return channeltest.Edit(base, kv...) }
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: base, WantSome: map[string]string{"api": DefaultAPI, "content_type": "", "url": ""}},
		{Name: "QD aliases any case", Raw: map[string]string{"apptoken": "AT_y", "WXPUSHER_UID": "UID_b|UID_c"}, WantSome: map[string]string{"app_token": "AT_y", "uids": "UID_b|UID_c"}},
		{Name: "topics only", Raw: with("uids", "", "topic_ids", "1, 22"), WantSome: map[string]string{"topic_ids": "1, 22"}},
		{Name: "choice case folded", Raw: with("content_type", "HTML"), WantSome: map[string]string{"content_type": "html"}},
		{Name: "token prefix", Raw: with("app_token", "xyz"), WantErr: "wxpusher: app_token: must start with AT_ (copy the appToken from the WxPusher admin console)"},
		{Name: "missing token", Raw: with("app_token", ""), WantErr: "wxpusher: app_token: set the app token with UIDs or topics, or an SPT for simple push"},
		{Name: "nothing", Raw: map[string]string{}, WantErr: "wxpusher: app_token: set the app token with UIDs or topics, or an SPT for simple push"},
		{Name: "spt", Raw: map[string]string{"spt": "SPT_a"}, WantSome: map[string]string{"spt": "SPT_a"}},
		{Name: "spt and token", Raw: with("spt", "SPT_a", "uids", ""), WantErr: "wxpusher: spt: use either SPT (simple push) or an app token with UIDs or topics, not both: clear one of them"},
		{Name: "spt and uids", Raw: map[string]string{"spt": "SPT_a", "uids": "UID_a"}, WantErr: "wxpusher: spt: use either SPT (simple push) or an app token with UIDs or topics, not both: clear one of them"},
		{Name: "spt prefix", Raw: map[string]string{"spt": "SPT_a,AT_b"}, WantErr: "wxpusher: spt: must start with SPT_ (scan the QR code under 极简推送 in WxPusher's docs to get yours)"},
		{Name: "too many spts", Raw: map[string]string{"spt": "SPT_1,SPT_2,SPT_3,SPT_4,SPT_5,SPT_6,SPT_7,SPT_8,SPT_9,SPT_10,SPT_11"}, WantErr: "wxpusher: spt: has 11 SPTs but WxPusher takes at most 10 per message"},
		{Name: "uid prefix", Raw: with("uids", "UID_a,bob"), WantErr: `wxpusher: uids: "bob" is not a UID: UIDs start with UID_`},
		{Name: "topic not a number", Raw: with("topic_ids", "12,abc"), WantErr: `wxpusher: topic_ids: "abc" is not a topic ID: topic IDs are whole numbers like 12345`},
		{Name: "too many topics", Raw: with("topic_ids", "1,2,3,4,5,6"), WantErr: "wxpusher: topic_ids: has 6 topics but WxPusher takes at most 5 per message"},
		{Name: "bad content type", Raw: with("content_type", "rich"), WantErr: `wxpusher: content_type: must be one of text, html, markdown, got "rich"`},
		{Name: "bad url", Raw: with("url", "example.com"), WantErr: "wxpusher: url: must start with http:// or https://"},
		{Name: "long url", Raw: with("url", "https://e.com/"+strings.Repeat("a", 990)), WantErr: "wxpusher: url: has 1004 characters but WxPusher takes at most 1000"},
		{Name: "no recipient", Raw: with("uids", ""), WantErr: "wxpusher: uids: set uids or topic_ids: the message needs at least one recipient"},
		{Name: "bad api", Raw: with("api", "wxpusher.example.com"), WantErr: "wxpusher: api: must start with http:// or https://"},
		{Name: "bad proxy", Raw: with("proxy", "localhost"), WantErr: "wxpusher: proxy: must look like http://host:port or socks5://user:password@host:port"},
	})
}

func TestParseQD(t *testing.T) {
	tests := []struct {
		name    string
		qd      string
		want    map[string]string
		wantErr string
	}{
		{name: "full", qd: "AT_abc;UID_def", want: map[string]string{"app_token": "AT_abc", "uids": "UID_def"}},
		{name: "trailing separators", qd: "AT_abc;UID_def;;", want: map[string]string{"app_token": "AT_abc", "uids": "UID_def"}},
		{name: "too many", qd: "AT_abc;UID_def;12", wantErr: "wxpusher: qd: has 3 values but QD's wxpusher string has at most 2 (app_token;uids)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := Kind.ParseQD(tt.qd)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(raw, tt.want) {
				t.Errorf("raw = %v, want %v", raw, tt.want)
			}
			c, err := Kind.Parse(raw)
			if err != nil || c["api"] != DefaultAPI {
				t.Errorf("Parse = %v, %v; want the default api", c, err)
			}
		})
	}
	// Without an app token (not required: an SPT may stand for it) the
	// mode check speaks.
	if raw, err := Kind.ParseQD(";UID_def"); err != nil {
		t.Errorf("ParseQD: %v", err)
	} else if _, err := Kind.Parse(raw); err == nil || !strings.Contains(err.Error(), "app_token: set the app token") {
		t.Errorf("Parse(%v) = %v, want the app token asked for", raw, err)
	}
	// QD's UID position may stay empty; then the recipient check speaks.
	raw, err := Kind.ParseQD("AT_abc;")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Kind.Parse(raw); err == nil || !strings.Contains(err.Error(), "set uids or topic_ids") {
		t.Errorf("Parse without recipient = %v", err)
	}
}

func TestSend(t *testing.T) {
	s := wxpushertest.NewServer(t)
	ch := newChannel(t, s, map[string]string{
		"uids": wxpushertest.UID + "|" + wxpushertest.UID2 + "," + wxpushertest.UID, "topic_ids": "12345,12345", "url": "https://example.com/run/7",
	})
	if err := ch.Send(context.Background(), message.Message{Title: "Backup ok", Body: "all done"}); err != nil {
		t.Fatal(err)
	}
	acc := s.Accepted()
	if len(acc) != 1 {
		t.Fatalf("accepted %d, want 1", len(acc))
	}
	want := map[string]any{
		"appToken":    wxpushertest.AppToken,
		"content":     "Backup ok\n\nall done",
		"summary":     "Backup ok",
		"contentType": 1,
		"uids":        []string{wxpushertest.UID, wxpushertest.UID2},
		"topicIds":    []int{12345},
		"url":         "https://example.com/run/7",
	}
	if !jsonEqual(acc[0].Raw, want) {
		t.Errorf("request = %v\nwant      %v", acc[0].Raw, want)
	}
	channeltest.NoViolations(t, s)
}

func TestContentTypes(t *testing.T) {
	tests := []struct {
		name    string
		ct      string
		m       message.Message
		want    string
		ctype   int
		summary string
	}{
		{name: "plain message as text", m: message.Message{Title: "T", Body: "a *b*"}, want: "T\n\na *b*", ctype: 1, summary: "T"},
		{name: "markdown message as markdown", m: message.Message{Title: "T", Body: "a *b*", Markdown: true}, want: "## T\n\na *b*", ctype: 3, summary: "T"},
		{name: "forced text", ct: "text", m: message.Message{Body: "a *b*", Markdown: true}, want: "a *b*", ctype: 1, summary: "a *b*"},
		{name: "html escapes", ct: "html", m: message.Message{Title: "<T&>", Body: "x < y\n\"z\""}, want: "<h3>&lt;T&amp;&gt;</h3><p>x &lt; y<br/>&#34;z&#34;</p>", ctype: 2, summary: "<T&>"},
		{name: "summary from first line", m: message.Message{Body: "\n  first line  \nsecond"}, want: "\n  first line  \nsecond", ctype: 1, summary: "first line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wxpushertest.NewServer(t)
			ch := newChannel(t, s, map[string]string{"content_type": tt.ct})
			if err := ch.Send(context.Background(), tt.m); err != nil {
				t.Fatal(err)
			}
			acc := s.Accepted()
			if len(acc) != 1 || acc[0].Text != tt.want || acc[0].ContentType != tt.ctype || acc[0].Summary != tt.summary {
				t.Errorf("accepted = %+v, want content %q type %d summary %q", acc, tt.want, tt.ctype, tt.summary)
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name  string
		ct    string
		m     message.Message
		check func(t *testing.T, a wxpushertest.Accepted)
	}{
		{name: "characters", m: message.Message{Body: strings.Repeat("abcdefghij", 5000)}, check: func(t *testing.T, a wxpushertest.Accepted) {
			if n := utf8.RuneCountInString(a.Text); n > maxContentChars || n < maxContentChars-128 {
				t.Errorf("content has %d characters, want at most %d and near it", n, maxContentChars)
			}
			if !strings.HasPrefix(a.Text, "abcdefghij") || !strings.HasSuffix(a.Text, "abcdefghij") || !strings.Contains(a.Text, "cut]") {
				t.Errorf("cut does not keep head and tail")
			}
		}},
		{name: "bytes", m: message.Message{Title: "标题", Body: strings.Repeat("错误日志", 10000)}, check: func(t *testing.T, a wxpushertest.Accepted) {
			if len(a.Text) > maxContentBytes || len(a.Text) < maxContentBytes-128 || !utf8.ValidString(a.Text) {
				t.Errorf("content has %d bytes, want at most %d and near it, valid UTF-8", len(a.Text), maxContentBytes)
			}
			if !strings.HasPrefix(a.Text, "标题\n\n错误日志") {
				t.Errorf("title lost: %.20q", a.Text)
			}
		}},
		{name: "html characters after escaping", ct: "html", m: message.Message{Body: strings.Repeat("<>", 20000)}, check: func(t *testing.T, a wxpushertest.Accepted) {
			// Escaping makes 40000 characters of body 160000 of content.
			if n := utf8.RuneCountInString(a.Text); n > maxContentChars || n < maxContentChars-128 {
				t.Errorf("content has %d characters, want at most %d and near it", n, maxContentChars)
			}
			if !strings.HasPrefix(a.Text, "<p>&lt;&gt;") || !strings.HasSuffix(a.Text, "&lt;&gt;</p>") {
				t.Errorf("escaped body not kept whole: %.30q … %.30q", a.Text, a.Text[len(a.Text)-30:])
			}
		}},
		{name: "html bytes after escaping", ct: "html", m: message.Message{Body: strings.Repeat("<错错错", 10000)}, check: func(t *testing.T, a wxpushertest.Accepted) {
			if len(a.Text) > maxContentBytes || len(a.Text) < maxContentBytes-128 || !utf8.ValidString(a.Text) {
				t.Errorf("content has %d bytes, want at most %d and near it, valid UTF-8", len(a.Text), maxContentBytes)
			}
		}},
		{name: "summary", m: message.Message{Title: strings.Repeat("长", 150), Body: "x"}, check: func(t *testing.T, a wxpushertest.Accepted) {
			if n := utf8.RuneCountInString(a.Summary); n != maxSummaryChars || !strings.HasSuffix(a.Summary, "…") {
				t.Errorf("summary has %d characters (%q), want %d ending in …", n, a.Summary, maxSummaryChars)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wxpushertest.NewServer(t)
			ch := newChannel(t, s, map[string]string{"content_type": tt.ct})
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

func TestTargets(t *testing.T) {
	tests := []struct {
		name    string
		raw     map[string]string
		wantErr string
	}{
		{name: "one of two unknown still delivered", raw: map[string]string{"uids": wxpushertest.UID + ",UID_unknown"}},
		{name: "unknown topic with known uid", raw: map[string]string{"topic_ids": "999"}},
		{name: "all unknown", raw: map[string]string{"uids": "UID_nobody", "topic_ids": "999"},
			wantErr: "wxpusher: no recipient accepted the message (check uids and topic_ids): UID_nobody: 1001 用户不存在或者未关注应用; topic 999: 1001 主题不存在"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wxpushertest.NewServer(t)
			ch := newChannel(t, s, tt.raw)
			err := ch.Send(context.Background(), message.Message{Body: "x"})
			if tt.wantErr == "" {
				if err != nil || len(s.Accepted()) != 1 {
					t.Errorf("err = %v, accepted %d; want delivered", err, len(s.Accepted()))
				}
			} else if err == nil || err.Error() != tt.wantErr || channel.IsTransient(err) {
				t.Errorf("err = %v, want permanent %q", err, tt.wantErr)
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name       string
		raw        map[string]string
		answer     *wxpushertest.Answer
		code       string
		status     int
		transient  bool
		retryAfter time.Duration
		msg        string
	}{
		{name: "wrong token", raw: map[string]string{"app_token": "AT_wrong"}, code: "1001", msg: "app_token is wrong or was reset (copy it again from the admin console → appToken); WxPusher said: appToken不正确"},
		{name: "business error", answer: &wxpushertest.Answer{Code: 1001, Msg: "content内容过长"}, code: "1001", msg: "content内容过长"},
		{name: "not logged in", answer: &wxpushertest.Answer{Code: 1002, Msg: "未登录"}, code: "1002", msg: "未登录"},
		{name: "internal error", answer: &wxpushertest.Answer{Code: 1005, Msg: "服务器内部错误"}, code: "1005", transient: true, msg: "服务器内部错误"},
		{name: "success false", answer: &wxpushertest.Answer{Code: 1000, Msg: "处理成功", Body: `{"code":1000,"msg":"?","data":[],"success":false}`}, code: "1000", msg: "?"},
		{name: "no targets", answer: &wxpushertest.Answer{Body: `{"code":1000,"msg":"处理成功","data":[],"success":true}`}, msg: "WxPusher reported no recipient for the message (check uids and topic_ids)"},
		{name: "rate limited 429", answer: &wxpushertest.Answer{Status: 429, Body: "Too Many Requests", RetryAfter: "10"}, status: 429, transient: true, retryAfter: 10 * time.Second, msg: "Too Many Requests"},
		{name: "5xx", answer: &wxpushertest.Answer{Status: 502, Body: "<html>Bad Gateway</html>"}, status: 502, transient: true, msg: "Bad Gateway"},
		{name: "404 page", answer: &wxpushertest.Answer{Status: 404, Body: "not found"}, status: 404, msg: "not found"},
		{name: "not JSON", answer: &wxpushertest.Answer{Body: "<html>portal</html>"}, status: 200, msg: "unexpected answer (not JSON)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wxpushertest.NewServer(t)
			ch := newChannel(t, s, tt.raw)
			if tt.answer != nil {
				s.FailNext(*tt.answer)
			}
			err := ch.Send(context.Background(), message.Message{Body: "x"})
			var e *channel.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *channel.Error", err)
			}
			if e.Code != tt.code || e.Status != tt.status || e.Transient != tt.transient || e.RetryAfter != tt.retryAfter || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = %#v, want code %q status %d transient %v retry %v msg containing %q", e, tt.code, tt.status, tt.transient, tt.retryAfter, tt.msg)
			}
			if strings.Contains(err.Error(), wxpushertest.AppToken) || strings.Contains(err.Error(), "AT_wrong") {
				t.Errorf("error %q contains the app token", err)
			}
			channeltest.NoViolations(t, s)
		})
	}
}

func TestEchoedTokenScrubbed(t *testing.T) {
	s := wxpushertest.NewServer(t)
	ch := newChannel(t, s, nil)
	s.FailNext(wxpushertest.Answer{Code: 1001, Msg: "bad request " + wxpushertest.AppToken})
	err := ch.Send(context.Background(), message.Message{Body: "x"})
	if err == nil || strings.Contains(err.Error(), wxpushertest.AppToken) {
		t.Errorf("error = %v, want one without the token", err)
	}
}

// TestFakeChecksContract makes sure the fake notices a request off the
// documented contract, so the tests above can fail.
func TestFakeChecksContract(t *testing.T) {
	s := wxpushertest.NewServer(t)
	body := `{"appToken":"` + wxpushertest.AppToken + `","content":"x","contentType":"1","uids":["alice"],"topicIds":["12345"],"extra":true}`
	resp, err := http.Post(s.URL+"/api/send/message", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	v := strings.Join(s.Violations(), "\n")
	for _, want := range []string{"Content-Type", "contentType must be the number", "UIDs are strings starting with UID_", "topic IDs are JSON integers", `unknown field "extra"`} {
		if !strings.Contains(v, want) {
			t.Errorf("violations %q lack %q", v, want)
		}
	}
}

// TestContract runs the contract every kind shares against the fake, in
// both modes.
func TestContract(t *testing.T) {
	t.Run("standard", func(t *testing.T) { channeltest.RunContract(t, Kind, wxpushertest.Fixture) })
	t.Run("spt", func(t *testing.T) { channeltest.RunContract(t, Kind, wxpushertest.SPTFixture) })
}

// One SPT goes as spt, several as sptList (repeats dropped), to the
// simple-push endpoint without an appToken.
func TestSimplePush(t *testing.T) {
	cases := []struct {
		spt  string
		want map[string]any
	}{
		{spt: wxpushertest.SPT, want: map[string]any{"content": "T\n\nbody", "summary": "T", "contentType": 1, "spt": wxpushertest.SPT}},
		{spt: wxpushertest.SPT + "," + wxpushertest.SPT2 + "|" + wxpushertest.SPT,
			want: map[string]any{"content": "T\n\nbody", "summary": "T", "contentType": 1, "sptList": []string{wxpushertest.SPT, wxpushertest.SPT2}}},
	}
	for _, tc := range cases {
		s := wxpushertest.NewServer(t)
		ch := channeltest.Open(t, Kind, map[string]string{"spt": tc.spt, "api": s.URL}, channel.Deps{})
		if err := ch.Send(context.Background(), message.Message{Title: "T", Body: "body"}); err != nil {
			t.Fatalf("%s: %v", tc.spt, err)
		}
		if got := s.Accepted()[0].Raw; !jsonEqual(got, tc.want) {
			t.Errorf("%s: request %v, want %v", tc.spt, got, tc.want)
		}
		if v := s.Violations(); len(v) > 0 {
			t.Errorf("%s: violations %v", tc.spt, v)
		}
	}
}

func TestSimplePushRefused(t *testing.T) {
	s := wxpushertest.NewServer(t)
	const unknown = "SPT_unknown0123456789"
	ch := channeltest.Open(t, Kind, map[string]string{"spt": unknown, "api": s.URL}, channel.Deps{})
	err := ch.Send(context.Background(), message.Message{Body: "x"})
	if err == nil || !strings.Contains(err.Error(), "check spt") || strings.Contains(err.Error(), unknown) {
		t.Errorf("error = %v, want a refusal naming spt without its value", err)
	}
	s.FailNext(wxpushertest.Answer{Code: 1001, Msg: "spt错误 " + wxpushertest.SPT})
	ch = channeltest.Open(t, Kind, s.SPTConfig(), channel.Deps{})
	err = ch.Send(context.Background(), message.Message{Body: "x"})
	if err == nil || strings.Contains(err.Error(), wxpushertest.SPT) || !strings.Contains(err.Error(), "spt is wrong") {
		t.Errorf("error = %v, want one about the spt without it", err)
	}
}

func TestFakeChecksSimplePush(t *testing.T) {
	s := wxpushertest.NewServer(t)
	body := `{"appToken":"AT_x","content":"x","contentType":1,"spt":"` + wxpushertest.SPT + `","sptList":["` + wxpushertest.SPT + `"]}`
	resp, err := http.Post(s.URL+"/api/send/message/simple-push", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	v := strings.Join(s.Violations(), "\n")
	for _, want := range []string{`unknown simple-push field "appToken"`, "both spt and sptList"} {
		if !strings.Contains(v, want) {
			t.Errorf("violations %q lack %q", v, want)
		}
	}
}

// qinglong splits UIDs and topic IDs on ";" and SPTs on ",".
func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, Kind, []channeltest.EnvCase{
		{Name: "standard", Vars: map[string]string{"WXPUSHER_APP_TOKEN": "AT_x", "WXPUSHER_UIDS": "UID_a; UID_b", "WXPUSHER_TOPIC_IDS": "1;22"},
			Want: channel.Config{"app_token": "AT_x", "uids": "UID_a,UID_b", "topic_ids": "1,22"}},
		{Name: "spt", Vars: map[string]string{"WXPUSHER_SPT_LIST": "SPT_a, SPT_b"}, Want: channel.Config{"spt": "SPT_a,SPT_b"}},
		{Name: "no recipient", Vars: map[string]string{"WXPUSHER_APP_TOKEN": "AT_x", "WXPUSHER_UIDS": ";"}, ErrField: "uids"},
		{Name: "bad topic", Vars: map[string]string{"WXPUSHER_APP_TOKEN": "AT_x", "WXPUSHER_TOPIC_IDS": "1;x"}, ErrField: "topic_ids"},
		{Name: "both modes", Vars: map[string]string{"WXPUSHER_APP_TOKEN": "AT_x", "WXPUSHER_UIDS": "UID_a", "WXPUSHER_SPT_LIST": "SPT_a"}, ErrField: "spt"},
	})
	c := channel.Config{"app_token": "AT_x", "uids": "UID_a|UID_b", "spt": "SPT_a|SPT_b"}
	if got := channeltest.EnvOf(Kind, c); got["WXPUSHER_UIDS"] != "UID_a;UID_b" || got["WXPUSHER_SPT_LIST"] != "SPT_a,SPT_b" {
		t.Errorf("EnvOf = %v", got)
	}
}
