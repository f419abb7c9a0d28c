package synologychat

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/synologychat/synologychattest"
	"github.com/heraldpush/herald/engine/message"
)

const hookURL = "https://nas.example.com:5001/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=%22" + synologychattest.Token + "%22"

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"url", "proxy"}, 0, []string{"url", "proxy"})
	if got := Kind.EnvVars(); !reflect.DeepEqual(got, []string{"CHAT_URL", "CHAT_TOKEN"}) {
		t.Errorf("EnvVars = %v", got)
	}
}

func TestParse(t *testing.T) {
	const qlURL = "https://nas.example.com:5001/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token="
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "webhook URL", Raw: map[string]string{"url": hookURL}, Want: channel.Config{"url": hookURL}},
		{Name: "qinglong URL and token", Raw: map[string]string{"CHAT_URL": qlURL, "chat_token": "%22qlTok42%22"}, Want: channel.Config{"url": qlURL + "%22qlTok42%22"}},
		{Name: "qinglong URL alone", Raw: map[string]string{"CHAT_URL": hookURL}, Want: channel.Config{"url": hookURL}},
		{Name: "qinglong token alone", Raw: map[string]string{"CHAT_TOKEN": "qlTok42"},
			WantErr: "synology_chat: CHAT_URL: CHAT_TOKEN needs CHAT_URL, the webhook URL up to token= (qinglong posts to CHAT_URL + CHAT_TOKEN)"},
		{Name: "not a webhook", Raw: map[string]string{"url": "https://nas.example.com:5001/webapi/entry.cgi?api=SYNO.API.Info&token=x"},
			WantErr: "synology_chat: url: must be an incoming webhook's URL, …/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&…: copy it from Synology Chat › Integration › Incoming Webhooks"},
		{Name: "no token", Raw: map[string]string{"url": strings.TrimSuffix(hookURL, "%22"+synologychattest.Token+"%22")},
			WantErr: "synology_chat: url: the URL has no token=…: copy the whole URL from the incoming webhook's settings"},
		{Name: "required", Raw: map[string]string{}, WantErr: "synology_chat: url: required"},
	}, synologychattest.Token, "qlTok42")
}

func TestMask(t *testing.T) {
	got := mask(hookURL)
	want := "https://nas.example.com:5001/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&token=••••&version=2"
	if got != want {
		t.Errorf("mask = %s\nwant   %s", got, want)
	}
}

func TestPackEnv(t *testing.T) {
	vars := map[string]string{}
	Kind.PackedEnv.Pack(channel.Config{"url": hookURL}, vars)
	if !strings.HasSuffix(vars["CHAT_URL"], "token=") || vars["CHAT_TOKEN"] != "%22"+synologychattest.Token+"%22" {
		t.Errorf("Pack = %v", vars)
	}
	if c, err := Kind.Parse(vars); err != nil || c.String("url") != hookURL {
		t.Errorf("Parse(Pack) = %v, %v", c, err)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name string
		msg  message.Message
		want string
	}{
		{"title and body", message.Message{Title: "Backup", Body: "done"}, "Backup\n\ndone"},
		{"form and JSON specials survive", message.Message{Body: `a&b=c+d 100% "q" \ 中文`}, `a&b=c+d 100% "q" \ 中文`},
		{"link syntax is escaped", message.Message{Body: "see <https://x.example|here> and a<b"}, "see <\u200bhttps://x.example|here> and a<\u200bb"},
		{"picture as a link", message.Message{Body: "chart", PictureURL: "https://img.example.com/c.png"}, "chart\n\nhttps://img.example.com/c.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := synologychattest.NewServer(t)
			ch := channeltest.Open(t, Kind, s.Config(), channel.Deps{})
			if got := channeltest.SendOne(t, ch, s, tt.msg).Text; got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTruncation(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"plain", "HEAD" + strings.Repeat("长", 5000) + "TAIL"},
		{"escapes count", "HEAD" + strings.Repeat("<", 5000) + "TAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := synologychattest.NewServer(t)
			got := channeltest.SendOne(t, channeltest.Open(t, Kind, s.Config(), channel.Deps{}), s, message.Message{Body: tt.body}).Text
			if n := utf8.RuneCountInString(got); n > MaxTextRunes || n < MaxTextRunes-2 || !strings.HasPrefix(got, "HEAD") || !strings.HasSuffix(got, "TAIL") {
				t.Errorf("text: %d characters, starts %q, ends %q", n, got[:8], got[len(got)-8:])
			}
		})
	}
}

