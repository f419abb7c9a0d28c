package ntfy_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/ntfy"
	"github.com/heraldpush/herald/engine/channel/ntfy/ntfytest"
	"github.com/heraldpush/herald/engine/message"
)

// openTopic is a topic of the fake that anyone may publish to.
const openTopic = "herald_open"

func open(t *testing.T, srv *ntfytest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, ntfy.Kind, channeltest.With(srv.Config(), kv...), channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, ntfy.Kind, []string{"server", "topic", "token", "username", "password", "priority", "tags", "click", "icon", "actions", "proxy"}, 0, []string{"token", "password", "proxy"})
	for _, f := range ntfy.Kind.Fields {
		if f.DocURL == "" && f.Key != "proxy" {
			t.Errorf("field %s lacks a doc URL", f.Key)
		}
	}
}

func TestParse(t *testing.T) {
	long := strings.Repeat("t", 65)
	channeltest.RunParseCases(t, ntfy.Kind, []channeltest.ParseCase{
		{
			Name: "defaults, keys any case, choice normalised",
			Raw:  map[string]string{"TOPIC": "alerts", "Priority": "HIGH", "TAGS": "warning, ci|nightly"},
			Want: channel.Config{"server": ntfy.DefaultServer, "topic": "alerts", "priority": "high", "tags": "warning, ci|nightly"},
		},
		{
			Name: "api alias, numeric priority",
			Raw:  map[string]string{"API": "https://ntfy.example.com/", "topic": "a-b_C9", "priority": "5"},
			Want: channel.Config{"server": "https://ntfy.example.com/", "topic": "a-b_C9", "priority": "5"},
		},
		{
			Name: "self-hosted under a path, user and password",
			Raw:  map[string]string{"server": "http://10.0.0.2:8080/ntfy", "topic": "t", "username": "me+ci@example.com", "password": "pw"},
			Want: channel.Config{"server": "http://10.0.0.2:8080/ntfy", "topic": "t", "username": "me+ci@example.com", "password": "pw"},
		},
		{
			Name: "token, click and icon",
			Raw:  map[string]string{"topic": "t", "token": ntfytest.Token, "click": "mailto:me@example.com", "icon": "https://example.com/i.png"},
			Want: channel.Config{"server": ntfy.DefaultServer, "topic": "t", "token": ntfytest.Token, "click": "mailto:me@example.com", "icon": "https://example.com/i.png"},
		},
		{Name: "topic required", Raw: map[string]string{"server": "https://ntfy.sh"}, WantErr: "ntfy: topic: required"},
		{Name: "topic charset", Raw: map[string]string{"topic": "my topic"}, WantErr: "ntfy: topic: must be 1 to 64 letters, digits, - and _ (no spaces, slashes or dots), like herald_alerts"},
		{Name: "topic too long", Raw: map[string]string{"topic": long}, WantErr: "ntfy: topic: must be 1 to 64 letters, digits, - and _ (no spaces, slashes or dots), like herald_alerts"},
		{Name: "topic reserved", Raw: map[string]string{"topic": "docs"}, WantErr: `ntfy: topic: "docs" is reserved by ntfy (docs, static, file, app, metrics, account, settings, signup, login, v1): choose another name`},
		{Name: "server without scheme", Raw: map[string]string{"topic": "t", "server": "ntfy.example.com"}, WantErr: "ntfy: server: must start with http:// or https://"},
		{Name: "topic in the ntfy.sh URL", Raw: map[string]string{"topic": "t", "server": "https://ntfy.sh/alerts"}, WantErr: "ntfy: server: must be just https://ntfy.sh: put the topic in the topic field"},
		{Name: "server query", Raw: map[string]string{"topic": "t", "server": "https://ntfy.example.com/?auth=x"}, WantErr: "ntfy: server: must be only the server like https://ntfy.example.com, without ?… or #…"},
		{Name: "server credentials", Raw: map[string]string{"topic": "t", "server": "https://me:pw@ntfy.example.com"}, WantErr: "ntfy: server: must not hold a user name or password: use the username and password fields"},
		{Name: "token format", Raw: map[string]string{"topic": "t", "token": "AgQdq7mVBoFD37zQ"}, WantErr: "ntfy: token: must be an ntfy access token starting with tk_, like tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"},
		{Name: "username charset", Raw: map[string]string{"topic": "t", "username": "me me", "password": "pw"}, WantErr: "ntfy: username: may only hold letters, digits and - _ . + @, as ntfy user names do"},
		{Name: "priority", Raw: map[string]string{"topic": "t", "priority": "urgent"}, WantErr: `ntfy: priority: must be one of min, low, default, high, max, 1, 2, 3, 4, 5, got "urgent"`},
		{Name: "click", Raw: map[string]string{"topic": "t", "click": "example.com/x"}, WantErr: "ntfy: click: must be a URL with a scheme, like https://example.com/status or mailto:me@example.com"},
		{Name: "icon", Raw: map[string]string{"topic": "t", "icon": "icon.png"}, WantErr: "ntfy: icon: must start with http:// or https://"},
		{Name: "proxy", Raw: map[string]string{"topic": "t", "proxy": "ftp://p:21"}, WantErr: `ntfy: proxy: scheme must be http, https, socks5 or socks5h, got "ftp"`},
		{
			Name:    "token and username",
			Raw:     map[string]string{"topic": "t", "token": ntfytest.Token, "username": "me", "password": "pw"},
			WantErr: "ntfy: token: cannot be combined with username and password: use either an access token or a username and password",
		},
		{
			Name:    "token and password",
			Raw:     map[string]string{"topic": "t", "token": ntfytest.Token, "password": "pw"},
			WantErr: "ntfy: token: cannot be combined with username and password: use either an access token or a username and password",
		},
		{Name: "username alone", Raw: map[string]string{"topic": "t", "username": "me"}, WantErr: "ntfy: password: required when a username is set"},
		{Name: "password alone", Raw: map[string]string{"topic": "t", "password": "pw"}, WantErr: "ntfy: username: required when a password is set (an access token goes in the token field)"},
		{Name: "unknown", Raw: map[string]string{"topic": "t", "delay": "30m"}, WantErr: "ntfy: delay: unknown field (known: server, topic, token, username, password, priority, tags, click, icon, actions, proxy)"},
	})
}

