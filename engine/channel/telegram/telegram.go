// Package telegram sends messages through a Telegram bot with the Bot API's
// sendMessage and sendPhoto methods, formatted as Telegram HTML.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"net"
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

const kindID = "telegram"

// DefaultHost is Telegram's own Bot API server.
const DefaultHost = "api.telegram.org"

// Limits from the Bot API reference (sendMessage: text 1-4096 characters
// after entities parsing; sendPhoto: caption 0-1024 characters).
//
// Length is counted in UTF-16 code units. The docs say "characters"; the Bot
// API server (tdlib) checks Unicode code points, while entity offsets are in
// UTF-16 units. A UTF-16 count is never smaller than the code point count, so
// every part we send passes Telegram's check; only emoji-heavy text loses a
// little room to the stricter count.
const (
	MaxText    = 4096
	MaxCaption = 1024
)

// MaxBody bounds how much of a body is sent: a longer one is cut keeping head
// and tail, so a huge log becomes at most five messages instead of flooding
// the chat (Telegram allows about one message per second per chat).
const MaxBody = 3 * MaxText

var (
	tokenRe    = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{30,60}$`)
	chatIDRe   = regexp.MustCompile(`^-?[0-9]{1,20}$`)
	usernameRe = regexp.MustCompile(`^@[A-Za-z][A-Za-z0-9_]{3,31}$`)
)

// Kind is the Telegram bot channel kind.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "Telegram Bot",
	DocURL: "https://core.telegram.org/bots/api#sendmessage",
	Badge:  channel.Badge{Text: "TG", Color: color.NRGBA{0x22, 0x9E, 0xD9, 0xFF}},
	Rates:  []channel.Rate{{N: 1, Per: time.Second}}, // one message a second to the same chat
	Fields: []channel.Field{
		{
			Key:      "token",
			Env:      "TG_BOT_TOKEN",
			Aliases:  []string{"TG_TOKEN"},
			Label:    "Bot token",
			Help:     "The token @BotFather gave your bot: the bot id, a colon and the key, like 123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11 (without a leading \"bot\").",
			DocURL:   "https://core.telegram.org/bots/features#botfather",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: validateToken,
		},
		{
			Key:      "chat_id",
			Env:      "TG_USER_ID",
			Aliases:  []string{"TG_USERID"},
			Label:    "Chat ID",
			Help:     "Who receives the messages: a user or group id (groups and channels start with -100), or a public channel's @username. Send your bot a message, then read chat.id at https://api.telegram.org/bot<token>/getUpdates.",
			DocURL:   "https://core.telegram.org/bots/api#getupdates",
			Type:     channel.TypeString,
			Required: true,
			Validate: validateChatID,
		},
		{
			Key:     "host",
			Aliases: []string{"TG_HOST", "api"},
			Label:   "API host",
			Help:    "The Bot API server: a domain or IP such as tg.example.com, optionally with http:// or https://. Change it only for a self-hosted Bot API server or a reverse proxy; default " + DefaultHost + ".",
			DocURL:  "https://core.telegram.org/bots/api#using-a-local-bot-api-server",
			Type:    channel.TypeString,
			Default: DefaultHost,
			Validate: func(v string) error {
				_, err := baseURL(v)
				return err
			},
		},
		channel.ProxyField(),
		{
			Key:     "pic_url",
			Aliases: []string{"PUSH_PIC_URL"},
			Label:   "Picture URL",
			Help:    "Optional picture sent with every message (JPEG or PNG, at most 5 MB; Telegram downloads it). A message's own picture takes precedence.",
			DocURL:  "https://core.telegram.org/bots/api#sendphoto",
			Type:    channel.TypeURL,
		},
		{
			Key:     "thread_id",
			Aliases: []string{"message_thread_id"},
			Label:   "Topic (thread) ID",
			Help:    "Optional: the forum topic to post in, for supergroups with topics (message_thread_id). Leave empty for the main chat.",
			DocURL:  "https://core.telegram.org/bots/api#sendmessage",
			Type:    channel.TypeInt,
			Validate: func(v string) error {
				if n, _ := strconv.Atoi(v); n <= 0 {
					return i18n.New("field.telegram.topic")
				}
				return nil
			},
		},
	},
	QDFields:  5,
	PackedEnv: &channel.PackedEnv{Vars: []string{envAPIHost, envProxyHost, envProxyPort, envProxyAuth}, Unpack: unpackEnv, Pack: packEnv},
	Open:      open,
}

// qinglong's proxy variables: notify.py makes them one HTTP proxy,
// http://[AUTH@]HOST:PORT (AUTH is "user:password"; HOST may hold it).
// TG_API_HOST is a base URL (notify.py appends /bot…), so it is packed
// rather than the host field as is: a bare host gets https:// on export.
const (
	envAPIHost   = "TG_API_HOST"
	envProxyHost = "TG_PROXY_HOST"
	envProxyPort = "TG_PROXY_PORT"
	envProxyAuth = "TG_PROXY_AUTH"
)

func unpackEnv(vars, raw map[string]string) error {
	if h := vars[envAPIHost]; h != "" {
		raw["host"] = h
	}
	if vars[envProxyHost] == "" && vars[envProxyPort] == "" && vars[envProxyAuth] == "" {
		return nil
	}
	host, port := vars[envProxyHost], vars[envProxyPort]
	if host == "" || port == "" {
		missing := envProxyHost
		if host != "" {
			missing = envProxyPort
		}
		return channel.NewFieldError(missing, i18n.New("field.telegram.proxy_parts"))
	}
	auth := vars[envProxyAuth]
	if at := strings.LastIndex(host, "@"); at >= 0 {
		auth, host = host[:at], host[at+1:]
	}
	u := &url.URL{Scheme: "http", Host: net.JoinHostPort(strings.Trim(host, "[]"), port)}
	if auth != "" {
		user, pass, ok := strings.Cut(auth, ":")
		u.User = url.User(user)
		if ok {
			u.User = url.UserPassword(user, pass)
		}
	}
	raw["proxy"] = u.String()
	return nil
}

// packEnv writes the API host as a URL, and an http:// proxy (qinglong
// has no other kind).
func packEnv(c channel.Config, vars map[string]string) {
	if h := c["host"]; h != "" && h != DefaultHost {
		vars[envAPIHost] = channel.BaseURL(h, DefaultHost)
	}
	u, err := url.Parse(c["proxy"])
	if err != nil || u.Scheme != "http" || u.Hostname() == "" {
		return
	}
	vars[envProxyHost], vars[envProxyPort] = u.Hostname(), u.Port()
	if u.Port() == "" {
		vars[envProxyPort] = "80"
	}
	if strings.Contains(u.Hostname(), ":") {
		vars[envProxyHost] = "[" + u.Hostname() + "]"
	}
	if u.User != nil {
		auth := u.User.Username()
		if pass, ok := u.User.Password(); ok {
			auth += ":" + pass
		}
		vars[envProxyAuth] = auth
	}
}

func validateToken(v string) error {
	if strings.HasPrefix(strings.ToLower(v), "bot") {
		return i18n.New("field.telegram.token_bot")
	}
	if !tokenRe.MatchString(v) {
		return i18n.New("field.telegram.token")
	}
	return nil
}

func validateChatID(v string) error {
	if chatIDRe.MatchString(v) {
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return nil
		}
	}
	if usernameRe.MatchString(v) {
		return nil
	}
	return i18n.New("field.telegram.chat_id")
}

// Hints Herald adds to the answers it explains.
var (
	hintToken     = channel.NewHint("hint.telegram.token")
	hintTokenHost = channel.NewHint("hint.telegram.token_host")
	hintChatID    = channel.NewHint("hint.telegram.chat_id")
)

// baseURL turns a bare host or URL ("tg.example.com", "http://1.2.3.4:8081/")
// into the Bot API base URL.
func baseURL(host string) (string, error) {
	b := channel.BaseURL(host, DefaultHost)
	if err := channel.CheckURL(b); err != nil {
		return "", i18n.Wrap(err, "field.telegram.host")
	}
	u, _ := url.Parse(b)
	if u.RawQuery != "" || u.Fragment != "" {
		return "", i18n.New("field.telegram.host_query")
	}
	// A pasted "…/bot<token>/sendMessage" would put the token in this
	// non-secret field.
	if strings.Contains(u.Path, "/bot") {
		return "", i18n.New("field.telegram.host_path")
	}
	if err := channel.CheckHostOrURL(strings.TrimSpace(host)); host != "" && err != nil {
		return "", err
	}
	return b, nil
}

type telegram struct {
	client   *http.Client
	base     string
	token    string
	chatID   any // int64 for numeric ids, string for @channelname
	threadID int
	picture  string
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	base, err := baseURL(c.String("host"))
	if err != nil {
		return nil, channel.NewFieldError("host", err).In(kindID)
	}
	var chat any = c.String("chat_id")
	if n, err := strconv.ParseInt(c.String("chat_id"), 10, 64); err == nil {
		chat = n
	}
	return &telegram{
		client:   client,
		base:     base,
		token:    c.String("token"),
		chatID:   chat,
		threadID: c.Int("thread_id"),
		picture:  c.String("pic_url"),
		now:      deps.Clock(),
	}, nil
}

type linkPreviewOptions struct {
	IsDisabled bool `json:"is_disabled"`
}

type sendMessageRequest struct {
	ChatID             any                `json:"chat_id"`
	MessageThreadID    int                `json:"message_thread_id,omitempty"`
	Text               string             `json:"text"`
	ParseMode          string             `json:"parse_mode"`
	LinkPreviewOptions linkPreviewOptions `json:"link_preview_options"`
}

type sendPhotoRequest struct {
	ChatID          any    `json:"chat_id"`
	MessageThreadID int    `json:"message_thread_id,omitempty"`
	Photo           string `json:"photo"`
	Caption         string `json:"caption,omitempty"`
	ParseMode       string `json:"parse_mode"`
}

// answer is the Bot API's reply envelope.
type answer struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  *struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// Send delivers m: with a picture as sendPhoto (caption = the whole text when
// it fits, else the title, followed by the text as messages), otherwise as
// one or more sendMessage calls in order.
func (t *telegram) Send(ctx context.Context, m message.Message) error {
	r := Render(m)
	picture := m.PictureURL
	if picture == "" {
		picture = t.picture
	}
	if picture == "" {
		if len(r.Parts) == 0 {
			return channel.Permanent(kindID, "nothing to send: the message has neither title nor body")
		}
		return t.sendParts(ctx, r.Parts, 0)
	}

	caption, rest := r.Caption, r.BodyParts
	if r.Fits {
		caption, rest = strings.Join(r.Parts, ""), nil
	}
	err := t.call(ctx, "sendPhoto", sendPhotoRequest{
		ChatID: t.chatID, MessageThreadID: t.threadID, Photo: picture, Caption: caption, ParseMode: "HTML",
	})
	var e *channel.Error
	if errors.As(err, &e) && e.Status == http.StatusBadRequest {
		// The picture is decoration: when Telegram cannot use it (bad URL,
		// not an image, too big) the text still goes out. Were the chat the
		// problem, the text fails the same way and that error is returned.
		if len(r.Parts) == 0 {
			return err
		}
		return t.sendParts(ctx, r.Parts, 0)
	}
	if err != nil {
		return err
	}
	return t.sendParts(ctx, rest, 1)
}

// sendParts sends the message parts in order; done counts messages of this
// notification already delivered, for the error text.
func (t *telegram) sendParts(ctx context.Context, parts []string, done int) error {
	for i, p := range parts {
		err := t.call(ctx, "sendMessage", sendMessageRequest{
			ChatID: t.chatID, MessageThreadID: t.threadID, Text: p, ParseMode: "HTML",
			LinkPreviewOptions: linkPreviewOptions{IsDisabled: true},
		})
		if err == nil {
			continue
		}
		var e *channel.Error
		if n := done + i; n > 0 && errors.As(err, &e) {
			e.Msg += fmt.Sprintf(" (message %d of %d; the first %d were delivered)", n+1, done+len(parts), n)
		}
		return err
	}
	return nil
}

// call posts one Bot API method and classifies the answer.
func (t *telegram) call(ctx context.Context, method string, payload any) error {
	resp, body, err := channel.PostJSON(ctx, t.client, kindID, t.base+"/bot"+t.token+"/"+method, payload, nil)
	if err != nil {
		return err
	}
	return t.scrub(readAnswer(resp, body, t.now))
}

// scrub removes the token from an error text: the token is in the request
// path, and a reverse proxy's error page may echo the path.
func (t *telegram) scrub(err error) error {
	var e *channel.Error
	if errors.As(err, &e) {
		e.Msg = strings.ReplaceAll(e.Msg, t.token, "<token>")
		// The key after the colon is never URL-escaped, so this also catches
		// a path echoed with the colon as %3A.
		if _, key, ok := strings.Cut(t.token, ":"); ok && key != "" {
			e.Msg = strings.ReplaceAll(e.Msg, key, "<token>")
		}
	}
	return err
}

// classify reads a Bot API answer: ok=true is success; 429 and 5xx are
// transient (429 with parameters.retry_after); everything else permanent.
func readAnswer(resp *http.Response, body []byte, now func() time.Time) error {
	var a answer
	if err := channel.DecodeJSON(kindID, resp, body, &a); err != nil {
		return err
	}
	if a.OK && resp.StatusCode/100 == 2 {
		return nil
	}
	code := a.ErrorCode
	if code == 0 {
		code = resp.StatusCode
	}
	desc := a.Description
	if desc == "" {
		if resp.StatusCode/100 == 2 {
			return &channel.Error{Kind: kindID, Status: resp.StatusCode, Msg: "unexpected answer (no \"ok\": true): " + channel.Excerpt(body)}
		}
		desc = http.StatusText(code)
	}
	e := channel.ServiceError(kindID, code, desc, code == http.StatusTooManyRequests || code >= 500)
	e.Status = resp.StatusCode
	if p := a.Parameters; p != nil {
		if p.RetryAfter > 0 {
			e.RetryAfter = time.Duration(p.RetryAfter) * time.Second
		}
		if p.MigrateToChatID != 0 {
			e.Transient = false
			e.Msg += fmt.Sprintf(" — the group became a supergroup: set chat_id to %d", p.MigrateToChatID)
			return e
		}
	}
	if e.Transient && e.RetryAfter == 0 {
		e.RetryAfter = channel.WaitHint(resp, now)
	}
	switch code {
	case http.StatusUnauthorized:
		e.Msg += hintToken.Suffix()
	case http.StatusNotFound:
		e.Msg += hintTokenHost.Suffix()
	}
	if strings.Contains(desc, "chat not found") {
		e.Msg += hintChatID.Suffix()
	}
	return e
}
