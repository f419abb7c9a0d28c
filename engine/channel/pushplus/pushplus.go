// Package pushplus sends messages through PushPlus (推送加, pushplus.plus):
// POST /send with a user or message token, to WeChat and PushPlus's other
// delivery channels.
//
// PushPlus takes 5 requests a minute from a verified user and the same
// content at most 3 times an hour; failed requests count towards its daily
// quota too, so errors are classified to avoid pointless retries.
package pushplus

import (
	"context"
	"encoding/json"
	"html"
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
	ID = "pushplus"
	// DefaultAPI is PushPlus's own server.
	DefaultAPI = "https://www.pushplus.plus"

	// Limits for verified (实名) users from PushPlus's "发送消息接口有什么限制"
	// page: title 100 characters, content 20000 (members get 200 and 100000).
	MaxTitleChars   = 100
	MaxContentChars = 20000
	// MaxTo is how many friends one message may name (会员 100, the
	// verified user's 10 is PushPlus's to enforce).
	MaxTo = 100

	codeOK = 200
)

// Templates the template field offers.
const (
	TemplateHTML     = "html"
	TemplateTxt      = "txt"
	TemplateMarkdown = "markdown"
	TemplateJSON     = "json"
)

// Delivery channels the channel field offers; webhook and cp need a
// configured channel code.
const (
	ChannelWechat  = "wechat"
	ChannelWebhook = "webhook"
	ChannelCP      = "cp"
	ChannelMail    = "mail"
	ChannelSMS     = "sms"
)

const (
	docAPI   = "https://www.pushplus.plus/doc/guide/api.html"
	docCodes = "https://www.pushplus.plus/doc/guide/code.html"
)

// shanghai is PushPlus's day boundary: a user over the daily quota (code
// 900) is let through again "次日凌晨", after midnight China time.
var shanghai = time.FixedZone("CST", 8*60*60)

// Kind is the PushPlus channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "PushPlus",
	DocURL: docAPI,
	Badge:  channel.Badge{Text: "P+", Color: color.NRGBA{0xEF, 0x6C, 0x00, 0xFF}},
	Rates:  []channel.Rate{{N: 5, Per: time.Minute}}, // PushPlus throttles bursts; the same content at most 3 an hour
	Fields: []channel.Field{
		{
			Key:      "token",
			Aliases:  []string{"pushplus_token"},
			Env:      "PUSH_PLUS_TOKEN",
			Label:    "Token",
			Help:     "Your user token (pushplus.plus → 发送消息 → 一对一消息) or a message token made under 个人中心 → 消息token.",
			DocURL:   docAPI,
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: validateToken,
		},
		{
			Key:      "topic",
			Env:      "PUSH_PLUS_USER",
			Label:    "Group code",
			Help:     "Optional group (群组) code to send to every member of one of your groups (一对多消息); empty sends to yourself. Ignored by the webhook channel.",
			DocURL:   docAPI,
			Type:     channel.TypeString,
			Validate: validateCode,
		},
		{
			Key:     "template",
			Env:     "PUSH_PLUS_TEMPLATE",
			Label:   "Template",
			Help:    "How PushPlus shows the content: html, txt, markdown or json. Empty: markdown for Markdown messages, txt otherwise.",
			DocURL:  docAPI,
			Type:    channel.TypeChoice,
			Choices: []string{TemplateHTML, TemplateTxt, TemplateMarkdown, TemplateJSON},
		},
		{
			Key:     "channel",
			Env:     "PUSH_PLUS_CHANNEL",
			Label:   "Delivery channel",
			Help:    "Where PushPlus delivers: wechat (the PushPlus official account), webhook (a robot configured on PushPlus), cp (WeCom app), mail or sms (paid).",
			DocURL:  docAPI,
			Type:    channel.TypeChoice,
			Choices: []string{ChannelWechat, ChannelWebhook, ChannelCP, ChannelMail, ChannelSMS},
			Default: ChannelWechat,
		},
		{
			Key:      "webhook",
			Aliases:  []string{"option"},
			Env:      "PUSH_PLUS_WEBHOOK",
			Label:    "Channel config code",
			Help:     "The code of a webhook, WeCom app or mailbox configured on PushPlus (个人中心 → 渠道配置). Required for the webhook and cp channels; optional for mail.",
			DocURL:   docAPI,
			Type:     channel.TypeString,
			Validate: validateCode,
		},
		{
			Key:    "to",
			Env:    "PUSH_PLUS_TO",
			Label:  "Friends",
			Help:   "Optional, to send to friends instead of yourself: their friend tokens (好友令牌, 好友消息 on pushplus.plus) for the wechat channel, or WeCom user IDs for the cp channel; separated by commas (at most 10, members 100).",
			DocURL: docAPI,
			Type:   channel.TypeList,
			Validate: func(v string) error {
				to := channel.SplitList(v)
				if len(to) > MaxTo {
					return i18n.New("field.pushplus.to_many", "N", len(to), "Max", MaxTo)
				}
				for _, t := range to {
					if err := validateCode(t); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			Key:    "callback_url",
			Env:    "PUSH_PLUS_CALLBACKURL",
			Label:  "Callback URL",
			Help:   "Optional address PushPlus calls with each message's final delivery result (callbackUrl); its answer to Herald only says the message was received.",
			DocURL: docAPI,
			Type:   channel.TypeURL,
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	Check: func(c channel.Config) error {
		ch := c.String("channel")
		if (ch == ChannelWebhook || ch == ChannelCP) && c.String("webhook") == "" {
			return channel.NewFieldError("webhook", i18n.New("field.pushplus.webhook_required", "Channel", ch))
		}
		if c.String("to") != "" && ch != ChannelWechat && ch != ChannelCP {
			return channel.NewFieldError("to", i18n.New("field.pushplus.to_channel", "Channel", ch))
		}
		return nil
	},
	Open: open,
}

// validateToken accepts what PushPlus issues (32 letters and digits) and
// anything of the same alphabet; it never quotes the value.
func validateToken(v string) error {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return i18n.New("field.pushplus.token")
		}
	}
	return nil
}

// validateCode checks a group or channel config code: PushPlus's codes are
// letters, digits, - and _.
func validateCode(v string) error {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return i18n.New("field.pushplus.code", "Value", strconv.Quote(v))
		}
	}
	return nil
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &pusher{
		client:   client,
		endpoint: strings.TrimRight(c.String("api"), "/") + "/send",
		token:    c.String("token"),
		topic:    c.String("topic"),
		template: c.String("template"),
		channel:  c.String("channel"),
		webhook:  c.String("webhook"),
		to:       strings.Join(c.List("to"), ","),
		callback: c.String("callback_url"),
		now:      deps.Clock(),
	}, nil
}