func TestParseQD(t *testing.T) {
	// ntfy has no QD string: only an empty one imports.
	channeltest.RunQDCases(t, ntfy.Kind, []channeltest.QDCase{
		{In: ""},
		{In: " ; ;"},
		{In: "alerts;", WantErr: "ntfy: qd: has 1 values but QD's ntfy string has at most 0 ()"},
	})
}

func TestSend(t *testing.T) {
	srv := ntfytest.NewServer(t)
	ch := open(t, srv, "tags", "warning, ci", "click", "https://ci.example.com/run/1", "icon", "https://example.com/i.png")
	m := message.Message{Title: "Backup <failed>", Body: "3 files & 2 dirs\nexit 1", Level: message.LevelError, PictureURL: "https://example.com/chart.png"}
	a := channeltest.SendLast(t, ch, srv, m)
	want := map[string]any{
		"topic": ntfytest.Topic, "title": m.Title, "message": m.Body, "tags": []any{"warning", "ci"}, "priority": json.Number("4"),
		"click": "https://ci.example.com/run/1", "icon": "https://example.com/i.png", "attach": "https://example.com/chart.png",
	}
	if !reflect.DeepEqual(a.Raw, want) {
		t.Errorf("request = %v\nwant      %v", a.Raw, want)
	}
	if a.Auth != "bearer" || a.Title != m.Title || a.Text != m.Body || a.Markdown || a.Priority != 4 {
		t.Errorf("accepted %+v", a)
	}
}

func TestMinimalRequest(t *testing.T) {
	srv := ntfytest.NewServer(t)
	a := channeltest.SendLast(t, open(t, srv, "token", "", "topic", openTopic), srv, message.Message{Body: "  hello\n"})
	if want := map[string]any{"topic": openTopic, "message": "hello", "priority": json.Number("3")}; !reflect.DeepEqual(a.Raw, want) {
		t.Errorf("request = %v, want %v", a.Raw, want)
	}
	if a.Auth != "" {
		t.Errorf("anonymous publish sent %s credentials", a.Auth)
	}
}

