package onebot

import (
	"cmp"
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/onebot/onebottest"
	"github.com/heraldpush/herald/engine/message"
)

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"url", "access_token", "user_id", "group_id", "proxy"}, 0, []string{"access_token", "proxy"})
	if got := Kind.EnvVars(); !reflect.DeepEqual(got, []string{"GOBOT_TOKEN", "GOBOT_URL", "GOBOT_QQ"}) {
		t.Errorf("EnvVars = %v", got)
	}
}

func TestParse(t *testing.T) {
	const api = "http://127.0.0.1:5700"
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "user", Raw: map[string]string{"url": api, "user_id": "12345"}, Want: channel.Config{"url": api, "user_id": "12345"}},
		{Name: "group with token", Raw: map[string]string{"url": api + "/", "group_id": "67890", "GOBOT_TOKEN": "s3cretTok"},
			Want: channel.Config{"url": api + "/", "group_id": "67890", "access_token": "s3cretTok"}},
		{Name: "qinglong private endpoint", Raw: map[string]string{"GOBOT_URL": api + "/send_private_msg", "GOBOT_QQ": "user_id=12345"},
			Want: channel.Config{"url": api + "/send_private_msg", "user_id": "12345"}},
		{Name: "qinglong group endpoint", Raw: map[string]string{"gobot_url": api + "/send_group_msg", "gobot_qq": " group_id = 67890 "},
			Want: channel.Config{"url": api + "/send_group_msg", "group_id": "67890"}},
		{Name: "qinglong bare number takes the endpoint's type", Raw: map[string]string{"GOBOT_URL": api + "/send_group_msg", "GOBOT_QQ": "67890"},
			Want: channel.Config{"url": api + "/send_group_msg", "group_id": "67890"}},
		{Name: "GOBOT_QQ without a type", Raw: map[string]string{"GOBOT_URL": api, "GOBOT_QQ": "67890"},
			WantErr: "onebot: GOBOT_QQ: must be user_id=<QQ number> or group_id=<group number>, as qinglong writes it"},
		{Name: "no target", Raw: map[string]string{"url": api},
			WantErr: "onebot: user_id: give a QQ number (user_id) or a group number (group_id) to send to"},
		{Name: "two targets", Raw: map[string]string{"url": api, "user_id": "1", "group_id": "2"},
			WantErr: "onebot: group_id: give a QQ number or a group number, not both: clear one of them"},
		{Name: "endpoint disagrees with the target", Raw: map[string]string{"url": api + "/send_private_msg", "group_id": "2"},
			WantErr: "onebot: url: ends in /send_private_msg but the target needs send_group_msg: give the API base (http://host:port) alone"},
		{Name: "not a number", Raw: map[string]string{"url": api, "user_id": "qq12345"},
			WantErr: "onebot: user_id: must be a number (digits only), like 123456789"},
		{Name: "token in the URL", Raw: map[string]string{"url": api + "/send_private_msg?access_token=s3cretTok", "user_id": "1"},
			WantErr: "onebot: url: remove the ?… part: put the access token in the access token field"},
		{Name: "another action", Raw: map[string]string{"url": api + "/send_msg", "user_id": "1"},
			WantErr: `onebot: url: ends in the action "send_msg": give the API base (http://host:port), or end it in /send_private_msg or /send_group_msg`},
		{Name: "url missing", Raw: map[string]string{"user_id": "1"}, WantErr: "onebot: url: required"},
	}, "s3cretTok")
}

