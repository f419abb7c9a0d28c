// Package feishu sends messages through a Feishu (飞书) or Lark group's
// custom bot webhook, signed when the bot uses the "signature verification"
// (签名校验) security setting.
//
// Feishu allows a custom bot 100 messages a minute and 5 a second; the
// dispatcher's per-channel rate limit keeps under it, so nothing here waits.
package feishu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"image/color"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "feishu"
	// DefaultAPI is Feishu's open platform host; Lark's is
	// https://open.larksuite.com.
	DefaultAPI = "https://open.feishu.cn"
	// MaxBodyBytes bounds the whole request body. Feishu's custom bot guide
	// says "请求体的数据大小不能超过 20 KB"; 20000 bytes is the conservative
	// reading of "20 KB". Larger bodies get code 9499 "Bad Request".
	MaxBodyBytes = 20000
	// maxTitleRunes bounds post titles and card headers, which Feishu shows
	// on one or two lines; it documents no maximum.
	maxTitleRunes = 128
	// hookPath is where a bot's webhook lives under the API base.
	hookPath = "/open-apis/bot/v2/hook/"
)

// Message types of the msg_type field.
const (
	TypeText        = "text"
	TypePost        = "post"
	TypeInteractive = "interactive"
)

const (
	docGuide = "https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot"
	docSign  = "https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot#3c6592d6"
	docTypes = "https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot#f62e72d5"
)

// Kind is the Feishu / Lark custom bot.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Feishu / Lark bot",
	DocURL: docGuide,
	Badge:  channel.Badge{Text: "FS", Color: color.NRGBA{0x33, 0x70, 0xFF, 0xFF}},
	Rates:  []channel.Rate{{N: 5, Per: time.Second}, {N: 100, Per: time.Minute}}, // a custom bot: 5 a second and 100 a minute
	Fields: []channel.Field{
		{
			Key:      "token",
			Aliases:  []string{"webhook_url", "hook_token"},
			Label:    "Hook token or webhook URL",
			Help:     "The part after /hook/ of the bot's webhook, or paste the whole webhook URL (https://open.feishu.cn/open-apis/bot/v2/hook/… or https://open.larksuite.com/open-apis/bot/v2/hook/…) from the group's bot settings.",
			DocURL:   docGuide,
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: func(v string) error { _, _, err := webhookURL.Split(v); return err },
		},
		{
			Key:      "secret",
			Env:      "FSSECRET",
			Label:    "Signing secret",
			Help:     "Needed when the bot's security setting is \"Set signature verification\" (签名校验): the key shown under it in the bot settings.",
			DocURL:   docSign,
			Type:     channel.TypeString,
			Secret:   true,
			Validate: validateSecret,
		},
		{
			Key:     "msg_type",
			Aliases: []string{"msgtype"},
			Label:   "Message type",
			Help:    "text, post (rich text with a title) or interactive (a card with a coloured header that renders Markdown). Empty: post when the message has a title or is Markdown, text otherwise.",
			DocURL:  docTypes,
			Type:    channel.TypeChoice,
			Choices: []string{TypeText, TypePost, TypeInteractive},
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	PackedEnv: channel.CredentialEnv("FSKEY", "token", webhookURL),
	Open:      open,
}

// validToken accepts what Feishu issues (a UUID) and anything of the same
// alphabet, since the token goes into the URL path unescaped.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validateSecret(v string) error {
	if strings.ContainsAny(v, " \t\r\n") {
		return i18n.New("field.feishu.secret")
	}
	return nil
}

// webhookURL reads the token field: a hook token or the pasted URL (Lark's
// host and a reverse proxy's path prefix survive).
var webhookURL = channel.Webhook{
	Path: hookPath, Place: i18n.T("field.place.bot_settings"), Valid: validToken,
	Example:  "https://open.feishu.cn/open-apis/bot/v2/hook/…",
	BareHelp: i18n.New("field.feishu.bare"),
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	token, base, err := webhookURL.Split(c.String("token"))
	if err != nil {
		return nil, channel.NewFieldError("token", err).In(ID)
	}
	api := channel.WebhookBase(c.String("api"), DefaultAPI, base)
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &bot{
		client:  client,
		url:     api + hookPath + token,
		token:   token,
		secret:  c.String("secret"),
		msgType: c.String("msg_type"),
		now:     deps.Clock(),
	}, nil
}

type bot struct {
	client  *http.Client
	url     string
	token   string
	secret  string
	msgType string // "" chooses per message
	now     func() time.Time
}

// request is the webhook body. Content carries text and post messages; a
// card travels in Card instead, at the top level.
type request struct {
	Timestamp string   `json:"timestamp,omitempty"`
	Sign      string   `json:"sign,omitempty"`
	MsgType   string   `json:"msg_type"`
	Content   *content `json:"content,omitempty"`
	Card      *card    `json:"card,omitempty"`
}

type content struct {
	Text string `json:"text,omitempty"`
	Post *post  `json:"post,omitempty"`
}