func TestEmptyMessageIsNotSent(t *testing.T) {
	s := synologychattest.NewServer(t)
	err := channeltest.Open(t, Kind, s.Config(), channel.Deps{}).Send(context.Background(), message.Message{Body: "  "})
	channeltest.AssertError(t, err, false, "", 0, "the message is empty")
	if s.Requests() != 0 {
		t.Errorf("the fake saw %d requests", s.Requests())
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*synologychattest.Server, synologychattest.Answer]{
		Kind: Kind, New: synologychattest.NewServer, Secrets: []string{synologychattest.Token},
		Open: func(t *testing.T, s *synologychattest.Server, kv ...string) channel.Channel {
			return channeltest.Open(t, Kind, channeltest.With(s.Config(), kv...), channel.Deps{})
		},
	}
	suite.Run(t, []channeltest.ErrorCase[*synologychattest.Server, synologychattest.Answer]{
		{Name: "too many", Answer: synologychattest.TooMany, Transient: true, Code: "117", Msg: "too many messages: Synology Chat is limiting this webhook"},
		{Name: "chat stopped", Answer: synologychattest.NotRunning, Transient: true, Code: "102", Msg: "is the Chat Server package running?"},
		{Name: "too long", Answer: synologychattest.Answer{Body: `{"error":{"code":410,"errors":"msg too long"},"success":false}`}, Code: "410", Msg: "too long for Synology Chat (msg too long)"},
		{Name: "no target", Answer: synologychattest.Answer{Body: `{"error":{"code":800,"errors":"no target"},"success":false}`}, Code: "800", Msg: "names no incoming webhook"},
		{Name: "unknown code", Answer: synologychattest.Answer{Body: `{"error":{"code":407,"errors":"record is not valid"},"success":false}`}, Code: "407", Msg: "record is not valid"},
		{Name: "errors as an object", Answer: synologychattest.Answer{Body: `{"error":{"code":120,"errors":{"name":"text"}},"success":false}`}, Code: "120", Msg: `Chat refused a parameter ({"name":"text"})`},
		{Name: "429", Answer: synologychattest.Answer{Status: http.StatusTooManyRequests, Body: "slow"}, Transient: true, Status: 429, Msg: "slow"},
	})
	suite.Run(t, channeltest.GatewayErrorCases[*synologychattest.Server](`{"success":true}`, "success"))
}

// TestWrongToken: Chat answers 404 for a token it does not know, and the
// error names the fix without the token.
func TestWrongToken(t *testing.T) {
	s := synologychattest.NewServer(t)
	const wrong = "WrongToken0123456789abcdef"
	err := channeltest.Open(t, Kind, map[string]string{"url": s.WebhookURL(wrong)}, channel.Deps{}).Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "404", 0, "the webhook token is wrong or the incoming webhook was deleted")
	channeltest.AssertNoSecrets(t, err, wrong, s.WebhookURL(wrong))
	channeltest.NoViolations(t, s)
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	q := "api=SYNO.Chat.External&method=incoming&version=2&token=%22" + synologychattest.Token + "%22"
	form := "application/x-www-form-urlencoded"
	suite := channeltest.CatchSuite{Path: "/webapi/entry.cgi", New: func(t *testing.T) (string, channeltest.Violator) {
		s := synologychattest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "JSON body", Query: q, Body: `{"text":"x"}`, Answer: `"code":120`, Violation: "Content-Type"},
		{Name: "raw & in the payload", Query: q, CType: form, Body: `payload={"text":"a&b"}`, Answer: `"code":120`, Violation: "form fields"},
		{Name: "raw + and % in the payload", Query: q, CType: form, Body: `payload={"text":"100%"}`, Answer: `"code":120`, Violation: "not form-encoded"},
		{Name: "text not a string", Query: q, CType: form, Body: "payload=" + `%7B%22text%22%3A5%7D`, Answer: `"code":120`, Violation: "text is float64"},
		{Name: "file_url", Query: q, CType: form, Body: "payload=" + `%7B%22text%22%3A%22x%22%2C%22file_url%22%3A%22y%22%7D`, Answer: `"code":120`, Violation: `"file_url"`},
		{Name: "no api", Query: "method=incoming&version=2&token=x", CType: form, Body: "payload=%7B%7D", Answer: `"code":101`, Violation: "lacks api"},
		{Name: "other method", Query: "api=SYNO.Chat.External&method=chatbot&version=2&token=x", CType: form, Answer: `"code":103`, Violation: `method "chatbot"`},
		{Name: "too long", Query: q, CType: form, Body: "payload=" + `%7B%22text%22%3A%22` + strings.Repeat("a", MaxTextRunes+1) + `%22%7D`, Answer: `"code":410`, Violation: "over 2000"},
		{Name: "wrong token is a setup error", Query: "api=SYNO.Chat.External&method=incoming&version=2&token=nope", CType: form, Answer: `"code":404`, NoViolation: true},
		{Name: "valid", Query: q, CType: form, Body: "payload=%7B%22text%22%3A%22x%22%7D", Answer: `{"success":true}`, NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, synologychattest.Fixture)
}
