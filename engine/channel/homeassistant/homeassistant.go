// Package homeassistant sends notifications through a Home Assistant
// server's REST API: POST {server}/api/services/{domain}/{service} with a
// long-lived access token, to a notify service (notify.<name>: the mobile
// app, e-mail, …) or as a persistent notification in the web UI.
package homeassistant

import (
	"context"
	"encoding/json"
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

const (
	// ID is the kind id.
	ID     = "homeassistant"
	docAPI = "https://developers.home-assistant.io/docs/api/rest/"
	// Persistent is the default service: a notification in Home
	// Assistant's own UI, the action persistent_notification.create.
	Persistent = "persistent_notification"
)

// Limits. A persistent notification has none Home Assistant documents;
// notify services mostly relay to push services whose payloads hold 4 KB
// (APNs, FCM), so their messages are cut (head and tail kept) to fit.
const (
	MaxPersistent = 64 << 10
	MaxNotify     = 3500
	MaxTitle      = 256
)

var (
	serviceRe = regexp.MustCompile(`^[a-z0-9_]+$`)
	tokenRe   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// Kind is the Home Assistant channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Home Assistant",
	DocURL: "https://www.home-assistant.io/integrations/notify/",
	Badge:  channel.Badge{Text: "HA", Color: color.NRGBA{0x18, 0xBC, 0xF2, 0xFF}},
	Fields: []channel.Field{
		{
			Key: "server", Aliases: []string{"url", "host"},
			Label:  "Server URL",
			Help:   "Your Home Assistant's address as opened in the browser, like http://homeassistant.local:8123 or your Nabu Casa URL.",
			DocURL: docAPI,
			Type:   channel.TypeURL, Required: true,
			Validate: validateServer,
		},
		{
			Key: "token", Aliases: []string{"access_token", "long_lived_token"},
			Label:  "Long-lived access token",
			Help:   "Create one in Home Assistant: your profile → Security → Long-lived access tokens → Create token.",
			DocURL: "https://developers.home-assistant.io/docs/auth_api/#long-lived-access-token",
			Type:   channel.TypeString, Required: true, Secret: true,
			Validate: channel.Matching(tokenRe, "field.homeassistant.token"),
		},
		{
			Key: "service", Aliases: []string{"notify_service"},
			Label:    "Notify service",
			Help:     "persistent_notification shows the message in Home Assistant's notifications; a notify service like mobile_app_my_phone (notify.mobile_app_my_phone) sends it on. Developer tools → Actions lists them.",
			DocURL:   "https://www.home-assistant.io/integrations/notify/",
			Type:     channel.TypeString,
			Default:  Persistent,
			Validate: validateService,
		},
		{
			Key:    "data",
			Label:  "Extra data",
			Help:   `Optional JSON object sent as the notify service's data, like {"push": {"sound": "default"}} for the mobile app. Not for persistent_notification.`,
			DocURL: "https://companion.home-assistant.io/docs/notifications/notifications-basic",
			Type:   channel.TypeJSON,
		},
		channel.ProxyField(),
	},
	Check: func(c channel.Config) error {
		if c.String("data") != "" && serviceName(c.String("service")) == Persistent {
			return channel.NewFieldError("data", i18n.New("field.homeassistant.data_persistent"))
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
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(u.Path+"/", "/api/") {
		return i18n.New("field.homeassistant.server")
	}
	return nil
}

func validateService(v string) error {
	if !serviceRe.MatchString(serviceName(v)) {
		return i18n.New("field.homeassistant.service")
	}
	return nil
}

// serviceName strips the notify. domain a user may copy with the name.
func serviceName(v string) string { return strings.TrimPrefix(strings.TrimSpace(v), "notify.") }

// Hints Herald adds to the answers it explains.
var (
	hintToken     = channel.NewHint("hint.homeassistant.token")
	hintService   = channel.NewHint("hint.homeassistant.service")
	hintServerURL = channel.NewHint("hint.server_url")
	hintNotHA     = channel.NewHint("hint.homeassistant.not_ha")
)

type homeassistant struct {
	client     *http.Client
	endpoint   string
	token      string
	persistent bool
	data       json.RawMessage
	now        func() time.Time
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	name := serviceName(c.String("service"))
	if name == "" {
		name = Persistent
	}
	h := &homeassistant{client: client, token: c.String("token"), now: deps.Clock()}
	base := strings.TrimRight(c.String("server"), "/") + "/api/services/"
	if name == Persistent {
		// persistent_notification.create, not the notify platform of the
		// same name: it is there on every Home Assistant.
		h.endpoint, h.persistent = base+"persistent_notification/create", true
	} else {
		h.endpoint = base + "notify/" + name
	}
	if d := c.String("data"); d != "" {
		h.data = json.RawMessage(d)
	}
	return h, nil
}

// Request is the service data Herald sends.
type Request struct {
	Title   string          `json:"title,omitempty"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (h *homeassistant) render(m message.Message) Request {
	r := Request{Title: message.TruncateBytes(strings.TrimSpace(m.Title), MaxTitle), Data: h.data}
	text := strings.TrimRight(m.Body, " \t\r\n")
	if strings.TrimSpace(text) == "" {
		// A message is required; a title alone becomes it.
		text, r.Title = r.Title, ""
	}
	if text == "" {
		text = "Herald"
	}
	limit := MaxNotify
	if h.persistent {
		// The web UI renders a persistent notification as Markdown; plain
		// text keeps its line breaks only as a Markdown hard break.
		limit = MaxPersistent
		if !m.Markdown {
			text = strings.ReplaceAll(text, "\n", "  \n")
		}
	}
	r.Message = message.TruncateBytes(text, limit)
	return r
}

// Send calls the service with m.
func (h *homeassistant) Send(ctx context.Context, m message.Message) error {
	resp, body, err := channel.PostJSON(ctx, h.client, ID, h.endpoint, h.render(m), http.Header{"Authorization": {"Bearer " + h.token}})
	if err != nil {
		return err
	}
	body = channel.Scrub(body, h.token)
	if resp.StatusCode/100 == 2 {
		// The states the call changed: a JSON array.
		var states []json.RawMessage
		if err := json.Unmarshal(body, &states); err != nil {
			return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer: " + channel.Excerpt(body) + hintNotHA.Suffix()}
		}
		return nil
	}
	return h.failure(resp, body)
}

// failure explains a refusal: 401 is the token; 400 is Home Assistant's
// answer for a service it does not have or data its schema refuses; 404
// is a URL that is no Home Assistant API; 5xx (the service failed) may
// pass.
func (h *homeassistant) failure(resp *http.Response, body []byte) error {
	e := channel.StatusError(ID, resp, body)
	var msg struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &msg) == nil && msg.Message != "" {
		e.Msg = msg.Message
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Msg += hintToken.Suffix()
	case http.StatusBadRequest:
		e.Msg += hintService.Suffix()
	case http.StatusNotFound:
		e.Msg += hintServerURL.Suffix()
	}
	if e.Transient {
		e.RetryAfter = channel.WaitHint(resp, h.now)
	}
	return e
}
