// Package matrix sends messages to a Matrix room with the Client-Server API
// v3: PUT {homeserver}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}
// with an access token. A room alias is resolved once through the room
// directory and kept by the channel.
//
// The transaction id is the outbox row's delivery id, the same on every
// retry, so a retry after a crash or a lost answer is de-duplicated by the
// homeserver instead of posting the message twice.
package matrix

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html"
	"image/color"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

// ID is the kind id.
const ID = "matrix"

// Limits. The spec caps a whole event at 65536 bytes (federation format,
// with its signatures and hashes); Herald keeps the plain body and its HTML
// well under that together.
const (
	MaxEvent = 65536
	MaxBody  = 16 << 10
	MaxHTML  = 32 << 10
)

// HTMLFormat is the only formatted_body format the spec defines.
const HTMLFormat = "org.matrix.custom.html"

const (
	doc     = "https://spec.matrix.org/v1.16/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid"
	docDir  = "https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3directoryroomroomalias"
	docAuth = "https://spec.matrix.org/v1.16/client-server-api/#using-access-tokens"
	docMsg  = "https://spec.matrix.org/v1.16/client-server-api/#mroommessage-msgtypes"
)

// Kind is the Matrix channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Matrix",
	DocURL: "https://spec.matrix.org/v1.16/client-server-api/",
	Badge:  channel.Badge{Text: "[m]", Color: color.NRGBA{0x0D, 0xBD, 0x8B, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "homeserver",
			Aliases:  []string{"server", "api"},
			Label:    "Homeserver URL",
			Help:     "The client API address of your homeserver, like https://matrix-client.matrix.org (Element shows it under Settings › Help & About).",
			DocURL:   "https://spec.matrix.org/v1.16/client-server-api/#server-discovery",
			Type:     channel.TypeURL,
			Required: true,
			Validate: validateHomeserver,
		},
		{
			Key:      "access_token",
			Aliases:  []string{"token"},
			Label:    "Access token",
			Help:     "The access token of the account that posts (a bot account is best): in Element, Settings › Help & About › Access token.",
			DocURL:   docAuth,
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: validateToken,
		},
		{
			Key:      "room",
			Aliases:  []string{"room_id", "room_alias"},
			Label:    "Room",
			Help:     "The room's ID (!abc…:example.org, in Element: Room settings › Advanced) or its alias (#alerts:example.org). The account must have joined the room.",
			DocURL:   docDir,
			Type:     channel.TypeString,
			Required: true,
			Validate: validateRoom,
		},
		{
			Key:     "msgtype",
			Label:   "Message type",
			Help:    "m.text is an ordinary message; m.notice is a bot's notice, which clients show muted and bots never answer.",
			DocURL:  docMsg,
			Type:    channel.TypeChoice,
			Choices: []string{"m.text", "m.notice"},
			Default: "m.text",
		},
		channel.ProxyField(),
	},
	Open: open,
}

func validateHomeserver(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return i18n.New("field.matrix.homeserver_extra")
	}
	if strings.Contains(u.Path, "/_matrix") {
		return i18n.New("field.matrix.homeserver_path")
	}
	return nil
}

func validateToken(v string) error {
	if strings.HasPrefix(strings.ToLower(v), "bearer ") {
		return i18n.New("field.matrix.token_bearer")
	}
	if strings.ContainsAny(v, " \t\"") {
		return i18n.New("field.matrix.token")
	}
	return nil
}

// validateRoom accepts a room id (!opaque:server; rooms of version 12 have
// no server part) or an alias (#name:server).
func validateRoom(v string) error {
	switch {
	case strings.HasPrefix(v, "!") && len(v) > 1 && !strings.ContainsAny(v, " /"):
		return nil
	case strings.HasPrefix(v, "#") && strings.Index(v, ":") > 1 && !strings.HasSuffix(v, ":") && !strings.ContainsAny(v, " /"):
		return nil
	}
	return i18n.New("field.matrix.room")
}

type matrix struct {
	client  *http.Client
	base    string
	token   string // never in an error
	room    string // as configured: an id or an alias
	msgtype string
	now     func() time.Time

	mu     sync.Mutex
	roomID string // room resolved from an alias, once
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &matrix{
		client:  client,
		base:    strings.TrimRight(c.String("homeserver"), "/") + "/_matrix/client/v3",
		token:   c.String("access_token"),
		room:    c.String("room"),
		msgtype: c.String("msgtype"),
		now:     deps.Clock(),
	}, nil
}

// Content is the m.room.message event content Herald sends.
type Content struct {
	MsgType       string `json:"msgtype"`
	Body          string `json:"body"`
	Format        string `json:"format,omitempty"`
	FormattedBody string `json:"formatted_body,omitempty"`
}

// Send resolves the room if it is an alias, then sends m once under its
// delivery id.
func (mx *matrix) Send(ctx context.Context, m message.Message) error {
	room, err := mx.resolve(ctx)
	if err != nil {
		return err
	}
	data, err := encode(mx.render(m))
	if err != nil {
		return channel.Permanent(ID, "encode request: %v", err)
	}
	u := mx.base + "/rooms/" + url.PathEscape(room) + "/send/m.room.message/" + url.PathEscape(txnID(m))
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(data))
	if err != nil {
		return channel.Permanent(ID, "bad homeserver URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, body, err := mx.do(ctx, req)
	if err != nil {
		return err
	}
	var sent struct {
		EventID string `json:"event_id"`
	}
	if err := channel.DecodeJSON(ID, resp, body, &sent); err != nil {
		return err
	}
	if sent.EventID == "" {
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no event_id): " + mx.mask(channel.Excerpt(body))}
	}
	return nil
}

