package gotify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/gotify"
	"github.com/heraldpush/herald/engine/channel/gotify/gotifytest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, srv *gotifytest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, gotify.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, gotify.Kind, []string{"server", "token", "priority", "click", "proxy"}, 0, []string{"token", "proxy"})
	for _, f := range gotify.Kind.Fields {
		if f.DocURL == "" && f.Key != "proxy" {
			t.Errorf("field %s lacks a doc URL", f.Key)
		}
	}
}

func TestParse(t *testing.T) {
	const srv, tok = "https://gotify.example.com", gotifytest.Token
	channeltest.RunParseCases(t, gotify.Kind, []channeltest.ParseCase{
		{
			Name: "default priority, keys any case",
			Raw:  map[string]string{"SERVER": srv, "Token": tok},
			Want: channel.Config{"server": srv, "token": tok, "priority": "5"},
		},
		{
			Name: "aliases, sub-path, priority bounds",
			Raw:  map[string]string{"Api": "http://10.0.0.2:8080/gotify/", "APP_TOKEN": "gtfy1.Ab-c_D", "priority": "0", "click": "https://ci.example.com"},
			Want: channel.Config{"server": "http://10.0.0.2:8080/gotify/", "token": "gtfy1.Ab-c_D", "priority": "0", "click": "https://ci.example.com"},
		},
		{Name: "max priority", Raw: map[string]string{"server": srv, "token": tok, "priority": "10"}, Want: channel.Config{"server": srv, "token": tok, "priority": "10"}},
		{Name: "both required", Raw: map[string]string{}, WantErr: "gotify: server: required; gotify: token: required"},
		{Name: "server without scheme", Raw: map[string]string{"server": "gotify.example.com", "token": tok}, WantErr: "gotify: server: must start with http:// or https://"},
		{Name: "token in the URL", Raw: map[string]string{"server": srv + "/message?token=" + tok, "token": tok}, WantErr: "gotify: server: must not hold ?token=…: put the app token in the token field"},
		{Name: "message path", Raw: map[string]string{"server": srv + "/message", "token": tok}, WantErr: "gotify: server: must be the server's address without /message, like https://gotify.example.com"},
		{Name: "other query", Raw: map[string]string{"server": srv + "/?x=1", "token": tok}, WantErr: "gotify: server: must be only the server like https://gotify.example.com, without ?… or #…"},
		{Name: "credentials in the URL", Raw: map[string]string{"server": "https://u:p@gotify.example.com", "token": tok}, WantErr: "gotify: server: must not hold a user name or password: Gotify takes the app token in the token field"},
		{Name: "token charset", Raw: map[string]string{"server": srv, "token": "A bc"}, WantErr: "gotify: token: must be the app token from the Apps tab of the Gotify web UI: letters, digits, . - and _ only"},
		{Name: "priority too high", Raw: map[string]string{"server": srv, "token": tok, "priority": "11"}, WantErr: "gotify: priority: must be 0 to 10, got 11"},
		{Name: "priority negative", Raw: map[string]string{"server": srv, "token": tok, "priority": "-1"}, WantErr: "gotify: priority: must be 0 to 10, got -1"},
		{Name: "priority not a number", Raw: map[string]string{"server": srv, "token": tok, "priority": "high"}, WantErr: `gotify: priority: must be a whole number, got "high"`},
		{Name: "click", Raw: map[string]string{"server": srv, "token": tok, "click": "example.com"}, WantErr: "gotify: click: must be a URL with a scheme, like https://example.com/status"},
		{Name: "unknown", Raw: map[string]string{"server": srv, "token": tok, "title": "x"}, WantErr: "gotify: title: unknown field (known: server, token, priority, click, proxy)"},
	}, tok)
}

func TestParseQD(t *testing.T) {
	// Gotify has no QD string: only an empty one imports.
	channeltest.RunQDCases(t, gotify.Kind, []channeltest.QDCase{
		{In: ""},
		{In: ";;"},
		{In: "https://gotify.example.com;tok", WantErr: "gotify: qd: has 2 values but QD's gotify string has at most 0 ()"},
	})
}

func TestSend(t *testing.T) {
	srv := gotifytest.NewServer(t)
	ch := open(t, srv, "priority", "3", "click", "https://ci.example.com/run/1")
	m := message.Message{Title: "Backup <done>", Body: "3 files & 2 dirs\nline 2", Level: message.LevelSuccess, PictureURL: "https://example.com/chart.png"}
	a := channeltest.SendLast(t, ch, srv, m)
	want := map[string]any{
		"title": m.Title, "message": m.Body, "priority": json.Number("3"),
		"extras": map[string]any{"client::notification": map[string]any{
			"bigImageUrl": "https://example.com/chart.png", "click": map[string]any{"url": "https://ci.example.com/run/1"},
		}},
	}
	if !reflect.DeepEqual(a.Raw, want) {
		t.Errorf("request = %v\nwant      %v", a.Raw, want)
	}
	if a.Title != m.Title || a.Text != m.Body || a.Priority != 3 || a.Markdown {
		t.Errorf("accepted %+v", a)
	}
}