type pusher struct {
	client   *http.Client
	endpoint string
	token    string
	topic    string
	template string // "" chooses per message
	channel  string
	webhook  string
	to       string // comma-separated, as PushPlus takes several
	callback string
	now      func() time.Time
}

type sendRequest struct {
	Token    string `json:"token"`
	Title    string `json:"title,omitempty"`
	Content  string `json:"content"`
	Template string `json:"template"`
	Topic    string `json:"topic,omitempty"`
	Channel  string `json:"channel"`
	Webhook  string `json:"webhook,omitempty"`
	To       string `json:"to,omitempty"`
	Callback string `json:"callbackUrl,omitempty"`
}

// sendAnswer is PushPlus's reply (its data, the message id, is not
// needed); code is a pointer so a JSON reply without it (a proxy's own
// JSON) is not mistaken for anything.
type sendAnswer struct {
	Code *int   `json:"code"`
	Msg  string `json:"msg"`
}

// Send posts m as one message. PushPlus answers as soon as it has queued
// the message ("请求成功" means received, not delivered).
func (p *pusher) Send(ctx context.Context, m message.Message) error {
	if err := channel.CheckURL(m.PictureURL); err != nil {
		// Only a web picture can be shown or linked.
		m.PictureURL = ""
	}
	if m.Title == "" && m.Body == "" && m.PictureURL == "" {
		return channel.Permanent(ID, "the message is empty: nothing to send")
	}
	tmpl := p.template
	if tmpl == "" {
		tmpl = TemplateTxt
		if m.Markdown {
			tmpl = TemplateMarkdown
		}
	}
	title := m.Title
	if title == "" {
		// The title is what WeChat's notification and sms show.
		title = message.FirstLine(m.Body)
	}
	body := m.Body
	if body == "" && m.PictureURL == "" {
		// PushPlus refuses empty content; a title-only message repeats it.
		body = m.Title
	}
	req := sendRequest{
		Token:    p.token,
		Title:    shorten(title, MaxTitleChars),
		Content:  fit(body, renderer(tmpl, m.PictureURL)),
		Template: tmpl,
		Topic:    p.topic,
		Channel:  p.channel,
		Webhook:  p.webhook,
		To:       p.to,
		Callback: p.callback,
	}
	resp, answer, err := channel.PostJSON(ctx, p.client, ID, p.endpoint, req, nil)
	if err != nil {
		return err
	}
	// What comes back is shown to the user: never with the token in it.
	answer = channel.Scrub(answer, p.token)
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(ID, resp, answer)
	}
	var a sendAnswer
	if err := channel.DecodeJSON(ID, resp, answer, &a); err != nil {
		return err
	}
	if a.Code == nil {
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no code): " + channel.Excerpt(answer)}
	}
	if *a.Code == codeOK {
		return nil
	}
	return p.serviceError(*a.Code, a.Msg)
}