type post struct {
	ZhCN postBody `json:"zh_cn"`
}

type postBody struct {
	Title   string       `json:"title,omitempty"`
	Content [][]postNode `json:"content"`
}

// postNode is one element of a rich-text paragraph: a text or a link.
type postNode struct {
	Tag  string `json:"tag"`
	Text string `json:"text"`
	Href string `json:"href,omitempty"`
}

// card is a Feishu card in JSON 2.0 form, as the custom bot guide shows it.
type card struct {
	Schema string      `json:"schema"`
	Header *cardHeader `json:"header,omitempty"`
	Body   cardBody    `json:"body"`
}

type cardHeader struct {
	Title    cardText `json:"title"`
	Template string   `json:"template"`
}

type cardText struct {
	Tag     string `json:"tag"`
	Content string `json:"content"`
}

type cardBody struct {
	Elements []cardElement `json:"elements"`
}

// cardElement is a markdown element (Content) or a div of plain text
// (Text), so a plain message's * and # stay literal.
type cardElement struct {
	Tag     string    `json:"tag"`
	Content string    `json:"content,omitempty"`
	Text    *cardText `json:"text,omitempty"`
}

// answer is Feishu's reply. Current answers carry code and msg; older ones
// (and the redundant fields of current ones) StatusCode and StatusMessage.
// Pointers tell a missing field from 0.
type answer struct {
	Code          *int   `json:"code"`
	Msg           string `json:"msg"`
	StatusCode    *int   `json:"StatusCode"`
	StatusMessage string `json:"StatusMessage"`
}

// Send posts m as one bot message. Long messages are truncated rather than
// split, keeping the request body within Feishu's 20 KB.
func (b *bot) Send(ctx context.Context, m message.Message) error {
	if err := channel.CheckURL(m.PictureURL); err != nil {
		// Feishu refuses a message whose link is not a web address.
		m.PictureURL = ""
	}
	if m.Title == "" && m.Body == "" && m.PictureURL == "" {
		return channel.Permanent(ID, "the message is empty: nothing to send")
	}
	req, err := b.render(m)
	if err != nil {
		return err
	}
	resp, body, err := channel.PostJSON(ctx, b.client, ID, b.url, req, nil)
	if err != nil {
		return err
	}
	// What comes back is shown to the user: a proxy's error page may quote
	// the path, which holds the token.
	body = bytes.ReplaceAll(body, []byte(b.token), []byte("…"))
	return readAnswer(resp, body, b.now)
}