func TestMinimalRequest(t *testing.T) {
	srv := gotifytest.NewServer(t)
	a := channeltest.SendLast(t, open(t, srv), srv, message.Message{Title: "T", Body: "hello\n\n"})
	if want := map[string]any{"title": "T", "message": "hello", "priority": json.Number("5")}; !reflect.DeepEqual(a.Raw, want) {
		t.Errorf("request = %v, want %v", a.Raw, want)
	}
}

// The server URL may carry a path (Gotify behind a reverse proxy under
// /gotify/); the trailing slash is not doubled.
func TestServerUnderPath(t *testing.T) {
	srv := gotifytest.NewServer(t)
	mux := http.NewServeMux()
	mux.Handle("/gotify/", http.StripPrefix("/gotify", srv.Server.Config.Handler))
	front := httptest.NewServer(mux)
	defer front.Close()
	channeltest.SendLast(t, open(t, srv, "server", front.URL+"/gotify/"), srv, message.Message{Body: "via prefix"})
}

func TestPriority(t *testing.T) {
	tests := []struct {
		cfg   string
		level message.Level
		want  int
	}{
		{cfg: "", level: message.LevelInfo, want: 5},
		{cfg: "", level: message.LevelError, want: gotify.ErrorPriority},
		{cfg: "0", level: message.LevelWarning, want: 0},
		{cfg: "0", level: message.LevelError, want: gotify.ErrorPriority},
		{cfg: "9", level: message.LevelError, want: 9},
		{cfg: "10", level: message.LevelSuccess, want: 10},
		{cfg: "8", level: message.LevelError, want: 8},
	}
	for _, tt := range tests {
		srv := gotifytest.NewServer(t)
		a := channeltest.SendLast(t, open(t, srv, "priority", tt.cfg), srv, message.Message{Body: "x", Level: tt.level})
		if a.Priority != tt.want {
			t.Errorf("priority %q, level %q: sent %d, want %d", tt.cfg, tt.level, a.Priority, tt.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	srv := gotifytest.NewServer(t)
	ch := open(t, srv)
	md := channeltest.SendLast(t, ch, srv, message.Message{Title: "T", Body: "**bold**", Markdown: true})
	wantExtras := map[string]any{"client::display": map[string]any{"contentType": "text/markdown"}}
	if !reflect.DeepEqual(md.Raw["extras"], wantExtras) || !md.Markdown || md.Text != "**bold**" {
		t.Errorf("markdown request %v", md.Raw)
	}
	plain := channeltest.SendLast(t, ch, srv, message.Message{Title: "T", Body: "**not bold**"})
	if _, has := plain.Raw["extras"]; has || plain.Markdown {
		t.Errorf("plain request %v: extras must be omitted", plain.Raw)
	}
	both := channeltest.SendLast(t, ch, srv, message.Message{Body: "*x*", Markdown: true, PictureURL: "http://example.com/p.png"})
	if !both.Markdown || both.BigImage != "http://example.com/p.png" {
		t.Errorf("markdown with picture: %v", both.Raw)
	}
}

func TestPicture(t *testing.T) {
	srv := gotifytest.NewServer(t)
	ch := open(t, srv)
	for _, tt := range []struct{ picture, want string }{
		{"https://example.com/p.png", "https://example.com/p.png"},
		{"javascript:alert(1)", ""},
		{"file:///etc/passwd", ""},
		{"https://", ""},
	} {
		a := channeltest.SendLast(t, ch, srv, message.Message{Body: "x", PictureURL: tt.picture})
		if a.BigImage != tt.want {
			t.Errorf("picture %q: bigImageUrl %q, want %q", tt.picture, a.BigImage, tt.want)
		}
		if tt.want == "" {
			if _, has := a.Raw["extras"]; has {
				t.Errorf("picture %q: extras %v sent", tt.picture, a.Raw["extras"])
			}
		}
	}
}

func TestTitleOnlyAndEmpty(t *testing.T) {
	srv := gotifytest.NewServer(t)
	ch := open(t, srv)
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: "Only a title", Body: "  \n"})
	if _, has := a.Raw["title"]; has || a.Text != "Only a title" {
		t.Errorf("title-only message sent as %v; want the title as the message", a.Raw)
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{}); a.Text != "Herald" {
		t.Errorf("empty message sent as %q", a.Text)
	}
}

func TestMessageLimit(t *testing.T) {
	srv := gotifytest.NewServer(t)
	ch := open(t, srv)
	exact := strings.Repeat("x", gotify.MaxMessage)
	if a := channeltest.SendLast(t, ch, srv, message.Message{Body: exact}); a.Text != exact {
		t.Errorf("a %d-byte message was changed (%d bytes sent)", gotify.MaxMessage, len(a.Text))
	}
	for _, tt := range []struct {
		name  string
		body  string
		exact bool
	}{
		{"one byte over", "HEAD" + strings.Repeat("x", gotify.MaxMessage-7) + "TAIL", true},
		{"far over", "HEAD" + strings.Repeat("y", 1<<20) + "TAIL", true},
		{"multi-byte", "HEAD" + strings.Repeat("推送", 20000) + "TAIL", false},
	} {
		a := channeltest.SendLast(t, ch, srv, message.Message{Body: tt.body, Markdown: true})
		if tt.exact && len(a.Text) != gotify.MaxMessage || len(a.Text) > gotify.MaxMessage || len(a.Text) < gotify.MaxMessage-3 {
			t.Errorf("%s: sent %d bytes, want %d", tt.name, len(a.Text), gotify.MaxMessage)
		}
		if !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") || !strings.Contains(a.Text, "bytes cut]") || !utf8.ValidString(a.Text) {
			t.Errorf("%s: cut text lost head, tail, marker or UTF-8 validity", tt.name)
		}
	}
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: strings.Repeat("T", 5000), Body: "b"})
	if len(a.Title) != gotify.MaxTitle {
		t.Errorf("title of %d bytes sent, want %d", len(a.Title), gotify.MaxTitle)
	}
}

