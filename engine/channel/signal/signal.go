// Package signal sends Signal messages through a signal-cli-rest-api server
// (github.com/bbernhard/signal-cli-rest-api): POST {server}/v2/send from
// the number registered there to phone numbers, UUIDs or groups.
package signal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID     = "signal"
	docAPI = "https://bbernhard.github.io/signal-cli-rest-api/#/Messages/post_v2_send"
	// groupPrefix starts a group id as the REST API lists it.
	groupPrefix = "group."
)

// MaxText caps a message. Signal sends text over 2000 bytes as a long-text
// attachment, which signal-cli makes itself; the cap (head and tail kept)
// only keeps a runaway log off the phone.
const MaxText = 16 << 10

var (
	phoneRe = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	uuidRe  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	headRe  = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t]*$`)
)

// Kind is the Signal channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Signal",
	DocURL: docAPI,
	Badge:  channel.Badge{Text: "S", Color: color.NRGBA{0x3A, 0x76, 0xF0, 0xFF}},
	Fields: []channel.Field{
		{
			Key: "server", Aliases: []string{"api", "url"},
			Label:  "Server URL",
			Help:   "The address of your signal-cli-rest-api server, like http://192.168.1.10:8080 (with its path if a reverse proxy serves it under one).",
			DocURL: "https://github.com/bbernhard/signal-cli-rest-api#getting-started",
			Type:   channel.TypeURL, Required: true,
			Validate: validateServer,
		},
		{
			Key: "number", Aliases: []string{"sender", "from"},
			Label:  "Sender number",
			Help:   "The phone number registered or linked on the server, in international form like +4915112345678.",
			DocURL: "https://github.com/bbernhard/signal-cli-rest-api#getting-started",
			Type:   channel.TypeString, Required: true,
			Validate: channel.Matching(phoneRe, "field.signal.number"),
		},
		{
			Key: "recipients", Aliases: []string{"recipient", "to"},
			Label:  "Recipients",
			Help:   "Phone numbers (+4915112345678), account UUIDs or group ids (group.… as GET /v1/groups/{number} lists them), separated by commas.",
			DocURL: docAPI,
			Type:   channel.TypeList, Required: true,
			Validate: validateRecipients,
		},
		{
			Key:    "username",
			Label:  "User name",
			Help:   "Optional user name of the basic authentication a reverse proxy in front of the server asks for.",
			DocURL: "https://github.com/bbernhard/signal-cli-rest-api/blob/master/doc/EXAMPLES.md",
			Type:   channel.TypeString,
		},
		{
			Key:    "password",
			Label:  "Password",
			Help:   "Optional password of that basic authentication.",
			DocURL: "https://github.com/bbernhard/signal-cli-rest-api/blob/master/doc/EXAMPLES.md",
			Type:   channel.TypeString, Secret: true,
		},
		channel.ProxyField(),
	},
	Check: func(c channel.Config) error {
		if (c.String("username") == "") != (c.String("password") == "") {
			key := "password"
			if c.String("username") == "" {
				key = "username"
			}
			return channel.NewFieldError(key, i18n.New("field.signal.auth_pair"))
		}
		return nil
	},
	Open: open,
}

func validateServer(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.User != nil {
		return i18n.New("field.signal.server_user")
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Contains(strings.TrimRight(u.Path, "/"), "/v2/send") {
		return i18n.New("field.signal.server_path")
	}
	return nil
}

func validateRecipients(v string) error {
	for _, r := range channel.SplitList(v) {
		if !phoneRe.MatchString(r) && !uuidRe.MatchString(r) && !isGroup(r) {
			return i18n.New("field.signal.recipient", "Value", strconv.Quote(r))
		}
	}
	return nil
}

// isGroup accepts a group id as the REST API writes it: "group." and the
// base64 of signal-cli's base64 of the 32-byte group id.
func isGroup(r string) bool {
	inner, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(r, groupPrefix))
	if !strings.HasPrefix(r, groupPrefix) || err != nil {
		return false
	}
	id, err := base64.StdEncoding.DecodeString(string(inner))
	return err == nil && len(id) == 32
}

// Hints Herald adds to the answers it explains.
var (
	hintAuth      = channel.NewHint("hint.signal.auth")
	hintServerURL = channel.NewHint("hint.server_url")
	hintChallenge = channel.NewHint("hint.signal.challenge")
)

type signal struct {
	client   *http.Client
	endpoint string
	number   string
	batches  [][]string // the recipients of each request
	user     string
	password string
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &signal{
		client:   client,
		endpoint: strings.TrimRight(c.String("server"), "/") + "/v2/send",
		number:   c.String("number"),
		batches:  batches(c.List("recipients")),
		user:     c.String("username"),
		password: c.String("password"),
		now:      deps.Clock(),
	}, nil
}

// batches groups recipients as the REST API takes them: all numbers and
// UUIDs in one request, each group in a request of its own (it refuses
// groups with numbers, and more than one group).
func batches(recipients []string) [][]string {
	var direct []string
	var out [][]string
	for _, r := range recipients {
		if strings.HasPrefix(r, groupPrefix) {
			out = append(out, []string{r})
		} else {
			direct = append(direct, r)
		}
	}
	if len(direct) > 0 {
		out = append([][]string{direct}, out...)
	}
	return out
}

// Request is the SendMessageV2 body Herald sends.
type Request struct {
	Message    string   `json:"message"`
	Number     string   `json:"number"`
	Recipients []string `json:"recipients"`
	// TextMode is always sent: without it the server's
	// DEFAULT_SIGNAL_TEXT_MODE decides, and plain text may be styled.
	TextMode string `json:"text_mode"`
}

// render returns the text and text mode for m: Markdown is sent styled
// (the REST API's **bold**, *italic*, ~strike~, `mono`), headings as bold
// lines, the title bold on top; plain text goes as is.
func render(m message.Message) (text, mode string) {
	title := strings.TrimSpace(m.Title)
	body := strings.TrimRight(m.Body, " \t\r\n")
	if !m.Markdown {
		text = message.Message{Title: title, Body: body}.Text()
		if strings.TrimSpace(text) == "" {
			text = "Herald"
		}
		return message.TruncateBytes(text, MaxText), "normal"
	}
	body = headRe.ReplaceAllString(body, "**$1**")
	if title != "" {
		title = "**" + escapeStyle(title) + "**"
	}
	text = message.Message{Title: title, Body: body}.Text()
	if strings.TrimSpace(text) == "" {
		text = "Herald"
	}
	return message.TruncateBytes(text, MaxText), "styled"
}

// escapeStyle keeps the REST API's style characters in a title literal.
func escapeStyle(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "~", `\~`, "|", `\|`, "`", "\\`").Replace(s)
}

// Send sends m to every recipient, one request per batch.
func (s *signal) Send(ctx context.Context, m message.Message) error {
	text, mode := render(m)
	for _, to := range s.batches {
		if err := s.send(ctx, Request{Message: text, Number: s.number, Recipients: to, TextMode: mode}); err != nil {
			return err
		}
	}
	return nil
}

func (s *signal) send(ctx context.Context, r Request) error {
	var h http.Header
	if s.user != "" {
		req := &http.Request{Header: http.Header{}}
		req.SetBasicAuth(s.user, s.password)
		h = req.Header
	}
	resp, body, err := channel.PostJSON(ctx, s.client, ID, s.endpoint, r, h)
	if err != nil {
		return err
	}
	return s.readAnswer(resp, []byte(s.mask(string(body))))
}

// sent is the 201 answer: the message's timestamp.
type sent struct {
	Timestamp json.RawMessage `json:"timestamp"`
}

// apiError is the REST API's {"error": "…"} (with the account and
// challenge tokens when Signal rate-limits).
type apiError struct {
	Error string `json:"error"`
}

func (s *signal) readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 == 2 {
		var a sent
		if err := channel.DecodeJSON(ID, resp, body, &a); err != nil {
			return err
		}
		if len(a.Timestamp) == 0 {
			return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer without a timestamp: " + channel.Excerpt(body)}
		}
		return nil
	}
	var a apiError
	e := channel.StatusError(ID, resp, body)
	if json.Unmarshal(body, &a) == nil && a.Error != "" {
		e.Msg = a.Error
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Msg += hintAuth.Suffix()
	case resp.StatusCode == http.StatusNotFound:
		e.Msg += hintServerURL.Suffix()
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Msg += hintChallenge.Suffix()
	}
	if e.Transient && e.RetryAfter == 0 {
		e.RetryAfter = channel.WaitHint(resp, s.now)
	}
	return e
}

// mask hides the basic-auth password, and the header that carries it,
// should an answer (a proxy's error page) echo them.
func (s *signal) mask(text string) string {
	if s.password == "" {
		return text
	}
	creds := base64.StdEncoding.EncodeToString([]byte(s.user + ":" + s.password))
	return strings.NewReplacer(creds, "…", s.password, "…").Replace(text)
}
