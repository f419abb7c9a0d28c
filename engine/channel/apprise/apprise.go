// Package apprise sends messages through an Apprise API server
// (caronc/apprise-api), which fans them out to the services its Apprise
// URLs name: POST {server}/notify/{key} for a configuration stored on the
// server, or POST {server}/notify/ with the URLs in the request (stateless).
package apprise

import (
	"context"
	"encoding/json"
	"image/color"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
)

// ID is the kind id.
const ID = "apprise"

// MaxBody caps the body Herald sends. The server refuses payloads over
// APPRISE_UPLOAD_MAX_MEMORY_SIZE (3 MB by default) with 431, and the
// services behind it have far smaller limits of their own.
const MaxBody = 64 << 10

const (
	doc        = "https://github.com/caronc/apprise-api#api-details"
	docCodes   = "https://github.com/caronc/apprise-api#api-response-codes"
	docURLs    = "https://github.com/caronc/apprise/wiki#notification-services"
	docTagging = "https://github.com/caronc/apprise-api#tagging"
)

// keyRe is the server's own pattern for a configuration key.
var keyRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Kind is the Apprise API channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Apprise API",
	DocURL: doc,
	Badge:  channel.Badge{Text: "Ap", Color: color.NRGBA{0x3A, 0x4F, 0x8C, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "server",
			Aliases:  []string{"api", "host"},
			Label:    "Server URL",
			Help:     "Your Apprise API server's address, like http://apprise.local:8000 (with its path if it is served under one).",
			DocURL:   doc,
			Type:     channel.TypeURL,
			Required: true,
			Validate: validateServer,
		},
		{
			Key:      "key",
			Aliases:  []string{"config_key"},
			Label:    "Configuration key",
			Help:     "The key of a configuration saved on the server (its /cfg/{key} page); leave empty to send to the Apprise URLs below instead.",
			DocURL:   doc,
			Type:     channel.TypeString,
			Validate: channel.Matching(keyRe, "field.apprise.key"),
		},
		{
			Key:     "tag",
			Aliases: []string{"tags"},
			Label:   "Tags",
			Help:    "Optional: notify only the configuration's URLs with these tags; a comma means OR, a space means AND (devops, admin team). Needs a configuration key.",
			DocURL:  docTagging,
			Type:    channel.TypeString,
		},
		{
			Key:    "urls",
			Label:  "Apprise URLs",
			Help:   "Without a key: the Apprise URLs to notify, separated by commas, spaces or lines (tgram://bottoken/ChatID, mailto://user:pass@gmail.com …).",
			DocURL: docURLs,
			Type:   channel.TypeList,
			Secret: true,
			Mask:   maskURLs,
		},
		{
			Key:     "username",
			Aliases: []string{"user"},
			Label:   "Username",
			Help:    "Optional: the user name of the basic authentication a reverse proxy in front of the server asks for.",
			DocURL:  "https://github.com/caronc/apprise-api#nginx-overrides",
			Type:    channel.TypeString,
		},
		{
			Key:    "password",
			Label:  "Password",
			Help:   "Optional: the basic-authentication password that goes with the user name.",
			DocURL: "https://github.com/caronc/apprise-api#nginx-overrides",
			Type:   channel.TypeString,
			Secret: true,
		},
		channel.ProxyField(),
	},
	Check: check,
	Open:  open,
}

func validateServer(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.New("field.url.invalid_plain")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return i18n.New("field.apprise.server_extra")
	}
	if strings.Contains(strings.TrimRight(u.Path, "/")+"/", "/notify/") {
		return i18n.New("field.apprise.server_notify")
	}
	return nil
}

// check wants exactly one destination: a stored configuration or URLs.
func check(c channel.Config) error {
	key, urls := c.String("key") != "", c.String("urls") != ""
	switch {
	case key && urls:
		return channel.NewFieldError("urls", i18n.New("field.apprise.key_and_urls"))
	case !key && !urls:
		return channel.NewFieldError("key", i18n.New("field.apprise.key_or_urls"))
	case c.String("tag") != "" && !key:
		return channel.NewFieldError("tag", i18n.New("field.apprise.tag_needs_key"))
	case c.String("password") != "" && c.String("username") == "":
		return channel.NewFieldError("username", i18n.New("field.apprise.user_for_password"))
	}
	return nil
}

// maskURLs shows each Apprise URL by its scheme alone: the rest of one is
// a token or a password as often as not.
func maskURLs(v string) string {
	items := channel.SplitList(v)
	for i, it := range items {
		scheme, _, ok := strings.Cut(it, "://")
		if !ok {
			scheme = "?"
		}
		items[i] = scheme + "://••••"
	}
	return strings.Join(items, ", ")
}

