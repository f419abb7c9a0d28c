// Package wecomwebhook sends messages through a WeCom (企业微信) group
// robot's webhook.
//
// WeCom allows 20 messages a minute per robot; the dispatcher's per-channel
// rate limit keeps under it, so nothing here waits.
package wecomwebhook

import (
	"context"
	"image/color"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "wecom_webhook"
	// DefaultAPI is WeCom's API host.
	DefaultAPI = "https://qyapi.weixin.qq.com"
	// MaxTextBytes is the documented limit of text.content (UTF-8 bytes).
	MaxTextBytes = 2048
	// MaxMarkdownBytes is the documented limit of markdown.content.
	MaxMarkdownBytes = 4096
)

const doc = "https://developer.work.weixin.qq.com/document/path/91770"

// everyone is WeCom's "mention all" entry in both mention lists.
const everyone = "@all"

// Kind is the WeCom group robot.
var Kind = &channel.Kind{
	ID:      ID,
	Name:    "WeCom group robot",
	DocURL:  doc,
	Badge:   channel.Badge{Text: "WW", Color: color.NRGBA{0x15, 0x65, 0xC0, 0xFF}},
	Rates:   []channel.Rate{{N: 20, Per: time.Minute}}, // a group robot: 20 messages a minute
	Aliases: []string{"wechat"},                        // the notification test request's name for the group robot
	Fields: []channel.Field{
		{
			Key:      "key",
			Aliases:  []string{"QYWX_WebHook_Key", "webhook_url"},
			Label:    "Webhook key or URL",
			Help:     "The robot's key, or paste its whole webhook URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…) from the group robot's settings.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: func(v string) error { _, _, err := webhookURL.Split(v); return err },
		},
		{
			Key:     "mentioned",
			Aliases: []string{"mentioned_list"},
			Label:   "Mention user IDs",
			Help:    "WeCom user IDs to @mention, separated by commas; @all mentions everyone (text messages only).",
			DocURL:  doc,
			Type:    channel.TypeList,
		},
		{
			Key:      "mentioned_mobiles",
			Aliases:  []string{"mentioned_mobile_list"},
			Label:    "Mention mobiles",
			Help:     "Mobile numbers of group members to @mention, separated by commas; @all mentions everyone. Text messages only.",
			DocURL:   doc,
			Type:     channel.TypeList,
			Validate: validateMobiles,
		},
		{
			Key:     "msg_type",
			Label:   "Message type",
			Help:    "text (up to 2048 bytes, mentions by user ID or mobile) or markdown (up to 4096 bytes, mentions only as <@userid>).",
			DocURL:  doc,
			Type:    channel.TypeChoice,
			Choices: []string{"text", "markdown"},
			Default: "text",
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	QDFields:  1,
	Check:     check,
	PackedEnv: channel.CredentialEnv("QYWX_KEY", "key", webhookURL),
	Open:      open,
}

func validateMobiles(v string) error {
	for _, m := range channel.SplitList(v) {
		if m == everyone {
			continue
		}
		if strings.Trim(m, "+0123456789-") != "" || strings.Trim(m, "+-") == "" {
			return i18n.New("field.wecomwebhook.mobile", "Value", strconv.Quote(m))
		}
	}
	return nil
}

// check refuses mentions that a markdown message cannot carry, rather than
// dropping them silently: WeCom markdown has no mention lists, only the
// <@userid> syntax in the content.
func check(c channel.Config) error {
	if c.String("msg_type") != "markdown" {
		return nil
	}
	if len(c.List("mentioned_mobiles")) > 0 {
		return channel.NewFieldError("mentioned_mobiles", i18n.New("field.wecomwebhook.mobiles_markdown"))
	}
	if slices.Contains(c.List("mentioned"), everyone) {
		return channel.NewFieldError("mentioned", i18n.New("field.wecomwebhook.all_markdown"))
	}
	return nil
}

// webhookURL reads the key field: a key or the pasted URL (QD refused
// pasted URLs; users paste them anyway).
var webhookURL = channel.Webhook{
	Path: "/cgi-bin/webhook/send", Query: "key", Place: i18n.T("field.place.robots_settings"),
	Example:  "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
	BareHelp: i18n.New("field.wecomwebhook.bare"),
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	key, base, err := webhookURL.Split(c.String("key"))
	if err != nil {
		return nil, channel.NewFieldError("key", err).In(ID)
	}
	api := channel.WebhookBase(c.String("api"), DefaultAPI, base)
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &robot{
		client:   client,
		url:      api + "/cgi-bin/webhook/send?key=" + url.QueryEscape(key),
		markdown: c.String("msg_type") == "markdown",
		users:    c.List("mentioned"),
		mobiles:  c.List("mentioned_mobiles"),
	}, nil
}

type robot struct {
	client   *http.Client
	url      string // holds the key: never put it in an error
	markdown bool
	users    []string
	mobiles  []string
}

type request struct {
	MsgType  string    `json:"msgtype"`
	Text     *text     `json:"text,omitempty"`
	Markdown *markdown `json:"markdown,omitempty"`
}

type text struct {
	Content             string   `json:"content"`
	MentionedList       []string `json:"mentioned_list,omitempty"`
	MentionedMobileList []string `json:"mentioned_mobile_list,omitempty"`
}

type markdown struct {
	Content string `json:"content"`
}

// answer is WeCom's reply; errcode is a pointer so JSON without it (a
// proxy's own) is not mistaken for success.
type answer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Send posts m as one robot message of the configured type. Long messages
// are truncated rather than split: a robot may send only 20 messages a minute.
func (r *robot) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, r.client, ID, r.url, r.render(m), nil)
	if err != nil {
		return err
	}
	return readAnswer(resp, body)
}

