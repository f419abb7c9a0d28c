// Package discord sends messages through a Discord channel's webhook
// (Execute Webhook: POST /webhooks/{id}/{token}).
//
// Each message goes as one embed: its title, the body as the description
// (Discord's 4096-character embed limit, twice what content takes, so one
// message carries a long log) and a colour by the message's level.
package discord

import (
	"context"
	"encoding/json"
	"image/color"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "discord"
	// DefaultAPI is Discord's API base.
	DefaultAPI = "https://discord.com/api"
)

// Documented limits, in characters.
const (
	MaxTitle       = 256  // embed.title
	MaxDescription = 4096 // embed.description
	MaxUsername    = 80   // username
)

const doc = "https://discord.com/developers/docs/resources/webhook#execute-webhook"

// Colours by level, Discord's own palette.
var levelColors = map[message.Level]int{
	message.LevelInfo:    0x5865F2,
	message.LevelSuccess: 0x57F287,
	message.LevelWarning: 0xFEE75C,
	message.LevelError:   0xED4245,
}

var (
	idTokenRe  = regexp.MustCompile(`^[0-9]{15,21}/[A-Za-z0-9_-]{20,}$`)
	snowflake  = regexp.MustCompile(`^[0-9]{15,21}$`)
	hintToken  = channel.NewHint("hint.discord.webhook_gone")
	hintThread = channel.NewHint("hint.discord.thread")
)

// webhookURL reads the url field: the webhook URL as Discord shows it, or
// its id/token.
var webhookURL = channel.Webhook{
	Path: "/webhooks/", Place: i18n.T("field.place.discord_integrations"),
	Example:  "https://discord.com/api/webhooks/…/…",
	BareHelp: i18n.New("field.discord.bare"),
	Valid:    idTokenRe.MatchString,
}

