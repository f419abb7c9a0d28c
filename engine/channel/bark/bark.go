// Package bark sends messages to iPhones through Bark (bark.day.app or a
// self-hosted bark-server) with its V2 JSON API, POST {server}/push.
package bark

import (
	"context"
	"encoding/json"
	"errors"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const kindID = "bark"

// DefaultServer is the public Bark server, used for a bare device key.
const DefaultServer = "https://api.day.app"

// Size limits. bark-server turns a push into an APNs payload, and APNs
// refuses payloads over 4096 bytes (bark-server then answers 500 "push
// failed: PayloadTooLarge"). Herald models that payload (see apnsPayload) and
// keeps it within PayloadBudget: the 512 bytes left cover what the model does
// not know, such as fields a newer or forked server adds.
const (
	APNsMax       = 4096
	PayloadBudget = APNsMax - 512
	// MaxTitle keeps a runaway title from eating the body's room.
	MaxTitle = 512
)

// Levels are Bark's interruption levels.
var Levels = []string{"active", "timeSensitive", "passive", "critical"}

var (
	deviceKeyRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	soundRe     = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// Kind is the Bark channel kind.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "Bark",
	DocURL: "https://bark.day.app/#/en-us/tutorial",
	Badge:  channel.Badge{Text: "B", Color: color.NRGBA{0xE5, 0x39, 0x35, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "url",
			Env:      "BARK_PUSH",
			Aliases:  []string{"BarkUrl"},
			Label:    "Bark URL",
			Help:     "The push URL shown in the Bark app: https://api.day.app/DEVICEKEY, or http://bark.example.com/DEVICEKEY for a self-hosted server (add user:password@ before the host if it uses basic auth). The device key alone also works.",
			DocURL:   "https://bark.day.app/#/en-us/tutorial",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true, // the device key is all it takes to push to the phone
			Validate: func(v string) error {
				_, _, err := ParseURL(v)
				return err
			},
		},
		{
			Key:    "group",
			Env:    "BARK_GROUP",
			Label:  "Group",
			Help:   "Optional group name: notifications of one group are stacked together and can be filtered in the app's history.",
			DocURL: "https://bark.day.app/#/en-us/tutorial",
			Type:   channel.TypeString,
		},
		{
			Key:      "sound",
			Env:      "BARK_SOUND",
			Label:    "Sound",
			Help:     "Optional ringtone from the sound list in the Bark app, e.g. minuet or alarm.",
			DocURL:   "https://github.com/Finb/Bark/tree/master/Sounds",
			Type:     channel.TypeString,
			Validate: channel.Matching(soundRe, "field.bark.sound"),
		},
		{
			Key:     "level",
			Env:     "BARK_LEVEL",
			Label:   "Interruption level",
			Help:    "active lights up the screen, timeSensitive shows even in a Focus mode, passive only adds it to the list, critical rings even when muted. Empty: errors go out as timeSensitive, the rest as the app's default (active).",
			DocURL:  "https://bark.day.app/#/en-us/tutorial",
			Type:    channel.TypeChoice,
			Choices: Levels,
		},
		{
			Key:    "icon",
			Env:    "BARK_ICON",
			Label:  "Icon URL",
			Help:   "Optional picture replacing the Bark icon on the notification (iOS 15 or later); the app caches it.",
			DocURL: "https://bark.day.app/#/en-us/tutorial",
			Type:   channel.TypeURL,
		},
		{
			Key:      "click_url",
			Env:      "BARK_URL",
			Label:    "Link on tap",
			Help:     "Optional URL opened when the notification is tapped: a web page or an app's URL scheme.",
			DocURL:   "https://bark.day.app/#/en-us/tutorial",
			Type:     channel.TypeString,
			Validate: channel.CheckLink("https://example.com/status", "shortcuts://"),
		},
		{
			Key:    "archive",
			Label:  "Save in history",
			Help:   "Whether the Bark app keeps the notification in its history. Empty: the app's own setting decides.",
			DocURL: "https://bark.day.app/#/en-us/tutorial",
			Type:   channel.TypeBool,
		},
		{
			Key:   "api",
			Label: "Server URL",
			Help:  "Optional: the Bark server to push through instead of the one in the Bark URL, e.g. https://bark.example.com. Leave empty normally.",
			Type:  channel.TypeURL,
		},
		channel.ProxyField(),
	},
	QDFields:  1,
	PackedEnv: &channel.PackedEnv{Vars: []string{envArchive}, Unpack: unpackArchive, Pack: packArchive},
	Open:      open,
}

// envArchive is qinglong's BARK_ARCHIVE, which notify.py sends as Bark's
// isArchive as is: the app keeps a push on "1" only, so the bool field is
// packed rather than exported as "true".
const envArchive = "BARK_ARCHIVE"

func unpackArchive(vars, raw map[string]string) error {
	raw["archive"] = vars[envArchive] // the bool field reads 1 and 0
	return nil
}

func packArchive(c channel.Config, vars map[string]string) {
	if f := archiveFlag(c["archive"]); f != "" {
		vars[envArchive] = f
	}
}

// ParseURL splits a Bark URL ("https://api.day.app/KEY", a self-hosted
// "http://host[/prefix]/KEY", or a bare KEY) into the server base and the
// device key. Error texts never repeat the value: it is secret.
func ParseURL(v string) (server, key string, err error) {
	v = strings.TrimSpace(v)
	if !strings.ContainsAny(v, "/:") {
		if !deviceKeyRe.MatchString(v) {
			return "", "", i18n.New("field.bark.bare_key")
		}
		return DefaultServer, v, nil
	}
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, perr := url.Parse(v)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || channel.CheckHostName(u.Hostname()) != nil {
		return "", "", i18n.New("field.bark.url_form")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "", i18n.New("field.bark.url_query")
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	key = segs[len(segs)-1]
	switch {
	case key == "" || key == "push":
		return "", "", i18n.New("field.bark.no_key")
	case strings.EqualFold(u.Hostname(), "api.day.app") && len(segs) > 1:
		return "", "", i18n.New("field.bark.after_key")
	case !deviceKeyRe.MatchString(key):
		return "", "", i18n.New("field.bark.key_chars")
	}
	u.Path = "/" + strings.Join(segs[:len(segs)-1], "/")
	u.RawPath = ""
	return strings.TrimRight(u.String(), "/"), key, nil
}

type bark struct {
	client   *http.Client
	endpoint string
	key      string
	password string // of a basic-auth server URL; masked in error texts like the key
	group    string
	sound    string
	level    string
	icon     string
	clickURL string
	archive  string // "1", "0" or "" (the app's setting)
	now      func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	server, key, err := ParseURL(c.String("url"))
	if err != nil {
		return nil, channel.NewFieldError("url", err).In(kindID)
	}
	if api := c.String("api"); api != "" {
		server = strings.TrimRight(api, "/")
	}
	b := &bark{
		client:   client,
		endpoint: server + "/push",
		key:      key,
		group:    c.String("group"),
		sound:    c.String("sound"),
		level:    c.String("level"),
		icon:     c.String("icon"),
		clickURL: c.String("click_url"),
		archive:  archiveFlag(c.String("archive")),
		now:      deps.Clock(),
	}
	if u, err := url.Parse(server); err == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			b.password = pw
		}
	}
	return b, nil
}

