package pushme

import (
	"context"
	"net/url"
	"reflect"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/pushme/pushmetest"
	"github.com/heraldpush/herald/engine/message"
)

func openChannel(t *testing.T, raw map[string]string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, Kind, raw, channel.Deps{})
}

func TestFields(t *testing.T) {
	channeltest.CheckSchema(t, Kind, []string{"key", "api", "proxy"}, 0, []string{"key", "proxy"})
	for name, key := range map[string]string{"pushme_key": "key", "PUSH_KEY": "key", "PUSHME_URL": "api", "server": "api"} {
		if f, ok := Kind.Field(name); !ok || f.Key != key {
			t.Errorf("Field(%q) = %q, %t; want %q", name, f.Key, ok, key)
		}
	}
}

func TestParse(t *testing.T) {
	const key = pushmetest.Key
	channeltest.RunParseCases(t, Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: map[string]string{"key": key}, Want: channel.Config{"key": key, "api": DefaultAPI}},
		{
			Name: "qinglong's variables",
			Raw:  map[string]string{"PUSHME_KEY": key + ",other_key-2", "PUSHME_URL": "http://127.0.0.1:3010"},
			Want: channel.Config{"key": key + ",other_key-2", "api": "http://127.0.0.1:3010"},
		},
		{Name: "key missing", Raw: map[string]string{}, WantErr: "pushme: key: required"},
		{
			Name:    "key pasted as a URL",
			Raw:     map[string]string{"key": "https://push.i-i.me/?push_key=" + key},
			WantErr: "pushme: key: must be the push key alone (letters and digits, as the PushMe app shows it; several separated by commas), not a URL or a sentence",
		},
		{Name: "empty key in a list", Raw: map[string]string{"key": key + ","}, WantErr: "pushme: key: must be the push key alone (letters and digits, as the PushMe app shows it; several separated by commas), not a URL or a sentence"},
	}, key)
}

func TestEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		DefaultAPI:                    DefaultAPI + "/",
		DefaultAPI + "/":              DefaultAPI + "/",
		"http://127.0.0.1:3010":       "http://127.0.0.1:3010/",
		"https://example.com/pushme":  "https://example.com/pushme",
		"https://example.com/pushme/": "https://example.com/pushme/",
	} {
		if got := Endpoint(in); got != want {
			t.Errorf("Endpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRequest asserts every field of one request as PushMe receives it.
func TestRequest(t *testing.T) {
	s := pushmetest.NewServer(t)
	a := channeltest.SendOne(t, openChannel(t, s.Config()), s, message.Message{Title: "Backup", Body: "done in 3s"})
	want := url.Values{"push_key": {pushmetest.Key}, "title": {"Backup"}, "content": {"done in 3s"}, "type": {"text"}}
	if !reflect.DeepEqual(a.Form, want) {
		t.Errorf("form = %v, want %v", a.Form, want)
	}
}

func TestSend(t *testing.T) {
	const pic = "https://img.example.com/a (1).png"
	tests := []struct {
		name                string
		msg                 message.Message
		title, content, typ string
	}{
		{"plain", message.Message{Title: "T", Body: "a < b"}, "T", "a < b", "text"},
		{"markdown", message.Message{Title: "T", Body: "## x", Markdown: true}, "T", "## x", "markdown"},
		{"body only", message.Message{Body: "just this"}, "", "just this", "text"},
		{"title only", message.Message{Title: "Only"}, "Only", "", "text"},
		{"text links the picture", message.Message{Title: "T", Body: "b", PictureURL: pic}, "T", "b\n\n" + pic, "text"},
		{"markdown shows the picture", message.Message{Body: "b", Markdown: true, PictureURL: pic}, "", "![](https://img.example.com/a%20%281%29.png)\n\nb", "markdown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pushmetest.NewServer(t)
			a := channeltest.SendOne(t, openChannel(t, s.Config()), s, tt.msg)
			if a.Title != tt.title || a.Text != tt.content || a.Type != tt.typ {
				t.Errorf("got %q %q %s, want %q %q %s", a.Title, a.Text, a.Type, tt.title, tt.content, tt.typ)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*pushmetest.Server, pushmetest.Answer]{
		Kind: Kind, New: pushmetest.NewServer, Secrets: []string{pushmetest.Key},
		Open: func(t *testing.T, s *pushmetest.Server, kv ...string) channel.Channel {
			return openChannel(t, channeltest.With(s.Config(), kv...))
		},
	}
	suite.Run(t, []channeltest.ErrorCase[*pushmetest.Server, pushmetest.Answer]{
		{Name: "wrong key", Extra: []string{"key", "wrongKey42"}, Status: 200, Msg: "非法push_key! (the push key is wrong"},
		{Name: "other reason", Answer: pushmetest.Answer{Body: "Push failed, the parameter format is incorrect!"}, Status: 200, Msg: "Push failed, the parameter format is incorrect!"},
		{Name: "empty answer", Answer: pushmetest.Answer{Body: " \n"}, Status: 200, Msg: "empty answer, want success"},
		{Name: "success inside a page is not success", Answer: pushmetest.Answer{Body: "<html>success</html>"}, Status: 200, Msg: "<html>success</html>"},
		{Name: "key echoed back is redacted", Answer: pushmetest.Answer{Body: "bad key " + pushmetest.Key}, Status: 200, Msg: "bad key …"},
		{Name: "bad gateway page", Answer: channeltest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "5xx even with success", Answer: pushmetest.Answer{Status: 500, Body: "success"}, Transient: true, Status: 500, Msg: "success"},
		{Name: "429", Answer: pushmetest.Answer{Status: 429, Body: "slow down"}, Transient: true, Status: 429, Msg: "slow down"},
		{Name: "4xx page", Answer: pushmetest.Answer{Status: 403, Body: "forbidden"}, Status: 403, Msg: "forbidden"},
	})
}

func TestEmptyMessage(t *testing.T) {
	s := pushmetest.NewServer(t)
	err := openChannel(t, s.Config()).Send(context.Background(), message.Message{Title: "  ", Level: message.LevelError})
	channeltest.AssertError(t, err, false, "", 0, "empty")
	if s.Requests() != 0 {
		t.Errorf("the fake saw %d requests", s.Requests())
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	key := "push_key=" + pushmetest.Key
	suite := channeltest.CatchSuite{Path: "/", New: func(t *testing.T) (string, channeltest.Violator) {
		s := pushmetest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Query: key + "&title=x", CType: form, Answer: "405", Violation: "method GET"},
		{Name: "wrong path", Path: "/send", CType: form, Body: key + "&title=x", Answer: "404", Violation: "want /"},
		{Name: "key in the query", Query: key, CType: form, Body: "title=x", Answer: pushmetest.EmptyKey, Violation: "query"},
		{Name: "JSON body", Body: `{"push_key":"k","title":"x"}`, Answer: pushmetest.EmptyKey, Violation: "Content-Type"},
		{Name: "neither title nor content", CType: form, Body: key + "&type=text", Answer: pushmetest.EmptyMessage, Violation: "neither title nor content"},
		{Name: "empty title sent", CType: form, Body: key + "&title=&content=x", Answer: pushmetest.EmptyMessage, Violation: "title is sent empty"},
		{Name: "unknown type", CType: form, Body: key + "&title=x&type=md", Answer: "parameter format", Violation: "type md"},
		{Name: "unknown field", CType: form, Body: key + "&title=x&desp=y", Answer: "parameter format", Violation: "unknown field desp"},
		{Name: "repeated field", CType: form, Body: key + "&title=x&title=y", Answer: "parameter format", Violation: "more than once"},
		{Name: "wrong key is a setup error", CType: form, Body: "push_key=nope&title=x", Answer: pushmetest.BadKey, NoViolation: true},
		{Name: "a valid request", CType: form, Body: key + "&title=x&content=y&type=markdown&date=2024-01-01+10:00:00", Answer: "success", NoViolation: true},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, pushmetest.Fixture)
}
