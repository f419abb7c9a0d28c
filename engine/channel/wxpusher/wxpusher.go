// Package wxpusher sends messages through WxPusher's standard push API
// (POST /api/send/message with an app's appToken) to UIDs and topics, or
// through its simple push (极简推送, POST /api/send/message/simple-push) to
// the owners of SPTs.
package wxpusher

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/color"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	kindID = "wxpusher"

	// DefaultAPI is WxPusher's own server.
	DefaultAPI = "https://wxpusher.zjiecode.com"

	// Limits from WxPusher's docs (限制说明 and openapi.yaml): content at most
	// 40000 characters and 65535 UTF-8 bytes, summary 100 characters, url
	// 1000 characters, 2000 UIDs and 5 topics per request.
	maxContentChars = 40000
	maxContentBytes = 65535
	maxSummaryChars = 100
	maxURLChars     = 1000
	maxUIDs         = 2000
	maxTopics       = 5
	maxSPTs         = 10

	codeOK = 1000
)

// Content types the content_type field offers, and WxPusher's numbers.
const (
	TypeText     = "text"
	TypeHTML     = "html"
	TypeMarkdown = "markdown"
)

var contentTypes = map[string]int{TypeText: 1, TypeHTML: 2, TypeMarkdown: 3}

// Kind is the WxPusher channel kind.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "WxPusher",
	DocURL: "https://wxpusher.zjiecode.com/docs/#/?id=send-msg",
	Badge:  channel.Badge{Text: "WP", Color: color.NRGBA{0x07, 0xC1, 0x60, 0xFF}},
	Rates:  []channel.Rate{{N: 2, Per: time.Second}},
	Fields: []channel.Field{
		{
			Key:     "app_token",
			Env:     "WXPUSHER_APP_TOKEN",
			Aliases: []string{"APPTOKEN"},
			Label:   "App token",
			Help:    "Your app's appToken: WxPusher admin console → App Management → appToken (starts with AT_).",
			DocURL:  "https://wxpusher.zjiecode.com/docs/#/?id=%e8%8e%b7%e5%8f%96apptoken",
			Type:    channel.TypeString,
			Secret:  true,
			Validate: func(v string) error {
				if !strings.HasPrefix(v, "AT_") {
					return i18n.New("field.wxpusher.token")
				}
				return nil
			},
		},
		{
			Key:     "uids",
			Aliases: []string{"WxPusher_UID"},
			Label:   "User UIDs",
			Help:    "UIDs of the users who follow your app, separated by commas or |: WxPusher admin console → Users, or the user's own 我的 → 我的UID (start with UID_).",
			DocURL:  "https://wxpusher.zjiecode.com/docs/#/?id=%e8%8e%b7%e5%8f%96uid",
			Type:    channel.TypeList,
			Validate: func(v string) error {
				uids := channel.SplitList(v)
				if len(uids) > maxUIDs {
					return i18n.New("field.wxpusher.uids_many", "N", len(uids), "Max", maxUIDs)
				}
				for _, uid := range uids {
					if !strings.HasPrefix(uid, "UID_") {
						return i18n.New("field.wxpusher.uid", "Value", strconv.Quote(uid))
					}
				}
				return nil
			},
		},
		{
			Key:    "topic_ids",
			Label:  "Topic IDs",
			Help:   "Numeric IDs of your app's topics, to reach every subscriber (admin console → Topic Management); at most 5.",
			DocURL: "https://wxpusher.zjiecode.com/docs/#/?id=send-msg",
			Type:   channel.TypeList,
			Validate: func(v string) error {
				ids := channel.SplitList(v)
				if len(ids) > maxTopics {
					return i18n.New("field.wxpusher.topics_many", "N", len(ids), "Max", maxTopics)
				}
				for _, id := range ids {
					if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
						return i18n.New("field.wxpusher.topic", "Value", strconv.Quote(id))
					}
				}
				return nil
			},
		},
		{
			Key:      "spt",
			Label:    "SPT (simple push)",
			Help:     "Instead of an app token and UIDs: your SPT (simple push token, starts with SPT_), got by scanning the QR code in WxPusher's docs under 极简推送. Up to 10, separated by commas, to reach their owners too.",
			DocURL:   "https://wxpusher.zjiecode.com/docs/#/?id=spt",
			Type:     channel.TypeList,
			Secret:   true, // anyone holding it can message its owner
			Validate: validateSPTs,
		},
		{
			Key:     "content_type",
			Label:   "Content type",
			Help:    "How WxPusher shows the message: text, html or markdown. Empty: markdown for Markdown messages, text otherwise.",
			DocURL:  "https://wxpusher.zjiecode.com/docs/#/?id=send-msg",
			Type:    channel.TypeChoice,
			Choices: []string{TypeText, TypeHTML, TypeMarkdown},
		},
		{
			Key:   "url",
			Label: "Link",
			Help:  "Optional page opened when the message is tapped (at most 1000 characters).",
			Type:  channel.TypeURL,
			Validate: func(v string) error {
				if n := utf8.RuneCountInString(v); n > maxURLChars {
					return i18n.New("field.wxpusher.url_long", "N", n, "Max", maxURLChars)
				}
				return nil
			},
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	QDFields:  2,
	Check:     check,
	Open:      open,
	PackedEnv: &channel.PackedEnv{Vars: []string{envUIDs, envTopics, envSPTs}, Unpack: unpackEnv, Pack: packEnv},
}