// Request is the V2 push body; empty fields are omitted.
type Request struct {
	DeviceKey string `json:"device_key"`
	Title     string `json:"title,omitempty"`
	Body      string `json:"body,omitempty"`
	// Markdown replaces body: Bark's app docs list "markdown" as "push
	// content with basic Markdown; when this is provided, the body field is
	// ignored" (rendered by the app, bark-server passes it through).
	Markdown string `json:"markdown,omitempty"`
	Group    string `json:"group,omitempty"`
	Sound    string `json:"sound,omitempty"`
	Level    string `json:"level,omitempty"`
	Icon     string `json:"icon,omitempty"`
	Image    string `json:"image,omitempty"`
	URL      string `json:"url,omitempty"`
	// IsArchive is "1" to keep the push in the app's history, anything
	// else not to; omitted, the app's setting decides.
	IsArchive string `json:"isArchive,omitempty"`
}

// archiveFlag turns the archive field (a bool or empty) into Bark's
// isArchive value.
func archiveFlag(v string) string {
	switch v {
	case "true":
		return "1"
	case "false":
		return "0"
	}
	return ""
}

// render builds the push request for m, cutting the body (head and tail
// kept) so the APNs payload stays within PayloadBudget.
func (b *bark) render(m message.Message) (Request, error) {
	r := Request{
		DeviceKey: b.key,
		Title:     message.TruncateBytes(strings.TrimSpace(m.Title), MaxTitle),
		Group:     b.group,
		Sound:     b.sound,
		Level:     b.level,
		Icon:      b.icon,
		Image:     m.PictureURL,
		URL:       b.clickURL,
		IsArchive: b.archive,
	}
	if r.Level == "" && m.Level == message.LevelError {
		// A failure should reach the user in a Focus mode; timeSensitive does
		// that without critical's override of the mute switch, which the user
		// should choose deliberately.
		r.Level = "timeSensitive"
	}
	text := strings.TrimRight(m.Body, " \t\r\n")
	field := &r.Body
	if m.Markdown {
		field = &r.Markdown
	}
	size := func(t string) int {
		*field = t
		return len(apnsPayload(r))
	}
	if size("") > PayloadBudget {
		return r, channel.Permanent(kindID, "the notification exceeds Bark's %d-byte limit even without its body: shorten the group, icon or link", APNsMax)
	}
	if size(text) <= PayloadBudget {
		return r, nil
	}
	// JSON escaping makes some characters longer in the payload (< is six
	// bytes, a newline two), so search for the longest cut that fits; lo
	// always fits, hi never does.
	lo, hi := 0, len(text)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if size(message.TruncateBytes(text, mid)) <= PayloadBudget {
			lo = mid
		} else {
			hi = mid
		}
	}
	size(message.TruncateBytes(text, lo))
	return r, nil
}

