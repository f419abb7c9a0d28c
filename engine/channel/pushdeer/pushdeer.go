// Package pushdeer sends messages through PushDeer (easychen/pushdeer):
// POST {server}/message/push with a PushKey, to the official server or a
// self-hosted one.
//
// PushDeer documents no length or rate limit; its answer lists one result
// per device of the key, each the push gateway's own answer as a JSON
// string, so a key without devices or whose every device failed is an
// error even though the code is 0.
package pushdeer

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	// ID is the kind id.
	ID = "pushdeer"
	// DefaultAPI is PushDeer's official API server.
	DefaultAPI = "https://api2.pushdeer.com"
	// PushPath is the push endpoint under the server.
	PushPath = "/message/push"
)

const doc = "https://www.pushdeer.com/official.html"

// fallbackText stands in for a message with only a picture: PushDeer
// requires text.
const fallbackText = "Herald"

// Kind is the PushDeer channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "PushDeer",
	DocURL: doc,
	Badge:  channel.Badge{Text: "PD", Color: color.NRGBA{0x8D, 0x6E, 0x63, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "key",
			Aliases:  []string{"pushkey"},
			Env:      "DEER_KEY",
			Label:    "PushKey",
			Help:     "The key made in the PushDeer app's Key tab (starts with PDU).",
			DocURL:   doc,
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
			Validate: validateKey,
		},
		apiField(),
		channel.ProxyField(),
	},
	Open: open,
}

// apiField is the server: qinglong's DEER_URL holds the whole push URL,
// which open accepts as well as the base.
func apiField() channel.Field {
	f := channel.APIField(DefaultAPI)
	f.Aliases = []string{"server"}
	f.Env = "DEER_URL"
	f.Help = "PushDeer's server. Change it only for a self-hosted server (http://host:8800); the whole push URL (…/message/push) is accepted too. Default " + DefaultAPI + "."
	return f
}

// validateKey accepts a key of letters and digits, as PushDeer makes them;
// it never quotes the value.
func validateKey(v string) error {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return i18n.New("field.pushdeer.key")
		}
	}
	return nil
}

// Endpoint is the push URL of a server setting: a base, or the push URL
// itself as qinglong's DEER_URL holds it.
func Endpoint(api string) string {
	base := strings.TrimSuffix(strings.TrimRight(api, "/"), PushPath)
	return strings.TrimRight(base, "/") + PushPath
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &deer{client: client, endpoint: Endpoint(c.String("api")), key: c.String("key")}, nil
}

type deer struct {
	client   *http.Client
	endpoint string
	key      string
}

// Render returns the form fields for m: text is the notification's title
// (the body's first line when m has none), desp the body, type markdown
// only for Markdown messages so plain text keeps its characters.
func Render(m message.Message) url.Values {
	text := strings.TrimSpace(m.Title)
	if text == "" {
		text = message.FirstLine(m.Body)
	}
	if text == "" {
		text = fallbackText
	}
	typ, desp := "text", m.Body
	if m.Markdown {
		typ = "markdown"
	}
	if m.PictureURL != "" {
		desp = withPicture(desp, m.PictureURL, m.Markdown)
	}
	form := url.Values{"pushkey": {""}, "text": {text}, "type": {typ}}
	if desp != "" {
		form.Set("desp", desp)
	}
	return form
}

// withPicture shows a picture in Markdown and links it in text.
func withPicture(body, pic string, markdown bool) string {
	if markdown {
		pic = "![](" + strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29").Replace(pic) + ")"
		return strings.TrimSuffix(pic+"\n\n"+body, "\n\n")
	}
	return strings.TrimPrefix(body+"\n\n"+pic, "\n\n")
}

func (d *deer) Send(ctx context.Context, m message.Message) error {
	if m.Title == "" && m.Body == "" && m.PictureURL == "" {
		return channel.Permanent(ID, "the message is empty: nothing to send")
	}
	form := Render(m)
	form.Set("pushkey", d.key)
	resp, body, err := channel.PostForm(ctx, d.client, ID, d.endpoint, form, nil)
	if err != nil {
		return err
	}
	return readAnswer(resp, channel.Scrub(body, d.key))
}

// answer is PushDeer's reply: {code, content: {result}} or, for an error,
// {code, error}. code is a pointer so JSON without it is not success.
type answer struct {
	Code    *json.Number `json:"code"`
	Error   string       `json:"error"`
	Content struct {
		Result json.RawMessage `json:"result"`
	} `json:"content"`
}

func readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(ID, resp, body)
	}
	var a answer
	if err := channel.DecodeJSON(ID, resp, body, &a); err != nil {
		return err
	}
	if a.Code == nil {
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no code): " + channel.Excerpt(body)}
	}
	if code := a.Code.String(); code != "0" {
		return codeError(code, a.Error)
	}
	return readResult(a.Content.Result)
}

// codeError classifies PushDeer's error codes (ErrorCode in its API):
// 80502 is a failure of a service PushDeer calls; 80501 (bad arguments)
// and 80403 (not allowed) need the request or the key changed.
func codeError(code, msg string) *channel.Error {
	switch code {
	case "80502":
		return channel.ServiceError(ID, code, msg, true)
	case "80403":
		return channel.ServiceError(ID, code, msg+" (PushDeer refused the key: copy it again from the app's Key tab)", false)
	}
	return channel.ServiceError(ID, code, msg, false)
}

// readResult checks content.result: false for a key the server does not
// know, else one gateway answer per device; the message counts as sent
// when any device took it.
func readResult(raw json.RawMessage) error {
	var devices []json.RawMessage
	if err := json.Unmarshal(raw, &devices); err != nil {
		if strings.TrimSpace(string(raw)) == "false" {
			return channel.Permanent(ID, "the PushKey is unknown to the server: copy it again from the PushDeer app's Key tab, or check the server setting")
		}
		return channel.Permanent(ID, "unexpected answer (result is not a list): %s", channel.Excerpt(raw))
	}
	if len(devices) == 0 {
		return channel.Permanent(ID, "no device is signed in for this key: open the PushDeer app on a phone and sign in")
	}
	var first string
	for _, dev := range devices {
		problem := deviceProblem(dev)
		if problem == "" {
			return nil
		}
		if first == "" {
			first = problem
		}
	}
	return channel.Permanent(ID, "every device failed (%d): %s", len(devices), first)
}

// gatewayAnswer is what PushDeer's push gateway (gorush) answers for a
// device: success "ok" and log entries for the pushes that failed.
type gatewayAnswer struct {
	Success string            `json:"success"`
	Logs    []json.RawMessage `json:"logs"`
}

type gatewayLog struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// deviceProblem says why a device's push failed, "" when it went out. An
// entry is the gateway's answer as a JSON string (or, from some servers,
// as an object).
func deviceProblem(dev json.RawMessage) string {
	var s string
	if json.Unmarshal(dev, &s) == nil {
		dev = json.RawMessage(s)
	}
	var g gatewayAnswer
	if err := json.Unmarshal(dev, &g); err != nil {
		return "unreadable device answer: " + channel.Excerpt(dev)
	}
	for _, l := range g.Logs {
		var e gatewayLog
		if json.Unmarshal(l, &e) == nil && e.Error != "" {
			return e.Error
		}
	}
	if g.Success != "" && g.Success != "ok" {
		return g.Success
	}
	return ""
}