func TestPriority(t *testing.T) {
	tests := []struct {
		cfg   string
		level message.Level
		want  int
	}{
		{cfg: "", level: message.LevelError, want: 4},
		{cfg: "", level: message.LevelWarning, want: 3},
		{cfg: "", level: message.LevelSuccess, want: 3},
		{cfg: "", level: "", want: 3},
		{cfg: "max", level: message.LevelInfo, want: 5},
		{cfg: "min", level: message.LevelError, want: 1},
		{cfg: "low", level: message.LevelInfo, want: 2},
		{cfg: "default", level: message.LevelError, want: 3},
		{cfg: "2", level: message.LevelError, want: 2},
	}
	for _, tt := range tests {
		srv := ntfytest.NewServer(t)
		a := channeltest.SendLast(t, open(t, srv, "priority", tt.cfg), srv, message.Message{Body: "x", Level: tt.level})
		if a.Priority != tt.want {
			t.Errorf("priority %q, level %q: sent %d, want %d", tt.cfg, tt.level, a.Priority, tt.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	srv := ntfytest.NewServer(t)
	ch := open(t, srv)
	md := channeltest.SendLast(t, ch, srv, message.Message{Title: "T", Body: "**bold** and `code`", Markdown: true})
	if md.Raw["markdown"] != true || !md.Markdown || md.Text != "**bold** and `code`" {
		t.Errorf("markdown request %v", md.Raw)
	}
	plain := channeltest.SendLast(t, ch, srv, message.Message{Title: "T", Body: "**not bold**"})
	if _, has := plain.Raw["markdown"]; has || plain.Text != "**not bold**" {
		t.Errorf("plain request %v: markdown must be omitted", plain.Raw)
	}
}

func TestPicture(t *testing.T) {
	tests := []struct{ picture, want string }{
		{"https://example.com/p.png", "https://example.com/p.png"},
		{"http://10.0.0.1/p.jpg", "http://10.0.0.1/p.jpg"},
		{"", ""},
		{"javascript:alert(1)", ""},     // ntfy refuses non-http(s) attachments
		{"ftp://example.com/p.png", ""}, // likewise
		{"https://", ""},                // no host
		{"/relative/picture.png", ""},   // not absolute
	}
	srv := ntfytest.NewServer(t)
	ch := open(t, srv)
	for _, tt := range tests {
		a := channeltest.SendLast(t, ch, srv, message.Message{Body: "x", PictureURL: tt.picture})
		if a.Attach != tt.want {
			t.Errorf("picture %q: attach %q, want %q", tt.picture, a.Attach, tt.want)
		}
	}
}

func TestTitleOnlyAndEmpty(t *testing.T) {
	srv := ntfytest.NewServer(t)
	ch := open(t, srv)
	a := channeltest.SendLast(t, ch, srv, message.Message{Title: "Only a title"})
	if _, hasTitle := a.Raw["title"]; hasTitle || a.Text != "Only a title" {
		t.Errorf("title-only message sent as %v; want the title as the message", a.Raw)
	}
	if a := channeltest.SendLast(t, ch, srv, message.Message{Body: " \n "}); a.Text != "Herald" {
		t.Errorf("empty message sent as %q", a.Text)
	}
}

func TestMessageLimit(t *testing.T) {
	srv := ntfytest.NewServer(t)
	ch := open(t, srv)

	exact := strings.Repeat("x", ntfy.MaxMessage)
	if a := channeltest.SendLast(t, ch, srv, message.Message{Body: exact}); a.Text != exact {
		t.Errorf("a %d-byte message was changed (%d bytes sent)", ntfy.MaxMessage, len(a.Text))
	}

	tests := []struct {
		name      string
		m         message.Message
		textLen   int  // exact size of the sent message, 0: just within the limits
		fillsJSON bool // the JSON limit binds: the body is filled to just under it
	}{
		{"one byte over", message.Message{Body: "HEAD" + strings.Repeat("x", ntfy.MaxMessage-7) + "TAIL"}, ntfy.MaxMessage, false},
		{"far over", message.Message{Body: "HEAD" + strings.Repeat("y", 100000) + "TAIL"}, ntfy.MaxMessage, false},
		{"over with a picture", message.Message{Body: "HEAD" + strings.Repeat("y", 5000) + "TAIL", PictureURL: "https://example.com/p.png"}, ntfy.MaxMessage, false},
		{"markdown", message.Message{Body: "HEAD" + strings.Repeat("**z** ", 3000) + "TAIL", Markdown: true}, ntfy.MaxMessage, false},
		{"newlines", message.Message{Body: "HEAD" + strings.Repeat("a\n", 3000) + "TAIL"}, ntfy.MaxMessage, false},
		{"multi-byte characters", message.Message{Body: "HEAD" + strings.Repeat("推送", 3000) + "TAIL"}, 0, false},
		{"control characters escaped six-fold", message.Message{Body: "HEAD" + strings.Repeat("\x01", 5000) + "TAIL"}, 0, true},
		{"invalid UTF-8", message.Message{Body: "HEAD" + strings.Repeat("a\xff", 2000) + "TAIL"}, 0, false},
	}
	for _, tt := range tests {
		a := channeltest.SendLast(t, ch, srv, tt.m)
		switch {
		case tt.textLen != 0 && len(a.Text) != tt.textLen:
			t.Errorf("%s: sent %d bytes, want exactly %d", tt.name, len(a.Text), tt.textLen)
		case len(a.Text) > ntfy.MaxMessage || a.JSONBytes > ntfy.MaxJSON:
			t.Errorf("%s: message %d bytes, JSON %d bytes; limits %d and %d", tt.name, len(a.Text), a.JSONBytes, ntfy.MaxMessage, ntfy.MaxJSON)
		case tt.fillsJSON && a.JSONBytes < ntfy.MaxJSON-12:
			t.Errorf("%s: cut too short: JSON %d bytes, want just under %d", tt.name, a.JSONBytes, ntfy.MaxJSON)
		}
		if !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") || !strings.Contains(a.Text, "bytes cut]") || !utf8.ValidString(a.Text) {
			t.Errorf("%s: cut text lost head, tail, marker or UTF-8 validity", tt.name)
		}
	}

	a := channeltest.SendLast(t, ch, srv, message.Message{Title: strings.Repeat("T", 2000), Body: "b"})
	if len(a.Title) != ntfy.MaxTitle {
		t.Errorf("title of %d bytes sent, want %d", len(a.Title), ntfy.MaxTitle)
	}
}

func TestRequestTooLargeWithoutMessage(t *testing.T) {
	srv := ntfytest.NewServer(t)
	tags := strings.Repeat("tag,", 2500)
	err := open(t, srv, "tags", tags).Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertErrorExact(t, err, false, "", 0, "the request exceeds ntfy's 8192-byte limit even without its message: use fewer tags or shorter links")
	if srv.Requests() != 0 {
		t.Errorf("a request the server must refuse was sent")
	}
}

func TestAuth(t *testing.T) {
	const wrongToken, wrongPassword = "tk_wrongwrongwrongwrongwrong00", "not-the-password"
	tests := []struct {
		name     string
		kv       []string
		auth     string // how the fake saw the accepted request
		status   int    // refused with
		code     string
		msg      string
		secrets  []string
		accepted bool
	}{
		{name: "token", kv: nil, auth: "bearer", accepted: true},
		{name: "user and password", kv: []string{"token", "", "username", ntfytest.User, "password", ntfytest.Password}, auth: "basic", accepted: true},
		{name: "anonymous on an open topic", kv: []string{"token", "", "topic", openTopic}, auth: "", accepted: true},
		{
			name: "anonymous on a protected topic", kv: []string{"token", ""}, status: 403, code: "40301",
			msg: "forbidden — the topic is protected: set an access token or a username and password that may publish to it",
		},
		{
			name: "no write access", kv: []string{"topic", ntfytest.ReadOnlyTopic}, status: 403, code: "40301",
			msg: "forbidden — this user or token may not publish to the topic: grant write access (ntfy access) or use another topic",
		},
		{
			name: "wrong token", kv: []string{"token", wrongToken}, status: 401, code: "40101",
			msg: "unauthorized — the server refused the credentials: check the access token, or the username and password", secrets: []string{wrongToken},
		},
		{
			name: "wrong password", kv: []string{"token", "", "username", ntfytest.User, "password", wrongPassword}, status: 401, code: "40101",
			msg: "unauthorized — the server refused the credentials: check the access token, or the username and password", secrets: []string{wrongPassword},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ntfytest.NewServer(t)
			err := open(t, srv, tt.kv...).Send(context.Background(), message.Message{Body: "x"})
			channeltest.NoViolations(t, srv)
			if tt.accepted {
				if err != nil {
					t.Fatal(err)
				}
				if a := srv.Accepted(); len(a) != 1 || a[0].Auth != tt.auth {
					t.Errorf("accepted %+v, want one with auth %q", a, tt.auth)
				}
				return
			}
			channeltest.AssertErrorExact(t, err, false, tt.code, tt.status, tt.msg)
			channeltest.AssertNoSecrets(t, err, append(tt.secrets, ntfytest.Token, ntfytest.Password)...)
			if len(srv.Accepted()) != 0 {
				t.Errorf("refused message recorded as accepted")
			}
		})
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*ntfytest.Server, ntfytest.Answer]{
		Kind: ntfy.Kind, New: ntfytest.NewServer, Open: open,
		Secrets: []string{ntfytest.Token}, Message: message.Message{Title: "T", Body: "b"}, ExactMsg: true,
	}
	suite.Run(t, []channeltest.ErrorCase[*ntfytest.Server, ntfytest.Answer]{
		{Name: "rate limit with Retry-After", Answer: ntfytest.TooManyRequests("7"), Transient: true, Code: "42901", Status: 429, Msg: "limit reached: too many requests", RetryAfter: 7 * time.Second},
		{Name: "rate limit", Answer: ntfytest.TooManyRequests(""), Transient: true, Code: "42901", Status: 429, Msg: "limit reached: too many requests"},
		{Name: "daily quota", Answer: ntfytest.DailyQuota(), Transient: true, Code: "42908", Status: 429, Msg: "limit reached: daily message quota reached"},
		{Name: "internal error", Answer: ntfytest.InternalError(), Transient: true, Code: "50001", Status: 500, Msg: "internal server error"},
		{Name: "insufficient storage", Answer: ntfytest.InsufficientStorage(), Transient: true, Code: "50701", Status: 507, Msg: "cannot publish to UnifiedPush topic without previously active subscriber"},
		{Name: "too large", Answer: ntfytest.TooLarge(), Code: "41301", Status: 413, Msg: "attachment too large, or bandwidth limit reached — the server's limits are lower than ntfy's defaults"},
		{Name: "bad request", Answer: ntfytest.Answer{Status: 400, Code: 40007, Error: "invalid priority parameter"}, Code: "40007", Status: 400, Msg: "invalid priority parameter"},
		{Name: "not found", Answer: ntfytest.Answer{Status: 404, Code: 40401, Error: "page not found"}, Code: "40401", Status: 404, Msg: "page not found — check the server URL"},
		{Name: "proxy error page", Answer: ntfytest.Answer{Status: 502, Raw: "<html>Bad Gateway</html>"}, Transient: true, Status: 502, Msg: "<html>Bad Gateway</html>"},
		{
			Name: "proxy rate limit", Answer: ntfytest.Answer{Status: 429, Raw: "slow down", Header: http.Header{"Retry-After": {"3"}}},
			Transient: true, Status: 429, Msg: "slow down", RetryAfter: 3 * time.Second,
		},
		{Name: "not JSON", Answer: ntfytest.Answer{Status: 200, Raw: "OK"}, Status: 200, Msg: "unexpected answer (not JSON): OK — is the server URL an ntfy server?"},
		{Name: "no message id", Answer: ntfytest.Answer{Status: 200, Raw: `{"event":"message"}`}, Status: 200, Msg: `unexpected answer without a message id: {"event":"message"} — is the server URL an ntfy server?`},
	})
}

