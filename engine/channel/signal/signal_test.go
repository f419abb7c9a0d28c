package signal_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/signal"
	"github.com/heraldpush/herald/engine/channel/signal/signaltest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, srv *signaltest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, signal.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

const uuid = "a1b2c3d4-0000-4000-8000-0123456789ab"

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, signal.Kind, []string{"server", "number", "recipients", "username", "password", "proxy"}, 0, []string{"password", "proxy"})
}

func TestParse(t *testing.T) {
	const srv = "http://signal.lan:8080"
	base := map[string]string{"server": srv, "number": signaltest.Number, "recipients": signaltest.Friend}
	with := func(kv ...string) map[string]string { return channeltest.With(base, kv...) }
	channeltest.RunParseCases(t, signal.Kind, []channeltest.ParseCase{
		{Name: "minimal", Raw: base, Want: channel.Config(base)},
		{Name: "aliases and all recipient kinds", Raw: map[string]string{"url": srv + "/signal/", "sender": signaltest.Number, "to": signaltest.Friend + ", " + uuid + "|" + signaltest.Group},
			WantSome: map[string]string{"server": srv + "/signal/", "recipients": signaltest.Friend + ", " + uuid + "|" + signaltest.Group}},
		{Name: "auth", Raw: with("username", "me", "password", "pw"), WantSome: map[string]string{"username": "me", "password": "pw"}},
		{Name: "required", Raw: map[string]string{}, WantErr: "signal: server: required; signal: number: required; signal: recipients: required"},
		{Name: "local number", Raw: with("number", "015112345678"), WantErr: "signal: number: must be the registered number in international form, like +4915112345678"},
		{Name: "recipient", Raw: with("recipients", signaltest.Friend+",bob"), WantErr: `signal: recipients: "bob" is not a recipient: use +4915112345678, an account UUID or a group id group.… from GET /v1/groups/{number}`},
		{Name: "bad group", Raw: with("recipients", "group.abc"), WantErr: `signal: recipients: "group.abc" is not a recipient: use +4915112345678, an account UUID or a group id group.… from GET /v1/groups/{number}`},
		{Name: "send path", Raw: with("server", srv+"/v2/send"), WantErr: "signal: server: must be only the server's address like http://192.168.1.10:8080, without /v2/send, ?… or #…"},
		{Name: "credentials in URL", Raw: with("server", "http://u:p@signal.lan"), WantErr: "signal: server: must not hold a user name or password: fill in the user name and password fields"},
		{Name: "password alone", Raw: with("password", "pw"), WantErr: "signal: username: give both the user name and the password of the basic authentication, or neither"},
		{Name: "user alone", Raw: with("username", "me"), WantErr: "signal: password: give both the user name and the password of the basic authentication, or neither"},
	}, "pw")
}

func TestSendSplitsGroups(t *testing.T) {
	srv := signaltest.NewServer(t)
	ch := open(t, srv, "recipients", signaltest.Group+","+signaltest.Friend+","+uuid+","+signaltest.Group)
	m := message.Message{Title: "Backup", Body: "3 *files*\n"}
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	acc := srv.Accepted()
	if len(acc) != 3 {
		t.Fatalf("accepted %d messages, want 3", len(acc))
	}
	got := acc[0]
	if want := map[string]any{"message": "Backup\n\n3 *files*", "number": signaltest.Number, "recipients": []any{signaltest.Friend, uuid}, "text_mode": "normal"}; !reflect.DeepEqual(got.Raw, want) {
		t.Errorf("first request %v\nwant %v", got.Raw, want)
	}
	if !reflect.DeepEqual(acc[1].Recipients, []string{signaltest.Group}) || !reflect.DeepEqual(acc[2].Recipients, []string{signaltest.Group}) {
		t.Errorf("accepted %+v, want the numbers, then each group alone", acc)
	}
}