// Kind is the Discord webhook.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Discord",
	DocURL: doc,
	Badge:  channel.Badge{Text: "D", Color: color.NRGBA{0x58, 0x65, 0xF2, 0xFF}},
	// Discord's rate limits are dynamic (read from headers); a webhook is
	// known to take 5 requests in 2 s (kept as 2 a second, the settings'
	// unit) and 30 messages a minute per channel.
	Rates: []channel.Rate{{N: 2, Per: time.Second}, {N: 30, Per: time.Minute}},
	Fields: []channel.Field{
		{
			Key:      "url",
			Aliases:  []string{"webhook_url", "webhook"},
			Label:    "Webhook URL",
			Help:     "The webhook's URL (https://discord.com/api/webhooks/…/…): Server Settings → Integrations → Webhooks → Copy Webhook URL. Its id/token alone works too.",
			DocURL:   "https://support.discord.com/hc/en-us/articles/228383668",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Mask:     mask,
			Validate: func(v string) error { _, _, err := webhookURL.Split(v); return err },
		},
		{
			Key:      "username",
			Label:    "Username",
			Help:     "Optional name the messages are posted under instead of the webhook's own (at most 80 characters; Discord refuses names containing \"discord\").",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: validateUsername,
		},
		{
			Key:    "avatar_url",
			Label:  "Avatar URL",
			Help:   "Optional http(s) URL of an image shown as the poster's avatar instead of the webhook's own.",
			DocURL: doc,
			Type:   channel.TypeURL,
		},
		{
			Key:      "thread_id",
			Label:    "Thread ID",
			Help:     "Optional id of a thread in the webhook's channel to post into (right-click the thread → Copy Thread ID, with Developer Mode on). Needed for forum channels.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(snowflake, "field.discord.thread_id"),
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	Open: open,
}

func validateUsername(v string) error {
	if len([]rune(v)) > MaxUsername {
		return i18n.New("field.discord.username_long")
	}
	if l := strings.ToLower(v); strings.Contains(l, "discord") || strings.Contains(l, "clyde") || strings.EqualFold(v, "everyone") || strings.EqualFold(v, "here") {
		return i18n.New("field.discord.username_word")
	}
	return nil
}

// mask shows the webhook's host and id, never its token.
func mask(v string) string {
	cred, base, err := webhookURL.Split(v)
	id, _, _ := strings.Cut(cred, "/")
	if err != nil || id == "" {
		return "••••"
	}
	if base == "" {
		return id + "/••••"
	}
	return base + "/webhooks/" + id + "/••••"
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	cred, base, err := webhookURL.Split(c.String("url"))
	if err != nil {
		return nil, channel.NewFieldError("url", err).In(ID)
	}
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	q := url.Values{"wait": {"true"}}
	if th := cmpOr(c.String("thread_id"), pastedThread(c.String("url"))); th != "" {
		q.Set("thread_id", th)
	}
	id, token, _ := strings.Cut(cred, "/")
	return &hook{
		client:   client,
		url:      channel.WebhookBase(c.String("api"), DefaultAPI, base) + "/webhooks/" + id + "/" + token + "?" + q.Encode(),
		token:    token,
		username: c.String("username"),
		avatar:   c.String("avatar_url"),
		now:      deps.Clock(),
	}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pastedThread is the thread_id a pasted URL carries (Discord's "Copy
// Webhook URL" of a forum post adds it).
func pastedThread(v string) string {
	u, err := url.Parse(v)
	if err != nil || !snowflake.MatchString(u.Query().Get("thread_id")) {
		return ""
	}
	return u.Query().Get("thread_id")
}

type hook struct {
	client   *http.Client
	url      string // holds the token: never put it in an error
	token    string
	username string
	avatar   string
	now      func() time.Time
}

// Request is the Execute Webhook body Herald sends.
type Request struct {
	Username        string          `json:"username,omitempty"`
	AvatarURL       string          `json:"avatar_url,omitempty"`
	Embeds          []Embed         `json:"embeds"`
	AllowedMentions AllowedMentions `json:"allowed_mentions"`
}

// Embed is a rich embed.
type Embed struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Color       int    `json:"color"`
	Image       *Image `json:"image,omitempty"`
}

// Image is an embed's image.
type Image struct {
	URL string `json:"url"`
}

// AllowedMentions with no parse list mentions nobody: a log quoting
// @everyone must not ping the server.
type AllowedMentions struct {
	Parse []string `json:"parse"`
}

func (h *hook) render(m message.Message) Request {
	e := Embed{Color: levelColors[m.Level]}
	if e.Color == 0 {
		e.Color = levelColors[message.LevelInfo]
	}
	title := strings.TrimSpace(strings.ReplaceAll(m.Title, "\n", " "))
	e.Title = message.TruncateRunes(title, MaxTitle)
	body := strings.TrimRight(m.Body, " \t\r\n")
	if !m.Markdown {
		body = Escape(body)
	}
	e.Description = message.TruncateRunes(body, MaxDescription)
	if e.Title == "" && strings.TrimSpace(e.Description) == "" {
		e.Title = "Herald" // an embed needs some text
	}
	if u, err := url.Parse(m.PictureURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		e.Image = &Image{URL: m.PictureURL}
	}
	return Request{Username: h.username, AvatarURL: h.avatar, Embeds: []Embed{e}, AllowedMentions: AllowedMentions{Parse: []string{}}}
}

// mdSpecial are the characters Discord's Markdown reads anywhere.
var mdSpecial = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, "[", `\[`, "]", `\]`)

var urlRe = regexp.MustCompile(`https?://\S+`)

// Escape makes plain text show as is in Discord's Markdown: inline
// markers everywhere but in URLs (which stay links), block markers
// (> # - +) at line starts.
func Escape(s string) string {
	var b strings.Builder
	for {
		loc := urlRe.FindStringIndex(s)
		if loc == nil {
			b.WriteString(mdSpecial.Replace(s))
			break
		}
		b.WriteString(mdSpecial.Replace(s[:loc[0]]) + s[loc[0]:loc[1]])
		s = s[loc[1]:]
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if t != "" && strings.ContainsRune(">#-+", rune(t[0])) {
			lines[i] = l[:len(l)-len(t)] + `\` + t
		}
	}
	return strings.Join(lines, "\n")
}

// Send posts m as one webhook message.
func (h *hook) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, h.client, ID, h.url, h.render(m), nil)
	if err != nil {
		return err
	}
	return h.readAnswer(resp, body)
}

// apiError is Discord's error body; 429 adds retry_after and global.
type apiError struct {
	Message    string   `json:"message"`
	Code       *int     `json:"code"`
	RetryAfter *float64 `json:"retry_after"`
	Global     bool     `json:"global"`
}

// readAnswer: 204 without wait, 200 with the message; errors are JSON.
func (h *hook) readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if resp.StatusCode/100 == 2 {
		var msg struct {
			ID string `json:"id"`
		}
		if err := channel.DecodeJSON(ID, resp, body, &msg); err != nil {
			return h.masked(err)
		}
		if msg.ID == "" {
			return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no message id): " + h.hide(channel.Excerpt(body))}
		}
		return nil
	}
	var a apiError
	if err := json.Unmarshal(body, &a); err != nil || (a.Message == "" && a.RetryAfter == nil) {
		return h.masked(channel.StatusError(ID, resp, body))
	}
	e := &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: h.hide(a.Message)}
	if a.Code != nil {
		e.Code = jsonInt(*a.Code)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Transient = true
		e.RetryAfter = channel.WaitHint(resp, h.now)
		if a.RetryAfter != nil && *a.RetryAfter > 0 {
			e.RetryAfter = time.Duration(math.Ceil(*a.RetryAfter * float64(time.Second)))
		}
	case resp.StatusCode >= 500:
		e.Transient = true
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusNotFound && e.Code == "10015":
		e.Msg += hintToken.Suffix()
	case e.Code == "10003" || e.Code == "220001":
		e.Msg += hintThread.Suffix()
	}
	if a.Code == nil && e.Code == "" && e.Msg == "" {
		e.Msg = http.StatusText(resp.StatusCode)
	}
	return e
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// hide drops the token should an answer echo it.
func (h *hook) hide(s string) string { return strings.ReplaceAll(s, h.token, "<token>") }

func (h *hook) masked(err error) error {
	if e, ok := err.(*channel.Error); ok {
		e.Msg = h.hide(e.Msg)
	}
	return err
}
