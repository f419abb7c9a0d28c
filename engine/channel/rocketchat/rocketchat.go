// Package rocketchat sends messages through a Rocket.Chat incoming webhook
// (POST {server}/hooks/{id}/{token}).
//
// A titled message goes as the title in text (what notifications show) and
// one attachment with the title, the body and a colour by level.
package rocketchat

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

// ID is the kind id.
const ID = "rocketchat"

// MaxText is the server's default Message_MaxAllowedSize in characters.
const MaxText = 5000

const doc = "https://docs.rocket.chat/docs/integrations"

var (
	hookPath    = regexp.MustCompile(`/hooks/[A-Za-z0-9]+/[A-Za-z0-9]+$`)
	channelName = regexp.MustCompile(`^[#@][^\s#@,]+$`)
	emojiName   = regexp.MustCompile(`^:[a-z0-9_+-]+:$`)
)

// Colours by level for the attachment's bar.
var levelColors = map[message.Level]string{
	message.LevelSuccess: "#2DE0A5",
	message.LevelWarning: "#FFD21F",
	message.LevelError:   "#F5455C",
}

// Kind is the Rocket.Chat incoming webhook.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Rocket.Chat",
	DocURL: doc,
	Badge:  channel.Badge{Text: "RC", Color: color.NRGBA{0xF5, 0x45, 0x5C, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "url",
			Aliases:  []string{"webhook_url", "webhook"},
			Label:    "Webhook URL",
			Help:     "The incoming webhook's URL (https://your-server/hooks/…/…): Administration → Workspace → Integrations → New → Incoming, enable it, save, then copy its Webhook URL.",
			DocURL:   doc,
			Type:     channel.TypeURL,
			Required: true,
			Secret:   true,
			Mask:     channel.MaskTail,
			Validate: validateURL,
		},
		{
			Key:      "channel",
			Label:    "Channel",
			Help:     "Optional #channel or @username to post to instead of the webhook's own.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(channelName, "field.rocketchat.channel"),
		},
		{
			Key:    "alias",
			Label:  "Alias",
			Help:   "Optional name shown as the poster instead of the webhook's user.",
			DocURL: doc,
			Type:   channel.TypeString,
		},
		{
			Key:    "avatar",
			Label:  "Avatar URL",
			Help:   "Optional http(s) URL of an image shown as the poster's avatar.",
			DocURL: doc,
			Type:   channel.TypeURL,
		},
		{
			Key:      "emoji",
			Label:    "Avatar emoji",
			Help:     "Optional emoji shown as the avatar instead, like :robot:.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(emojiName, "field.rocketchat.emoji"),
		},
		channel.ProxyField(),
	},
	Open: open,
}

// Hints Herald adds to the answers it explains.
var (
	hintHook    = channel.NewHint("hint.rocketchat.hook")
	hintChannel = channel.NewHint("hint.rocketchat.channel")
)

func validateURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil || !hookPath.MatchString(strings.TrimRight(u.Path, "/")) {
		return i18n.New("field.rocketchat.url")
	}
	return nil
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	u := strings.TrimRight(c.String("url"), "/")
	return &hook{
		client: client, url: u, token: u[strings.LastIndex(u, "/")+1:], now: deps.Clock(),
		base: Request{Channel: c.String("channel"), Alias: c.String("alias"), Avatar: c.String("avatar"), Emoji: c.String("emoji")},
	}, nil
}

type hook struct {
	client *http.Client
	url    string // holds the token: never put it in an error
	token  string
	base   Request
	now    func() time.Time
}

// Request is the webhook's JSON body.
type Request struct {
	Text        string       `json:"text"`
	Channel     string       `json:"channel,omitempty"`
	Alias       string       `json:"alias,omitempty"`
	Avatar      string       `json:"avatar,omitempty"`
	Emoji       string       `json:"emoji,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a message attachment.
type Attachment struct {
	Title    string `json:"title,omitempty"`
	Text     string `json:"text,omitempty"`
	Color    string `json:"color,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
}

func (h *hook) render(m message.Message) Request {
	r := h.base
	title := strings.Join(strings.Fields(m.Title), " ")
	body := message.TruncateRunes(strings.TrimRight(m.Body, " \t\r\n"), MaxText)
	a := Attachment{Color: levelColors[m.Level]}
	if u, err := url.Parse(m.PictureURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		a.ImageURL = m.PictureURL
	}
	if title != "" {
		r.Text = message.TruncateRunes(title, MaxText)
		a.Title, a.Text = r.Text, body
		r.Attachments = []Attachment{a}
		return r
	}
	r.Text = body
	if strings.TrimSpace(r.Text) == "" {
		r.Text = "Herald" // an empty message is refused
	}
	if a.ImageURL != "" || a.Color != "" {
		r.Attachments = []Attachment{a}
	}
	return r
}

// Send posts m to the webhook.
func (h *hook) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, h.client, ID, h.url, h.render(m), nil)
	if err != nil {
		return err
	}
	return h.readAnswer(resp, body)
}

// answer is Rocket.Chat's reply: {"success": true} or {"success": false,
// "error": …}; error may be a string or an object.
type answer struct {
	Success *bool           `json:"success"`
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
}

func (h *hook) readAnswer(resp *http.Response, body []byte) error {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || a.Success == nil {
		if resp.StatusCode/100 != 2 {
			e := channel.StatusError(ID, resp, body)
			e.Msg = h.hide(e.Msg)
			return e
		}
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no success): " + h.hide(channel.Excerpt(body))}
	}
	if *a.Success && resp.StatusCode/100 == 2 {
		return nil
	}
	msg := errorText(a)
	e := &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: h.hide(msg)}
	switch {
	case strings.Contains(msg, "Invalid integration"):
		// Some versions answer it with 500: it is still permanent.
		e.Msg += hintHook.Suffix()
	case strings.Contains(msg, "invalid-channel") || strings.Contains(msg, "invalid-user"):
		e.Msg += hintChannel.Suffix()
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		e.Transient = true
		e.RetryAfter = channel.WaitHint(resp, h.now)
	}
	return e
}

// errorText reads error as a string, or an object's message or error.
func errorText(a answer) string {
	var s string
	if json.Unmarshal(a.Error, &s) == nil && s != "" {
		return s
	}
	var obj struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(a.Error, &obj) == nil && (obj.Message != "" || obj.Error != "") {
		return strings.TrimSpace(obj.Error + " " + obj.Message)
	}
	if a.Message != "" {
		return a.Message
	}
	return "the server refused the message: " + channel.Excerpt(a.Error)
}

// hide drops the token should an answer echo it.
func (h *hook) hide(s string) string { return strings.ReplaceAll(s, h.token, "<token>") }