func TestErrors(t *testing.T) {
	const wrong = "AWrongToken0001"
	suite := channeltest.ErrorSuite[*gotifytest.Server, gotifytest.Answer]{
		Kind: gotify.Kind, New: gotifytest.NewServer, Open: open,
		Secrets: []string{gotifytest.Token, gotifytest.ClientToken, wrong}, Message: message.Message{Title: "T", Body: "b"}, ExactMsg: true,
	}
	suite.Run(t, []channeltest.ErrorCase[*gotifytest.Server, gotifytest.Answer]{
		{
			Name: "wrong token", Extra: []string{"token", wrong}, Code: "401", Status: 401,
			Msg: "you need to provide a valid access token or user credentials to access this api — check the app token: copy it from the Apps tab of the Gotify web UI",
		},
		{
			Name: "client token", Extra: []string{"token", gotifytest.ClientToken}, Code: "400", Status: 400,
			Msg: "appid is required when not authenticating with an application token — this is a client token: use an application's token from the Apps tab of the Gotify web UI",
		},
		{
			Name: "forbidden", Answer: gotifytest.Answer{Status: 403, Description: "you are not allowed to access this api"}, Code: "403", Status: 403,
			Msg: "you are not allowed to access this api — Gotify accepts only an application's token here: copy it from the Apps tab of the web UI",
		},
		{Name: "bad request", Answer: gotifytest.Answer{Status: 400, Description: "Field 'message' is required"}, Code: "400", Status: 400, Msg: "Field 'message' is required"},
		{Name: "not found", Answer: gotifytest.Answer{Status: 404, Description: "page not found"}, Code: "404", Status: 404, Msg: "page not found — check the server URL"},
		{Name: "database failure", Answer: gotifytest.InternalError("database is locked"), Transient: true, Code: "500", Status: 500, Msg: "database is locked"},
		{
			Name: "busy proxy", Answer: gotifytest.Answer{Status: 503, Raw: "<html>Service Unavailable</html>", Header: http.Header{"Retry-After": {"30"}}},
			Transient: true, Status: 503, Msg: "<html>Service Unavailable</html>", RetryAfter: 30 * time.Second,
		},
		{Name: "proxy body limit", Answer: gotifytest.Answer{Status: 413, Raw: "<html>413 Request Entity Too Large</html>"}, Status: 413, Msg: "<html>413 Request Entity Too Large</html>"},
		{
			Name: "proxy page echoing the token", Answer: gotifytest.Answer{Status: 502, Raw: "upstream failed for X-Gotify-Key " + gotifytest.Token},
			Transient: true, Status: 502, Msg: "upstream failed for X-Gotify-Key <token>",
		},
		{Name: "not JSON", Answer: gotifytest.Answer{Status: 200, Raw: "OK"}, Status: 200, Msg: "unexpected answer (not JSON): OK — is the server URL a Gotify server?"},
		{Name: "no message id", Answer: gotifytest.Answer{Status: 200, Raw: `{"appid":7}`}, Status: 200, Msg: `unexpected answer without a message id: {"appid":7} — is the server URL a Gotify server?`},
	})
}

func TestTimeoutIsTransient(t *testing.T) {
	slow := channeltest.HungServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ch, err := gotify.Kind.New(map[string]string{"server": slow.URL, "token": gotifytest.Token}, channel.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(ctx, message.Message{Body: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !channel.IsTransient(err) {
		t.Errorf("err = %v, want a transient deadline error", err)
	}
	channeltest.AssertNoSecrets(t, err, gotifytest.Token)
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, gotify.Kind, gotifytest.Fixture)
}

func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, gotify.Kind, []channeltest.EnvCase{
		{Name: "all", Vars: map[string]string{"GOTIFY_URL": "https://push.example.de:8080", "GOTIFY_TOKEN": "AbCdEf12345", "GOTIFY_PRIORITY": "0"},
			Want: channel.Config{"server": "https://push.example.de:8080", "token": "AbCdEf12345", "priority": "0"}},
		{Name: "bad priority", Vars: map[string]string{"GOTIFY_URL": "https://push.example.de", "GOTIFY_TOKEN": "AbCdEf12345", "GOTIFY_PRIORITY": "high"}, ErrField: "priority"},
	})
}
