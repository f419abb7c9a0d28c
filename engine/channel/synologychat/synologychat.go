// Package synologychat posts messages to a Synology Chat channel through an
// incoming webhook.
//
// Synology documents no send limit for incoming webhooks, so Rates stays
// the dispatcher's fallback; Chat's code 117 (read as too many requests)
// is retried.
package synologychat

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "synology_chat"
	// MaxTextRunes caps a post. Synology documents no limit but refuses
	// long posts with 410 "msg too long"; this is a conservative cap.
	MaxTextRunes = 2000
)

const (
	doc = "https://kb.synology.com/en-global/DSM/help/Chat/chat_integration"
	// webhookPath and the query's api and method name an incoming webhook.
	webhookPath = "/webapi/entry.cgi"
	api         = "SYNO.Chat.External"
	method      = "incoming"
)

// Kind is a Synology Chat incoming webhook.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Synology Chat",
	DocURL: doc,
	Badge:  channel.Badge{Text: "SC", Color: color.NRGBA{0x1B, 0x6E, 0xC2, 0xFF}},
	// qinglong's name for it.
	Aliases: []string{"chat"},
	Fields: []channel.Field{
		{
			Key:      "url",
			Aliases:  []string{"webhook_url"},
			Label:    "Incoming webhook URL",
			Help:     "The URL of an incoming webhook (Synology Chat › Integration › Incoming Webhooks), like https://nas:5001/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=…; it holds the token.",
			DocURL:   doc,
			Type:     channel.TypeURL,
			Required: true,
			Secret:   true,
			Mask:     mask,
			Validate: validateURL,
		},
		channel.ProxyField(),
	},
	Open:      open,
	PackedEnv: &channel.PackedEnv{Vars: []string{"CHAT_URL", "CHAT_TOKEN"}, Unpack: unpack, Pack: pack},
}

// validateURL wants an incoming webhook's URL with its token.
func validateURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	q := u.Query()
	if !strings.HasSuffix(u.Path, webhookPath) || q.Get("api") != api || q.Get("method") != method {
		return i18n.New("field.synology_chat.not_webhook")
	}
	if strings.Trim(q.Get("token"), `"`) == "" {
		return i18n.New("field.synology_chat.no_token")
	}
	return nil
}

// mask shows the NAS and the webhook's API but not its token.
func mask(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "••••"
	}
	q := u.Query()
	if q.Has("token") {
		q.Set("token", "••••")
	}
	u.User, u.RawQuery = nil, strings.ReplaceAll(q.Encode(), "%E2%80%A2", "•")
	return u.String()
}

// tokenKey ends qinglong's CHAT_URL: notify.py posts to CHAT_URL + CHAT_TOKEN.
const tokenKey = "token="

// unpack joins qinglong's CHAT_URL and CHAT_TOKEN as notify.py does;
// CHAT_URL alone may be the whole URL.
func unpack(vars, raw map[string]string) error {
	if vars["CHAT_URL"] == "" {
		return channel.NewFieldError("CHAT_URL", i18n.New("field.synology_chat.chat_url"))
	}
	raw["url"] = vars["CHAT_URL"] + vars["CHAT_TOKEN"]
	return nil
}

// pack splits the URL after its last "token=", as qinglong's sample
// config shows CHAT_URL.
func pack(c channel.Config, vars map[string]string) {
	u := c.String("url")
	if u == "" {
		return
	}
	i := strings.LastIndex(u, tokenKey)
	if i < 0 {
		vars["CHAT_URL"] = u
		return
	}
	vars["CHAT_URL"], vars["CHAT_TOKEN"] = u[:i+len(tokenKey)], u[i+len(tokenKey):]
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &hook{client: client, url: c.String("url")}, nil
}

type hook struct {
	client *http.Client
	url    string // holds the token: never put it in an error
}

// Send posts m as the payload form field's JSON, form-encoded as Synology
// documents, so "&", "+" and "%" in the text survive.
func (h *hook) Send(ctx context.Context, m message.Message) error {
	text := render(m)
	if strings.TrimSpace(text) == "" {
		// Chat refuses an empty post; asking would only fetch the refusal.
		return channel.Permanent(ID, "the message is empty")
	}
	payload, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		return channel.Permanent(ID, "encode request: %v", err)
	}
	resp, body, err := channel.PostForm(ctx, h.client, ID, h.url, url.Values{"payload": {string(payload)}}, nil)
	if err != nil {
		return err
	}
	return readAnswer(resp, body)
}

// render is the post's text: title, body and picture link, escaped and
// cut to MaxTextRunes.
func render(m message.Message) string {
	text := m.Text()
	if m.PictureURL != "" {
		text = strings.TrimLeft(text+"\n\n"+m.PictureURL, "\n")
	}
	// Each escape adds a character, so the cut shrinks until the escaped
	// text fits; removing n characters removes at most 2n, hence halves.
	for budget := MaxTextRunes; ; {
		out := escape(message.TruncateRunes(text, budget))
		over := utf8.RuneCountInString(out) - MaxTextRunes
		if over <= 0 {
			return out
		}
		budget -= (over + 1) / 2
	}
}

// zwsp is a zero-width space.
const zwsp = "\u200b"

// escape keeps Chat from reading the user's "<…>" as its link syntax
// (<https://x|label>): a zero-width space after "<" shows the same text
// yet no longer opens a link. Chat has no escape of its own.
func escape(s string) string { return strings.ReplaceAll(s, "<", "<"+zwsp) }
