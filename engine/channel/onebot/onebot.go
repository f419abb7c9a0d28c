// Package onebot sends messages to a QQ user or group through a OneBot v11
// HTTP API (go-cqhttp, NapCat, LLOneBot, Lagrange.OneBot).
//
// OneBot documents no send limit; QQ's own risk control decides, so Rates
// stays the dispatcher's fallback.
package onebot

import (
	"context"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "onebot"
	// MaxTextRunes caps a message. Neither OneBot nor QQ documents a
	// limit; this conservative cap keeps a runaway log one readable message.
	MaxTextRunes = 4500
)

const (
	doc        = "https://github.com/botuniverse/onebot-11/blob/master/api/public.md"
	docHTTP    = "https://github.com/botuniverse/onebot-11/blob/master/communication/http.md"
	privateAPI = "send_private_msg"
	groupAPI   = "send_group_msg"
)

// qqNumber is a QQ user or group number: a positive int64.
var qqNumber = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)

// Kind is a OneBot v11 HTTP API.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "OneBot (QQ)",
	DocURL: doc,
	Badge:  channel.Badge{Text: "QQ", Color: color.NRGBA{0x12, 0xB7, 0xF5, 0xFF}},
	// qinglong and older tools name the kind after go-cqhttp.
	Aliases: []string{"go_cqhttp", "gocqhttp"},
	Fields: []channel.Field{
		{
			Key:      "url",
			Label:    "HTTP API URL",
			Help:     "The HTTP API address of your OneBot implementation (go-cqhttp, NapCat, LLOneBot, Lagrange), like http://127.0.0.1:5700. qinglong's GOBOT_URL ending in /send_private_msg or /send_group_msg works too.",
			DocURL:   docHTTP,
			Type:     channel.TypeURL,
			Required: true,
			Validate: func(v string) error { _, _, err := splitURL(v); return err },
		},
		{
			Key:     "access_token",
			Aliases: []string{"token"},
			Env:     "GOBOT_TOKEN",
			Label:   "Access token",
			Help:    "The access-token set in the OneBot implementation's config; leave empty if it has none. Sent as Authorization: Bearer.",
			DocURL:  docHTTP,
			Type:    channel.TypeString,
			Secret:  true,
		},
		{
			Key:      "user_id",
			Aliases:  []string{"qq"},
			Label:    "QQ number",
			Help:     "The QQ number to send to privately (send_private_msg). Give this or a group number, not both.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(qqNumber, "field.onebot.number"),
		},
		{
			Key:      "group_id",
			Aliases:  []string{"group"},
			Label:    "QQ group number",
			Help:     "The QQ group to send to (send_group_msg); the bot account must be a member. Give this or a QQ number, not both.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(qqNumber, "field.onebot.number"),
		},
		channel.ProxyField(),
	},
	Check:     check,
	Open:      open,
	PackedEnv: &channel.PackedEnv{Vars: []string{"GOBOT_URL", "GOBOT_QQ"}, Unpack: unpack, Pack: pack},
}

// splitURL reads the url field: the API base, or qinglong's endpoint
// (base + /send_private_msg or /send_group_msg), whose action it returns.
func splitURL(v string) (base, action string, err error) {
	u, err := url.Parse(v)
	if err != nil {
		return "", "", i18n.New("field.url.invalid_plain")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		// A query here is usually ?access_token=…, which must not sit in a
		// field shown in the clear.
		return "", "", i18n.New("field.onebot.query")
	}
	path := strings.TrimRight(u.Path, "/")
	last := path[strings.LastIndex(path, "/")+1:]
	switch {
	case last == privateAPI || last == groupAPI:
		action, path = last, strings.TrimSuffix(path, last)
	case strings.HasPrefix(last, "send_") || strings.HasPrefix(last, "get_"):
		return "", "", i18n.New("field.onebot.action", "Action", strconv.Quote(last))
	}
	u.Path, u.RawPath = strings.TrimRight(path, "/"), ""
	return u.String(), action, nil
}