// serviceError classifies PushPlus's codes (接口返回码说明). 900 and
// "too frequent" refusals pass with time, 500 is PushPlus's own failure;
// the rest need the user to act.
func (p *pusher) serviceError(code int, msg string) *channel.Error {
	switch code {
	case 900:
		// "用户账号使用受限": over the daily quota or throttled. PushPlus asks
		// callers to stop for the day, since further requests extend the
		// ban; its own SDK blocks the token until the next midnight.
		e := channel.ServiceError(ID, code, msg+" (PushPlus stopped this account for today: too many requests)", true)
		e.RetryAfter = untilMidnight(p.now())
		return e
	case 500:
		// "系统异常，请稍后再试".
		return channel.ServiceError(ID, code, msg, true)
	case 903:
		return channel.ServiceError(ID, code, msg+" (the token is wrong or was reset: copy it again from pushplus.plus)", false)
	case 905:
		return channel.ServiceError(ID, code, msg+" (PushPlus sends only for real-name verified accounts: verify the account on pushplus.plus)", false)
	case 888:
		return channel.ServiceError(ID, code, msg+" (not enough PushPlus points for this channel)", false)
	case 999:
		// "服务端验证错误": the message itself was refused ("发送内容不能为空",
		// lengths) unless it says the sending is too frequent ("请勿频繁推送
		// 相同内容": the same content 3 times an hour; 5 requests a minute).
		if strings.Contains(msg, "频繁") {
			e := channel.ServiceError(ID, code, msg, true)
			e.RetryAfter = time.Minute
			if strings.Contains(msg, "相同") {
				e.RetryAfter = time.Hour
			}
			return e
		}
		return channel.ServiceError(ID, code, msg, false)
	default:
		// 600 data error, 302/401/403/805 (open API codes) and the rest.
		return channel.ServiceError(ID, code, msg, false)
	}
}

// untilMidnight is the wait until the next midnight in China.
func untilMidnight(now time.Time) time.Duration {
	t := now.In(shanghai)
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, shanghai)
	return next.Sub(now)
}

// renderer returns how a body is written into content under a template,
// the picture (if any) included.
func renderer(tmpl, pic string) func(body string) string {
	switch tmpl {
	case TemplateHTML:
		return func(body string) string {
			if !looksLikeHTML(body) {
				// Escaped inside <pre> so <, & and line breaks show as sent.
				body = `<pre style="white-space:pre-wrap;word-wrap:break-word">` + html.EscapeString(body) + `</pre>`
			}
			if pic != "" {
				body = `<img src="` + html.EscapeString(pic) + `" style="max-width:100%"/>` + body
			}
			return body
		}
	case TemplateMarkdown:
		return func(body string) string {
			switch {
			case pic == "":
				return body
			case body == "":
				return "![](" + pic + ")"
			}
			return "![](" + pic + ")\n\n" + body
		}
	case TemplateJSON:
		return func(body string) string {
			// A JSON body is shown as PushPlus's table; anything else, and a
			// body cut to size, is wrapped so the template still gets JSON.
			if pic == "" && json.Valid([]byte(body)) && strings.HasPrefix(strings.TrimSpace(body), "{") {
				return body
			}
			obj := map[string]string{"message": body}
			if pic != "" {
				obj["picture"] = pic
			}
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(obj)
			return strings.TrimSuffix(b.String(), "\n")
		}
	}
	return func(body string) string {
		switch {
		case pic == "":
			return body
		case body == "":
			return pic
		}
		return body + "\n\n" + pic
	}
}

// looksLikeHTML tells an HTML body (sent as is under the html template)
// from text that merely contains a '<'.
func looksLikeHTML(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") && (strings.Contains(s, "</") || strings.Contains(s, "/>"))
}

// fit renders body, cut (head and tail kept) as little as needed for the
// result to be within PushPlus's content limit. Escaping and the picture
// make the rendered size known only after rendering, so the longest cut
// that fits is searched for.
func fit(body string, render func(string) string) string {
	fits := func(out string) bool { return utf8.RuneCountInString(out) <= MaxContentChars }
	if out := render(body); fits(out) {
		return out
	}
	best := ""
	for lo, hi := 0, utf8.RuneCountInString(body)-1; lo <= hi; {
		mid := (lo + hi) / 2
		if out := render(message.TruncateRunes(body, mid)); fits(out) {
			best, lo = out, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best == "" {
		// Not even an empty body fits (a picture URL of 20000 characters).
		return message.TruncateRunes(render(""), MaxContentChars)
	}
	return best
}

// shorten cuts s to at most limit characters, ending in "…" when cut.
func shorten(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit-1]) + "…"
}
