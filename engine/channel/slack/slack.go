// Package slack sends messages through a Slack app's incoming webhook.
//
// A message goes as Block Kit blocks: a header with the title and mrkdwn
// sections with the body (Slack takes 3000 characters a section), plus the
// text Slack shows in notifications. Slack allows about one message a
// second per webhook.
package slack

import (
	"context"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

// ID is the kind id.
const ID = "slack"

// Documented limits, in characters.
const (
	MaxHeader  = 150   // header block text
	MaxSection = 3000  // section block text
	MaxBlocks  = 50    // blocks in a message
	MaxText    = 40000 // top-level text; Slack truncates beyond it
	// MaxFallback bounds the notification text (before escaping, so at
	// most five times as long): it repeats the body.
	MaxFallback = 3000
)

const (
	doc       = "https://api.slack.com/messaging/webhooks"
	errorsDoc = "https://api.slack.com/messaging/webhooks#handling_errors"
)

// hookPath is the end of an incoming webhook's path: /services/T…/B…/token.
var hookPath = regexp.MustCompile(`/services/[A-Z0-9]+/[A-Z0-9]+/[A-Za-z0-9]+$`)

// Kind is the Slack incoming webhook.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Slack",
	DocURL: doc,
	Badge:  channel.Badge{Text: "S", Color: color.NRGBA{0x4A, 0x15, 0x4B, 0xFF}},
	Rates:  []channel.Rate{{N: 1, Per: time.Second}}, // "1 per second", short bursts allowed
	Fields: []channel.Field{
		{
			Key:      "url",
			Aliases:  []string{"webhook_url", "webhook"},
			Label:    "Webhook URL",
			Help:     "The incoming webhook's URL (https://hooks.slack.com/services/T…/B…/…): your Slack app's page → Incoming Webhooks → Add New Webhook to Workspace, then Copy.",
			DocURL:   doc,
			Type:     channel.TypeURL,
			Required: true,
			Secret:   true,
			Mask:     channel.MaskTail,
			Validate: validateURL,
		},
		channel.ProxyField(),
	},
	Open: open,
}

// Hints Herald adds to the error codes it explains.
var hints = map[string]channel.Hint{
	"no_service":                        channel.NewHint("hint.slack.no_service"),
	"invalid_token":                     channel.NewHint("hint.slack.no_service"),
	"channel_not_found":                 channel.NewHint("hint.slack.channel"),
	"channel_is_archived":               channel.NewHint("hint.slack.archived"),
	"action_prohibited":                 channel.NewHint("hint.slack.prohibited"),
	"posting_to_general_channel_denied": channel.NewHint("hint.slack.general"),
}

func validateURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return i18n.New("field.slack.extra")
	}
	if strings.Contains(u.Path, "/triggers/") || strings.Contains(u.Path, "/workflows/") {
		return i18n.New("field.slack.workflow")
	}
	if !hookPath.MatchString(strings.TrimRight(u.Path, "/")) {
		return i18n.New("field.slack.path")
	}
	return nil
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	u := strings.TrimRight(c.String("url"), "/")
	return &hook{client: client, url: u, token: u[strings.LastIndex(u, "/")+1:], now: deps.Clock()}, nil
}

type hook struct {
	client *http.Client
	url    string // holds the token: never put it in an error
	token  string
	now    func() time.Time
}

// Request is the webhook's JSON body.
type Request struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
}

// Block is a header or a section.
type Block struct {
	Type string `json:"type"`
	Text *Text  `json:"text"`
}

// Text is a text object.
type Text struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

func render(m message.Message) Request {
	var r Request
	title := strings.TrimSpace(strings.Join(strings.Fields(m.Title), " "))
	if title != "" {
		// Header text is plain: Slack shows it as is, entities too.
		r.Blocks = append(r.Blocks, Block{Type: "header", Text: &Text{Type: "plain_text", Text: message.TruncateRunes(title, MaxHeader), Emoji: true}})
	}
	body := strings.TrimRight(m.Body, " \t\r\n")
	// Cut first, so that the sections fit in the message's blocks; escaping
	// can make each character up to five.
	room := MaxBlocks - len(r.Blocks)
	for _, chunk := range fit(chunks(Mrkdwn(message.TruncateRunes(body, room*MaxSection/5), m.Markdown), MaxSection), room) {
		r.Blocks = append(r.Blocks, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: chunk}})
	}
	// Cut before escaping, so that no entity is cut in two.
	r.Text = Escape(message.TruncateRunes(m.Text(), MaxFallback))
	if strings.TrimSpace(r.Text) == "" {
		r.Text, r.Blocks = "Herald", nil // Slack refuses an empty message (no_text)
	}
	return r
}

