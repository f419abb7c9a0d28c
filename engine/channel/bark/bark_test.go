package bark_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/bark"
	"github.com/heraldpush/herald/engine/channel/bark/barktest"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/message"
)

const key = barktest.DeviceKey

func open(t *testing.T, srv *barktest.Server, extra map[string]string) channel.Channel {
	t.Helper()
	raw := srv.Config()
	for k, v := range extra {
		raw[k] = v
	}
	return channeltest.Open(t, bark.Kind, raw, channel.Deps{})
}

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, bark.Kind, []string{"url", "group", "sound", "level", "icon", "click_url", "archive", "api", "proxy"}, 1, []string{"url", "proxy"})
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, server, key, err string
	}{
		{in: "https://api.day.app/" + key, server: "https://api.day.app", key: key},
		{in: "https://api.day.app/" + key + "/", server: "https://api.day.app", key: key},
		{in: "api.day.app/" + key, server: "https://api.day.app", key: key},
		{in: key, server: "https://api.day.app", key: key},
		{in: "http://bark.example.com/" + key, server: "http://bark.example.com", key: key},
		{in: "https://u:p@bark.example.com:8443/bark/" + key, server: "https://u:p@bark.example.com:8443/bark", key: key},
		{in: "https://api.day.app/", err: "has no device key: add it after the server, like https://api.day.app/DEVICEKEY"},
		{in: "https://bark.example.com/push", err: "has no device key: add it after the server, like https://api.day.app/DEVICEKEY"},
		{in: "https://api.day.app/" + key + "/hello", err: "must be https://api.day.app/DEVICEKEY with nothing after the key; copy it from the Bark app without the sample text"},
		{in: "https://bark.example.com/" + key + "/推送内容", err: "must end with the device key (letters, digits, - and _), like https://api.day.app/DEVICEKEY; remove any message text after it"},
		{in: "https://api.day.app/" + key + "?sound=alarm", err: "must end with the device key, without ?… parameters: use the group, sound and level fields instead"},
		{in: "ftp://bark.example.com/" + key, err: "must look like https://api.day.app/DEVICEKEY or http://bark.example.com/DEVICEKEY"},
		{in: key + " x", err: "a bare device key may only hold letters, digits, - and _; copy it from the Bark app"},
	}
	for _, tt := range tests {
		server, k, err := bark.ParseURL(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseURL(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("error echoes the device key: %v", err)
			}
			continue
		}
		if err != nil || server != tt.server || k != tt.key {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q", tt.in, server, k, err, tt.server, tt.key)
		}
	}
}

func TestParse(t *testing.T) {
	u := "https://api.day.app/" + key
	channeltest.RunParseCases(t, bark.Kind, []channeltest.ParseCase{
		{
			Name: "QD alias any case, choice normalised",
			Raw:  map[string]string{"barkurl": u, "LEVEL": "timesensitive", "Group": "ci", "sound": "minuet", "click_url": "shortcuts://run"},
			Want: channel.Config{"url": u, "level": "timeSensitive", "group": "ci", "sound": "minuet", "click_url": "shortcuts://run"},
		},
		{Name: "only the URL", Raw: map[string]string{"BarkUrl": key}, Want: channel.Config{"url": key}},
		{Name: "required", Raw: map[string]string{"group": "x"}, WantErr: "bark: url: required"},
		{Name: "bad url", Raw: map[string]string{"url": "https://api.day.app/"}, WantErr: "bark: url: has no device key: add it after the server, like https://api.day.app/DEVICEKEY"},
		{Name: "level", Raw: map[string]string{"url": u, "level": "loud"}, WantErr: `bark: level: must be one of active, timeSensitive, passive, critical, got "loud"`},
		{Name: "sound", Raw: map[string]string{"url": u, "sound": "my sound"}, WantErr: "bark: sound: must be a sound name from the Bark app like minuet or alarm"},
		{Name: "icon", Raw: map[string]string{"url": u, "icon": "icon.png"}, WantErr: "bark: icon: must start with http:// or https://"},
		{Name: "click url", Raw: map[string]string{"url": u, "click_url": "example.com/x"}, WantErr: "bark: click_url: must be a URL with a scheme, like https://example.com/status or shortcuts://"},
		{Name: "api", Raw: map[string]string{"url": u, "api": "bark.example.com"}, WantErr: "bark: api: must start with http:// or https://"},
		{Name: "unknown", Raw: map[string]string{"url": u, "badge": "1"}, WantErr: "bark: badge: unknown field (known: url, group, sound, level, icon, click_url, archive, api, proxy)"},
	})
}