func validateSPTs(v string) error {
	spts := channel.SplitList(v)
	if len(spts) > maxSPTs {
		return i18n.New("field.wxpusher.spts_many", "N", len(spts), "Max", maxSPTs)
	}
	for _, spt := range spts {
		if !strings.HasPrefix(spt, "SPT_") {
			return i18n.New("field.wxpusher.spt") // never the value: it is secret
		}
	}
	return nil
}

// check wants exactly one mode: an SPT, or an app token with recipients.
func check(c channel.Config) error {
	standard := c.String("app_token") != "" || len(c.List("uids")) > 0 || len(c.List("topic_ids")) > 0
	switch {
	case c.String("spt") != "" && standard:
		return channel.NewFieldError("spt", i18n.New("field.wxpusher.two_modes"))
	case c.String("spt") != "":
		return nil
	case c.String("app_token") == "":
		return channel.NewFieldError("app_token", i18n.New("field.wxpusher.no_token"))
	case len(c.List("uids")) == 0 && len(c.List("topic_ids")) == 0:
		return channel.NewFieldError("uids", i18n.New("field.wxpusher.no_recipient"))
	}
	return nil
}

// qinglong's lists: notify.py splits UIDs and topic IDs on ";" and SPTs on
// ",", so they are packed rather than the fields as is.
const (
	envUIDs   = "WXPUSHER_UIDS"
	envTopics = "WXPUSHER_TOPIC_IDS"
	envSPTs   = "WXPUSHER_SPT_LIST"
)

var envLists = []struct{ name, key, sep string }{{envUIDs, "uids", ";"}, {envTopics, "topic_ids", ";"}, {envSPTs, "spt", ","}}

func unpackEnv(vars, raw map[string]string) error {
	for _, l := range envLists {
		if v := vars[l.name]; v != "" {
			var items []string
			for _, it := range strings.Split(v, l.sep) {
				if it = strings.TrimSpace(it); it != "" {
					items = append(items, it)
				}
			}
			raw[l.key] = strings.Join(items, ",")
		}
	}
	return nil
}

func packEnv(c channel.Config, vars map[string]string) {
	for _, l := range envLists {
		if items := c.List(l.key); len(items) > 0 {
			vars[l.name] = strings.Join(items, l.sep)
		}
	}
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	p := &pusher{
		client:      client,
		endpoint:    strings.TrimRight(c.String("api"), "/") + "/api/send/message",
		appToken:    c.String("app_token"),
		spts:        unique(c.List("spt")),
		uids:        unique(c.List("uids")),
		contentType: c.String("content_type"),
		url:         c.String("url"),
	}
	if len(p.spts) > 0 {
		p.endpoint += "/simple-push"
	}
	for _, id := range unique(c.List("topic_ids")) {
		n, _ := strconv.ParseInt(id, 10, 64) // validated by Parse
		p.topicIDs = append(p.topicIDs, n)
	}
	return p, nil
}

