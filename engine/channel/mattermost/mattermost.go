// Package mattermost sends messages through a Mattermost incoming webhook
// (POST {server}/hooks/{key}).
//
// A message is one post: the title as a heading over the body, in
// Mattermost's Markdown. Mattermost documents no rate limit for webhooks
// (the server's own is off by default).
package mattermost

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
const ID = "mattermost"

// MaxText is the server's post limit in characters (PostMessageMaxRunes);
// Mattermost splits longer webhook text into several posts, Herald cuts it.
const MaxText = 16383

const doc = "https://developers.mattermost.com/integrate/webhooks/incoming/"

var (
	// Keys are 26-letter ids; a little leeway for other servers.
	hookPath    = regexp.MustCompile(`/hooks/[a-z0-9]{16,64}$`)
	channelName = regexp.MustCompile(`^@?[a-z0-9][a-z0-9_.-]{0,63}$`)
	emojiName   = regexp.MustCompile(`^:?[a-z0-9_+-]+:?$`)
)

// Kind is the Mattermost incoming webhook.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Mattermost",
	DocURL: doc,
	Badge:  channel.Badge{Text: "M", Color: color.NRGBA{0x1E, 0x32, 0x5C, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "url",
			Aliases:  []string{"webhook_url", "webhook"},
			Label:    "Webhook URL",
			Help:     "The incoming webhook's URL (https://your-server/hooks/…): Main Menu → Integrations → Incoming Webhooks → Add Incoming Webhook, then copy its URL.",
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
			Help:     "Optional channel to post in instead of the webhook's own: its name as in its URL (town-square), or @username for a direct message. Works only if the webhook is not locked to its channel.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(channelName, "field.mattermost.channel"),
		},
		{
			Key:    "username",
			Label:  "Username",
			Help:   "Optional name to post under instead of the webhook's (the server must allow integrations to override user names).",
			DocURL: doc,
			Type:   channel.TypeString,
		},
		{
			Key:    "icon_url",
			Label:  "Icon URL",
			Help:   "Optional http(s) URL of the picture to post with (the server must allow integrations to override profile picture icons).",
			DocURL: doc,
			Type:   channel.TypeURL,
		},
		{
			Key:      "icon_emoji",
			Label:    "Icon emoji",
			Help:     "Optional emoji name to post with instead of a picture, like robot or :robot: (overrides the icon URL).",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(emojiName, "field.mattermost.emoji"),
		},
		{
			Key:    "card",
			Label:  "Body in a card",
			Help:   "Post only the title and put the body in the post's card (props.card), shown in the right-hand sidebar when the post's info icon is clicked. Keeps channels short.",
			DocURL: doc,
			Type:   channel.TypeBool,
		},
		channel.ProxyField(),
	},
	Open: open,
}

// Hints Herald adds to the answers it explains.
var (
	hintHook    = channel.NewHint("hint.mattermost.hook")
	hintLocked  = channel.NewHint("hint.mattermost.locked")
	hintChannel = channel.NewHint("hint.mattermost.channel")
)

func validateURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil || !hookPath.MatchString(strings.TrimRight(u.Path, "/")) {
		return i18n.New("field.mattermost.url")
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
		client: client, url: u, key: u[strings.LastIndex(u, "/")+1:],
		base: Request{Channel: strings.TrimPrefix(c.String("channel"), "~"), Username: c.String("username"),
			IconURL: c.String("icon_url"), IconEmoji: strings.Trim(c.String("icon_emoji"), ":")},
		card: c.Bool("card"),
		now:  deps.Clock(),
	}, nil
}

type hook struct {
	client *http.Client
	url    string // holds the key: never put it in an error
	key    string
	base   Request
	card   bool
	now    func() time.Time
}

