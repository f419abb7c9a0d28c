// Package ntfy publishes messages to an ntfy topic (ntfy.sh or a self-hosted
// server) with ntfy's JSON publishing API, POST {server}/.
package ntfy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const kindID = "ntfy"

// DefaultServer is the public ntfy server.
const DefaultServer = "https://ntfy.sh"

// Size limits of a default ntfy server (binwiederhier/ntfy server.go).
//
// The server peeks at most message-size-limit (4096) bytes of the message and
// treats a message that fills the peek buffer as a file: a message of exactly
// 4096 bytes already becomes an attachment (or is refused where attachments
// are off), so Herald keeps messages to MaxMessage = 4095 bytes.
//
// A JSON publish body is read the same way with twice that limit: a body of
// 8192 bytes or more is refused with 413 "JSON body too large", so the whole
// request is kept to MaxJSON bytes.
const (
	MaxMessage = 4095
	MaxJSON    = 8191
	// MaxTitle keeps a runaway title from eating the body's room.
	MaxTitle = 512
)

// fallbackText is sent when a message has neither title nor body; ntfy would
// otherwise show its own placeholder, "triggered".
const fallbackText = "Herald"

// Priorities are the values the priority field takes: ntfy's names and their
// numbers.
var Priorities = []string{"min", "low", "default", "high", "max", "1", "2", "3", "4", "5"}

var priorityNumbers = map[string]int{"min": 1, "low": 2, "default": 3, "high": 4, "max": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}

// ReservedTopics are names ntfy's default configuration refuses as topics
// (server.DefaultDisallowedTopics): its own web paths.
var ReservedTopics = []string{"docs", "static", "file", "app", "metrics", "account", "settings", "signup", "login", "v1"}

var (
	topicRe    = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)
	tokenRe    = regexp.MustCompile(`^tk_[A-Za-z0-9]+$`)
	usernameRe = regexp.MustCompile(`^[-_.+@a-zA-Z0-9]+$`)
)

// Kind is the ntfy channel kind.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "ntfy",
	DocURL: "https://docs.ntfy.sh/publish/#publish-as-json",
	Badge:  channel.Badge{Text: "N", Color: color.NRGBA{0x33, 0x85, 0x74, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "server",
			Env:      "NTFY_URL",
			Aliases:  []string{"api"},
			Label:    "Server URL",
			Help:     "The ntfy server: " + DefaultServer + " or your own, like https://ntfy.example.com. Only the server, without the topic.",
			DocURL:   "https://docs.ntfy.sh/install/",
			Type:     channel.TypeURL,
			Default:  DefaultServer,
			Validate: validateServer,
		},
		{
			Key:      "topic",
			Env:      "NTFY_TOPIC",
			Label:    "Topic",
			Help:     "The topic to publish to, as subscribed in the ntfy app: up to 64 letters, digits, - and _. On ntfy.sh anyone who knows the name can read it, so pick one that is hard to guess.",
			DocURL:   "https://docs.ntfy.sh/publish/",
			Type:     channel.TypeString,
			Required: true,
			Validate: validateTopic,
		},
		{
			Key:      "token",
			Env:      "NTFY_TOKEN",
			Label:    "Access token",
			Help:     "Optional, for a protected topic: an access token (tk_…) from Account → Access tokens in the ntfy web app, or from `ntfy token add`. Use either this or a username and password.",
			DocURL:   "https://docs.ntfy.sh/publish/#access-tokens",
			Type:     channel.TypeString,
			Secret:   true,
			Validate: channel.Matching(tokenRe, "field.ntfy.token"),
		},
		{
			Key:      "username",
			Env:      "NTFY_USERNAME",
			Label:    "Username",
			Help:     "Optional, for a protected topic: your ntfy user name (with the password below) instead of an access token.",
			DocURL:   "https://docs.ntfy.sh/publish/#username-password",
			Type:     channel.TypeString,
			Validate: channel.Matching(usernameRe, "field.ntfy.username"),
		},
		{
			Key:    "password",
			Env:    "NTFY_PASSWORD",
			Label:  "Password",
			Help:   "The password of the user name above.",
			DocURL: "https://docs.ntfy.sh/publish/#username-password",
			Type:   channel.TypeString,
			Secret: true,
		},
		{
			Key:     "priority",
			Env:     "NTFY_PRIORITY",
			Label:   "Priority",
			Help:    "min (1), low (2), default (3), high (4) or max (5): high and max make the phone sound or vibrate longer. Empty: errors go out as high, the rest as default.",
			DocURL:  "https://docs.ntfy.sh/publish/#message-priority",
			Type:    channel.TypeChoice,
			Choices: Priorities,
		},
		{
			Key:    "tags",
			Label:  "Tags",
			Help:   "Optional tags, separated by commas: names of emojis such as warning or white_check_mark are shown as the emoji before the title, others as text.",
			DocURL: "https://docs.ntfy.sh/publish/#tags-emojis",
			Type:   channel.TypeList,
		},
		{
			Key:      "click",
			Label:    "Link on tap",
			Help:     "Optional URL opened when the notification is tapped: a web page, mailto:, geo: or an app's link.",
			DocURL:   "https://docs.ntfy.sh/publish/#click-action",
			Type:     channel.TypeString,
			Validate: channel.CheckLink("https://example.com/status", "mailto:me@example.com"),
		},
		{
			Key:    "icon",
			Label:  "Icon URL",
			Help:   "Optional JPEG or PNG shown as the notification's icon (Android app only).",
			DocURL: "https://docs.ntfy.sh/publish/#icons",
			Type:   channel.TypeURL,
		},
		{
			Key:    "actions",
			Env:    "NTFY_ACTIONS",
			Label:  "Action buttons",
			Help:   "Optional buttons under the notification, in ntfy's notation: view, Open page, https://example.com; http, Restart, https://example.com/restart, method=POST (at most 3; a JSON array works too).",
			DocURL: "https://docs.ntfy.sh/publish/#action-buttons",
			Type:   channel.TypeString,
			Validate: func(v string) error {
				_, err := ParseActions(v)
				return err
			},
		},
		channel.ProxyField(),
	},
	QDFields: 0,
	Check:    check,
	Open:     open,
}