func TestTimeoutIsTransient(t *testing.T) {
	slow := channeltest.HungServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ch, err := ntfy.Kind.New(map[string]string{"server": slow.URL, "topic": "t", "token": ntfytest.Token}, channel.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(ctx, message.Message{Body: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !channel.IsTransient(err) {
		t.Errorf("err = %v, want a transient deadline error", err)
	}
	channeltest.AssertNoSecrets(t, err, ntfytest.Token)
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, ntfy.Kind, ntfytest.Fixture)
}

func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, ntfy.Kind, []channeltest.EnvCase{
		{Name: "topic only", Vars: map[string]string{"NTFY_TOPIC": "herald_test"}, Want: channel.Config{"server": ntfy.DefaultServer, "topic": "herald_test"}},
		{Name: "all", Vars: map[string]string{"NTFY_URL": "https://ntfy.example.com", "NTFY_TOPIC": "herald_test", "NTFY_PRIORITY": "4",
			"NTFY_USERNAME": "me", "NTFY_PASSWORD": "pw", "NTFY_ACTIONS": "view, Open, https://example.com"},
			Want: channel.Config{"server": "https://ntfy.example.com", "priority": "4", "username": "me", "password": "pw", "actions": "view, Open, https://example.com"}},
		{Name: "token", Vars: map[string]string{"NTFY_TOPIC": "herald_test", "NTFY_TOKEN": "tk_AbC123"}, Want: channel.Config{"token": "tk_AbC123"}},
		{Name: "bad priority", Vars: map[string]string{"NTFY_TOPIC": "herald_test", "NTFY_PRIORITY": "9"}, ErrField: "priority"},
	})
}

