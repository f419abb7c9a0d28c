// Package mailgun sends messages as email through Mailgun's HTTP API
// (POST /v3/{domain}/messages, multipart/form-data, Basic auth "api":KEY).
package mailgun

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image/color"
	"mime/multipart"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

// Default API bases per region (Mailgun keeps EU domains on a separate host).
const (
	BaseUS = "https://api.mailgun.net"
	BaseEU = "https://api.eu.mailgun.net"
)

// Limits. Mailgun takes messages up to 25 MB; the body is cut to MaxBody
// bytes so the text part plus its HTML-escaped copy (at most 5 bytes per
// byte) stay under that. SubjectMax keeps the subject a readable single line.
const (
	MaxBody       = 4_000_000
	SubjectMax    = 255
	MaxRecipients = 1000
)

const fallbackSubject = "Herald notification"

var (
	domainRe = regexp.MustCompile(`^(?i)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$`)
	keyRe    = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// Kind is the Mailgun channel kind. QD configures Mailgun through the
// environment (MAILGUN_KEY, MAILGUN_DOMAIN), so it has no QD string.
var Kind = &channel.Kind{
	ID:     "mailgun",
	Name:   "Mailgun",
	DocURL: "https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages",
	Badge:  channel.Badge{Text: "MG", Color: color.NRGBA{0xC0, 0x26, 0x3C, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "api_key",
			Aliases:  []string{"MAILGUN_KEY"},
			Label:    "API key",
			Help:     "A Mailgun private API key or a sending API key for the domain (Mailgun dashboard → API Security, or the domain's Sending keys).",
			DocURL:   "https://documentation.mailgun.com/docs/mailgun/user-manual/get-started/#primary-account-api-key",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: channel.Matching(keyRe, "field.mailgun.key"),
		},
		{
			Key:      "domain",
			Aliases:  []string{"MAILGUN_DOMAIN"},
			Label:    "Sending domain",
			Help:     "The domain you send from, as listed under Sending → Domains in Mailgun, e.g. mg.example.com.",
			DocURL:   "https://app.mailgun.com/mg/sending/domains",
			Type:     channel.TypeString,
			Required: true,
			Validate: channel.Matching(domainRe, "field.mailgun.domain"),
		},
		{
			Key:      "from",
			Label:    "From",
			Help:     `Sender address, e.g. alerts@mg.example.com or "Herald <alerts@mg.example.com>"; use an address of the sending domain.`,
			Type:     channel.TypeString,
			Required: true,
			Validate: func(v string) error {
				if _, err := mail.ParseAddress(v); err != nil {
					return i18n.New("field.mailgun.from")
				}
				return nil
			},
		},
		{
			Key:      "to",
			Label:    "To",
			Help:     "Recipient addresses, separated by commas or new lines.",
			Type:     channel.TypeList,
			Required: true,
			Validate: func(v string) error {
				items := channel.SplitList(v)
				if len(items) == 0 {
					return i18n.New("field.mailgun.to_empty")
				}
				if len(items) > MaxRecipients {
					return i18n.New("field.mailgun.to_many", "N", len(items), "Max", MaxRecipients)
				}
				for _, it := range items {
					if _, err := mail.ParseAddress(it); err != nil {
						return i18n.New("field.mailgun.to", "Value", strconv.Quote(it))
					}
				}
				return nil
			},
		},
		{
			Key:     "region",
			Label:   "Region",
			Help:    "Where your Mailgun domain lives: us (api.mailgun.net) or eu (api.eu.mailgun.net).",
			DocURL:  "https://documentation.mailgun.com/docs/mailgun/api-reference/#base-url",
			Type:    channel.TypeChoice,
			Choices: []string{"us", "eu"},
			Default: "us",
		},
		{
			Key:   "api",
			Label: "API base URL",
			Help:  "Leave empty to use the region's server (" + BaseUS + " or " + BaseEU + "); set it only for a reverse proxy or a test server.",
			Type:  channel.TypeURL,
		},
		channel.ProxyField(),
	},
	QDFields: 0,
	Open:     open,
}

// Endpoint is the messages URL for a region, optional API base and domain.
func Endpoint(region, api, domain string) string {
	base := api
	if base == "" {
		base = BaseUS
		if region == "eu" {
			base = BaseEU
		}
	}
	return strings.TrimRight(base, "/") + "/v3/" + domain + "/messages"
}

type mailgun struct {
	client *http.Client
	url    string
	key    string
	from   string
	to     []string
	region string
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &mailgun{
		client: client,
		url:    Endpoint(c.String("region"), c.String("api"), strings.ToLower(c.String("domain"))),
		key:    c.String("api_key"),
		from:   c.String("from"),
		to:     c.List("to"),
		region: c.String("region"),
	}, nil
}

// Render returns the subject, the plain-text part and the HTML part for m.
func Render(m message.Message) (subject, text, htmlPart string) {
	subject = strings.Join(strings.Fields(m.Title), " ")
	if subject == "" {
		subject = message.FirstLine(m.Body)
	}
	if subject == "" {
		subject = fallbackSubject
	}
	if utf8.RuneCountInString(subject) > SubjectMax {
		subject = string([]rune(subject)[:SubjectMax-1]) + "…"
	}
	text = message.TruncateBytes(m.Body, MaxBody)
	if m.Markdown {
		htmlPart = message.MarkdownHTML(text)
	} else {
		htmlPart = PlainHTML(text)
	}
	if pic := m.PictureURL; pic != "" && message.SafeURL(pic, false) {
		text = strings.TrimPrefix(text+"\n\n"+pic, "\n\n")
		htmlPart += `<p><img src="` + html.EscapeString(pic) + `" alt=""></p>`
	}
	return subject, text, htmlPart
}

func (g *mailgun) Send(ctx context.Context, m message.Message) error {
	subject, text, htmlPart := Render(m)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields := [][2]string{{"from", g.from}}
	// Mailgun takes each recipient as its own "to" value (or a comma-joined
	// list); separate values cannot be split wrongly at a comma in a name.
	for _, to := range g.to {
		fields = append(fields, [2]string{"to", to})
	}
	fields = append(fields, [2]string{"subject", subject}, [2]string{"text", text}, [2]string{"html", htmlPart})
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return channel.Permanent(Kind.ID, "encode request: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		return channel.Permanent(Kind.ID, "encode request: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, &buf)
	if err != nil {
		return channel.Permanent(Kind.ID, "bad API URL %s", channel.RedactURL(g.url))
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth("api", g.key)
	resp, body, err := channel.Do(ctx, g.client, Kind.ID, req)
	if err != nil {
		return err
	}
	return g.readAnswer(resp, body)
}

func (g *mailgun) readAnswer(resp *http.Response, body []byte) error {
	var a struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if resp.StatusCode/100 == 2 {
		if err := channel.DecodeJSON(Kind.ID, resp, body, &a); err != nil {
			return err
		}
		if a.ID == "" {
			return &channel.Error{Kind: Kind.ID, Status: resp.StatusCode, Msg: "unexpected answer (no message id): " + channel.Excerpt(body)}
		}
		return nil
	}
	// 400 {"message": …} names the bad parameter; 401/403 is a bad key
	// (Mailgun answers a bare "Forbidden"); 404 an unknown domain; 429 and
	// 5xx are worth retrying (StatusError classifies them).
	e := channel.StatusError(Kind.ID, resp, body)
	if json.Unmarshal(body, &a) == nil && a.Message != "" {
		e.Msg = a.Message
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Msg += " (check api_key: it must be a private API key, or a sending key of this domain)"
	case http.StatusNotFound:
		if g.region == "us" {
			e.Msg += " (check domain; a domain created in the EU region needs region eu)"
		} else {
			e.Msg += " (check domain; a domain created in the US region needs region us)"
		}
	}
	return e
}

// PlainHTML shows plain text as preformatted HTML, escaped.
func PlainHTML(s string) string {
	return `<pre style="white-space:pre-wrap;font-family:monospace">` + html.EscapeString(s) + `</pre>`
}
