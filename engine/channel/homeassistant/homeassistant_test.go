package homeassistant_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/homeassistant"
	"github.com/heraldpush/herald/engine/channel/homeassistant/homeassistanttest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, srv *homeassistanttest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, homeassistant.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, homeassistant.Kind, []string{"server", "token", "service", "data", "proxy"}, 0, []string{"token", "proxy"})
}

func TestParse(t *testing.T) {
	const srv, tok = "http://homeassistant.local:8123", homeassistanttest.Token
	base := map[string]string{"server": srv, "token": tok}
	with := func(kv ...string) map[string]string { return channeltest.With(base, kv...) }
	channeltest.RunParseCases(t, homeassistant.Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: base, Want: channel.Config{"server": srv, "token": tok, "service": homeassistant.Persistent}},
		{Name: "notify prefix", Raw: with("service", "notify.mobile_app_phone", "data", `{"push":{"sound":"default"}}`), WantSome: map[string]string{"service": "notify.mobile_app_phone"}},
		{Name: "required", Raw: map[string]string{}, WantErr: "homeassistant: server: required; homeassistant: token: required"},
		{Name: "api path", Raw: with("server", srv+"/api/"), WantErr: "homeassistant: server: must be only the address you open Home Assistant at, like http://homeassistant.local:8123, without /api/…, ?… or a password"},
		{Name: "token", Raw: with("token", "Bearer abc"), WantErr: "homeassistant: token: must be the long-lived access token alone (letters, digits, . - and _), without Bearer"},
		{Name: "service", Raw: with("service", "notify.Mobile App"), WantErr: "homeassistant: service: must be a service name like mobile_app_my_phone or notify.mobile_app_my_phone: lower-case letters, digits and _"},
		{Name: "other domain", Raw: with("service", "light.turn_on"), WantErr: "homeassistant: service: must be a service name like mobile_app_my_phone or notify.mobile_app_my_phone: lower-case letters, digits and _"},
		{Name: "data for persistent", Raw: with("data", `{"a":1}`), WantErr: "homeassistant: data: persistent_notification takes no extra data: clear it or choose a notify service"},
	}, tok)
}

func TestPersistentDefault(t *testing.T) {
	srv := homeassistanttest.NewServer(t)
	for _, service := range []string{"", "persistent_notification", "notify.persistent_notification"} {
		a := channeltest.SendLast(t, open(t, srv, "service", service), srv, message.Message{Title: "Backup", Body: "line 1\nline 2\n"})
		want := map[string]any{"title": "Backup", "message": "line 1  \nline 2"}
		if a.Service != "persistent_notification/create" || !reflect.DeepEqual(a.Raw, want) {
			t.Errorf("service %q: called %s with %v", service, a.Service, a.Raw)
		}
	}
	md := channeltest.SendLast(t, open(t, srv), srv, message.Message{Body: "**ok**\nnext", Markdown: true})
	if md.Text != "**ok**\nnext" || md.Title != "" {
		t.Errorf("markdown sent as %v", md.Raw)
	}
}

func TestNotifyService(t *testing.T) {
	srv := homeassistanttest.NewServer(t)
	ch := open(t, srv, "service", "notify."+homeassistanttest.Notify, "data", `{"push": {"sound": "default"}, "tag": "herald"}`)
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: "T", Body: "a\nb"})
	want := map[string]any{"title": "T", "message": "a\nb", "data": map[string]any{"push": map[string]any{"sound": "default"}, "tag": "herald"}}
	if a.Service != "notify/"+homeassistanttest.Notify || !reflect.DeepEqual(a.Raw, want) {
		t.Errorf("called %s with %v", a.Service, a.Raw)
	}
	long := channeltest.SendLast(t, ch, srv, message.Message{Body: "HEAD" + strings.Repeat("x", 10000) + "TAIL"})
	if len(long.Text) != homeassistant.MaxNotify || !strings.HasSuffix(long.Text, "TAIL") {
		t.Errorf("long message of %d bytes", len(long.Text))
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{Title: "only"}); a.Text != "only" || a.Title != "" {
		t.Errorf("title only: %v", a.Raw)
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{}); a.Text != "Herald" {
		t.Errorf("empty: %v", a.Raw)
	}
}

func TestErrors(t *testing.T) {
	const wrong = "eyJ.wrong.token"
	suite := channeltest.ErrorSuite[*homeassistanttest.Server, homeassistanttest.Answer]{
		Kind: homeassistant.Kind, New: homeassistanttest.NewServer, Open: open, Secrets: []string{homeassistanttest.Token, wrong}, ExactMsg: true,
	}
	suite.Run(t, []channeltest.ErrorCase[*homeassistanttest.Server, homeassistanttest.Answer]{
		{Name: "wrong token", Extra: []string{"token", wrong}, Status: 401,
			Msg: "401: Unauthorized — check the long-lived access token: create one under your profile → Security in Home Assistant"},
		{Name: "no such service", Extra: []string{"service", "mobile_app_gone"}, Status: 400,
			Msg: "400: Bad Request — Home Assistant has no such notify service or refused its data: check the service under Developer tools → Actions"},
		{Name: "data refused", Answer: homeassistanttest.BadRequest, Status: 400,
			Msg: "400: Bad Request — Home Assistant has no such notify service or refused its data: check the service under Developer tools → Actions"},
		{Name: "not the API", Answer: homeassistanttest.NotFound, Status: 404, Msg: "404: Not Found — check the server URL"},
		{Name: "service failed", Answer: homeassistanttest.ServerError, Transient: true, Status: 500, Msg: "500 Internal Server Error Server got itself in trouble"},
		{Name: "restarting", Answer: homeassistanttest.Answer{Status: 503, Body: "starting", Header: http.Header{"Retry-After": {"20"}}}, Transient: true, Status: 503, RetryAfter: 20 * time.Second, Msg: "starting"},
		{Name: "JSON message", Answer: homeassistanttest.Answer{Status: 400, Body: `{"message": "Data should be valid JSON."}`}, Status: 400,
			Msg: "Data should be valid JSON. — Home Assistant has no such notify service or refused its data: check the service under Developer tools → Actions"},
		{Name: "login page", Answer: homeassistanttest.Answer{Body: "<html>login</html>"}, Status: 200, Msg: "unexpected answer: <html>login</html> — is the server URL a Home Assistant?"},
		{Name: "echoed token", Answer: homeassistanttest.Answer{Status: 403, Body: "no: " + homeassistanttest.Token}, Status: 403, Msg: "no: …"},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, homeassistant.Kind, homeassistanttest.Fixture)
}
