// Package gotify sends messages to a self-hosted Gotify server with its REST
// API, POST {server}/message, authenticated by an application token.
package gotify

import (
	"context"
	"encoding/json"
	"errors"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const kindID = "gotify"

// Limits. Gotify documents no length limit (messages are a database TEXT
// column), but reverse proxies in front of it have body limits (nginx: 1 MB)
// and a phone has no use for megabytes of log: Herald caps the message at
// MaxMessage bytes, head and tail kept.
const (
	MaxMessage = 64 << 10
	// MaxTitle keeps a runaway title out of the notification's first line.
	MaxTitle = 512
)

// Priorities: Gotify's Android app shows nothing for 0, an icon for 1-3,
// adds a sound for 4-7 and vibration for 8-10.
const (
	DefaultPriority = 5
	// ErrorPriority is the least priority an error-level message is sent
	// with, so that failures make the phone vibrate.
	ErrorPriority = 8
	MaxPriority   = 10
)

// fallbackText is sent when a message has neither title nor body: Gotify
// requires a message.
const fallbackText = "Herald"

var tokenRe = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Kind is the Gotify channel kind.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "Gotify",
	DocURL: "https://gotify.net/docs/pushmsg",
	Badge:  channel.Badge{Text: "G", Color: color.NRGBA{0x1C, 0x7E, 0xD6, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "server",
			Env:      "GOTIFY_URL",
			Aliases:  []string{"api"},
			Label:    "Server URL",
			Help:     "Your Gotify server's address as opened in the browser, like https://gotify.example.com (with its path if it is served under one).",
			DocURL:   "https://gotify.net/docs/install",
			Type:     channel.TypeURL,
			Required: true,
			Validate: validateServer,
		},
		{
			Key:      "token",
			Env:      "GOTIFY_TOKEN",
			Aliases:  []string{"app_token"},
			Label:    "App token",
			Help:     "The token of an application: in the Gotify web UI open Apps, create one (e.g. Herald) and copy its token. A client token does not work.",
			DocURL:   "https://gotify.net/docs/pushmsg",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: channel.Matching(tokenRe, "field.gotify.token"),
		},
		{
			Key:     "priority",
			Env:     "GOTIFY_PRIORITY",
			Label:   "Priority",
			Help:    "0 to 10. In the Android app 0 shows no notification, 1-3 only an icon, 4-7 also plays a sound, 8-10 also vibrates. Errors are sent with at least 8.",
			DocURL:  "https://gotify.net/docs/priority",
			Type:    channel.TypeInt,
			Default: strconv.Itoa(DefaultPriority),
			Validate: func(v string) error {
				if n, _ := strconv.Atoi(v); n < 0 || n > MaxPriority {
					return i18n.New("field.gotify.priority", "Value", v)
				}
				return nil
			},
		},
		{
			Key:      "click",
			Label:    "Link on tap",
			Help:     "Optional URL opened when the notification is tapped in the Android app, instead of opening Gotify.",
			DocURL:   "https://gotify.net/docs/msgextras#clientnotification",
			Type:     channel.TypeString,
			Validate: channel.CheckLink("https://example.com/status"),
		},
		channel.ProxyField(),
	},
	QDFields: 0,
	Open:     open,
}

// Hints Herald adds to the answers it explains.
var (
	hintNotGotify    = channel.NewHint("hint.gotify.not_gotify")
	hintAppToken     = channel.NewHint("hint.gotify.app_token")
	hintOnlyAppToken = channel.NewHint("hint.gotify.only_app_token")
	hintClientToken  = channel.NewHint("hint.gotify.client_token")
	hintServerURL    = channel.NewHint("hint.server_url")
)

func validateServer(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.User != nil {
		return i18n.New("field.gotify.user")
	}
	if u.Query().Has("token") {
		// The value is not repeated: it is the secret token.
		return i18n.New("field.gotify.query_token")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return i18n.New("field.gotify.query")
	}
	if strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/message") {
		return i18n.New("field.gotify.message_path")
	}
	return nil
}

type gotify struct {
	client   *http.Client
	endpoint string
	token    string
	priority int
	click    string
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	priority := DefaultPriority
	if c.String("priority") != "" {
		priority = c.Int("priority")
	}
	return &gotify{
		client:   client,
		endpoint: strings.TrimRight(c.String("server"), "/") + "/message",
		token:    c.String("token"),
		priority: priority,
		click:    c.String("click"),
		now:      deps.Clock(),
	}, nil
}

// Request is the CreateMessage body.
type Request struct {
	Title    string  `json:"title,omitempty"`
	Message  string  `json:"message"`
	Priority int     `json:"priority"`
	Extras   *Extras `json:"extras,omitempty"`
}

