// Package serverchan sends messages through ServerChan (Server酱): Turbo
// SendKeys (SCT…) post to sctapi.ftqq.com, Server酱³ SendKeys (sctp<uid>t…)
// to <uid>.push.ft07.com.
package serverchan

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

// Limits from the Turbo API page (sct.ftqq.com): title ≤ 32 characters,
// desp ≤ 32 KB, short ≤ 64 characters.
const (
	TitleMax = 32
	DespMax  = 32 * 1024
	ShortMax = 64
)

// fallbackTitle is sent when a message has neither title nor body: the API
// refuses an empty title.
const fallbackTitle = "Herald"

var (
	sc3KeyRe   = regexp.MustCompile(`^sctp(\d+)t`)
	keyCharsRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	channelRe  = regexp.MustCompile(`^\d+(\|\d+)?$`)
)

// Kind is the ServerChan channel kind.
var Kind = &channel.Kind{
	ID:     "serverchan",
	Name:   "ServerChan (Server酱)",
	DocURL: "https://sct.ftqq.com/",
	Badge:  channel.Badge{Text: "S", Color: color.NRGBA{0x2E, 0x7D, 0x32, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "sendkey",
			Env:      "PUSH_KEY",
			Aliases:  []string{"skey", "SCKEY"},
			Label:    "SendKey",
			Help:     "Your SendKey from the SendKey page of Server酱 Turbo (starts with SCT) or Server酱³ (starts with sctp).",
			DocURL:   "https://sct.ftqq.com/sendkey",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: validateKey,
		},
		{
			Key:    "channel",
			Label:  "Message channels",
			Help:   "Optional (Turbo only): up to two message channel numbers separated by |, e.g. 9|66; empty uses the channels set on the website.",
			DocURL: "https://sct.ftqq.com/forward",
			Type:   channel.TypeString,
			Validate: func(v string) error {
				if !channelRe.MatchString(strings.ReplaceAll(v, " ", "")) {
					return i18n.New("field.serverchan.channel")
				}
				return nil
			},
		},
		{
			Key:     "noip",
			Label:   "Hide sender IP",
			Help:    "Turbo only: hide the IP address the message was sent from.",
			Type:    channel.TypeBool,
			Default: "false",
		},
		{
			Key:   "api",
			Label: "API base URL",
			Help: "Leave empty to use ServerChan's own servers. Set it only for a reverse proxy or a test server: " +
				"Turbo keys then post to {api}/{key}.send and Server酱³ keys to {api}/send/{key}.send.",
			Type: channel.TypeURL,
		},
		channel.ProxyField(),
	},
	QDFields: 1,
	Check: func(c channel.Config) error {
		if !isSC3(c.String("sendkey")) {
			return nil
		}
		if c.String("channel") != "" {
			return channel.NewFieldError("channel", i18n.New("field.serverchan.channel_turbo"))
		}
		if c.Bool("noip") {
			return channel.NewFieldError("noip", i18n.New("field.serverchan.noip_turbo"))
		}
		return nil
	},
	Open: open,
}

func validateKey(v string) error {
	switch {
	case strings.HasPrefix(v, "sctp"):
		if !sc3KeyRe.MatchString(v) {
			return i18n.New("field.serverchan.sc3_key")
		}
	case strings.HasPrefix(v, "SCU"):
		return i18n.New("field.serverchan.scu")
	case !strings.HasPrefix(v, "SCT"):
		return i18n.New("field.serverchan.prefix")
	}
	if !keyCharsRe.MatchString(v) {
		return i18n.New("field.serverchan.chars")
	}
	return nil
}

func isSC3(key string) bool { return sc3KeyRe.MatchString(key) }

// Endpoint returns the URL a key posts to; api overrides the host part.
func Endpoint(api, key string) string {
	api = strings.TrimRight(api, "/")
	if m := sc3KeyRe.FindStringSubmatch(key); m != nil {
		if api == "" {
			api = "https://" + m[1] + ".push.ft07.com"
		}
		return api + "/send/" + key + ".send"
	}
	if api == "" {
		api = "https://sctapi.ftqq.com"
	}
	return api + "/" + key + ".send"
}

type serverChan struct {
	client  *http.Client
	url     string
	channel string
	noip    bool
	now     func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &serverChan{
		client:  client,
		url:     Endpoint(c.String("api"), c.String("sendkey")),
		channel: strings.ReplaceAll(c.String("channel"), " ", ""),
		noip:    c.Bool("noip"),
		now:     deps.Clock(),
	}, nil
}

// request is the JSON body the API takes.
type request struct {
	Title   string `json:"title"`
	Desp    string `json:"desp,omitempty"`
	Short   string `json:"short,omitempty"`
	NoIP    int    `json:"noip,omitempty"`
	Channel string `json:"channel,omitempty"`
}

