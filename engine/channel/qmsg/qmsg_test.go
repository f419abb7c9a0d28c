package qmsg

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/qmsg/qmsgtest"
	"github.com/heraldpush/herald/engine/message"
)

func openChannel(t *testing.T, raw map[string]string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, Kind, raw, channel.Deps{})
}

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"key", "type", "qq", "api", "proxy"}, 0, []string{"key", "proxy"})
	if f, ok := Kind.Field("qmsg_key"); !ok || f.Key != "key" {
		t.Errorf("Field(qmsg_key) = %q, %t; want key", f.Key, ok)
	}
}

func TestParse(t *testing.T) {
	const key = qmsgtest.Key
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: map[string]string{"key": key}, Want: channel.Config{"key": key, "type": "private", "api": DefaultAPI}},
		{
			Name: "qinglong's send is private",
			Raw:  map[string]string{"QMSG_KEY": key, "QMSG_TYPE": "send"},
			Want: channel.Config{"key": key, "type": "private", "api": DefaultAPI},
		},
		{
			Name: "qinglong's group, QQ numbers",
			Raw:  map[string]string{"QMSG_KEY": key, "qmsg_type": "group", "qq": "123456789, 98765"},
			Want: channel.Config{"key": key, "type": "group", "qq": "123456789, 98765", "api": DefaultAPI},
		},
		{Name: "key missing", Raw: map[string]string{"type": "group"}, WantErr: "qmsg: key: required"},
		{
			Name:    "key pasted as a URL",
			Raw:     map[string]string{"key": "https://qmsg.zendee.cn/send/" + key},
			WantErr: "qmsg: key: must be the KEY alone (letters and digits, as the Qmsg酱 management page shows it), not a URL",
		},
		{Name: "unknown type", Raw: map[string]string{"key": key, "type": "send"}, WantErr: `qmsg: type: must be one of private, group, got "send"`},
		{
			Name:    "unknown QMSG_TYPE",
			Raw:     map[string]string{"key": key, "QMSG_TYPE": "psend"},
			WantErr: `qmsg: QMSG_TYPE: must be send (private messages) or group, got "psend"`,
		},
		{Name: "QQ number with letters", Raw: map[string]string{"key": key, "qq": "12345,abc123"}, WantErr: `qmsg: qq: "abc123" is not a QQ number or group number (5 to 12 digits)`},
	}, key)
}

func TestEnvRoundTrip(t *testing.T) {
	for _, typ := range []string{"private", "group"} {
		vars := map[string]string{}
		Kind.PackedEnv.Pack(channel.Config{"type": typ}, vars)
		raw := map[string]string{}
		if err := Kind.PackedEnv.Unpack(vars, raw); err != nil || raw["type"] != typ {
			t.Errorf("%s: packed %v, unpacked %v, %v", typ, vars, raw, err)
		}
	}
}

// TestRequest asserts every field of one request as Qmsg receives it.
func TestRequest(t *testing.T) {
	s := qmsgtest.NewServer(t)
	ch := openChannel(t, channeltest.With(s.Config(), "type", "group", "qq", "123456789|987654321"))
	a := channeltest.SendOne(t, ch, s, message.Message{Title: "Backup", Body: "done ---- in 3s"})
	want := url.Values{"msg": {"Backup\n\ndone - in 3s"}, "qq": {"123456789,987654321"}}
	if a.Path != "group" || !reflect.DeepEqual(a.Form, want) {
		t.Errorf("%s form = %v, want group %v", a.Path, a.Form, want)
	}
}

func TestSend(t *testing.T) {
	const pic = "https://img.example.com/p.png"
	tests := []struct {
		name string
		msg  message.Message
		text string
	}{
		{"title and body", message.Message{Title: "T", Body: "b"}, "T\n\nb"},
		{"body only", message.Message{Body: "b"}, "b"},
		{"picture linked", message.Message{Title: "T", PictureURL: pic}, "T\n\n" + pic},
		{"picture only", message.Message{PictureURL: pic}, pic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := qmsgtest.NewServer(t)
			a := channeltest.SendOne(t, openChannel(t, s.Config()), s, tt.msg)
			if a.Path != "send" || a.Text != tt.text || a.Form.Has("qq") {
				t.Errorf("got %s %q (qq %v), want send %q without qq", a.Path, a.Text, a.Form["qq"], tt.text)
			}
		})
	}
}