// check wants exactly one target, agreeing with an action the URL names.
func check(c channel.Config) error {
	user, group := c.String("user_id"), c.String("group_id")
	switch {
	case user == "" && group == "":
		return channel.NewFieldError("user_id", i18n.New("field.onebot.no_target"))
	case user != "" && group != "":
		return channel.NewFieldError("group_id", i18n.New("field.onebot.two_targets"))
	}
	_, action, _ := splitURL(c.String("url"))
	if action != "" && action != apiOf(c) {
		return channel.NewFieldError("url", i18n.New("field.onebot.url_target", "Action", action, "Other", apiOf(c)))
	}
	return nil
}

// apiOf is the action that sends to c's target.
func apiOf(c channel.Config) string {
	if c.String("group_id") != "" {
		return groupAPI
	}
	return privateAPI
}

// unpack reads qinglong's GOBOT_URL and GOBOT_QQ ("user_id=123" or
// "group_id=456"; a bare number takes the type GOBOT_URL's action names).
func unpack(vars, raw map[string]string) error {
	if u := vars["GOBOT_URL"]; u != "" {
		raw["url"] = u
	}
	qq := vars["GOBOT_QQ"]
	if qq == "" {
		return nil
	}
	key, id, ok := strings.Cut(qq, "=")
	if !ok {
		_, action, _ := splitURL(vars["GOBOT_URL"])
		key, id = map[string]string{privateAPI: "user_id", groupAPI: "group_id"}[action], qq
	}
	key = strings.ToLower(strings.TrimSpace(key))
	if key != "user_id" && key != "group_id" {
		return channel.NewFieldError("GOBOT_QQ", i18n.New("field.onebot.gobot_qq"))
	}
	raw[key] = strings.TrimSpace(id)
	return nil
}

// pack writes qinglong's variables: GOBOT_URL is the endpoint itself, as
// qinglong's notify.py calls it without adding an action.
func pack(c channel.Config, vars map[string]string) {
	if base, _, err := splitURL(c.String("url")); err == nil && c.String("url") != "" {
		vars["GOBOT_URL"] = base + "/" + apiOf(c)
	}
	if id := c.String("user_id"); id != "" {
		vars["GOBOT_QQ"] = "user_id=" + id
	}
	if id := c.String("group_id"); id != "" {
		vars["GOBOT_QQ"] = "group_id=" + id
	}
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	base, _, err := splitURL(c.String("url"))
	if err != nil {
		return nil, channel.NewFieldError("url", err).In(ID)
	}
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	b := &bot{client: client, url: base + "/" + apiOf(c), api: apiOf(c), header: http.Header{}}
	if t := c.String("access_token"); t != "" {
		b.header.Set("Authorization", "Bearer "+t)
	}
	// Validate made sure both are numbers that fit an int64.
	b.req.UserID, _ = strconv.ParseInt(c.String("user_id"), 10, 64)
	b.req.GroupID, _ = strconv.ParseInt(c.String("group_id"), 10, 64)
	return b, nil
}

type bot struct {
	client *http.Client
	url    string
	api    string
	header http.Header // holds the token: never put it in an error
	req    request
}

// request is send_private_msg's or send_group_msg's parameters; the ids
// are JSON numbers, as OneBot types them (int64).
type request struct {
	UserID     int64  `json:"user_id,omitempty"`
	GroupID    int64  `json:"group_id,omitempty"`
	Message    string `json:"message"`
	AutoEscape bool   `json:"auto_escape"`
}

// Send posts m as plain text. auto_escape makes the implementation send
// CQ codes ([CQ:at,qq=all]) in the text as text, not act on them.
func (b *bot) Send(ctx context.Context, m message.Message) error {
	text := m.Text()
	if m.PictureURL != "" {
		text = strings.TrimLeft(text+"\n\n"+m.PictureURL, "\n")
	}
	if strings.TrimSpace(text) == "" {
		// QQ refuses an empty message; asking would only fetch the refusal.
		return channel.Permanent(ID, "the message is empty")
	}
	req := b.req
	req.Message, req.AutoEscape = message.TruncateRunes(text, MaxTextRunes), true
	resp, body, err := channel.PostJSON(ctx, b.client, ID, b.url, req, b.header)
	if err != nil {
		return err
	}
	return readAnswer(resp, body, b.api)
}
