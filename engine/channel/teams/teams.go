// Package teams posts messages to Microsoft Teams through a Workflows
// (Power Automate) webhook, "When a Teams webhook request is received",
// which posts the Adaptive Card it is sent. The Office 365 connectors'
// webhooks it replaces are retired.
//
// The workflow answers 202 as soon as it has queued the run: a card the
// run then fails to post (the flow's owner left the team, say) is shown
// only in the flow's run history, never to Herald.
package teams

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

// ID is the kind id.
const ID = "teams"

// Limits. Teams refuses messages over about 28 KB, card JSON included
// (MaxMessage); the text is cut until the encoded card fits.
const (
	MaxMessage = 28 << 10
	MaxTitle   = 1 << 10
	MaxBody    = 20 << 10
)

// CardVersion is the Adaptive Card schema version sent; Teams renders up
// to 1.5 on every client.
const CardVersion = "1.4"

const (
	doc     = "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook"
	docCard = "https://adaptivecards.io/explorer/TextBlock.html"
)

// Kind is the Teams Workflows webhook channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Microsoft Teams (Workflows)",
	DocURL: doc,
	Badge:  channel.Badge{Text: "T", Color: color.NRGBA{0x50, 0x59, 0xC9, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "url",
			Aliases:  []string{"webhook_url", "webhook"},
			Label:    "Workflow webhook URL",
			Help:     "In the channel's ⋯ menu choose Workflows › \"Post to a channel when a webhook request is received\", then copy the URL it shows (…/workflows/…/triggers/manual/paths/invoke?…&sig=…).",
			DocURL:   doc,
			Type:     channel.TypeURL,
			Required: true,
			Secret:   true,
			Mask:     channel.MaskURL,
			Validate: validateURL,
		},
		channel.ProxyField(),
	},
	Open: open,
}

// validateURL accepts a Workflows trigger URL, with its signature.
func validateURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if strings.Contains(u.Host, "webhook.office.com") || strings.Contains(u.Path, "/webhookb2/") {
		return i18n.New("field.teams.connector")
	}
	if !strings.Contains(u.Path, "/workflows/") || !strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/triggers/manual/paths/invoke") {
		return i18n.New("field.teams.path")
	}
	if u.Query().Get("sig") == "" {
		return i18n.New("field.teams.sig")
	}
	return nil
}

type teams struct {
	client *http.Client
	url    string // holds the signature: never in an error
	now    func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &teams{client: client, url: c.String("url"), now: deps.Clock()}, nil
}

// Message is the activity the workflow takes: one Adaptive Card.
type Message struct {
	Type        string       `json:"type"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment carries the card.
type Attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"`
	Content     Card    `json:"content"`
}

// Card is an AdaptiveCard.
type Card struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"`
	Version string    `json:"version"`
	Body    []Element `json:"body"`
	MSTeams MSTeams   `json:"msteams"`
}

// MSTeams holds Teams' own card options.
type MSTeams struct {
	Width string `json:"width"`
}

// Element is a TextBlock or an Image.
type Element struct {
	Type    string `json:"type"`
	Text    string `json:"text,omitempty"`
	Wrap    bool   `json:"wrap,omitempty"`
	Weight  string `json:"weight,omitempty"`
	Size    string `json:"size,omitempty"`
	Style   string `json:"style,omitempty"`
	Color   string `json:"color,omitempty"`
	URL     string `json:"url,omitempty"`
	AltText string `json:"altText,omitempty"`
}

// levelColor marks the title by the message's level.
func levelColor(l message.Level) string {
	switch l {
	case message.LevelError:
		return "Attention"
	case message.LevelWarning:
		return "Warning"
	case message.LevelSuccess:
		return "Good"
	}
	return ""
}

// render builds the card. TextBlocks render a Markdown subset (bold,
// italics, lists, links); plain text's single line breaks are doubled,
// as Teams joins lines that a single break separates.
func render(m message.Message) Message {
	var els []Element
	if t := strings.TrimSpace(m.Title); t != "" {
		els = append(els, Element{Type: "TextBlock", Text: message.TruncateBytes(t, MaxTitle), Wrap: true,
			Weight: "Bolder", Size: "Medium", Style: "heading", Color: levelColor(m.Level)})
	}
	if b := strings.TrimRight(m.Body, " \t\r\n"); strings.TrimSpace(b) != "" {
		if !m.Markdown {
			b = strings.ReplaceAll(strings.ReplaceAll(b, "\r\n", "\n"), "\n", "\n\n")
		}
		els = append(els, Element{Type: "TextBlock", Text: message.TruncateBytes(b, MaxBody), Wrap: true})
	}
	if u, err := url.Parse(m.PictureURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		els = append(els, Element{Type: "Image", URL: m.PictureURL, AltText: "picture"})
	}
	if len(els) == 0 {
		els = append(els, Element{Type: "TextBlock", Text: "Herald", Wrap: true})
	}
	return Message{Type: "message", Attachments: []Attachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content: Card{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard",
			Version: CardVersion, Body: els, MSTeams: MSTeams{Width: "Full"}},
	}}}
}

// fit cuts the body text until the encoded message is within MaxMessage:
// JSON escapes (quotes, control characters) make text longer on the wire.
func fit(msg Message) (Message, error) {
	els := msg.Attachments[0].Content.Body
	for {
		data, err := json.Marshal(msg)
		if err != nil || len(data) <= MaxMessage {
			return msg, err
		}
		i := len(els) - 1
		for i >= 0 && els[i].Type != "TextBlock" {
			i--
		}
		if i < 0 || len(els[i].Text) < 64 {
			return msg, nil // only an absurd title is left: let Teams judge
		}
		els[i].Text = message.TruncateBytes(els[i].Text, len(els[i].Text)*3/4)
	}
}

// Send posts m as one card.
func (t *teams) Send(ctx context.Context, m message.Message) error {
	msg, err := fit(render(m))
	if err != nil {
		return channel.Permanent(ID, "encode request: %v", err)
	}
	resp, body, err := channel.PostJSON(ctx, t.client, ID, t.url, msg, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
		return nil
	}
	return t.readError(resp, body)
}

// apiError is the Logic Apps error answer of the trigger endpoint.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (t *teams) readError(resp *http.Response, body []byte) error {
	var a apiError
	if err := json.Unmarshal(body, &a); err != nil || a.Error.Code == "" {
		e := channel.StatusError(ID, resp, body)
		e.Msg = t.mask(e.Msg)
		return e
	}
	transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500
	e := channel.ServiceError(ID, a.Error.Code, t.mask(a.Error.Message), transient)
	e.Status = resp.StatusCode
	if transient {
		e.RetryAfter = channel.WaitHint(resp, t.now)
	}
	return e
}

// mask hides the signature should an answer quote it.
func (t *teams) mask(s string) string {
	u, err := url.Parse(t.url)
	if err != nil {
		return s
	}
	if sig := u.Query().Get("sig"); sig != "" {
		s = strings.ReplaceAll(s, sig, "<sig>")
	}
	return strings.ReplaceAll(s, t.url, "<webhook URL>")
}