// Escape replaces what Slack reads as markup in text: &, < and >.
func Escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

var (
	mdLink    = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^)\s]+)\)`)
	mdBold    = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t#]*$`)
)

// Mrkdwn turns text into Slack's mrkdwn: plain text escaped; Markdown's
// links, bold and headings rewritten in Slack's syntax as well.
func Mrkdwn(s string, markdown bool) string {
	if !markdown {
		return Escape(s)
	}
	var b strings.Builder
	for {
		loc := mdLink.FindStringSubmatchIndex(s)
		if loc == nil {
			b.WriteString(mdInline(s))
			return b.String()
		}
		b.WriteString(mdInline(s[:loc[0]]))
		text, link := s[loc[2]:loc[3]], s[loc[4]:loc[5]]
		b.WriteString("<" + Escape(link) + "|" + strings.ReplaceAll(Escape(text), "|", "¦") + ">")
		s = s[loc[1]:]
	}
}

func mdInline(s string) string {
	s = mdHeading.ReplaceAllString(s, "**$1**")
	return mdBold.ReplaceAllString(Escape(s), "*$1*")
}

// chunks splits s into pieces of at most n characters, preferring line
// ends, never inside an entity (&amp;) or a link (<…>).
func chunks(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		cut := byteIndex(s, n)
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl > cut/2 {
			cut = nl + 1
		} else {
			cut = safeCut(s, cut)
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if strings.TrimSpace(s) != "" {
		out = append(out, s)
	}
	return out
}

// fit keeps at most n sections: the head, a mark of the cut and the last
// (cuts at line ends may leave more sections than the length budget).
func fit(sections []string, n int) []string {
	if len(sections) <= n {
		return sections
	}
	return append(sections[:n-2:n-2], fmt.Sprintf("…[%d sections cut]…", len(sections)-n+2), sections[len(sections)-1])
}

// byteIndex is the byte offset of the n-th rune of s.
func byteIndex(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// safeCut moves cut back before an unfinished entity or link.
func safeCut(s string, cut int) int {
	if i := strings.LastIndexByte(s[:cut], '&'); i > 0 && !strings.Contains(s[i:cut], ";") {
		cut = i
	}
	if i := strings.LastIndexByte(s[:cut], '<'); i > 0 && !strings.Contains(s[i:cut], ">") {
		cut = i
	}
	return cut
}

// Send posts m to the webhook.
func (h *hook) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, h.client, ID, h.url, render(m), nil)
	if err != nil {
		return err
	}
	return h.readAnswer(resp, body)
}

// errCode is the form of Slack's error bodies ("invalid_payload").
var errCode = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// readAnswer: Slack answers 200 "ok"; errors are a short code in a text
// body with a 4xx status.
func (h *hook) readAnswer(resp *http.Response, body []byte) error {
	text := strings.TrimSpace(string(body))
	if resp.StatusCode/100 == 2 {
		if text == "ok" {
			return nil
		}
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (not ok): " + h.hide(channel.Excerpt(body))}
	}
	if !errCode.MatchString(text) {
		e := channel.StatusError(ID, resp, body)
		e.Msg = h.hide(e.Msg)
		return e
	}
	e := &channel.Error{Kind: ID, Status: resp.StatusCode, Code: text, Msg: describe(text)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Transient, e.RetryAfter = true, channel.WaitHint(resp, h.now)
	case resp.StatusCode >= 500:
		e.Transient = true
	}
	if hint, ok := hints[text]; ok {
		e.Msg += hint.Suffix()
	}
	return e
}

// describe is what Slack's documentation says of its error codes.
func describe(code string) string {
	switch code {
	case "invalid_payload":
		return "the request was malformed"
	case "no_text":
		return "the message had no text"
	case "too_many_attachments":
		return "the message had over 100 attachments"
	case "channel_is_archived":
		return "the webhook's channel is archived"
	case "channel_not_found":
		return "the webhook's channel no longer exists"
	case "no_service", "invalid_token":
		return "the webhook is disabled, removed or invalid"
	case "action_prohibited":
		return "an admin has restricted posting to this channel"
	case "posting_to_general_channel_denied":
		return "only admins may post in the workspace's #general"
	}
	return "see " + errorsDoc
}

// hide drops the token should an answer echo it.
func (h *hook) hide(s string) string { return strings.ReplaceAll(s, h.token, "<token>") }