func TestParseQD(t *testing.T) {
	u := "https://api.day.app/" + key
	channeltest.RunQDCases(t, bark.Kind, []channeltest.QDCase{
		{In: u + ";", Want: map[string]string{"url": u}},
		{In: " ; ", WantErr: "bark: url: missing from the QD string (expected url)"},
		{In: u + ";ci", WantErr: "bark: qd: has 2 values but QD's bark string has at most 1 (url)"},
	})
}

func TestSend(t *testing.T) {
	srv := barktest.NewServer(t)
	ch := open(t, srv, map[string]string{"group": "backups", "sound": "minuet", "icon": "https://example.com/i.png", "click_url": "https://ci.example.com/run/1"})
	m := message.Message{Title: "Backup <done>", Body: "3 files & 2 dirs\nline 2", Level: message.LevelSuccess, PictureURL: "https://example.com/chart.png"}
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	acc := srv.Accepted()
	if len(acc) != 1 {
		t.Fatalf("accepted %d, want 1", len(acc))
	}
	want := map[string]any{
		"device_key": key, "title": m.Title, "body": m.Body, "group": "backups", "sound": "minuet",
		"icon": "https://example.com/i.png", "image": "https://example.com/chart.png", "url": "https://ci.example.com/run/1",
	}
	if !reflect.DeepEqual(acc[0].Raw, want) {
		t.Errorf("request = %v\nwant      %v", acc[0].Raw, want)
	}
	if acc[0].Title != m.Title || acc[0].Text != m.Body || acc[0].Markdown {
		t.Errorf("accepted %+v", acc[0])
	}
}