type apprise struct {
	client   *http.Client
	endpoint string
	tag      string
	urls     string // secret
	user     string
	password string // secret
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &apprise{
		client:   client,
		endpoint: strings.TrimRight(c.String("server"), "/") + "/notify/" + c.String("key"),
		tag:      c.String("tag"),
		urls:     c.String("urls"),
		user:     c.String("username"),
		password: c.String("password"),
		now:      deps.Clock(),
	}, nil
}

// Request is the notify payload.
type Request struct {
	URLs   string `json:"urls,omitempty"`
	Title  string `json:"title,omitempty"`
	Body   string `json:"body"`
	Type   string `json:"type"`
	Format string `json:"format"`
	Tag    string `json:"tag,omitempty"`
}

// notifyType maps a message level onto Apprise's types.
func notifyType(l message.Level) string {
	switch l {
	case message.LevelSuccess:
		return "success"
	case message.LevelWarning:
		return "warning"
	case message.LevelError:
		return "failure"
	}
	return "info"
}

func (a *apprise) render(m message.Message) Request {
	r := Request{URLs: a.urls, Tag: a.tag, Type: notifyType(m.Level), Format: "text",
		Title: strings.TrimSpace(m.Title), Body: strings.TrimRight(m.Body, " \t\r\n")}
	if m.Markdown {
		r.Format = "markdown"
	}
	if strings.TrimSpace(r.Body) == "" {
		// The server refuses a payload without a body.
		r.Body, r.Title = r.Title, ""
	}
	if r.Body == "" {
		r.Body = "Herald"
	}
	r.Body = message.TruncateBytes(r.Body, MaxBody)
	return r
}

// Send posts m to the server, asking for a JSON answer.
func (a *apprise) Send(ctx context.Context, m message.Message) error {
	h := http.Header{"Accept": {"application/json"}}
	if a.user != "" {
		req := http.Request{Header: http.Header{}}
		req.SetBasicAuth(a.user, a.password)
		h.Set("Authorization", req.Header.Get("Authorization"))
	}
	resp, body, err := channel.PostJSON(ctx, a.client, ID, a.endpoint, a.render(m), h)
	if err != nil {
		return err
	}
	return a.readAnswer(resp, body)
}

// answer is the server's JSON answer: error is null on success; details
// are the log lines of the notification run, [level, time, message].
type answer struct {
	Error   *string         `json:"error"`
	Details json.RawMessage `json:"details"`
}

func (a *apprise) readAnswer(resp *http.Response, body []byte) error {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case resp.StatusCode == http.StatusOK && ct != "text/html":
		return nil
	case resp.StatusCode == http.StatusOK:
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (a web page, not the Apprise API): " + a.mask(channel.Excerpt(body))}
	case resp.StatusCode == http.StatusNoContent:
		// A 204 has no body: say what the server means by it.
		msg := "the server has no configuration saved under this key"
		if a.urls != "" {
			msg = "none of the Apprise URLs is valid or supported by the server"
		}
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: msg}
	}
	var ans answer
	if err := json.Unmarshal(body, &ans); err != nil || ans.Error == nil {
		e := channel.StatusError(ID, resp, body)
		e.Msg = a.mask(e.Msg)
		return e
	}
	msg := *ans.Error
	if d := details(ans.Details); d != "" {
		msg += ": " + d
	}
	e := &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: a.mask(channel.Excerpt([]byte(msg)))}
	// 424: a service behind the server failed (or no URL had the tag);
	// like a gateway's 502, another try may pass. Retrying resends to
	// the services that did get it: Apprise reports no partial success.
	if resp.StatusCode == http.StatusFailedDependency || resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		e.Transient = true
		e.RetryAfter = channel.WaitHint(resp, a.now)
	}
	return e
}

// details picks the warnings and errors out of the run's log lines, or
// returns a string detail as it is.
func details(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var lines [][]string
	if json.Unmarshal(raw, &lines) != nil {
		return ""
	}
	var out []string
	for _, l := range lines {
		if len(l) == 3 && l[0] != "INFO" && l[0] != "DEBUG" && l[0] != "TRACE" {
			out = append(out, l[2])
		}
	}
	return strings.Join(out, "; ")
}

// mask hides the secret URLs, their token-like parts and the password
// should an answer quote them (the services' own errors may).
func (a *apprise) mask(s string) string {
	for _, u := range channel.SplitList(a.urls) {
		s = strings.ReplaceAll(s, u, "<url>")
		for _, part := range strings.FieldsFunc(u, func(r rune) bool { return strings.ContainsRune(":/@?&=#,", r) }) {
			if redact.TokenLike(part) {
				s = strings.ReplaceAll(s, part, "<token>")
			}
		}
	}
	if a.password != "" {
		s = strings.ReplaceAll(s, a.password, "<password>")
	}
	return s
}
