// Package pushbullet sends notes with Pushbullet's HTTP API: POST
// /v2/pushes with the account's access token in the Access-Token header
// (https://docs.pushbullet.com/#create-push).
package pushbullet

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "pushbullet"
	// DefaultAPI is Pushbullet's own server.
	DefaultAPI = "https://api.pushbullet.com"
	docAPI     = "https://docs.pushbullet.com/#create-push"
)

// Limits. Pushbullet documents none for a note, but its clients show a
// note in a notification and a list: Herald caps the body at MaxBody bytes,
// head and tail kept, and the title at MaxTitle.
const (
	MaxBody  = 32 << 10
	MaxTitle = 512
)

var (
	tokenRe = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	idenRe  = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	tagRe   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// Kind is the Pushbullet channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Pushbullet",
	DocURL: docAPI,
	Badge:  channel.Badge{Text: "PB", Color: color.NRGBA{0x4A, 0xB3, 0x67, 0xFF}},
	Fields: []channel.Field{
		{
			Key: "token", Aliases: []string{"access_token", "api_key"},
			Label:  "Access token",
			Help:   "Your access token: on pushbullet.com open Settings → Account and press Create Access Token (it starts with o.).",
			DocURL: "https://www.pushbullet.com/#settings/account",
			Type:   channel.TypeString, Required: true, Secret: true,
			Validate: channel.Matching(tokenRe, "field.pushbullet.token"),
		},
		{
			Key: "device_iden", Aliases: []string{"device"},
			Label:    "Device iden",
			Help:     "Optional: send only to this device, by its iden (from GET /v2/devices or the device's address on pushbullet.com). Empty sends to all your devices.",
			DocURL:   "https://docs.pushbullet.com/#list-devices",
			Type:     channel.TypeString,
			Validate: channel.Matching(idenRe, "field.pushbullet.device_iden"),
		},
		{
			Key: "channel_tag", Aliases: []string{"channel"},
			Label:    "Channel tag",
			Help:     "Optional: broadcast to the subscribers of one of your channels, by its tag. Use at most one of device, channel and e-mail.",
			DocURL:   "https://www.pushbullet.com/my-channel",
			Type:     channel.TypeString,
			Validate: channel.Matching(tagRe, "field.pushbullet.channel_tag"),
		},
		{
			Key:      "email",
			Label:    "E-mail recipient",
			Help:     "Optional: send to another Pushbullet user by e-mail (one without an account gets an e-mail).",
			DocURL:   docAPI,
			Type:     channel.TypeString,
			Validate: validateEmail,
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	Check: checkTargets,
	Open:  open,
}

func validateEmail(v string) error {
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		return i18n.New("field.pushbullet.email")
	}
	return nil
}

// checkTargets allows at most one target: Pushbullet reads only one.
func checkTargets(c channel.Config) error {
	var set []string
	for _, k := range []string{"device_iden", "channel_tag", "email"} {
		if c.String(k) != "" {
			set = append(set, k)
		}
	}
	if len(set) > 1 {
		return channel.NewFieldError(set[1], i18n.New("field.pushbullet.one_target"))
	}
	return nil
}

// Hints Herald adds to the answers it explains.
var (
	hintToken  = channel.NewHint("hint.pushbullet.token")
	hintTarget = channel.NewHint("hint.pushbullet.target")
)

type pushbullet struct {
	client   *http.Client
	endpoint string
	token    string
	target   map[string]string // the one target key and value, if any
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	p := &pushbullet{
		client:   client,
		endpoint: strings.TrimRight(c.String("api"), "/") + "/v2/pushes",
		token:    c.String("token"),
		target:   map[string]string{},
		now:      deps.Clock(),
	}
	for _, k := range []string{"device_iden", "channel_tag", "email"} {
		if v := c.String(k); v != "" {
			p.target[k] = v
		}
	}
	return p, nil
}

// render builds the note for m. Pushbullet shows neither Markdown nor
// HTML: the text goes as written.
func (p *pushbullet) render(m message.Message) map[string]string {
	note := map[string]string{"type": "note"}
	for k, v := range p.target {
		note[k] = v
	}
	if t := strings.TrimSpace(m.Title); t != "" {
		note["title"] = message.TruncateBytes(t, MaxTitle)
	}
	if b := strings.TrimRight(m.Body, " \t\r\n"); b != "" {
		note["body"] = message.TruncateBytes(b, MaxBody)
	}
	if len(note) == 1+len(p.target) {
		// A note needs a title or a body to show anything.
		note["body"] = "Herald"
	}
	return note
}

// Send pushes m as a note.
func (p *pushbullet) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, p.client, ID, p.endpoint, p.render(m), http.Header{"Access-Token": {p.token}})
	if err != nil {
		return err
	}
	// What comes back is shown to the user: never with the token in it.
	body = channel.Scrub(body, p.token)
	return p.readAnswer(resp, body)
}

// push is the part of the created push Herald reads.
type push struct {
	Iden string `json:"iden"`
}

// apiError is Pushbullet's error answer:
// {"error":{"code":"…","message":"…","type":"invalid_request","cat":"…"}}.
type apiError struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Type    string `json:"type"`
		Param   string `json:"param"`
	} `json:"error"`
}

func (p *pushbullet) readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 == 2 {
		var pu push
		if err := channel.DecodeJSON(ID, resp, body, &pu); err != nil {
			return err
		}
		if pu.Iden == "" {
			return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer without a push iden: " + channel.Excerpt(body)}
		}
		return nil
	}
	var a apiError
	if err := json.Unmarshal(body, &a); err != nil || a.Error == nil || a.Error.Message == "" {
		return p.classify(resp, channel.StatusError(ID, resp, body))
	}
	e := &channel.Error{Kind: ID, Status: resp.StatusCode, Code: a.Error.Code, Msg: a.Error.Message}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Msg += hintToken.Suffix()
	case resp.StatusCode == http.StatusBadRequest && len(p.target) > 0, resp.StatusCode == http.StatusNotFound:
		e.Msg += hintTarget.Suffix()
	}
	return p.classify(resp, e)
}

// classify sets transience: 429 waits for X-Ratelimit-Reset, 5xx are
// Pushbullet's own failures, the rest (401, 403, 400) need the user.
func (p *pushbullet) classify(resp *http.Response, e *channel.Error) *channel.Error {
	e.Transient, e.RetryAfter = false, 0
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Transient = true
		e.RetryAfter = p.untilReset(resp)
	case resp.StatusCode >= 500:
		e.Transient = true
		e.RetryAfter = channel.WaitHint(resp, p.now)
	}
	return e
}

// untilReset reads X-Ratelimit-Reset, the Unix time the rate limit is
// renewed; Retry-After when it is missing.
func (p *pushbullet) untilReset(resp *http.Response) time.Duration {
	sec, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get("X-Ratelimit-Reset")), 10, 64)
	if err != nil {
		return channel.WaitHint(resp, p.now)
	}
	if d := time.Unix(sec, 0).Sub(p.now()); d > 0 {
		return d
	}
	return 0
}
