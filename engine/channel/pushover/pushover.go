// Package pushover sends messages with Pushover's Message API: POST
// /1/messages.json, form-encoded, with an application token and a user or
// group key (https://pushover.net/api).
package pushover

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "pushover"
	// DefaultAPI is Pushover's own server.
	DefaultAPI = "https://api.pushover.net"
	docAPI     = "https://pushover.net/api"
)

// Limits from the API's "Message Limitations": characters, not bytes.
const (
	MaxMessage  = 1024
	MaxTitle    = 250
	MaxURL      = 512
	MaxURLTitle = 100
	MaxDevice   = 25
)

// Emergency priority (2) bounds: Pushover refuses a retry under 30 s and an
// expire over 3 hours.
const (
	MinRetry  = 30
	MaxExpire = 10800
	// ServerErrorWait is the least wait after a 5xx: the API asks clients
	// not to retry more often than every 5 seconds.
	ServerErrorWait = 5 * time.Second
)

// fallbackText is sent when a message has neither title nor body: Pushover
// requires a message.
const fallbackText = "Herald"

var (
	keyRe    = regexp.MustCompile(`^[A-Za-z0-9]{30}$`)
	deviceRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,25}$`)
	soundRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)
)

// Kind is the Pushover channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Pushover",
	DocURL: docAPI,
	Badge:  channel.Badge{Text: "PO", Color: color.NRGBA{0x24, 0x9D, 0xF1, 0xFF}},
	Fields: []channel.Field{
		{
			Key: "token", Aliases: []string{"app_token", "api_token"},
			Label:  "App token",
			Help:   "Your application's API token (30 letters and digits): on pushover.net create an application under Your Applications and copy its API Token/Key.",
			DocURL: "https://pushover.net/apps/build",
			Type:   channel.TypeString, Required: true, Secret: true,
			Validate: channel.Matching(keyRe, "field.pushover.token"),
		},
		{
			Key: "user", Aliases: []string{"user_key", "group_key"},
			Label:  "User or group key",
			Help:   "Your user key (30 letters and digits) shown on the pushover.net dashboard after logging in, or a delivery group's key.",
			DocURL: "https://pushover.net/api#identifiers",
			Type:   channel.TypeString, Required: true,
			Validate: channel.Matching(keyRe, "field.pushover.user"),
		},
		{
			Key: "device", Aliases: []string{"devices"},
			Label:    "Devices",
			Help:     "Optional device names to send to, separated by commas; empty sends to all of the user's devices.",
			DocURL:   "https://pushover.net/api#identifiers",
			Type:     channel.TypeList,
			Validate: validateDevices,
		},
		{
			Key:      "priority",
			Label:    "Priority",
			Help:     "-2 no notification, -1 quiet, 0 normal, 1 high (bypasses quiet hours), 2 emergency (repeats until acknowledged, see retry and expire).",
			DocURL:   "https://pushover.net/api#priority",
			Type:     channel.TypeInt,
			Default:  "0",
			Validate: intRange(-2, 2, "field.pushover.priority"),
		},
		{
			Key:      "retry",
			Label:    "Emergency retry (s)",
			Help:     "For priority 2: how often, in seconds, Pushover repeats the notification until it is acknowledged; at least 30.",
			DocURL:   "https://pushover.net/api#priority",
			Type:     channel.TypeInt,
			Default:  "60",
			Validate: intRange(MinRetry, MaxExpire, "field.pushover.retry"),
		},
		{
			Key:      "expire",
			Label:    "Emergency expiry (s)",
			Help:     "For priority 2: how long, in seconds, Pushover keeps repeating an unacknowledged notification; at most 10800 (3 hours).",
			DocURL:   "https://pushover.net/api#priority",
			Type:     channel.TypeInt,
			Default:  "3600",
			Validate: intRange(1, MaxExpire, "field.pushover.expire"),
		},
		{
			Key:      "sound",
			Label:    "Sound",
			Help:     "Optional sound name (pushover, bike, siren, none, … or one of your custom sounds); empty uses the user's default.",
			DocURL:   "https://pushover.net/api#sounds",
			Type:     channel.TypeString,
			Validate: channel.Matching(soundRe, "field.pushover.sound"),
		},
		{
			Key:      "url",
			Label:    "Link",
			Help:     "Optional supplementary URL shown with every message (at most 512 characters).",
			DocURL:   "https://pushover.net/api#urls",
			Type:     channel.TypeString,
			Validate: validateURL,
		},
		{
			Key:      "url_title",
			Label:    "Link title",
			Help:     "Optional text shown for the link instead of the URL (at most 100 characters).",
			DocURL:   "https://pushover.net/api#urls",
			Type:     channel.TypeString,
			Validate: maxChars(MaxURLTitle, "field.pushover.url_title"),
		},
		{
			Key:      "ttl",
			Label:    "Time to live (s)",
			Help:     "Optional: seconds after which Pushover deletes the message from the devices. Ignored for priority 2.",
			DocURL:   "https://pushover.net/api#ttl",
			Type:     channel.TypeInt,
			Validate: intRange(1, 1<<31-1, "field.pushover.ttl"),
		},
		channel.APIField(DefaultAPI),
		channel.ProxyField(),
	},
	Check: func(c channel.Config) error {
		if c.String("url_title") != "" && c.String("url") == "" {
			return channel.NewFieldError("url_title", i18n.New("field.pushover.url_title_alone"))
		}
		return nil
	},
	Open: open,
}

func intRange(lo, hi int, key string) func(string) error {
	return func(v string) error {
		if n, _ := strconv.Atoi(v); n < lo || n > hi {
			return i18n.New(key, "Value", v)
		}
		return nil
	}
}

func maxChars(limit int, key string) func(string) error {
	return func(v string) error {
		if utf8.RuneCountInString(v) > limit {
			return i18n.New(key)
		}
		return nil
	}
}

func validateDevices(v string) error {
	for _, d := range channel.SplitList(v) {
		if !deviceRe.MatchString(d) {
			return i18n.New("field.pushover.device", "Value", strconv.Quote(d))
		}
	}
	return nil
}

func validateURL(v string) error {
	if err := channel.CheckLink("https://example.com/status")(v); err != nil {
		return err
	}
	return maxChars(MaxURL, "field.pushover.url_long")(v)
}

// Hints Herald adds to the answers it explains.
var (
	hintToken = channel.NewHint("hint.pushover.token")
	hintUser  = channel.NewHint("hint.pushover.user")
	hintQuota = channel.NewHint("hint.pushover.quota")
)

type pushover struct {
	client   *http.Client
	endpoint string
	form     url.Values // the settings' parameters, the same for every message
	token    string
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &pushover{
		client:   client,
		endpoint: strings.TrimRight(c.String("api"), "/") + "/1/messages.json",
		form:     settingsForm(c),
		token:    c.String("token"),
		now:      deps.Clock(),
	}, nil
}

// settingsForm holds the parameters the settings give; the emergency
// parameters only go with priority 2, the only one Pushover reads them for.
func settingsForm(c channel.Config) url.Values {
	f := url.Values{"token": {c.String("token")}, "user": {c.String("user")}}
	if d := c.List("device"); len(d) > 0 {
		f.Set("device", strings.Join(d, ","))
	}
	p := c.Int("priority")
	if p != 0 {
		f.Set("priority", strconv.Itoa(p))
	}
	if p == 2 {
		f.Set("retry", c.String("retry"))
		f.Set("expire", c.String("expire"))
	} else if ttl := c.String("ttl"); ttl != "" {
		f.Set("ttl", ttl)
	}
	for _, k := range []string{"sound", "url", "url_title"} {
		if v := c.String(k); v != "" {
			f.Set(k, v)
		}
	}
	return f
}

// render returns the form for m. A long message is cut keeping its head and
// tail rather than split: each part would be a notification of its own, out
// of order on the phone, and count against the app's monthly quota.
func (p *pushover) render(m message.Message) url.Values {
	f := url.Values{}
	for k, v := range p.form {
		f[k] = v
	}
	title := strings.TrimSpace(m.Title)
	body := strings.TrimRight(m.Body, " \t\r\n")
	markdown := m.Markdown
	if strings.TrimSpace(body) == "" {
		// Pushover requires a message; without a title it shows the app's
		// name instead.
		body, title, markdown = title, "", false
	}
	if body == "" {
		body = fallbackText
	}
	if title != "" {
		f.Set("title", message.TruncateRunes(title, MaxTitle))
	}
	if markdown {
		f.Set("html", "1")
		f.Set("message", fitHTML(body))
	} else {
		f.Set("message", message.TruncateRunes(body, MaxMessage))
	}
	return f
}

// fitHTML renders Markdown as Pushover's HTML, cutting the source as little
// as needed for the result to be within the limit: escaping and tags make
// the rendered length known only after rendering.
func fitHTML(src string) string {
	fits := func(s string) bool { return utf8.RuneCountInString(s) <= MaxMessage }
	if out := MarkdownHTML(src); fits(out) {
		return out
	}
	best := ""
	for lo, hi := 0, min(utf8.RuneCountInString(src), MaxMessage)-1; lo <= hi; {
		mid := (lo + hi) / 2
		if out := MarkdownHTML(message.TruncateRunes(src, mid)); fits(out) {
			best, lo = out, mid+1
		} else {
			hi = mid - 1
		}
	}
	return best
}

// Send posts m as one message.
func (p *pushover) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostForm(ctx, p.client, ID, p.endpoint, p.render(m), nil)
	if err != nil {
		return err
	}
	return p.readAnswer(resp, channel.Scrub(body, p.token))
}

// answer is Pushover's reply: status 1 on success; otherwise errors lists
// what was wrong and the offending parameter is set to "invalid".
type answer struct {
	Status  *int     `json:"status"`
	Errors  []string `json:"errors"`
	Token   string   `json:"token"`
	User    string   `json:"user"`
	Request string   `json:"request"`
}

func (p *pushover) readAnswer(resp *http.Response, body []byte) error {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || a.Status == nil {
		e := channel.StatusError(ID, resp, body)
		if resp.StatusCode/100 == 2 {
			e.Msg = "unexpected answer (no status): " + channel.Excerpt(body)
		}
		return p.classify(resp, e)
	}
	if resp.StatusCode/100 == 2 && *a.Status == 1 {
		return nil
	}
	msg := strings.Join(a.Errors, "; ")
	if msg == "" {
		msg = "status " + strconv.Itoa(*a.Status) + ", no errors given"
	}
	e := &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: msg}
	switch {
	case a.Token == "invalid":
		e.Msg += hintToken.Suffix()
	case a.User == "invalid":
		e.Msg += hintUser.Suffix()
	}
	return p.classify(resp, e)
}

// classify sets transience by status: 4xx refusals are final (Pushover
// asks clients not to repeat them), 429 waits for the quota's reset, 5xx
// waits at least ServerErrorWait.
func (p *pushover) classify(resp *http.Response, e *channel.Error) *channel.Error {
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Transient = true
		e.Msg += hintQuota.Suffix()
		e.RetryAfter = p.untilReset(resp)
	case resp.StatusCode >= 500:
		e.Transient = true
		e.RetryAfter = max(channel.WaitHint(resp, p.now), ServerErrorWait)
	default:
		e.Transient, e.RetryAfter = false, 0
	}
	return e
}

// untilReset reads X-Limit-App-Reset, the Unix time the monthly quota is
// renewed.
func (p *pushover) untilReset(resp *http.Response) time.Duration {
	sec, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get("X-Limit-App-Reset")), 10, 64)
	if err != nil {
		return channel.WaitHint(resp, p.now)
	}
	if d := time.Unix(sec, 0).Sub(p.now()); d > 0 {
		return d
	}
	return 0
}