func TestOptionalFieldsOmitted(t *testing.T) {
	srv := barktest.NewServer(t)
	if err := open(t, srv, nil).Send(context.Background(), message.Message{Title: "only a title"}); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	if got, want := srv.Accepted()[0].Raw, map[string]any{"device_key": key, "title": "only a title"}; !reflect.DeepEqual(got, want) {
		t.Errorf("request = %v, want %v", got, want)
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		cfg   string
		level message.Level
		want  any
	}{
		{cfg: "", level: message.LevelError, want: "timeSensitive"},
		{cfg: "", level: message.LevelWarning, want: nil},
		{cfg: "", level: message.LevelInfo, want: nil},
		{cfg: "passive", level: message.LevelError, want: "passive"},
		{cfg: "critical", level: message.LevelInfo, want: "critical"},
	}
	for _, tt := range tests {
		srv := barktest.NewServer(t)
		if err := open(t, srv, map[string]string{"level": tt.cfg}).Send(context.Background(), message.Message{Body: "x", Level: tt.level}); err != nil {
			t.Fatal(err)
		}
		channeltest.NoViolations(t, srv)
		if got := srv.Accepted()[0].Raw["level"]; got != tt.want {
			t.Errorf("level %q, message %s: sent %v, want %v", tt.cfg, tt.level, got, tt.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	srv := barktest.NewServer(t)
	m := message.Message{Title: "T", Body: "**bold** and `code`", Markdown: true}
	if err := open(t, srv, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	a := srv.Accepted()[0]
	if _, hasBody := a.Raw["body"]; hasBody || a.Raw["markdown"] != m.Body || !a.Markdown || a.Text != m.Body {
		t.Errorf("request %v: want markdown instead of body", a.Raw)
	}
}

func TestPayloadLimit(t *testing.T) {
	srv := barktest.NewServer(t)
	ch := open(t, srv, map[string]string{"group": "g", "click_url": "https://example.com/"})
	send := func(m message.Message) barktest.Accepted {
		t.Helper()
		m.Title = "T"
		if err := ch.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		acc := srv.Accepted()
		return acc[len(acc)-1]
	}
	// One byte of body costs one byte of payload: find the largest body
	// that fits exactly.
	fits := bark.PayloadBudget - send(message.Message{Body: "x"}).PayloadBytes + 1

	a := send(message.Message{Body: strings.Repeat("x", fits)})
	if a.PayloadBytes != bark.PayloadBudget || a.Text != strings.Repeat("x", fits) {
		t.Errorf("body of %d bytes: payload %d, text cut = %v; want %d and the body untouched", fits, a.PayloadBytes, len(a.Text) != fits, bark.PayloadBudget)
	}

	tests := []struct {
		name string
		m    message.Message
	}{
		{"one byte over", message.Message{Body: "HEAD" + strings.Repeat("x", fits-7) + "TAIL"}},
		{"far over", message.Message{Body: "HEAD" + strings.Repeat("y", 100000) + "TAIL"}},
		{"escaped characters", message.Message{Body: "HEAD" + strings.Repeat("<&>\"\\\n", 3000) + "TAIL"}},
		{"multi-byte characters", message.Message{Body: "HEAD" + strings.Repeat("推送", 3000) + "TAIL"}},
		{"markdown", message.Message{Body: "HEAD" + strings.Repeat("**z** ", 3000) + "TAIL", Markdown: true}},
	}
	for _, tt := range tests {
		a := send(tt.m)
		if a.PayloadBytes > bark.PayloadBudget || a.PayloadBytes < bark.PayloadBudget-40 {
			t.Errorf("%s: payload %d bytes, want just under %d", tt.name, a.PayloadBytes, bark.PayloadBudget)
		}
		if !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") || !strings.Contains(a.Text, "bytes cut]") {
			t.Errorf("%s: cut text lost head, tail or marker", tt.name)
		}
	}
	channeltest.NoViolations(t, srv)
}

func TestErrors(t *testing.T) {
	const otherKey = "SomeOtherDeviceKey12345"
	suite := channeltest.ErrorSuite[*barktest.Server, barktest.Answer]{
		Kind: bark.Kind, New: barktest.NewServer, Open: func(t *testing.T, s *barktest.Server, kv ...string) channel.Channel {
			return open(t, s, channeltest.With(nil, kv...))
		},
		Secrets: []string{key, otherKey}, Message: message.Message{Title: "T", Body: "b"},
	}
	suite.Run(t, []channeltest.ErrorCase[*barktest.Server, barktest.Answer]{
		{
			Name: "unknown device key", Extra: []string{"url", "https://api.day.app/" + otherKey},
			Code: "400", Status: 400,
			Msg: "failed to get device token: failed to get [<device key>] device token from database — this server does not know the device key",
		},
		{Name: "APNs unreachable", Answer: barktest.PushFailed("Post \"https://api.push.apple.com/3/device/x\": i/o timeout"), Transient: true, Code: "500", Status: 500, Msg: "push failed: Post"},
		{Name: "device gone", Answer: barktest.PushFailed("BadDeviceToken"), Code: "500", Status: 500, Msg: "push failed: BadDeviceToken — the Bark app was removed or reinstalled"},
		{Name: "payload refused", Answer: barktest.PushFailed("PayloadTooLarge"), Code: "500", Status: 500, Msg: "push failed: PayloadTooLarge"},
		{Name: "device key empty", Answer: barktest.Answer{Status: 400, Message: "device key is empty"}, Code: "400", Status: 400, Msg: "device key is empty"},
		{Name: "busy proxy page", Answer: barktest.Answer{Status: 503, Raw: "<html>Service Unavailable</html>"}, Transient: true, Status: 503, Msg: "Service Unavailable"},
		{Name: "not JSON", Answer: barktest.Answer{Status: 200, Raw: "OK"}, Status: 200, Msg: "unexpected answer (not JSON): OK"},
	})
}

func TestBasicAuth(t *testing.T) {
	srv := barktest.NewServer(t)
	srv.RequireBasicAuth("herald", "s3cret-pw")
	host := strings.TrimPrefix(srv.URL, "http://")

	ok := open(t, srv, map[string]string{"url": "http://herald:s3cret-pw@" + host + "/" + key, "api": ""})
	if err := ok.Send(context.Background(), message.Message{Body: "authorised"}); err != nil {
		t.Fatal(err)
	}
	if len(srv.Accepted()) != 1 {
		t.Fatalf("push with credentials not delivered")
	}

	bad := open(t, srv, map[string]string{"url": "http://herald:wrong-pw@" + host + "/" + key, "api": ""})
	err := bad.Send(context.Background(), message.Message{Body: "x"})
	channeltest.AssertError(t, err, false, "", 418, "I'm a teapot — the server requires HTTP basic auth")
	if strings.Contains(err.Error(), "wrong-pw") || strings.Contains(err.Error(), key) {
		t.Errorf("error text %q leaks a secret", err)
	}
	channeltest.NoViolations(t, srv)
}

func TestSelfHostedPrefix(t *testing.T) {
	srv := barktest.NewServer(t)
	mux := http.NewServeMux()
	mux.Handle("/bark/", http.StripPrefix("/bark", srv.Server.Config.Handler))
	front := httptest.NewServer(mux)
	defer front.Close()
	ch := open(t, srv, map[string]string{"url": front.URL + "/bark/" + key, "api": ""})
	if err := ch.Send(context.Background(), message.Message{Body: "via prefix"}); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	if len(srv.Accepted()) != 1 {
		t.Errorf("push under a URL prefix not delivered")
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	slow := channeltest.HungServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ch, _ := bark.Kind.New(map[string]string{"url": slow.URL + "/" + key}, channel.Deps{})
	err := ch.Send(ctx, message.Message{Body: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !channel.IsTransient(err) {
		t.Errorf("err = %v, want a transient deadline error", err)
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, bark.Kind, barktest.Fixture)
}

// qinglong's BARK_* variables, BARK_PUSH a device key or a push URL.
func TestQinglongEnv(t *testing.T) {
	channeltest.RunEnvCases(t, bark.Kind, []channeltest.EnvCase{
		{Name: "key", Vars: map[string]string{"BARK_PUSH": key}, Want: channel.Config{"url": key}},
		{Name: "all", Vars: map[string]string{
			"BARK_PUSH": "https://api.day.app/" + key + "/", "BARK_ARCHIVE": "1", "BARK_GROUP": "qinglong",
			"BARK_SOUND": "alarm", "BARK_ICON": "https://example.com/i.png", "BARK_LEVEL": "timesensitive", "BARK_URL": "https://example.com",
		}, Want: channel.Config{"url": "https://api.day.app/" + key + "/", "archive": "true", "group": "qinglong",
			"sound": "alarm", "icon": "https://example.com/i.png", "level": "timeSensitive", "click_url": "https://example.com"}},
		{Name: "no archive", Vars: map[string]string{"BARK_PUSH": key, "BARK_ARCHIVE": "0"}, Want: channel.Config{"archive": "false"}},
		{Name: "bad level", Vars: map[string]string{"BARK_PUSH": key, "BARK_LEVEL": "loud"}, ErrField: "level"},
	})
	// notify.py sends BARK_ARCHIVE as isArchive as is: the export must say 1 or 0.
	for archive, want := range map[string]string{"true": "1", "false": "0", "": ""} {
		if got := channeltest.EnvOf(bark.Kind, channel.Config{"url": key, "archive": archive})["BARK_ARCHIVE"]; got != want {
			t.Errorf("archive %q: BARK_ARCHIVE = %q, want %q", archive, got, want)
		}
	}
}

func TestArchive(t *testing.T) {
	for _, tt := range []struct{ archive, want string }{{"", ""}, {"true", "1"}, {"false", "0"}} {
		srv := barktest.NewServer(t)
		ch := open(t, srv, map[string]string{"archive": tt.archive})
		if err := ch.Send(context.Background(), message.Message{Title: "t", Body: "b"}); err != nil {
			t.Fatal(err)
		}
		got, _ := srv.Accepted()[0].Raw["isArchive"].(string)
		if got != tt.want {
			t.Errorf("archive %q: isArchive = %q, want %q", tt.archive, got, tt.want)
		}
	}
}