func TestStyled(t *testing.T) {
	srv := signaltest.NewServer(t)
	ch := open(t, srv)
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: "a*b", Body: "## Result\n**ok** `x`", Markdown: true})
	if a.TextMode != "styled" || a.Text != "**a\\*b**\n\n**Result**\n**ok** `x`" {
		t.Errorf("styled: %q %q", a.TextMode, a.Text)
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{Title: "T", Markdown: true}); a.Text != "**T**" {
		t.Errorf("title only: %q", a.Text)
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{}); a.Text != "Herald" || a.TextMode != "normal" {
		t.Errorf("empty: %q %q", a.Text, a.TextMode)
	}
	long := "HEAD" + strings.Repeat("x", 100000) + "TAIL"
	if a := channeltest.SendLast(t, ch, srv, message.Message{Body: long}); len(a.Text) != signal.MaxText || !strings.HasSuffix(a.Text, "TAIL") {
		t.Errorf("long: %d bytes", len(a.Text))
	}
}

func TestBasicAuth(t *testing.T) {
	srv := signaltest.NewServer(t)
	srv.RequireAuth("herald", "s3cret")
	channeltest.SendLast(t, open(t, srv, "username", "herald", "password", "s3cret"), srv, message.Message{Body: "x"})
}

func TestErrors(t *testing.T) {
	creds := base64.StdEncoding.EncodeToString([]byte("herald:s3cret"))
	suite := channeltest.ErrorSuite[*signaltest.Server, signaltest.Answer]{
		Kind: signal.Kind, New: signaltest.NewServer, Secrets: []string{"s3cret", creds}, ExactMsg: true,
		Open: func(t *testing.T, s *signaltest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
	}
	suite.Run(t, []channeltest.ErrorCase[*signaltest.Server, signaltest.Answer]{
		{Name: "unregistered sender", Extra: []string{"number", "+4915100000000"}, Status: 400, Msg: "User +4915100000000 is not registered."},
		{Name: "unknown group", Extra: []string{"recipients", "group." + base64.StdEncoding.EncodeToString([]byte(base64.StdEncoding.EncodeToString(make([]byte, 32))))}, Status: 400,
			Msg: "Failed to send message: Unknown group group.QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQT0="},
		{Name: "proxy asks for auth", Setup: func(s *signaltest.Server) { s.RequireAuth("herald", "s3cret") }, Extra: []string{"username", "herald", "password", "wrong"}, Status: 401,
			Msg: "<html><body><h1>401 Authorization Required</h1></body></html> — check the user name and password of the reverse proxy in front of the server"},
		{Name: "rate limited", Answer: signaltest.RateLimited, Transient: true, Status: 429,
			Msg: "Failed to send message due to rate limiting. Use the attached challenge tokens to lift the rate limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint. — Signal asks this number to solve a challenge: see the REST API's rate-limit-challenge endpoint"},
		{Name: "old server", Answer: signaltest.Answer{Status: 404, Body: "404 page not found"}, Status: 404, Msg: "404 page not found — check the server URL"},
		{Name: "gateway", Answer: signaltest.Answer{Status: 502, Body: "bad gateway"}, Transient: true, Status: 502, Msg: "bad gateway"},
		{Name: "proxy echoes the credentials", Answer: signaltest.Answer{Status: 403, Body: "denied: Basic " + creds}, Extra: []string{"username", "herald", "password", "s3cret"},
			Setup: func(s *signaltest.Server) { s.RequireAuth("herald", "s3cret") }, Status: 403,
			Msg: "denied: Basic … — check the user name and password of the reverse proxy in front of the server"},
		{Name: "no timestamp", Answer: signaltest.Answer{Status: 201, Body: `{}`}, Status: 201, Msg: "unexpected answer without a timestamp: {}"},
		{Name: "not JSON", Answer: signaltest.Answer{Status: 200, Body: "ok", Header: http.Header{"Content-Type": {"text/plain"}}}, Status: 200, Msg: "unexpected answer (not JSON): ok"},
	})
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, signal.Kind, signaltest.Fixture)
}