// unique drops repeated items, keeping the first: WxPusher wants uids,
// topicIds and sptList without duplicates.
func unique(items []string) []string {
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

type pusher struct {
	client      *http.Client
	endpoint    string
	appToken    string
	spts        []string
	uids        []string
	topicIDs    []int64
	contentType string
	url         string
}

// sendRequest is either mode's body: appToken with uids and topicIds, or
// spt (one) or sptList (several).
type sendRequest struct {
	AppToken    string   `json:"appToken,omitempty"`
	SPT         string   `json:"spt,omitempty"`
	SPTList     []string `json:"sptList,omitempty"`
	Content     string   `json:"content"`
	Summary     string   `json:"summary,omitempty"`
	ContentType int      `json:"contentType"`
	UIDs        []string `json:"uids,omitempty"`
	TopicIDs    []int64  `json:"topicIds,omitempty"`
	URL         string   `json:"url,omitempty"`
}

type sendAnswer struct {
	Code    int             `json:"code"`
	Msg     string          `json:"msg"`
	Data    json.RawMessage `json:"data"`
	Success *bool           `json:"success"`
}

// target is WxPusher's verdict on one UID or topic of a send.
type target struct {
	UID     string `json:"uid"`
	TopicID *int64 `json:"topicId"`
	Code    int    `json:"code"`
	Status  string `json:"status"`
}

// Send posts m and succeeds when WxPusher created a send task for at least
// one of the UIDs and topics; targets it refused are then left unreported,
// since the others will get the message.
func (p *pusher) Send(ctx context.Context, m message.Message) error {
	ct := p.contentType
	if ct == "" {
		ct = TypeText
		if m.Markdown {
			ct = TypeMarkdown
		}
	}
	summary := m.Title
	if summary == "" {
		summary = message.FirstLine(m.Body)
	}
	req := sendRequest{
		AppToken:    p.appToken,
		Content:     fit(m.Body, renderer(ct, m.Title)),
		Summary:     shorten(summary, maxSummaryChars),
		ContentType: contentTypes[ct],
		UIDs:        p.uids,
		TopicIDs:    p.topicIDs,
		URL:         p.url,
	}
	if len(p.spts) == 1 {
		req.SPT = p.spts[0]
	} else {
		req.SPTList = p.spts
	}
	resp, body, err := channel.PostJSON(ctx, p.client, kindID, p.endpoint, req, nil)
	if err != nil {
		return err
	}
	// What comes back is shown to the user: never with the app token in it.
	body = p.scrub(body)
	if resp.StatusCode/100 != 2 {
		// WxPusher documents no rate-limit code; 429 and 5xx are retried.
		return channel.StatusError(kindID, resp, body)
	}
	var ans sendAnswer
	if err := channel.DecodeJSON(kindID, resp, body, &ans); err != nil {
		return err
	}
	if ans.Code != codeOK || (ans.Success != nil && !*ans.Success) {
		return p.serviceError(ans)
	}
	var targets []target
	if err := json.Unmarshal(ans.Data, &targets); len(ans.Data) > 0 && err != nil {
		return &channel.Error{Kind: kindID, Msg: "unexpected answer (data is not a list of targets): " + channel.Excerpt(ans.Data)}
	}
	var refused []string
	for _, t := range targets {
		if t.Code == codeOK {
			return nil
		}
		who := t.UID
		if who == "" {
			who = "recipient" // an SPT's target names none
		}
		if t.TopicID != nil {
			who = "topic " + strconv.FormatInt(*t.TopicID, 10)
		}
		refused = append(refused, fmt.Sprintf("%s: %d %s", who, t.Code, t.Status))
	}
	fields := "uids and topic_ids"
	if len(p.spts) > 0 {
		fields = "spt"
	}
	if len(refused) == 0 {
		return &channel.Error{Kind: kindID, Msg: "WxPusher reported no recipient for the message (check " + fields + ")"}
	}
	return &channel.Error{Kind: kindID, Msg: "no recipient accepted the message (check " + fields + "): " + strings.Join(refused, "; ")}
}

// serviceError classifies a business code. WxPusher's docs name only 1000
// (success), 1001 (any business error, a wrong appToken included) and 1002;
// its Java SDK adds 1005 internal server error and 1007 network error, the
// only ones worth retrying.
func (p *pusher) serviceError(ans sendAnswer) error {
	msg := ans.Msg
	switch {
	case len(p.spts) > 0 && strings.Contains(strings.ToLower(msg), "spt"):
		msg = "spt is wrong (scan the QR code under 极简推送 in WxPusher's docs to see yours); WxPusher said: " + msg
	case strings.Contains(strings.ToLower(msg), "token"):
		msg = "app_token is wrong or was reset (copy it again from the admin console → appToken); WxPusher said: " + msg
	}
	return channel.ServiceError(kindID, ans.Code, msg, ans.Code == 1005 || ans.Code == 1007)
}

// scrub hides the app token and SPTs in an answer shown to the user.
func (p *pusher) scrub(body []byte) []byte {
	s := string(body)
	for _, secret := range append([]string{p.appToken}, p.spts...) {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "…")
		}
	}
	return []byte(s)
}

// renderer returns how the body is shown under the given content type, the
// title included.
func renderer(ct, title string) func(body string) string {
	switch ct {
	case TypeHTML:
		return func(body string) string {
			var b strings.Builder
			if title != "" {
				b.WriteString("<h3>" + html.EscapeString(title) + "</h3>")
			}
			if body != "" {
				b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(body), "\n", "<br/>") + "</p>")
			}
			return b.String()
		}
	case TypeMarkdown:
		return func(body string) string {
			if title == "" {
				return body
			}
			return "## " + title + "\n\n" + body
		}
	}
	return func(body string) string { return message.Message{Title: title, Body: body}.Text() }
}

// fit renders body, cutting it (head and tail kept) until the result is
// within WxPusher's character and byte limits; escaping and the title make
// the rendered size known only after rendering.
func fit(body string, render func(string) string) string {
	budget := len(body)
	for {
		out := render(message.TruncateBytes(body, budget))
		chars, size := utf8.RuneCountInString(out), len(out)
		if chars <= maxContentChars && size <= maxContentBytes {
			return out
		}
		if budget == 0 {
			return message.TruncateRunes(message.TruncateBytes(out, maxContentBytes), maxContentChars)
		}
		// Shrink in proportion to the larger overshoot; at least a byte.
		budget = min(budget*maxContentBytes/size, budget*maxContentChars/chars, budget-1)
	}
}

// shorten cuts s to at most limit characters, ending in "…" when cut.
func shorten(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit-1]) + "…"
}