func TestTruncation(t *testing.T) {
	s := qmsgtest.NewServer(t)
	body := "HEAD" + strings.Repeat("日志", MaxMsgChars) + "TAIL"
	a := channeltest.SendOne(t, openChannel(t, s.Config()), s, message.Message{Body: body})
	if n := utf8.RuneCountInString(a.Text); n != MaxMsgChars || !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") || !strings.Contains(a.Text, "chars cut]") {
		t.Errorf("msg has %d characters, want %d keeping head, tail and a cut marker", n, MaxMsgChars)
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*qmsgtest.Server, qmsgtest.Answer]{
		Kind: Kind, New: qmsgtest.NewServer, Secrets: []string{qmsgtest.Key},
		Open: func(t *testing.T, s *qmsgtest.Server, kv ...string) channel.Channel {
			return openChannel(t, channeltest.With(s.Config(), kv...))
		},
	}
	suite.Run(t, append([]channeltest.ErrorCase[*qmsgtest.Server, qmsgtest.Answer]{
		{Name: "wrong key", Extra: []string{"key", "ffffffffffffffffffffffffffffffff"}, Code: "500", Msg: "KEY不存在或已失效"},
		{Name: "too frequent", Answer: qmsgtest.TooFrequent, Transient: true, Code: "500", Msg: "请求过于频繁", RetryAfter: time.Minute},
		{Name: "no recipient", Answer: qmsgtest.NoRecipient, Code: "500", Msg: "请先在管理台添加接收消息的QQ号"},
		{Name: "success with an error code", Answer: qmsgtest.Answer{Body: `{"success":true,"reason":"部分失败","code":1}`}, Code: "1", Msg: "部分失败"},
		{Name: "refused without a reason", Answer: qmsgtest.Answer{Body: `{"success":false}`}, Msg: "refused without a reason"},
		{Name: "key in the answer is redacted", Answer: qmsgtest.Answer{Status: 404, Body: "no route /send/" + qmsgtest.Key}, Status: 404, Msg: "no route /send/…"},
	}, channeltest.GatewayErrorCases[*qmsgtest.Server](`{"success":true,"code":0}`, "success")...))
}

func TestEmptyMessage(t *testing.T) {
	s := qmsgtest.NewServer(t)
	err := openChannel(t, s.Config()).Send(context.Background(), message.Message{Title: " ", Level: message.LevelError})
	channeltest.AssertError(t, err, false, "", 0, "empty")
	if s.Requests() != 0 {
		t.Errorf("the fake saw %d requests", s.Requests())
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	suite := channeltest.CatchSuite{Path: "/send/" + qmsgtest.Key, New: func(t *testing.T) (string, channeltest.Violator) {
		s := qmsgtest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", CType: form, Body: "msg=x", Answer: `"success"`, Violation: "method GET"},
		{Name: "private path", Path: "/private/" + qmsgtest.Key, CType: form, Body: "msg=x", Answer: "404", Violation: "want /send/{KEY}"},
		{Name: "msg in the query", Query: "msg=x", CType: form, Body: "", Answer: "消息内容不能为空", Violation: "query"},
		{Name: "JSON body", Body: `{"msg":"x"}`, Answer: "消息内容不能为空", Violation: "Content-Type"},
		{Name: "empty msg", CType: form, Body: "msg=+", Answer: "消息内容不能为空", Violation: "msg is missing or empty"},
		{Name: "qq with spaces", CType: form, Body: "msg=x&qq=12345,+67890", Answer: "QQ号格式错误", Violation: "want numbers separated by commas"},
		{Name: "unknown field", CType: form, Body: "msg=x&title=t", Answer: "参数错误", Violation: "unknown field title"},
		{Name: "too long", CType: form, Body: "msg=" + strings.Repeat("x", MaxMsgChars+1), Answer: "消息内容过长", Violation: "over 10000"},
		{Name: "wrong key is a setup error", Path: "/group/nope", CType: form, Body: "msg=x", Answer: "KEY不存在或已失效", NoViolation: true},
		{Name: "a valid request", CType: form, Body: "msg=x&qq=12345,67890", Answer: `"success":true`, NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, qmsgtest.Fixture)
}