// Request is the webhook's JSON body.
type Request struct {
	Text      string `json:"text"`
	Channel   string `json:"channel,omitempty"`
	Username  string `json:"username,omitempty"`
	IconURL   string `json:"icon_url,omitempty"`
	IconEmoji string `json:"icon_emoji,omitempty"`
	Props     *Props `json:"props,omitempty"`
}

// Props carries the card.
type Props struct {
	Card string `json:"card"`
}

func (h *hook) render(m message.Message) Request {
	r := h.base
	body := strings.TrimRight(m.Body, " \t\r\n")
	if !m.Markdown {
		body = Escape(body)
	}
	title := strings.Join(strings.Fields(m.Title), " ")
	if title != "" {
		title = "#### " + Escape(title)
	}
	if u, err := url.Parse(m.PictureURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		body += "\n\n![](" + strings.ReplaceAll(m.PictureURL, ")", "%29") + ")"
	}
	switch {
	case h.card && title != "" && strings.TrimSpace(body) != "":
		r.Text, r.Props = title, &Props{Card: message.TruncateRunes(body, MaxText)}
	case title != "" && strings.TrimSpace(body) != "":
		r.Text = title + "\n\n" + body
	default:
		r.Text = title + body
	}
	r.Text = message.TruncateRunes(strings.TrimLeft(r.Text, "\n"), MaxText)
	if strings.TrimSpace(r.Text) == "" {
		r.Text = "Herald" // Mattermost refuses a post without text
	}
	return r
}

var (
	urlRe    = regexp.MustCompile(`https?://\S+`)
	mdInline = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "#", `\#`)
)

// Escape makes plain text show as is in Markdown, leaving URLs whole so
// that they stay links.
func Escape(s string) string {
	var b strings.Builder
	for {
		loc := urlRe.FindStringIndex(s)
		if loc == nil {
			b.WriteString(mdInline.Replace(s))
			return escapeLists(b.String())
		}
		b.WriteString(mdInline.Replace(s[:loc[0]]) + s[loc[0]:loc[1]])
		s = s[loc[1]:]
	}
}

// escapeLists escapes list and rule markers (- + =) at line starts.
func escapeLists(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if t != "" && strings.ContainsRune("-+=", rune(t[0])) {
			lines[i] = l[:len(l)-len(t)] + `\` + t
		}
	}
	return strings.Join(lines, "\n")
}

// Send posts m to the webhook.
func (h *hook) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, h.client, ID, h.url, h.render(m), nil)
	if err != nil {
		return err
	}
	return h.readAnswer(resp, body)
}

// appError is Mattermost's error body.
type appError struct {
	ID         string `json:"id"`
	Message    string `json:"message"`
	Detailed   string `json:"detailed_error"`
	StatusCode int    `json:"status_code"`
}

// readAnswer: 200 "ok", else an AppError.
func (h *hook) readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 == 2 {
		if strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (not ok): " + h.hide(channel.Excerpt(body))}
	}
	var a appError
	if err := json.Unmarshal(body, &a); err != nil || a.ID == "" {
		e := channel.StatusError(ID, resp, body)
		e.Msg = h.hide(e.Msg)
		return e
	}
	e := &channel.Error{Kind: ID, Status: resp.StatusCode, Code: a.ID, Msg: h.hide(a.Message)}
	if a.Detailed != "" {
		e.Msg += " (" + h.hide(a.Detailed) + ")"
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		e.Transient = true
		e.RetryAfter = channel.WaitHint(resp, h.now)
	case strings.Contains(a.ID, "channel_locked"):
		e.Msg += hintLocked.Suffix()
	case strings.Contains(a.ID, "incoming_webhook.channel") || strings.Contains(a.ID, "user.app_error"):
		e.Msg += hintChannel.Suffix()
	case strings.Contains(a.ID, "incoming_webhook.invalid"):
		e.Msg += hintHook.Suffix()
	}
	return e
}

// hide drops the key should an answer echo it.
func (h *hook) hide(s string) string { return strings.ReplaceAll(s, h.key, "<key>") }
