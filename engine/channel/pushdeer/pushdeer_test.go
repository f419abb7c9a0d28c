package pushdeer

import (
	"context"
	"net/url"
	"reflect"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/pushdeer/pushdeertest"
	"github.com/heraldpush/herald/engine/message"
)

func openChannel(t *testing.T, raw map[string]string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, Kind, raw, channel.Deps{})
}

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"key", "api", "proxy"}, 0, []string{"key", "proxy"})
	for name, key := range map[string]string{"deer_key": "key", "PUSHKEY": "key", "DEER_URL": "api", "server": "api"} {
		if f, ok := Kind.Field(name); !ok || f.Key != key {
			t.Errorf("Field(%q) = %q, %t; want %q", name, f.Key, ok, key)
		}
	}
}

func TestParse(t *testing.T) {
	const key = pushdeertest.Key
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: map[string]string{"key": key}, Want: channel.Config{"key": key, "api": DefaultAPI}},
		{
			Name: "qinglong's variables",
			Raw:  map[string]string{"DEER_KEY": key, "DEER_URL": "http://10.0.0.2:8800/message/push"},
			Want: channel.Config{"key": key, "api": "http://10.0.0.2:8800/message/push"},
		},
		{Name: "key missing", Raw: map[string]string{"api": DefaultAPI}, WantErr: "pushdeer: key: required"},
		{
			Name:    "key pasted as a URL",
			Raw:     map[string]string{"key": "https://api2.pushdeer.com/message/push?pushkey=" + key},
			WantErr: "pushdeer: key: must be the PushKey alone (letters and digits, as the PushDeer app's Key tab shows it), not a URL or a sentence",
		},
		{Name: "server not a URL", Raw: map[string]string{"key": key, "api": "api2.pushdeer.com"}, WantErr: "pushdeer: api: must start with http:// or https://"},
	}, key)
}

func TestEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		DefaultAPI:                                    DefaultAPI + "/message/push",
		DefaultAPI + "/":                              DefaultAPI + "/message/push",
		"http://10.0.0.2:8800/message/push":           "http://10.0.0.2:8800/message/push",
		"http://10.0.0.2:8800/message/push/":          "http://10.0.0.2:8800/message/push",
		"https://proxy.example.com/deer/":             "https://proxy.example.com/deer/message/push",
		"https://proxy.example.com/deer/message/push": "https://proxy.example.com/deer/message/push",
	} {
		if got := Endpoint(in); got != want {
			t.Errorf("Endpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRequest asserts every field of one request as PushDeer receives it,
// through a server given as qinglong's full DEER_URL.
func TestRequest(t *testing.T) {
	s := pushdeertest.NewServer(t)
	ch := openChannel(t, channeltest.With(s.Config(), "api", s.URL+"/message/push"))
	a := channeltest.SendOne(t, ch, s, message.Message{Title: "Backup", Body: "done in 3s"})
	want := url.Values{"pushkey": {pushdeertest.Key}, "text": {"Backup"}, "desp": {"done in 3s"}, "type": {"text"}}
	if !reflect.DeepEqual(a.Form, want) {
		t.Errorf("form = %v, want %v", a.Form, want)
	}
}

func TestSend(t *testing.T) {
	const pic = "https://img.example.com/a (1).png"
	tests := []struct {
		name            string
		msg             message.Message
		text, desp, typ string
	}{
		{"plain", message.Message{Title: "T", Body: "a < b"}, "T", "a < b", "text"},
		{"markdown", message.Message{Title: "T", Body: "**x**", Markdown: true}, "T", "**x**", "markdown"},
		{"no title: the first line", message.Message{Body: "\n first \nsecond"}, "first", "\n first \nsecond", "text"},
		{"title only: no desp", message.Message{Title: "Only"}, "Only", "", "text"},
		{"text links the picture", message.Message{Title: "T", Body: "b", PictureURL: pic}, "T", "b\n\n" + pic, "text"},
		{"markdown shows the picture", message.Message{Title: "T", Body: "b", Markdown: true, PictureURL: pic}, "T", "![](https://img.example.com/a%20%281%29.png)\n\nb", "markdown"},
		{"picture only", message.Message{PictureURL: pic}, "Herald", pic, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pushdeertest.NewServer(t)
			a := channeltest.SendOne(t, openChannel(t, s.Config()), s, tt.msg)
			if a.Title != tt.text || a.Text != tt.desp || a.Type != tt.typ || a.Form.Has("desp") != (tt.desp != "") {
				t.Errorf("got %q %q %s, want %q %q %s", a.Title, a.Text, a.Type, tt.text, tt.desp, tt.typ)
			}
		})
	}
}

// Some devices failing is a message sent: PushDeer took it and a retry
// would repeat it on the devices that got it.
func TestSomeDevicesFail(t *testing.T) {
	s := pushdeertest.NewServer(t)
	s.Devices = []string{pushdeertest.DeviceFailed, pushdeertest.DeviceOK}
	channeltest.SendOne(t, openChannel(t, s.Config()), s, message.Message{Title: "T"})
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*pushdeertest.Server, pushdeertest.Answer]{
		Kind: Kind, New: pushdeertest.NewServer, Secrets: []string{pushdeertest.Key},
		Open: func(t *testing.T, s *pushdeertest.Server, kv ...string) channel.Channel {
			return openChannel(t, channeltest.With(s.Config(), kv...))
		},
	}
	suite.Run(t, append([]channeltest.ErrorCase[*pushdeertest.Server, pushdeertest.Answer]{
		{Name: "unknown key", Extra: []string{"key", "PDU1TwrongKey"}, Msg: "the PushKey is unknown to the server"},
		{Name: "unknown key scripted", Answer: pushdeertest.UnknownKey, Msg: "the PushKey is unknown to the server"},
		{Name: "no devices", Answer: pushdeertest.Result(), Msg: "no device is signed in"},
		{Name: "every device failed", Answer: pushdeertest.Result(pushdeertest.DeviceFailed, pushdeertest.DeviceFailed), Msg: "every device failed (2): Unregistered"},
		{Name: "device answer unreadable", Answer: pushdeertest.Result("<html>"), Msg: "unreadable device answer: <html>"},
		{Name: "result not a list", Answer: pushdeertest.Answer{Body: `{"code":0,"content":{"result":"ok"}}`}, Msg: "result is not a list"},
		{Name: "remote failure", Answer: pushdeertest.Remote, Transient: true, Code: "80502", Msg: "推送服务暂时不可用"},
		{Name: "not allowed", Answer: pushdeertest.Answer{Body: `{"code":80403,"error":"auth failed"}`}, Code: "80403", Msg: "auth failed (PushDeer refused the key"},
		{Name: "arguments refused", Answer: pushdeertest.Answer{Body: `{"code":80501,"error":"The text field is required."}`}, Code: "80501", Msg: "The text field is required."},
		{Name: "key echoed back is redacted", Answer: pushdeertest.Answer{Body: `{"code":80501,"error":"bad key ` + pushdeertest.Key + `"}`}, Code: "80501", Msg: "bad key …"},
	}, channeltest.GatewayErrorCases[*pushdeertest.Server](`{"code":0,"content":{"result":[]}}`, "code")...))
}

func TestEmptyMessage(t *testing.T) {
	s := pushdeertest.NewServer(t)
	err := openChannel(t, s.Config()).Send(context.Background(), message.Message{Level: message.LevelError})
	channeltest.AssertError(t, err, false, "", 0, "empty")
	if s.Requests() != 0 {
		t.Errorf("the fake saw %d requests", s.Requests())
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	key := "pushkey=" + pushdeertest.Key
	suite := channeltest.CatchSuite{Path: "/message/push", New: func(t *testing.T) (string, channeltest.Violator) {
		s := pushdeertest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Query: key + "&text=x", CType: form, Answer: "405", Violation: "method GET"},
		{Name: "wrong path", Path: "/message/send", CType: form, Body: key + "&text=x", Answer: "404", Violation: "want /message/push"},
		{Name: "key in the query", Query: key, CType: form, Body: "text=x", Answer: "80501", Violation: "query"},
		{Name: "JSON body", Body: `{"pushkey":"k","text":"x"}`, Answer: "80501", Violation: "Content-Type"},
		{Name: "text missing", CType: form, Body: key + "&desp=x", Answer: "The text field is required.", Violation: "text is missing"},
		{Name: "unknown type", CType: form, Body: key + "&text=x&type=html", Answer: "80501", Violation: "type html"},
		{Name: "unknown field", CType: form, Body: key + "&text=x&title=t", Answer: "80501", Violation: "unknown field title"},
		{Name: "empty desp", CType: form, Body: key + "&text=x&desp=", Answer: "80501", Violation: "desp is sent empty"},
		{Name: "wrong key is a setup error", CType: form, Body: "pushkey=nope&text=x", Answer: `"result":false`, NoViolation: true},
		{Name: "a valid request", CType: form, Body: key + "&text=x&desp=y&type=markdown", Answer: `"success`, NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, pushdeertest.Fixture)
}