// render builds the request. The user's msg_type decides, whatever
// m.Markdown says: WeCom text cannot render Markdown, and a markdown robot
// shows plain text fine.
func (r *robot) render(m message.Message) request {
	if !r.markdown {
		var tail string
		if m.PictureURL != "" {
			tail = "\n\n" + m.PictureURL
		}
		content := message.TruncateBytes(m.Text(), MaxTextBytes-len(tail)) + tail
		return request{MsgType: "text", Text: &text{
			Content:             strings.TrimLeft(content, "\n"),
			MentionedList:       r.users,
			MentionedMobileList: r.mobiles,
		}}
	}
	main := m.Body
	if m.Title != "" {
		main = "### " + m.Title
		if m.Body != "" {
			main += "\n\n" + m.Body
		}
	}
	var tail string
	if m.PictureURL != "" {
		// WeCom's markdown has no images; a link is the most it shows.
		tail = "\n\n[" + m.PictureURL + "](" + m.PictureURL + ")"
	}
	if len(r.users) > 0 {
		// WeCom documents <@userid> in markdown content, but reports of it
		// highlighting or notifying are mixed; text mode is the reliable way.
		tail += "\n\n<@" + strings.Join(r.users, "> <@") + ">"
	}
	content := message.TruncateBytes(main, MaxMarkdownBytes-len(tail)) + tail
	return request{MsgType: "markdown", Markdown: &markdown{Content: strings.TrimLeft(content, "\n")}}
}

// readAnswer classifies WeCom's reply. Business errors come as HTTP 200 with
// a non-zero errcode.
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
	case 45009, -1:
		// "api freq out of limit" and "system busy".
		return channel.ServiceError(ID, code, a.ErrMsg, true)
	case 93000:
		return channel.ServiceError(ID, code, "the webhook key is wrong or the robot was removed from the group: copy the webhook URL again from the robot's settings ("+a.ErrMsg+")", false)
	default:
		// 40058 content too long, 40008 bad message type, 44004 empty
		// content…: the same request will fail again.
		return channel.ServiceError(ID, code, a.ErrMsg, false)
	}
}
