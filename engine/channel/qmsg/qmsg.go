// Package qmsg sends messages through Qmsg酱 (qmsg.zendee.cn): a QQ robot
// that messages the QQ numbers (POST /send/{key}) or groups (POST
// /group/{key}) added on its management page, with the form field msg and
// optionally qq.
//
// The key travels in the URL path: channel.Do keeps URLs out of network
// errors and Send strips the key from answers. Qmsg's API page states no
// length or rate limit; messages are cut to MaxMsgChars, the limit Apprise
// and message-pusher give for QQ pushes through Qmsg.
package qmsg

import (
	"context"
	"encoding/json"
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
	ID = "qmsg"
	// DefaultAPI is Qmsg酱's server.
	DefaultAPI = "https://qmsg.zendee.cn"
	// MaxMsgChars bounds msg (Apprise's limit for Qmsg; Qmsg states none).
	MaxMsgChars = 10000
)

// Types the type field offers: a private message to QQ numbers, or a
// message to QQ groups.
const (
	TypePrivate = "private"
	TypeGroup   = "group"
)

// qinglong's QMSG_TYPE names the URL's first segment: send or group.
const (
	envType     = "QMSG_TYPE"
	envPrivate  = "send"
	pathPrivate = "send"
	pathGroup   = "group"
)

const doc = "https://qmsg.zendee.cn/docs/api/"

// Kind is the Qmsg酱 channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Qmsg酱 (QQ)",
	DocURL: doc,
	Badge:  channel.Badge{Text: "Q", Color: color.NRGBA{0x12, 0xB7, 0xF5, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "key",
			Env:      "QMSG_KEY",
			Label:    "KEY",
			Help:     "Your KEY from the Qmsg酱 management page (管理台).",
			DocURL:   doc,
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: validateKey,
		},
		{
			Key:     "type",
			Label:   "Send to",
			Help:    "private: the QQ numbers added on the management page (they must befriend the robot); group: the QQ groups added there (group pushes must be enabled by Qmsg酱).",
			DocURL:  doc,
			Type:    channel.TypeChoice,
			Choices: []string{TypePrivate, TypeGroup},
			Default: TypePrivate,
		},
		{
			Key:      "qq",
			Label:    "QQ numbers",
			Help:     "Optional: only these of the added QQ numbers (or groups, for group) get the message, separated by commas; empty sends to all of them.",
			DocURL:   doc,
			Type:     channel.TypeList,
			Validate: validateQQ,
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	PackedEnv: &channel.PackedEnv{Vars: []string{envType}, Unpack: unpackType, Pack: packType},
	Open:      open,
}

// unpackType reads qinglong's QMSG_TYPE: send (private) or group.
func unpackType(vars, raw map[string]string) error {
	switch v := strings.ToLower(vars[envType]); v {
	case envPrivate, TypePrivate:
		raw["type"] = TypePrivate
	case TypeGroup:
		raw["type"] = TypeGroup
	default:
		return channel.NewFieldError(envType, i18n.New("field.qmsg.env_type", "Value", strconv.Quote(vars[envType])))
	}
	return nil
}

// packType writes QMSG_TYPE, which qinglong needs to send at all.
func packType(c channel.Config, vars map[string]string) {
	vars[envType] = envPrivate
	if c.String("type") == TypeGroup {
		vars[envType] = TypeGroup
	}
}

// validateKey accepts a key of letters and digits (Qmsg's are 32 hex
// digits); it never quotes the value.
func validateKey(v string) error {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return i18n.New("field.qmsg.key")
		}
	}
	return nil
}

func validateQQ(v string) error {
	for _, n := range channel.SplitList(v) {
		if strings.Trim(n, "0123456789") != "" || len(n) < 5 || len(n) > 12 {
			return i18n.New("field.qmsg.qq", "Value", strconv.Quote(n))
		}
	}
	return nil
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	path := pathPrivate
	if c.String("type") == TypeGroup {
		path = pathGroup
	}
	key := c.String("key")
	return &qmsg{
		client: client,
		url:    strings.TrimRight(c.String("api"), "/") + "/" + path + "/" + url.PathEscape(key),
		key:    key,
		qq:     strings.Join(c.List("qq"), ","),
	}, nil
}

type qmsg struct {
	client *http.Client
	url    string // holds the key: never put it in an error
	key    string
	qq     string
}

// Render is msg for m: the text with the picture's link, "----" made "-"
// as qinglong's notify does for Qmsg, cut to MaxMsgChars keeping head and
// tail.
func Render(m message.Message) string {
	text := m.Text()
	if m.PictureURL != "" {
		text = strings.TrimPrefix(text+"\n\n"+m.PictureURL, "\n\n")
	}
	text = strings.ReplaceAll(text, "----", "-")
	return message.TruncateRunes(text, MaxMsgChars)
}

func (q *qmsg) Send(ctx context.Context, m message.Message) error {
	msg := Render(m)
	if strings.TrimSpace(msg) == "" {
		return channel.Permanent(ID, "the message is empty: nothing to send")
	}
	form := url.Values{"msg": {msg}}
	if q.qq != "" {
		form.Set("qq", q.qq)
	}
	resp, body, err := channel.PostForm(ctx, q.client, ID, q.url, form, nil)
	if err != nil {
		return err
	}
	return readAnswer(resp, channel.Scrub(body, q.key))
}

// answer is Qmsg's reply: {success, reason, code, info}. success is a
// pointer so JSON without it (a proxy's own) is not taken for success.
type answer struct {
	Success *bool        `json:"success"`
	Reason  string       `json:"reason"`
	Code    *json.Number `json:"code"`
}

func readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(ID, resp, body)
	}
	var a answer
	if err := channel.DecodeJSON(ID, resp, body, &a); err != nil {
		return err
	}
	if a.Success == nil {
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no success): " + channel.Excerpt(body)}
	}
	code := ""
	if a.Code != nil {
		code = a.Code.String()
	}
	if *a.Success && (code == "" || code == "0") {
		return nil
	}
	reason := a.Reason
	if reason == "" {
		reason = "refused without a reason: " + channel.Excerpt(body)
	}
	e := channel.ServiceError(ID, code, reason, false)
	if strings.Contains(reason, "频繁") || strings.Contains(reason, "稍后") {
		// Qmsg's throttling: worth a retry once the minute is over.
		e.Transient, e.RetryAfter = true, time.Minute
	}
	return e
}