// render builds the request, cutting the body (head and tail kept) as
// little as needed for the encoded request to fit MaxBodyBytes.
func (b *bot) render(m message.Message) (request, error) {
	req := request{MsgType: b.typeFor(m)}
	if b.secret != "" {
		req.Timestamp = strconv.FormatInt(b.now().Unix(), 10)
		req.Sign = sign(req.Timestamp, b.secret)
	}
	text := m.Body
	switch {
	case req.MsgType == TypeText:
		text = m.Text()
	case text == "" && m.PictureURL == "":
		// Posts and cards need a paragraph; a title-only message repeats
		// its title there.
		text = m.Title
	}
	// size fills req with t and measures the encoded request; encoding
	// structs of strings cannot fail.
	size := func(t string) int {
		fill(&req, m, t)
		data, _ := json.Marshal(req)
		return len(data)
	}
	if size(text) <= MaxBodyBytes {
		return req, nil
	}
	// Escaping makes the encoded size known only after encoding (a < is six
	// bytes of JSON): search for the longest cut that fits.
	best := -1
	for lo, hi := 0, len(text)-1; lo <= hi; {
		mid := (lo + hi) / 2
		if size(message.TruncateBytes(text, mid)) <= MaxBodyBytes {
			best, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best < 0 {
		return req, channel.Permanent(ID, "the message does not fit Feishu's %d-byte request limit even without its body (title or picture URL too long)", MaxBodyBytes)
	}
	fill(&req, m, message.TruncateBytes(text, best))
	return req, nil
}

// typeFor picks the message type: the configured one, else post for
// messages with a title or Markdown (post shows a title) and text otherwise.
func (b *bot) typeFor(m message.Message) string {
	switch {
	case b.msgType != "":
		return b.msgType
	case m.Title != "" || m.Markdown:
		return TypePost
	default:
		return TypeText
	}
}

// fill sets req's content for its type from m, with text standing in for
// the body (already cut to size).
func fill(req *request, m message.Message, text string) {
	switch req.MsgType {
	case TypeText:
		// Text messages cannot show a picture by URL (only uploaded
		// image_keys); carry it as a link.
		switch {
		case m.PictureURL == "":
		case text == "":
			text = m.PictureURL
		default:
			text += "\n\n" + m.PictureURL
		}
		req.Content = &content{Text: text}
	case TypePost:
		var paras [][]postNode
		if text != "" {
			paras = append(paras, []postNode{{Tag: "text", Text: text}})
		}
		if m.PictureURL != "" {
			paras = append(paras, []postNode{{Tag: "a", Text: m.PictureURL, Href: m.PictureURL}})
		}
		req.Content = &content{Post: &post{ZhCN: postBody{Title: cutTitle(m.Title), Content: paras}}}
	case TypeInteractive:
		c := &card{Schema: "2.0"}
		if m.Title != "" {
			c.Header = &cardHeader{Title: cardText{Tag: "plain_text", Content: cutTitle(m.Title)}, Template: colour(m.Level)}
		}
		switch {
		case text == "":
		case m.Markdown:
			c.Body.Elements = append(c.Body.Elements, cardElement{Tag: "markdown", Content: text})
		default:
			c.Body.Elements = append(c.Body.Elements, cardElement{Tag: "div", Text: &cardText{Tag: "plain_text", Content: text}})
		}
		if m.PictureURL != "" {
			// Cards show only uploaded images; a URL becomes a link.
			c.Body.Elements = append(c.Body.Elements, cardElement{Tag: "markdown", Content: "[" + m.PictureURL + "](" + m.PictureURL + ")"})
		}
		req.Card = c
	}
}

// colour maps a level onto a card header template colour.
func colour(l message.Level) string {
	switch l {
	case message.LevelError:
		return "red"
	case message.LevelSuccess:
		return "green"
	case message.LevelWarning:
		return "orange"
	default:
		return "blue"
	}
}

// sign is Feishu's webhook signature: base64(HMAC-SHA256(key =
// timestamp + "\n" + secret, message = empty)). Unlike DingTalk, the
// string to sign is the key and the signed message is empty.
func sign(timestamp, secret string) string {
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// cutTitle shortens a one-line title plainly: a cut marker with line breaks
// would only clutter it.
func cutTitle(s string) string {
	if utf8.RuneCountInString(s) <= maxTitleRunes {
		return s
	}
	return string([]rune(s)[:maxTitleRunes-1]) + "…"
}

// readAnswer classifies Feishu's reply. Business errors usually come as
// HTTP 200 with a non-zero code; a JSON error under another status is read
// the same way, and a 429 or 5xx stays retryable whatever its code.
func readAnswer(resp *http.Response, body []byte, now func() time.Time) error {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || (a.Code == nil && a.StatusCode == nil) {
		if resp.StatusCode/100 != 2 {
			return channel.StatusError(ID, resp, body)
		}
		if err != nil {
			return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (not JSON): " + channel.Excerpt(body)}
		}
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no code): " + channel.Excerpt(body)}
	}
	code, msg := 0, a.Msg
	switch {
	case a.Code != nil:
		code = *a.Code
	default:
		code, msg = *a.StatusCode, a.StatusMessage
	}
	if code == 0 {
		if resp.StatusCode/100 != 2 {
			return channel.StatusError(ID, resp, body)
		}
		return nil
	}
	e := classify(code, msg)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		e.Transient = true
		e.Status = resp.StatusCode
	}
	if e.Transient {
		e.RetryAfter = retryAfter(resp, now)
	}
	return e
}

// classify maps Feishu's codes onto retryable or not.
func classify(code int, msg string) *channel.Error {
	switch code {
	case 11232, 99991400:
		// 11232 "frequency limited": over 100 a minute or 5 a second, or
		// Feishu under load at round hours; 99991400 is the open platform's
		// own "request trigger frequency limit".
		return channel.ServiceError(ID, code, msg, true)
	case 9499:
		// 9499 is "Bad Request" (malformed or over 20 KB) but also comes as
		// "too many request" when throttled: only the latter passes.
		lower := strings.ToLower(msg)
		return channel.ServiceError(ID, code, msg, strings.Contains(lower, "too many") || strings.Contains(lower, "frequency"))
	case 2200:
		// "internal error", seen under throttling and load.
		return channel.ServiceError(ID, code, msg, true)
	case 19021:
		return channel.ServiceError(ID, code, msg+" (check the signing secret and this computer's clock; Feishu takes timestamps within an hour)", false)
	case 19022:
		return channel.ServiceError(ID, code, msg+" (this computer's IP is not in the bot's IP allowlist)", false)
	case 19024:
		return channel.ServiceError(ID, code, msg+" (the message lacks every custom keyword set in the bot's security settings)", false)
	case 19001:
		if strings.Contains(strings.ToLower(msg), "token") {
			msg += " (the hook token is wrong or the bot was removed: copy the webhook URL again)"
		}
		return channel.ServiceError(ID, code, msg, false)
	default:
		// 19007 bot not enabled, 19002 and the rest: retrying the same
		// message will not help.
		return channel.ServiceError(ID, code, msg, false)
	}
}

// retryAfter reads the wait hint of a throttled answer: Retry-After, or
// the open platform's x-ogw-ratelimit-reset (seconds until the window
// resets).
func retryAfter(resp *http.Response, now func() time.Time) time.Duration {
	if d := channel.WaitHint(resp, now); d > 0 {
		return d
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("X-Ogw-Ratelimit-Reset"))); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	return 0
}
