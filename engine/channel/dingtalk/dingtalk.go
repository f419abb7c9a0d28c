// Package dingtalk sends messages through a DingTalk (钉钉) group's custom
// robot webhook, signed when the robot uses the "加签" security setting.
package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"image/color"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "dingtalk"
	// DefaultAPI is DingTalk's open API host.
	DefaultAPI = "https://oapi.dingtalk.com"
	// MaxContentBytes bounds text.content / markdown.text. DingTalk's robot
	// docs give no maximum; users report errcode 460101 "message too long,
	// exceed 20000 bytes", so 20000 bytes is the conservative ceiling.
	MaxContentBytes = 20000
	// maxTitleRunes bounds markdown.title, which DingTalk only shows as the
	// one-line preview in the chat list; it has no documented limit.
	maxTitleRunes = 128
	// throttleWait is how long DingTalk stops a robot that sent more than
	// 20 messages in a minute (errcode 130101): "限流10分钟" per the robot docs.
	throttleWait = 10 * time.Minute
)

const (
	docAccess   = "https://open.dingtalk.com/document/robots/custom-robot-access"
	docSecurity = "https://open.dingtalk.com/document/robots/customize-robot-security-settings"
	docMessage  = "https://open.dingtalk.com/document/orgapp/custom-bot-send-message-type"
)

// Kind is the DingTalk custom robot.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "DingTalk robot",
	DocURL: docAccess,
	Badge:  channel.Badge{Text: "DT", Color: color.NRGBA{0x00, 0x89, 0xFF, 0xFF}},
	Rates:  []channel.Rate{{N: 20, Per: time.Minute}}, // a custom robot: 20 messages a minute, then blocked for 10 minutes
	Fields: []channel.Field{
		{
			Key:      "token",
			Aliases:  []string{"DINGDING_TOKEN", "access_token", "webhook_url"},
			Label:    "Access token or webhook URL",
			Help:     "The robot's access_token, or paste its whole webhook URL (https://oapi.dingtalk.com/robot/send?access_token=…) from the group's robot settings.",
			DocURL:   docAccess,
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: func(v string) error { _, _, err := webhookURL.Split(v); return err },
		},
		{
			Key:     "pic_url",
			Aliases: []string{"PUSH_PIC_URL"},
			Label:   "Picture URL",
			Help:    "Optional picture shown at the top of Markdown messages. A message's own picture replaces it; text messages cannot show pictures and carry a message's own picture as a link.",
			DocURL:  docMessage,
			Type:    channel.TypeURL,
		},
		{
			Key:      "secret",
			Env:      "DD_BOT_SECRET",
			Label:    "Signing secret",
			Help:     "Needed when the robot's security setting is \"Additional signature\" (加签): the string starting with SEC shown under it in the robot settings.",
			DocURL:   docSecurity,
			Type:     channel.TypeString,
			Secret:   true,
			Validate: validateSecret,
		},
		{
			Key:      "at_mobiles",
			Label:    "Mention mobiles",
			Help:     "Mobile numbers of group members to @mention, separated by commas.",
			DocURL:   docMessage,
			Type:     channel.TypeList,
			Validate: validateMobiles,
		},
		{
			Key:     "at_all",
			Label:   "Mention everyone",
			Help:    "@mention everyone in the group (@所有人).",
			DocURL:  docMessage,
			Type:    channel.TypeBool,
			Default: "false",
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	QDFields:  2,
	PackedEnv: channel.CredentialEnv("DD_BOT_TOKEN", "token", webhookURL),
	Open:      open,
}

func validateSecret(v string) error {
	if !strings.HasPrefix(v, "SEC") {
		return i18n.New("field.dingtalk.secret_prefix")
	}
	if strings.ContainsAny(v, " \t\r\n") {
		return i18n.New("field.no_spaces")
	}
	return nil
}

func validateMobiles(v string) error {
	for _, m := range channel.SplitList(v) {
		if !isMobile(m) {
			return i18n.New("field.dingtalk.mobile", "Value", strconv.Quote(m))
		}
	}
	return nil
}

// isMobile accepts digits with an optional leading + and inner dashes
// ("+86-13800138000"), which DingTalk accounts may be registered with.
func isMobile(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == '-' && i > 0:
		default:
			return false
		}
	}
	return digits >= 3
}

// webhookURL reads the token field: an access_token or the pasted URL.
var webhookURL = channel.Webhook{
	Path: "/robot/send", Query: "access_token", Place: i18n.T("field.place.robot_settings"),
	Example:  "https://oapi.dingtalk.com/robot/send?access_token=…",
	BareHelp: i18n.New("field.dingtalk.bare"),
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
	return &robot{
		client:    client,
		api:       api,
		token:     token,
		secret:    c.String("secret"),
		picURL:    c.String("pic_url"),
		atMobiles: c.List("at_mobiles"),
		atAll:     c.Bool("at_all"),
		now:       deps.Clock(),
	}, nil
}