// Render builds the request body for m: the title is required by the API
// (the body's first line stands in when m has none) and cut to TitleMax;
// plain text goes in a code block so the Markdown renderer keeps its lines
// and characters, with a plain preview in short; desp is cut to DespMax
// keeping head and tail.
func Render(m message.Message) (title, desp, short string) {
	title = strings.Join(strings.Fields(m.Title), " ")
	if title == "" {
		title = message.FirstLine(m.Body)
	}
	if title == "" {
		title = fallbackTitle
	}
	title = cutRunes(title, TitleMax)

	var picture string
	if m.PictureURL != "" {
		picture = "\n\n![](" + markdownURL(m.PictureURL) + ")"
	}
	budget := DespMax - len(picture)
	body := m.Body
	switch {
	case body == "":
	case m.Markdown:
		desp = message.TruncateBytes(body, budget)
	default:
		fence := codeFence(body)
		desp = fence + "\n" + message.TruncateBytes(body, budget-2*len(fence)-2) + "\n" + fence
		short = cutRunes(strings.Join(strings.Fields(body), " "), ShortMax)
	}
	if picture != "" {
		desp = strings.TrimPrefix(desp+picture, "\n\n")
	}
	return title, desp, short
}

// codeFence returns a backtick fence longer than any backtick run in s, so
// the body cannot close the block early.
func codeFence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// markdownURL escapes the characters that would end a Markdown link target.
func markdownURL(u string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(u)
}

// cutRunes shortens s to at most n characters, marking the cut with "…".
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// answer is ServerChan's reply: {code, message, data}; data.errno has been
// seen on Turbo, and the classic API's top-level errno/errmsg still appears
// on some proxies.
type answer struct {
	Code    *json.Number    `json:"code"`
	Message string          `json:"message"`
	Info    string          `json:"info"`
	Errno   *json.Number    `json:"errno"`
	Errmsg  string          `json:"errmsg"`
	Data    json.RawMessage `json:"data"`
}

type answerData struct {
	Errno *json.Number `json:"errno"`
	Error string       `json:"error"`
}

func (s *serverChan) Send(ctx context.Context, m message.Message) error {
	title, desp, short := Render(m)
	req := request{Title: title, Desp: desp, Short: short, Channel: s.channel}
	if s.noip {
		req.NoIP = 1
	}
	resp, body, err := channel.PostJSON(ctx, s.client, Kind.ID, s.url, req, nil)
	if err != nil {
		return err
	}
	return s.readAnswer(resp, body)
}

func (s *serverChan) readAnswer(resp *http.Response, body []byte) error {
	var a answer
	jsonErr := json.Unmarshal(body, &a)
	// 5xx and 429 are worth retrying whatever the body says; keep the
	// service's words when it gave any.
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		e := channel.StatusError(Kind.ID, resp, body)
		if jsonErr == nil && a.msg() != "" {
			e.Msg = a.msg()
		}
		return e
	}
	if jsonErr != nil {
		return channel.DecodeJSON(Kind.ID, resp, body, &a)
	}
	code, msg := a.Code, a.msg()
	if code == nil {
		code, msg = a.Errno, a.Errmsg
	}
	if code == nil {
		if resp.StatusCode/100 != 2 {
			e := channel.StatusError(Kind.ID, resp, body)
			if a.msg() != "" {
				e.Msg = a.msg()
			}
			return e
		}
		return &channel.Error{Kind: Kind.ID, Status: resp.StatusCode, Msg: "unexpected answer (no code): " + channel.Excerpt(body)}
	}
	if code.String() != "0" {
		e := channel.ServiceError(Kind.ID, code.String(), msg, false)
		e.Status = resp.StatusCode
		if isDailyQuota(msg) {
			// The free plan allows a few messages a day and the count resets
			// at midnight Beijing time: retry then instead of dropping.
			e.Transient = true
			e.RetryAfter = untilBeijingMidnight(s.now())
			e.Msg += " (daily quota used up; retrying after midnight Beijing time)"
		}
		return e
	}
	var d answerData
	if len(a.Data) > 0 && json.Unmarshal(a.Data, &d) == nil && d.Errno != nil && d.Errno.String() != "0" {
		e := channel.ServiceError(Kind.ID, d.Errno.String(), d.Error, false)
		e.Status = resp.StatusCode
		return e
	}
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(Kind.ID, resp, body)
	}
	return nil
}

func (a answer) msg() string {
	if a.Message != "" {
		return a.Message
	}
	return a.Info
}

// isDailyQuota recognises the answer to the daily send limit, e.g.
// {"code":40001,"message":"[AUTH]超过当天的发送次数限制[5]"}; the code is
// the same as for a bad key, so only the words tell them apart.
func isDailyQuota(msg string) bool {
	return strings.Contains(msg, "超过当天") || strings.Contains(msg, "发送次数限制")
}

var beijing = time.FixedZone("CST", 8*60*60)

// untilBeijingMidnight is the wait until one minute past the next midnight
// in China Standard Time, when ServerChan's daily count starts again.
func untilBeijingMidnight(now time.Time) time.Duration {
	t := now.In(beijing)
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 1, 0, 0, beijing)
	return next.Sub(now)
}