// Hints Herald adds to the answers it explains.
var (
	hintNotNtfy     = channel.NewHint("hint.ntfy.not_ntfy")
	hintCredentials = channel.NewHint("hint.ntfy.credentials")
	hintProtected   = channel.NewHint("hint.ntfy.protected")
	hintNoWrite     = channel.NewHint("hint.ntfy.no_write")
	hintServerURL   = channel.NewHint("hint.server_url")
	hintLimits      = channel.NewHint("hint.ntfy.limits")
)

func validateServer(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.User != nil {
		// The field is not secret: credentials belong in their own fields.
		return i18n.New("field.ntfy.user")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return i18n.New("field.ntfy.query")
	}
	if strings.EqualFold(u.Hostname(), "ntfy.sh") && strings.Trim(u.Path, "/") != "" {
		return i18n.New("field.ntfy.topic_in_url")
	}
	return nil
}

func validateTopic(v string) error {
	if !topicRe.MatchString(v) {
		return i18n.New("field.ntfy.topic")
	}
	if slices.Contains(ReservedTopics, v) {
		return i18n.New("field.ntfy.reserved", "Value", strconv.Quote(v), "Reserved", strings.Join(ReservedTopics, ", "))
	}
	return nil
}

func check(c channel.Config) error {
	user, pass := c.String("username"), c.String("password")
	switch {
	case c.String("token") != "" && (user != "" || pass != ""):
		return channel.NewFieldError("token", i18n.New("field.ntfy.token_and_user"))
	case user != "" && pass == "":
		return channel.NewFieldError("password", i18n.New("field.ntfy.password_required"))
	case pass != "" && user == "":
		return channel.NewFieldError("username", i18n.New("field.ntfy.username_required"))
	}
	return nil
}

type ntfy struct {
	client   *http.Client
	endpoint string
	auth     string // Authorization header value, "" for anonymous publishing
	topic    string
	priority int // 0: chosen by the message's level
	tags     []string
	click    string
	icon     string
	actions  []Action
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	n := &ntfy{
		client:   client,
		endpoint: strings.TrimRight(channel.BaseURL(c.String("server"), DefaultServer), "/") + "/",
		topic:    c.String("topic"),
		priority: priorityNumbers[c.String("priority")],
		tags:     c.List("tags"),
		click:    c.String("click"),
		icon:     c.String("icon"),
		now:      deps.Clock(),
	}
	if v := c.String("actions"); v != "" {
		if n.actions, err = ParseActions(v); err != nil {
			return nil, channel.NewFieldError("actions", err).In(kindID)
		}
	}
	switch {
	case c.String("token") != "":
		n.auth = "Bearer " + c.String("token")
	case c.String("username") != "":
		n.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(c.String("username")+":"+c.String("password")))
	}
	return n, nil
}