// apnsPayload is the APNs payload bark-server builds from r (apns.Push in
// Finb/bark-server): the alert and sound in "aps", the group also as
// thread-id, every other field copied as a custom key.
func apnsPayload(r Request) []byte {
	alert := map[string]string{}
	if r.Title != "" {
		alert["title"] = r.Title
	}
	if r.Body != "" {
		alert["body"] = r.Body
	}
	if len(alert) == 0 {
		alert["body"] = "Empty Message" // bark-server's stand-in for an empty alert
	}
	sound := "1107"
	if r.Sound != "" {
		sound = strings.TrimSuffix(r.Sound, ".caf") + ".caf"
	}
	aps := map[string]any{"alert": alert, "category": "myNotificationCategory", "mutable-content": 1, "sound": sound}
	p := map[string]any{}
	for k, v := range map[string]string{"group": r.Group, "level": r.Level, "icon": r.Icon, "image": r.Image, "url": r.URL, "markdown": r.Markdown, "isarchive": r.IsArchive} {
		if v != "" {
			p[k] = v
		}
	}
	if r.Group != "" {
		aps["thread-id"] = r.Group
	}
	p["aps"] = aps
	data, _ := json.Marshal(p)
	return data
}

// Send pushes m to the device.
func (b *bark) Send(ctx context.Context, m message.Message) error {
	req, err := b.render(m)
	if err != nil {
		return err
	}
	resp, body, err := channel.PostJSON(ctx, b.client, kindID, b.endpoint, req, nil)
	if err != nil {
		return err
	}
	return b.readAnswer(resp, body)
}

// answer is bark-server's reply: {"code":200,"message":"success","timestamp":…}.
type answer struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// permanentAPNs are APNs reasons bark-server reports as 500 "push failed:
// …" that retrying cannot fix: the device token is gone or the payload is
// refused.
var permanentAPNs = []string{"BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic", "PayloadTooLarge", "BadTopic", "TopicDisallowed"}

// Hints Herald adds to the answers it explains.
var (
	hintBasicAuth   = channel.NewHint("hint.bark.basic_auth")
	hintUnknownKey  = channel.NewHint("hint.bark.unknown_key")
	hintReinstalled = channel.NewHint("hint.bark.reinstalled")
)

func (b *bark) readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode == http.StatusTeapot {
		// bark-server with basic auth answers unauthenticated requests so.
		return &channel.Error{Kind: kindID, Status: resp.StatusCode, Msg: b.mask(channel.Excerpt(body)) +
			hintBasicAuth.Suffix()}
	}
	var a answer
	if err := channel.DecodeJSON(kindID, resp, body, &a); err != nil {
		var e *channel.Error
		if errors.As(err, &e) {
			e.Msg = b.mask(e.Msg)
		}
		return err
	}
	if a.Code == http.StatusOK && resp.StatusCode/100 == 2 {
		return nil
	}
	code := a.Code
	if code == 0 {
		code = resp.StatusCode
	}
	msg := b.mask(a.Message)
	if msg == "" {
		msg = http.StatusText(code)
	}
	transient := code >= 500 || code == http.StatusTooManyRequests
	for _, reason := range permanentAPNs {
		if strings.Contains(msg, reason) {
			transient = false
		}
	}
	e := channel.ServiceError(kindID, code, msg, transient)
	e.Status = resp.StatusCode
	switch {
	case strings.Contains(msg, "failed to get device token"):
		e.Msg += hintUnknownKey.Suffix()
	case strings.Contains(msg, "BadDeviceToken"), strings.Contains(msg, "Unregistered"):
		e.Msg += hintReinstalled.Suffix()
	}
	if transient {
		e.RetryAfter = channel.WaitHint(resp, b.now)
	}
	return e
}

// mask hides the device key (bark-server echoes it in "failed to get [KEY]
// device token") and a basic-auth password.
func (b *bark) mask(s string) string {
	s = strings.ReplaceAll(s, b.key, "<device key>")
	if b.password != "" {
		s = strings.ReplaceAll(s, b.password, "<password>")
	}
	return s
}