func TestPackEnv(t *testing.T) {
	tests := []struct {
		c    channel.Config
		want map[string]string
	}{
		{channel.Config{"url": "http://h:5700/", "user_id": "1"}, map[string]string{"GOBOT_URL": "http://h:5700/send_private_msg", "GOBOT_QQ": "user_id=1"}},
		{channel.Config{"url": "http://h:5700/qq/send_group_msg", "group_id": "2"}, map[string]string{"GOBOT_URL": "http://h:5700/qq/send_group_msg", "GOBOT_QQ": "group_id=2"}},
	}
	for _, tt := range tests {
		got := map[string]string{}
		Kind.PackedEnv.Pack(tt.c, got)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Pack(%v) = %v, want %v", tt.c, got, tt.want)
		}
		back, err := Kind.Parse(got)
		if err != nil || back.String("user_id") != tt.c.String("user_id") || back.String("group_id") != tt.c.String("group_id") {
			t.Errorf("Parse(Pack(%v)) = %v, %v", tt.c, back, err)
		}
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name  string
		extra []string
		msg   message.Message
		want  onebottest.Accepted
	}{
		{"private", nil, message.Message{Title: "Backup", Body: "done"},
			onebottest.Accepted{API: "send_private_msg", UserID: onebottest.UserID, Text: "Backup\n\ndone", AutoEscape: true}},
		{"group", []string{"user_id", "", "group_id", "20002"}, message.Message{Body: "[CQ:at,qq=all] hi"},
			onebottest.Accepted{API: "send_group_msg", GroupID: onebottest.GroupID, Text: "[CQ:at,qq=all] hi", AutoEscape: true}},
		{"picture as a link", nil, message.Message{PictureURL: "https://img.example.com/c.png"},
			onebottest.Accepted{API: "send_private_msg", UserID: onebottest.UserID, Text: "https://img.example.com/c.png", AutoEscape: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := onebottest.NewServer(t)
			ch := channeltest.Open(t, Kind, channeltest.With(s.Config(), tt.extra...), channel.Deps{})
			if got := channeltest.SendOne(t, ch, s, tt.msg); got != tt.want {
				t.Errorf("accepted %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestQinglongEndpointSends(t *testing.T) {
	s := onebottest.NewServer(t)
	ch := channeltest.Open(t, Kind, map[string]string{"GOBOT_URL": s.URL + "/send_group_msg/", "GOBOT_QQ": "group_id=20002", "GOBOT_TOKEN": onebottest.Token}, channel.Deps{})
	if got := channeltest.SendOne(t, ch, s, message.Message{Body: "x"}); got.API != "send_group_msg" || got.GroupID != onebottest.GroupID {
		t.Errorf("accepted %+v", got)
	}
}

func TestEmptyMessageIsNotSent(t *testing.T) {
	s := onebottest.NewServer(t)
	err := channeltest.Open(t, Kind, s.Config(), channel.Deps{}).Send(context.Background(), message.Message{Title: " "})
	channeltest.AssertError(t, err, false, "", 0, "the message is empty")
	if s.Requests() != 0 {
		t.Errorf("the fake saw %d requests", s.Requests())
	}
}

func TestTruncation(t *testing.T) {
	s := onebottest.NewServer(t)
	ch := channeltest.Open(t, Kind, s.Config(), channel.Deps{})
	got := channeltest.SendOne(t, ch, s, message.Message{Body: "HEAD" + strings.Repeat("长", 10000) + "TAIL"}).Text
	if n := utf8.RuneCountInString(got); n > MaxTextRunes || n < MaxTextRunes-2 || !strings.HasPrefix(got, "HEAD") || !strings.HasSuffix(got, "TAIL") {
		t.Errorf("message: %d characters, starts %q, ends %q", n, got[:8], got[len(got)-8:])
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*onebottest.Server, onebottest.Answer]{
		Kind: Kind, New: onebottest.NewServer, Secrets: []string{onebottest.Token},
		Open: func(t *testing.T, s *onebottest.Server, kv ...string) channel.Channel {
			return channeltest.Open(t, Kind, channeltest.With(s.Config(), kv...), channel.Deps{})
		},
	}
	suite.Run(t, []channeltest.ErrorCase[*onebottest.Server, onebottest.Answer]{
		{Name: "no token", Extra: []string{"access_token", ""}, Status: 401, Msg: "wants an access token"},
		{Name: "wrong token", Extra: []string{"access_token", "wrong-token-1234"}, Status: 403, Msg: "the access token is wrong"},
		{Name: "unknown group", Extra: []string{"user_id", "", "group_id", "999"}, Code: "100", Msg: "群聊不存在: GROUP_NOT_FOUND"},
		{Name: "QQ refused", Answer: onebottest.SendFailed, Code: "100", Msg: "请参考 go-cqhttp 端输出: SEND_MSG_API_ERROR"},
		{Name: "starting", Answer: onebottest.Starting, Transient: true, Code: "201", Msg: "status failed"},
		{Name: "login expired", Answer: onebottest.LoginExpired, Code: "104", Msg: "log the OneBot implementation in again (凭证失效)"},
		{Name: "ok status with a failing retcode", Answer: onebottest.Answer{Body: `{"status":"ok","retcode":1}`}, Status: 200, Msg: "unexpected answer (status ok)"},
		{Name: "action missing", Answer: onebottest.Answer{Status: 404}, Status: 404, Msg: "has no /send_private_msg API"},
		{Name: "406", Answer: onebottest.Answer{Status: 406, Body: "not acceptable"}, Status: 406, Msg: "not acceptable"},
	})
	suite.Run(t, channeltest.GatewayErrorCases[*onebottest.Server](`{"status":"ok","retcode":0}`, "retcode"))
}

func TestAsyncIsAccepted(t *testing.T) {
	s := onebottest.NewServer(t)
	s.FailNext(onebottest.Async)
	if err := channeltest.Open(t, Kind, s.Config(), channel.Deps{}).Send(context.Background(), message.Message{Body: "x"}); err != nil {
		t.Fatalf("async answer: %v", err)
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
// Its requests carry the token, so channeltest.CatchSuite (which sends
// none) cannot reach past the fake's 401.
func TestFakeCatches(t *testing.T) {
	ok := `{"user_id":10001,"message":"x","auto_escape":true}`
	cases := []struct {
		name, path, ctype, body, answer, violation string
	}{
		{"unknown action", "/send_msg", "", ok, "", `path "/send_msg"`},
		{"form body", "", "application/x-www-form-urlencoded", "user_id=1", "", "Content-Type"},
		{"id as a string", "", "", `{"user_id":"10001","message":"x","auto_escape":true}`, "", `user_id is "10001"`},
		{"group id to private", "", "", `{"group_id":20002,"message":"x","auto_escape":true}`, "", `unexpected parameter "group_id"`},
		{"CQ codes live", "", "", `{"user_id":10001,"message":"x","auto_escape":false}`, "", "auto_escape is false"},
		{"message segments", "", "", `{"user_id":10001,"message":[{"type":"text"}],"auto_escape":true}`, "", "want a string"},
		{"empty message", "", "", `{"user_id":10001,"message":" ","auto_escape":true}`, `"retcode":100`, "message is empty"},
		{"too long", "", "", `{"user_id":10001,"message":"` + strings.Repeat("a", MaxTextRunes+1) + `","auto_escape":true}`, "SEND_MSG_API_ERROR", "over 4500"},
		{"token in the query", "/send_private_msg?access_token=" + onebottest.Token, "", ok, `"retcode":0`, "access_token in the query"},
		{"valid", "", "", ok, `"status":"ok"`, ""},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			s := onebottest.NewServer(t)
			req, _ := http.NewRequest("POST", s.URL+cmp.Or(tt.path, "/send_private_msg"), strings.NewReader(tt.body))
			req.Header.Set("Content-Type", cmp.Or(tt.ctype, "application/json"))
			req.Header.Set("Authorization", "Bearer "+onebottest.Token)
			_, body := channeltest.Do(t, req)
			if !strings.Contains(string(body), tt.answer) {
				t.Errorf("answer %q, want it to contain %q", body, tt.answer)
			}
			v := strings.Join(s.Violations(), "\n")
			if (tt.violation == "") != (v == "") || !strings.Contains(v, tt.violation) {
				t.Errorf("violations %q, want one about %q", v, tt.violation)
			}
		})
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, onebottest.Fixture)
}