// Request is the JSON publish body (server.publishMessage); empty fields are
// omitted.
type Request struct {
	Topic    string   `json:"topic"`
	Message  string   `json:"message"`
	Title    string   `json:"title,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Priority int      `json:"priority,omitempty"`
	Click    string   `json:"click,omitempty"`
	Icon     string   `json:"icon,omitempty"`
	// Attach is an external file's URL: the picture, which the app shows
	// below the text.
	Attach   string   `json:"attach,omitempty"`
	Markdown bool     `json:"markdown,omitempty"`
	Actions  []Action `json:"actions,omitempty"`
}

// encode writes r as JSON without HTML escaping: "<" as \u003c would cost six
// bytes of the JSON limit instead of one.
func encode(r Request) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r) // strings, ints and bools always encode
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// render builds the publish body for m within MaxMessage and MaxJSON,
// cutting the message in the middle (head and tail kept) when it must.
func (n *ntfy) render(m message.Message) (Request, []byte, error) {
	r := Request{
		Topic:    n.topic,
		Title:    message.TruncateBytes(strings.TrimSpace(strings.ToValidUTF8(m.Title, "\uFFFD")), MaxTitle),
		Tags:     n.tags,
		Priority: n.priority,
		Click:    n.click,
		Icon:     n.icon,
		Markdown: m.Markdown,
		Actions:  n.actions,
	}
	if r.Priority == 0 {
		// An error should stand out (longer vibration, pop-over); the rest
		// goes out as ntfy's default.
		r.Priority = priorityNumbers["default"]
		if m.Level == message.LevelError {
			r.Priority = priorityNumbers["high"]
		}
	}
	if isHTTPURL(m.PictureURL) {
		// ntfy refuses any other attachment URL (40013).
		r.Attach = m.PictureURL
	}
	// Invalid UTF-8 would grow on the way (JSON encoding turns each bad
	// byte into a 3-byte U+FFFD), and ntfy trims the message: measure what
	// it will store.
	text := strings.TrimSpace(strings.ToValidUTF8(m.Body, "\uFFFD"))
	if text == "" {
		// ntfy shows "triggered" for an empty message: show the title there.
		text, r.Title = r.Title, ""
	}
	if text == "" {
		text = fallbackText
	}
	text = message.TruncateBytes(text, MaxMessage)

	size := func(t string) int {
		r.Message = t
		return len(encode(r))
	}
	if size("") > MaxJSON {
		return r, nil, channel.Permanent(kindID, "the request exceeds ntfy's %d-byte limit even without its message: use fewer tags or shorter links", MaxJSON+1)
	}
	if size(text) > MaxJSON {
		// JSON escapes some characters (a newline is two bytes, other
		// control characters six), so search for the longest cut that
		// fits; lo always fits, hi never does.
		lo, hi := 0, len(text)
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if size(message.TruncateBytes(text, mid)) <= MaxJSON {
				lo = mid
			} else {
				hi = mid
			}
		}
		text = message.TruncateBytes(text, lo)
	}
	r.Message = text
	return r, encode(r), nil
}

func isHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Send publishes m to the topic.
func (n *ntfy) Send(ctx context.Context, m message.Message) error {
	_, data, err := n.render(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint, bytes.NewReader(data))
	if err != nil {
		return channel.Permanent(kindID, "bad server URL %s", channel.RedactURL(n.endpoint))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if n.auth != "" {
		req.Header.Set("Authorization", n.auth)
	}
	resp, body, err := channel.Do(ctx, n.client, kindID, req)
	if err != nil {
		return err
	}
	return n.readAnswer(resp, body)
}

// published is the part of ntfy's answer (the stored message) Herald reads.
type published struct {
	ID    string `json:"id"`
	Event string `json:"event"`
}

// apiError is ntfy's error answer (server.errHTTP):
// {"code":40301,"http":403,"error":"forbidden","link":"…"}.
type apiError struct {
	Code  int    `json:"code"`
	HTTP  int    `json:"http"`
	Error string `json:"error"`
	Link  string `json:"link"`
}

func (n *ntfy) readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 == 2 {
		var p published
		if err := channel.DecodeJSON(kindID, resp, body, &p); err != nil {
			var e *channel.Error
			if errors.As(err, &e) {
				e.Msg += hintNotNtfy.Suffix()
			}
			return err
		}
		if p.ID == "" {
			return &channel.Error{Kind: kindID, Status: resp.StatusCode,
				Msg: "unexpected answer without a message id: " + channel.Excerpt(body) + hintNotNtfy.Suffix()}
		}
		return nil
	}
	var a apiError
	if err := json.Unmarshal(body, &a); err != nil || a.Error == "" {
		return channel.StatusError(kindID, resp, body)
	}
	code := a.Code
	if code == 0 {
		code = resp.StatusCode
	}
	transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500
	e := channel.ServiceError(kindID, code, a.Error, transient)
	e.Status = resp.StatusCode
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Msg += hintCredentials.Suffix()
	case http.StatusForbidden:
		if n.auth == "" {
			e.Msg += hintProtected.Suffix()
		} else {
			e.Msg += hintNoWrite.Suffix()
		}
	case http.StatusNotFound:
		e.Msg += hintServerURL.Suffix()
	case http.StatusRequestEntityTooLarge:
		e.Msg += hintLimits.Suffix()
	}
	if transient {
		e.RetryAfter = channel.WaitHint(resp, n.now)
	}
	return e
}