type robot struct {
	client    *http.Client
	api       string
	token     string
	secret    string
	picURL    string
	atMobiles []string
	atAll     bool
	now       func() time.Time
}

// request is the robot send body for the text and markdown message types.
type request struct {
	MsgType  string    `json:"msgtype"`
	Text     *text     `json:"text,omitempty"`
	Markdown *markdown `json:"markdown,omitempty"`
	At       at        `json:"at"`
}

type text struct {
	Content string `json:"content"`
}

type markdown struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

type at struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	IsAtAll   bool     `json:"isAtAll"`
}

// answer is DingTalk's reply; errcode is a pointer so a JSON reply without
// it (a proxy's own JSON) is not mistaken for success.
type answer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Send posts m as one robot message. Long messages are truncated rather than
// split: a robot may send only 20 messages a minute.
func (r *robot) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, r.client, ID, r.endpoint(), r.render(m), nil)
	if err != nil {
		return err
	}
	return readAnswer(resp, body)
}

// endpoint is the send URL, with timestamp and sign when the robot signs.
func (r *robot) endpoint() string {
	q := "access_token=" + url.QueryEscape(r.token)
	if r.secret != "" {
		ts := r.now().UnixMilli()
		q += "&timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + sign(ts, r.secret)
	}
	return r.api + "/robot/send?" + q
}

// sign is DingTalk's robot signature, ready for the query string:
// urlencode(base64(HMAC-SHA256(key = secret, msg = timestamp_ms + "\n" + secret))).
func sign(tsMillis int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(tsMillis, 10) + "\n" + secret))
	return url.QueryEscape(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

func (r *robot) render(m message.Message) request {
	req := request{At: at{AtMobiles: r.atMobiles, IsAtAll: r.atAll}}
	// DingTalk highlights an @mention only where "@mobile" is written in
	// the content; atMobiles alone notifies without showing who.
	var mentions string
	if len(r.atMobiles) > 0 {
		mentions = "\n\n@" + strings.Join(r.atMobiles, " @")
	}
	if !m.Markdown {
		var link string
		if m.PictureURL != "" {
			link = "\n\n" + m.PictureURL
		}
		tail := link + mentions
		content := message.TruncateBytes(m.Text(), MaxContentBytes-len(tail)) + tail
		req.MsgType = "text"
		req.Text = &text{Content: strings.TrimLeft(content, "\n")}
		return req
	}
	var head string
	if pic := firstNonEmpty(m.PictureURL, r.picURL); pic != "" {
		head = "![](" + pic + ")\n\n"
	}
	main := m.Body
	if m.Title != "" {
		main = "### " + m.Title
		if m.Body != "" {
			main += "\n\n" + m.Body
		}
	}
	content := head + message.TruncateBytes(main, MaxContentBytes-len(head)-len(mentions)) + mentions
	// markdown.title is required and only shown as the chat-list preview.
	title := firstNonEmpty(m.Title, message.FirstLine(m.Body), "Herald")
	req.MsgType = "markdown"
	req.Markdown = &markdown{Title: cutTitle(title), Text: strings.TrimLeft(content, "\n")}
	return req
}

// cutTitle shortens the chat-list preview plainly: a cut marker with line
// breaks would only clutter a one-line preview.
func cutTitle(s string) string {
	r := []rune(s)
	if len(r) <= maxTitleRunes {
		return s
	}
	return string(r[:maxTitleRunes-1]) + "…"
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// readAnswer classifies DingTalk's reply. Business errors come as HTTP 200
// with a non-zero errcode.
func readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(ID, resp, body)
	}
	var a answer
	if err := channel.DecodeJSON(ID, resp, body, &a); err != nil {
		return err
	}
	if a.ErrCode == nil {
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no errcode): " + channel.Excerpt(body)}
	}
	switch code := *a.ErrCode; code {
	case 0:
		return nil
	case 130101, 410100:
		// 130101 "send too fast, exceed 20 times per minute"; 410100
		// "发送速度太快而限流". DingTalk then blocks the robot for 10 minutes.
		e := channel.ServiceError(ID, code, a.ErrMsg, true)
		e.RetryAfter = throttleWait
		return e
	case -1:
		// DingTalk's generic "系统繁忙" (system busy).
		return channel.ServiceError(ID, code, a.ErrMsg, true)
	case 310000:
		// keywords not in content / sign not match / invalid timestamp / ip
		// not in whitelist: the robot's security settings refused us.
		return channel.ServiceError(ID, code, a.ErrMsg+" (check the robot's security settings: keywords, signing secret, IP range, and this computer's clock)", false)
	case 300001, 300005, 400101, 400106:
		// Unknown or removed robot: "token is not exist", "access_token不存在",
		// "机器人不存在".
		return channel.ServiceError(ID, code, a.ErrMsg+" (the access token is wrong or the robot was removed: copy the webhook URL again)", false)
	default:
		// 400102 robot disabled, 460101 message too long, 43xxxx content
		// rejected and the rest: retrying the same message will not help.
		return channel.ServiceError(ID, code, a.ErrMsg, false)
	}
}
