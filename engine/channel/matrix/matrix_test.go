package matrix_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/matrix"
	"github.com/heraldpush/herald/engine/channel/matrix/matrixtest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, s *matrixtest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, matrix.Kind, channeltest.With(s.Config(), kv...), channel.Deps{})
}

func TestSchema(t *testing.T) {
	channeltest.CheckSchema(t, matrix.Kind, []string{"homeserver", "access_token", "room", "msgtype", "proxy"}, 0, []string{"access_token", "proxy"})
}

func TestParse(t *testing.T) {
	const hs, tok = "https://matrix-client.matrix.org", matrixtest.Token
	channeltest.RunParseCases(t, matrix.Kind, []channeltest.ParseCase{
		{Name: "room id", Raw: map[string]string{"homeserver": hs, "access_token": tok, "room": "!abc:matrix.org"},
			Want: channel.Config{"homeserver": hs, "access_token": tok, "room": "!abc:matrix.org", "msgtype": "m.text"}},
		{Name: "aliases, alias room, notice", Raw: map[string]string{"SERVER": hs + "/", "token": tok, "room_alias": "#ops:matrix.org", "msgtype": "M.NOTICE"},
			Want: channel.Config{"homeserver": hs + "/", "access_token": tok, "room": "#ops:matrix.org", "msgtype": "m.notice"}},
		{Name: "room v12 id without server", Raw: map[string]string{"homeserver": hs, "access_token": tok, "room": "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM"},
			WantSome: map[string]string{"room": "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM"}},
		{Name: "all required", Raw: map[string]string{}, WantErr: "matrix: homeserver: required; matrix: access_token: required; matrix: room: required"},
		{Name: "API path in homeserver", Raw: map[string]string{"homeserver": hs + "/_matrix/client/v3", "access_token": tok, "room": "!a:b"},
			WantErr: "matrix: homeserver: must be the homeserver's address without /_matrix/…, like https://matrix-client.matrix.org"},
		{Name: "query in homeserver", Raw: map[string]string{"homeserver": hs + "?access_token=x", "access_token": tok, "room": "!a:b"},
			WantErr: "matrix: homeserver: must be only the address, like https://matrix-client.matrix.org: no user, ?… or #…"},
		{Name: "Bearer pasted", Raw: map[string]string{"homeserver": hs, "access_token": "Bearer " + tok, "room": "!a:b"},
			WantErr: "matrix: access_token: must be the token alone, without \"Bearer \""},
		{Name: "token with a space", Raw: map[string]string{"homeserver": hs, "access_token": "syt_a b", "room": "!a:b"},
			WantErr: "matrix: access_token: must be the access token with no spaces or quotes, like syt_…"},
		{Name: "room name", Raw: map[string]string{"homeserver": hs, "access_token": tok, "room": "alerts"},
			WantErr: "matrix: room: must be a room ID like !abc123:example.org or an alias like #alerts:example.org"},
		{Name: "alias without server", Raw: map[string]string{"homeserver": hs, "access_token": tok, "room": "#alerts"},
			WantErr: "matrix: room: must be a room ID like !abc123:example.org or an alias like #alerts:example.org"},
		{Name: "bad msgtype", Raw: map[string]string{"homeserver": hs, "access_token": tok, "room": "!a:b", "msgtype": "m.emote"},
			WantErr: `matrix: msgtype: must be one of m.text, m.notice, got "m.emote"`},
	}, tok)
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		kv      []string
		msg     message.Message
		msgtype string
		body    string
		html    string
	}{
		{"plain escaped", nil, message.Message{Title: "Backup <ok>", Body: "a & b\nnext"}, "m.text",
			"Backup <ok>\n\na & b\nnext", "<strong>Backup &lt;ok&gt;</strong><br>a &amp; b<br>next"},
		{"markdown rendered", []string{"msgtype", "m.notice"}, message.Message{Title: "T", Body: "**bold** [x](https://e.com)", Markdown: true}, "m.notice",
			"T\n\n**bold** [x](https://e.com)", `<strong>T</strong><p><strong>bold</strong> <a href="https://e.com">x</a></p>`},
		{"title only", nil, message.Message{Title: "only"}, "m.text", "only", "<strong>only</strong>"},
		{"empty message", nil, message.Message{}, "m.text", "Herald", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := matrixtest.NewServer(t)
			got := channeltest.SendOne(t, open(t, s, tt.kv...), s, tt.msg)
			if got.MsgType != tt.msgtype || got.Text != tt.body || got.HTML != tt.html {
				t.Errorf("sent %s %q html %q; want %s %q html %q", got.MsgType, got.Text, got.HTML, tt.msgtype, tt.body, tt.html)
			}
			if (tt.html != "") != (got.Content["format"] == matrix.HTMLFormat) {
				t.Errorf("format %v with formatted_body %q", got.Content["format"], got.HTML)
			}
		})
	}
}