// Extras are the message extras Gotify's clients read
// (https://gotify.net/docs/msgextras).
type Extras struct {
	Display      *Display      `json:"client::display,omitempty"`
	Notification *Notification `json:"client::notification,omitempty"`
}

// Display is client::display: how clients render the message.
type Display struct {
	ContentType string `json:"contentType"`
}

// Notification is client::notification: what the Android notification does.
type Notification struct {
	Click       *Click `json:"click,omitempty"`
	BigImageURL string `json:"bigImageUrl,omitempty"`
}

// Click is the URL opened on a tap.
type Click struct {
	URL string `json:"url"`
}

// render builds the request for m.
func (g *gotify) render(m message.Message) Request {
	r := Request{
		Title:    message.TruncateBytes(strings.TrimSpace(strings.ToValidUTF8(m.Title, "\uFFFD")), MaxTitle),
		Priority: g.priority,
	}
	if m.Level == message.LevelError {
		r.Priority = max(r.Priority, ErrorPriority)
	}
	text := strings.TrimRight(strings.ToValidUTF8(m.Body, "\uFFFD"), " \t\r\n")
	if strings.TrimSpace(text) == "" {
		// Gotify requires a message; with the title moved there it shows
		// the application's name as the title.
		text, r.Title = r.Title, ""
	}
	if text == "" {
		text = fallbackText
	}
	r.Message = message.TruncateBytes(text, MaxMessage)

	var x Extras
	if m.Markdown {
		x.Display = &Display{ContentType: "text/markdown"}
	}
	var n Notification
	if isHTTPURL(m.PictureURL) {
		n.BigImageURL = m.PictureURL
	}
	if g.click != "" {
		n.Click = &Click{URL: g.click}
	}
	if n != (Notification{}) {
		x.Notification = &n
	}
	if x != (Extras{}) {
		r.Extras = &x
	}
	return r
}

func isHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Send posts m as a message of the application.
func (g *gotify) Send(ctx context.Context, m message.Message) error {
	// The token goes in the X-Gotify-Key header, not ?token=: URLs end up
	// in proxy and server logs.
	resp, body, err := channel.PostJSON(ctx, g.client, kindID, g.endpoint, g.render(m), http.Header{"X-Gotify-Key": {g.token}})
	if err != nil {
		return err
	}
	return g.readAnswer(resp, body)
}

// created is the part of the stored message Gotify answers with that Herald
// reads.
type created struct {
	ID int64 `json:"id"`
}

// apiError is Gotify's error answer:
// {"error":"Unauthorized","errorCode":401,"errorDescription":"…"}.
type apiError struct {
	Error       string `json:"error"`
	Code        int    `json:"errorCode"`
	Description string `json:"errorDescription"`
}

func (g *gotify) readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 == 2 {
		var c created
		if err := channel.DecodeJSON(kindID, resp, body, &c); err != nil {
			var e *channel.Error
			if errors.As(err, &e) {
				e.Msg = g.mask(e.Msg) + hintNotGotify.Suffix()
			}
			return err
		}
		if c.ID == 0 {
			return &channel.Error{Kind: kindID, Status: resp.StatusCode,
				Msg: "unexpected answer without a message id: " + g.mask(channel.Excerpt(body)) + hintNotGotify.Suffix()}
		}
		return nil
	}
	var a apiError
	if err := json.Unmarshal(body, &a); err != nil || (a.Error == "" && a.Description == "") {
		e := channel.StatusError(kindID, resp, body)
		e.Msg = g.mask(e.Msg)
		return e
	}
	code := a.Code
	if code == 0 {
		code = resp.StatusCode
	}
	msg := a.Description
	if msg == "" {
		msg = a.Error
	}
	transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500
	e := channel.ServiceError(kindID, code, g.mask(msg), transient)
	e.Status = resp.StatusCode
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		e.Msg += hintAppToken.Suffix()
	case resp.StatusCode == http.StatusForbidden:
		e.Msg += hintOnlyAppToken.Suffix()
	case strings.Contains(msg, "appid is required"):
		// Newer servers take client tokens too, but then want an app id.
		e.Msg += hintClientToken.Suffix()
	case resp.StatusCode == http.StatusNotFound:
		e.Msg += hintServerURL.Suffix()
	}
	if transient {
		e.RetryAfter = channel.WaitHint(resp, g.now)
	}
	return e
}

// mask hides the token should an answer (a proxy's error page, say) echo it.
func (g *gotify) mask(s string) string {
	if g.token == "" {
		return s
	}
	return strings.ReplaceAll(s, g.token, "<token>")
}