func TestParseActions(t *testing.T) {
	tests := []struct {
		in   string
		want string // the actions as JSON
		err  string
	}{
		{in: "view, Open portal, https://home.example.com/, clear=true",
			want: `[{"action":"view","label":"Open portal","url":"https://home.example.com/","clear":true}]`},
		{in: `http, 'Turn down', https://api.example.com/, method=put, headers.Authorization=Bearer x, body="{\"temp\": 65}"; view, "Look, a comma", https://example.com`,
			want: `[{"action":"http","label":"Turn down","url":"https://api.example.com/","method":"PUT","headers":{"Authorization":"Bearer x"},"body":"{\"temp\": 65}"},` +
				`{"action":"view","label":"Look, a comma","url":"https://example.com"}]`},
		{in: "broadcast, Take photo, extras.cmd=pic, intent=io.heckel.ntfy.USER_ACTION",
			want: `[{"action":"broadcast","label":"Take photo","intent":"io.heckel.ntfy.USER_ACTION","extras":{"cmd":"pic"}}]`},
		{in: `[{"action": "view", "label": "Open", "url": "https://example.com"}]`, want: `[{"action":"view","label":"Open","url":"https://example.com"}]`},
		{in: "view, a, https://a; view, b, https://b; view, c, https://c; view, d, https://d", err: "has 4 buttons but ntfy takes at most 3"},
		{in: "open, Open, https://example.com", err: `"open" is not an action: use view, http or broadcast`},
		{in: "view, Open", err: "a view button needs a URL (the third term)"},
		{in: "http, Get, https://example.com, method=GET, body=x", err: "an http button with method GET cannot have a body"},
		{in: "view, Open, https://example.com, clear=maybe", err: `clear="maybe" must be true or false`},
		{in: "view, Open, https://example.com, colour=red", err: `"colour" is not a button setting: use url, method, headers.X, body, intent, extras.X or clear`},
		{in: "broadcast, Go, extra", err: `"extra" is not understood: after the action, label and URL use key=value`},
		{in: "[{]", err: `is not a JSON array of actions like [{"action": "view", "label": "Open", "url": "https://…"}]`},
	}
	for _, tt := range tests {
		got, err := ntfy.ParseActions(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseActions(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		data, _ := json.Marshal(got)
		if err != nil || string(data) != tt.want {
			t.Errorf("ParseActions(%q) = %s, %v; want %s", tt.in, data, err, tt.want)
		}
	}
}

func TestActionsSent(t *testing.T) {
	srv := ntfytest.NewServer(t)
	ch := open(t, srv, "actions", "view, Open, https://example.com; http, Ack, https://example.com/ack, method=POST, body=ok")
	if err := ch.Send(context.Background(), message.Message{Title: "T", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(srv.Accepted()[0].Raw["actions"])
	want := `[{"action":"view","label":"Open","url":"https://example.com"},{"action":"http","body":"ok","label":"Ack","method":"POST","url":"https://example.com/ack"}]`
	if string(got) != want {
		t.Errorf("actions = %s, want %s", got, want)
	}
}

func TestFakeChecksActions(t *testing.T) {
	srv := ntfytest.NewServer(t)
	body := `{"topic":"` + srv.Config()["topic"] + `","message":"x","actions":[{"action":"open","label":"x"},{"action":"view"},{"action":"http","label":"a","url":"https://e.com","method":"GET","body":"b","id":"1"}]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ntfytest.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	v := strings.Join(srv.Violations(), "\n")
	for _, want := range []string{`action "open" unknown`, "action without a label", "body and method GET", `action field "id" unknown`} {
		if !strings.Contains(v, want) {
			t.Errorf("violations %q lack %q", v, want)
		}
	}
}