// A delivery retried (after a lost answer, or a crash) reuses its
// transaction id: the homeserver posts it once.
func TestTransactionID(t *testing.T) {
	s := matrixtest.NewServer(t)
	ch := open(t, s)
	m := message.Message{Title: "once", DeliveryID: "herald-7-1700000000123"}
	for range 3 {
		if err := ch.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	// A new channel (the app restarted) still sends the same id.
	if err := open(t, s).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	acc := s.Accepted()
	if len(acc) != 1 || acc[0].TxnID != m.DeliveryID || s.Repeats() != 3 {
		t.Errorf("accepted %d (txn %v), repeats %d; want one event under %s and 3 repeats", len(acc), acc, s.Repeats(), m.DeliveryID)
	}
	// Messages without a delivery id (never retried) get fresh ids.
	for range 2 {
		if err := ch.Send(context.Background(), message.Message{Body: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	acc = s.Accepted()
	if len(acc) != 3 || acc[1].TxnID == acc[2].TxnID || !strings.HasPrefix(acc[1].TxnID, "herald-once-") {
		t.Errorf("txn ids %v: want two distinct random ids", acc)
	}
	channeltest.NoViolations(t, s)
}

// An alias is looked up once per channel.
func TestAlias(t *testing.T) {
	s := matrixtest.NewServer(t)
	ch := open(t, s, "room", matrixtest.Alias)
	for i := range 2 {
		if err := ch.Send(context.Background(), message.Message{Body: "via alias", DeliveryID: "d" + string(rune('0'+i))}); err != nil {
			t.Fatal(err)
		}
		// The channel keeps the room it resolved.
		s.RemoveAlias()
	}
	if acc := s.Accepted(); len(acc) != 2 || acc[0].Room != matrixtest.RoomID || s.Lookups() != 1 {
		t.Errorf("accepted %v, lookups %d; want 2 events in %s after one lookup", acc, s.Lookups(), matrixtest.RoomID)
	}
	channeltest.NoViolations(t, s)
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*matrixtest.Server, matrixtest.Answer]{
		Kind: matrix.Kind, New: matrixtest.NewServer, Secrets: []string{matrixtest.Token},
		Open: func(t *testing.T, s *matrixtest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
	}
	suite.Run(t, []channeltest.ErrorCase[*matrixtest.Server, matrixtest.Answer]{
		{Name: "rate limited, Retry-After wins", Answer: matrixtest.LimitExceeded, Transient: true, Status: 429, Code: "M_LIMIT_EXCEEDED", Msg: "Too Many Requests", RetryAfter: 3 * time.Second},
		{Name: "rate limited, retry_after_ms", Answer: matrixtest.LimitExceededBody, Transient: true, Status: 429, Code: "M_LIMIT_EXCEEDED", Msg: "Too Many Requests", RetryAfter: 2500 * time.Millisecond},
		{Name: "wrong token", Extra: []string{"access_token", "syt_wrong_token_0000"}, Status: 401, Code: "M_UNKNOWN_TOKEN", Msg: "Invalid access token passed."},
		{Name: "not in room", Extra: []string{"room", "!other:example.org"}, Status: 403, Code: "M_FORBIDDEN", Msg: "User @herald:example.org not in room !other:example.org"},
		{Name: "unknown alias", Extra: []string{"room", "#nope:example.org"}, Status: 404, Code: "M_NOT_FOUND", Msg: "Room alias #nope:example.org not found"},
		{Name: "too large", Answer: matrixtest.Answer{Status: 413, Body: `{"errcode":"M_TOO_LARGE","error":"event too large"}`}, Status: 413, Code: "M_TOO_LARGE", Msg: "event too large"},
		{Name: "server error", Answer: matrixtest.Answer{Status: 500, Body: `{"errcode":"M_UNKNOWN","error":"Internal server error"}`}, Transient: true, Status: 500, Code: "M_UNKNOWN", Msg: "Internal server error"},
		{Name: "bad gateway", Answer: matrixtest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "proxy 503 with Retry-After", Answer: matrixtest.Answer{Status: 503, Body: "down", Header: http.Header{"Retry-After": {"7"}}}, Transient: true, Status: 503, Msg: "down", RetryAfter: 7 * time.Second},
		{Name: "200 not JSON", Answer: matrixtest.Answer{Body: "<html>portal</html>"}, Status: 200, Msg: "unexpected answer (not JSON)"},
		{Name: "200 without event_id", Answer: matrixtest.Answer{Body: `{}`}, Status: 200, Msg: "no event_id"},
	})
}

func TestLongMessage(t *testing.T) {
	s := matrixtest.NewServer(t)
	body := strings.Repeat("<&>", 40000)
	got := channeltest.SendOne(t, open(t, s), s, message.Message{Title: "big", Body: body})
	if len(got.Text) > matrix.MaxBody || !strings.Contains(got.Text, "cut]") {
		t.Errorf("body %d bytes, want at most %d with a cut marker", len(got.Text), matrix.MaxBody)
	}
	if got.HTML != "" && len(got.HTML) > matrix.MaxHTML {
		t.Errorf("formatted_body %d bytes, over %d", len(got.HTML), matrix.MaxHTML)
	}
	// Control characters take six bytes each in JSON: the content still
	// fits the event limit (the fake refuses it otherwise).
	s = matrixtest.NewServer(t)
	got = channeltest.SendOne(t, open(t, s), s, message.Message{Body: strings.Repeat("\x01", 20000)})
	if got.HTML != "" || len(got.Text) == 0 {
		t.Errorf("control characters: body %d bytes, html %d; want a shorter body alone", len(got.Text), len(got.HTML))
	}
	channeltest.NoViolations(t, s)
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	const send = "/_matrix/client/v3/rooms/%21fakeRoomOpaque:example.org/send/m.room.message/t1"
	good := `{"msgtype":"m.text","body":"x"}`
	tests := []struct {
		name, method, path, auth, body, answer, violation string
	}{
		{"no token", "PUT", send, "", good, "M_MISSING_TOKEN", "no Authorization"},
		{"token in query", "PUT", send + "?access_token=" + matrixtest.Token, "Bearer " + matrixtest.Token, good, "event_id", "query string"},
		{"basic auth", "PUT", send, "Basic eDp5", good, "M_MISSING_TOKEN", "not Bearer"},
		{"POST", "POST", send, "", good, "M_UNRECOGNIZED", "want PUT"},
		{"alias in send path", "PUT", "/_matrix/client/v3/rooms/%23alerts:example.org/send/m.room.message/t1", "", good, "M_INVALID_PARAM", "resolved first"},
		{"other event type", "PUT", strings.Replace(send, "m.room.message", "m.reaction", 1), "", good, "event_id", "event type"},
		{"unknown msgtype", "PUT", send, "", `{"msgtype":"m.html","body":"x"}`, "M_BAD_JSON", "msgtype"},
		{"no body", "PUT", send, "", `{"msgtype":"m.text"}`, "M_BAD_JSON", "body is <nil>"},
		{"format without formatted_body", "PUT", send, "", `{"msgtype":"m.text","body":"x","format":"org.matrix.custom.html"}`, "M_BAD_JSON", "go together"},
		{"other format", "PUT", send, "", `{"msgtype":"m.text","body":"x","format":"html","formatted_body":"<b>x</b>"}`, "M_BAD_JSON", "format html"},
		{"extra key", "PUT", send, "", `{"msgtype":"m.text","body":"x","title":"t"}`, "M_BAD_JSON", "unexpected key"},
		{"over the event limit", "PUT", send, "", `{"msgtype":"m.text","body":"` + strings.Repeat("a", 70000) + `"}`, "M_TOO_LARGE", "event limit"},
		{"directory by POST", "POST", "/_matrix/client/v3/directory/room/%23alerts:example.org", "", "", "M_UNRECOGNIZED", "want GET"},
		{"v1 API", "PUT", "/_matrix/client/r0/rooms/x/send/m.room.message/t", "", good, "M_UNRECOGNIZED", "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := matrixtest.NewServer(t)
			req, _ := http.NewRequest(tt.method, s.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			switch {
			case tt.auth != "":
				req.Header.Set("Authorization", tt.auth)
			case tt.name != "no token":
				req.Header.Set("Authorization", "Bearer "+matrixtest.Token)
			}
			_, body := channeltest.Do(t, req)
			if !strings.Contains(string(body), tt.answer) {
				t.Errorf("answer %q, want %q", body, tt.answer)
			}
			if v := s.Violations(); !strings.Contains(strings.Join(v, "\n"), tt.violation) {
				t.Errorf("violations %v, want one about %q", v, tt.violation)
			}
		})
	}
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, matrix.Kind, matrixtest.Fixture)
	channeltest.RunContract(t, matrix.Kind, func(t testing.TB) channeltest.Fixture {
		f := matrixtest.Fixture(t)
		f.Config["room"] = matrixtest.Alias
		return f
	})
}
