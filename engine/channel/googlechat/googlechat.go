// Package googlechat posts messages to a Google Chat space through an
// incoming webhook: POST https://chat.googleapis.com/v1/spaces/{space}/messages?key=…&token=…
// with a JSON text message, optionally into a thread named by a thread key.
package googlechat

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
const ID = "google_chat"

// DefaultAPI is Google Chat's API host.
const DefaultAPI = "https://chat.googleapis.com"

// MaxText is the documented limit of a message's text, in characters.
const MaxText = 4096

// ReplyOption makes a thread key reply in its thread, or start it.
const ReplyOption = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"

const (
	doc       = "https://developers.google.com/workspace/chat/quickstart/webhooks"
	docFormat = "https://developers.google.com/workspace/chat/format-messages"
	docThread = "https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create"
)

// pathRe is a webhook's path: an optional proxy prefix, then the space's
// messages collection.
var pathRe = regexp.MustCompile(`^(.*)/v1/spaces/([A-Za-z0-9_-]+)/messages/?$`)

// Kind is the Google Chat webhook channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Google Chat",
	DocURL: doc,
	Badge:  channel.Badge{Text: "GC", Color: color.NRGBA{0x00, 0x83, 0x2D, 0xFF}},
	// A space takes 60 writes a minute (usage limits, shared by every
	// app in it), and a webhook one message a second.
	Rates: []channel.Rate{{N: 1, Per: time.Second}, {N: 60, Per: time.Minute}},
	Fields: []channel.Field{
		{
			Key:      "url",
			Aliases:  []string{"webhook_url", "webhook"},
			Label:    "Webhook URL",
			Help:     "In the space: Apps & integrations › Webhooks › Add webhooks, then copy its URL (https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…).",
			DocURL:   doc,
			Type:     channel.TypeURL,
			Required: true,
			Secret:   true,
			Mask:     channel.MaskURL,
			Validate: func(v string) error { _, err := parseWebhook(v); return err },
		},
		{
			Key:     "thread_key",
			Aliases: []string{"thread"},
			Label:   "Thread key",
			Help:    "Optional: messages with the same key go into one thread (the first starts it), like herald-backups.",
			DocURL:  docThread,
			Type:    channel.TypeString,
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	Open: open,
}

// webhook is a parsed webhook URL.
type webhook struct {
	base, space, key, token, thread string
}

func parseWebhook(v string) (webhook, error) {
	u, err := url.Parse(v)
	if err != nil {
		return webhook{}, i18n.New("field.url.invalid_plain")
	}
	m := pathRe.FindStringSubmatch(u.Path)
	if m == nil {
		return webhook{}, i18n.New("field.google_chat.path")
	}
	q := u.Query()
	w := webhook{base: u.Scheme + "://" + u.Host + m[1], space: m[2], key: q.Get("key"), token: q.Get("token"), thread: q.Get("threadKey")}
	if w.key == "" || w.token == "" {
		return webhook{}, i18n.New("field.google_chat.query")
	}
	return w, nil
}

type chat struct {
	client *http.Client
	url    string // holds the key and token: never in an error
	secret []string
	now    func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	w, err := parseWebhook(c.String("url"))
	if err != nil {
		return nil, channel.NewFieldError("url", err).In(ID)
	}
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	q := url.Values{"key": {w.key}, "token": {w.token}}
	if t := c.String("thread_key"); t != "" {
		w.thread = t
	}
	if w.thread != "" {
		q.Set("threadKey", w.thread)
		q.Set("messageReplyOption", ReplyOption)
	}
	base := channel.WebhookBase(c.String("api"), DefaultAPI, w.base)
	return &chat{
		client: client,
		url:    base + "/v1/spaces/" + w.space + "/messages?" + q.Encode(),
		secret: []string{w.key, w.token},
		now:    deps.Clock(),
	}, nil
}

// Request is the message sent.
type Request struct {
	Text string `json:"text"`
}

// render writes m in Google Chat's formatting: the title in bold, a
// Markdown body converted, a plain body as it is.
func render(m message.Message) Request {
	body := strings.TrimRight(m.Body, " \t\r\n")
	if m.Markdown {
		body = ChatFormat(body)
	}
	var text string
	switch title := strings.TrimSpace(m.Title); {
	case title != "" && strings.TrimSpace(body) != "":
		text = "*" + title + "*\n" + body
	case title != "":
		text = "*" + title + "*"
	default:
		text = body
	}
	if strings.TrimSpace(text) == "" {
		text = "Herald"
	}
	if m.PictureURL != "" && strings.HasPrefix(m.PictureURL, "http") {
		text += "\n" + m.PictureURL
	}
	return Request{Text: message.TruncateRunes(text, MaxText)}
}

// Send posts m.
func (c *chat) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, c.client, ID, c.url, render(m), nil)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 == 2 {
		var created struct {
			Name string `json:"name"`
		}
		if err := channel.DecodeJSON(ID, resp, body, &created); err != nil {
			return err
		}
		if created.Name == "" {
			return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no message name): " + c.mask(channel.Excerpt(body))}
		}
		return nil
	}
	return c.readError(resp, body)
}

// apiError is Google's error answer.
type apiError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
}

// readError classifies a failure: 429 and 5xx may pass; a bad request, a
// revoked webhook (403) or a deleted space (404) will not.
func (c *chat) readError(resp *http.Response, body []byte) error {
	var a apiError
	if err := json.Unmarshal(body, &a); err != nil || a.Error.Message == "" {
		e := channel.StatusError(ID, resp, body)
		e.Msg = c.mask(e.Msg)
		return e
	}
	transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout
	e := channel.ServiceError(ID, a.Error.Status, c.mask(a.Error.Message), transient)
	e.Status = resp.StatusCode
	if transient {
		e.RetryAfter = channel.WaitHint(resp, c.now)
	}
	return e
}

// mask hides the key and token should an answer quote them.
func (c *chat) mask(s string) string {
	for _, v := range c.secret {
		s = strings.ReplaceAll(s, v, "…")
	}
	return s
}