// maxContent leaves room in MaxEvent for the event's envelope (ids,
// signatures, hashes) that the homeserver adds.
const maxContent = MaxEvent - 8<<10

// encode writes c as JSON without escaping <, > and & (which would make
// the HTML six times its size); when escapes of other characters still
// make it too large, the HTML goes, then the plain text shrinks.
func encode(c Content) ([]byte, error) {
	for {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c); err != nil {
			return nil, err
		}
		switch {
		case buf.Len() <= maxContent:
			return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
		case c.FormattedBody != "":
			c.Format, c.FormattedBody = "", ""
		default:
			c.Body = message.TruncateBytes(c.Body, len(c.Body)/2)
		}
	}
}

// txnID is the message's delivery id, or a random one for a message
// outside the outbox, which nothing retries.
func txnID(m message.Message) string {
	if m.DeliveryID != "" {
		return m.DeliveryID
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "herald-once-" + hex.EncodeToString(b[:])
}

// resolve returns the room id, looking an alias up in the room directory
// the first time.
func (mx *matrix) resolve(ctx context.Context) (string, error) {
	if !strings.HasPrefix(mx.room, "#") {
		return mx.room, nil
	}
	mx.mu.Lock()
	id := mx.roomID
	mx.mu.Unlock()
	if id != "" {
		return id, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mx.base+"/directory/room/"+url.PathEscape(mx.room), nil)
	if err != nil {
		return "", channel.Permanent(ID, "bad homeserver URL")
	}
	resp, body, err := mx.do(ctx, req)
	if err != nil {
		return "", err
	}
	var dir struct {
		RoomID string `json:"room_id"`
	}
	if err := channel.DecodeJSON(ID, resp, body, &dir); err != nil {
		return "", err
	}
	if !strings.HasPrefix(dir.RoomID, "!") {
		return "", &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no room_id): " + mx.mask(channel.Excerpt(body))}
	}
	mx.mu.Lock()
	mx.roomID = dir.RoomID
	mx.mu.Unlock()
	return dir.RoomID, nil
}

// do sends req with the access token and turns a Matrix error answer into
// a *channel.Error.
func (mx *matrix) do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	req.Header.Set("Authorization", "Bearer "+mx.token)
	resp, body, err := channel.Do(ctx, mx.client, ID, req)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, mx.readError(resp, body)
	}
	return resp, body, nil
}

// apiError is the spec's standard error response.
type apiError struct {
	ErrCode      string `json:"errcode"`
	Error        string `json:"error"`
	RetryAfterMS int64  `json:"retry_after_ms"`
}

// readError classifies an error answer: rate limits and server faults are
// worth retrying; a bad token, a room the account is not in or a refused
// event are not.
func (mx *matrix) readError(resp *http.Response, body []byte) error {
	var a apiError
	if err := json.Unmarshal(body, &a); err != nil || a.ErrCode == "" {
		e := channel.StatusError(ID, resp, body)
		e.Msg = mx.mask(e.Msg)
		return e
	}
	limited := resp.StatusCode == http.StatusTooManyRequests || a.ErrCode == "M_LIMIT_EXCEEDED"
	transient := limited || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout
	e := channel.ServiceError(ID, a.ErrCode, mx.mask(a.Error), transient)
	e.Status = resp.StatusCode
	if limited {
		// Retry-After replaces retry_after_ms since spec v1.10; older
		// servers send only the body's.
		e.RetryAfter = channel.WaitHint(resp, mx.now)
		if e.RetryAfter == 0 && a.RetryAfterMS > 0 {
			e.RetryAfter = time.Duration(a.RetryAfterMS) * time.Millisecond
		}
	}
	return e
}

// mask hides the token should an answer echo it.
func (mx *matrix) mask(s string) string {
	if mx.token == "" {
		return s
	}
	return strings.ReplaceAll(s, mx.token, "<token>")
}

// render builds the event content: the plain text as body, and the same
// as HTML (Markdown rendered, or the plain text escaped).
func (mx *matrix) render(m message.Message) Content {
	title := strings.TrimSpace(m.Title)
	bodyText := strings.TrimRight(m.Body, " \t\r\n")
	plain := message.TruncateBytes(message.Message{Title: title, Body: bodyText}.Text(), MaxBody)
	if strings.TrimSpace(plain) == "" {
		plain = "Herald"
	}
	c := Content{MsgType: mx.msgtype, Body: plain}
	var h string
	if title != "" {
		h = "<strong>" + html.EscapeString(title) + "</strong>"
	}
	if strings.TrimSpace(bodyText) != "" {
		b := message.TruncateBytes(bodyText, MaxBody)
		if m.Markdown {
			b = message.MarkdownHTML(b)
		} else {
			b = strings.ReplaceAll(html.EscapeString(b), "\n", "<br>")
		}
		if h != "" && !m.Markdown { // Markdown starts with a block
			h += "<br>"
		}
		h += b
	}
	if h != "" && len(h) <= MaxHTML {
		c.Format, c.FormattedBody = HTMLFormat, h
	}
	return c
}
