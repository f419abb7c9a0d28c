// Package pushme sends messages through PushMe (push.i-i.me): a form POST
// with push_key, title, content and type to the official server or a
// self-hosted PushMe Server, which answers the text "success".
//
// PushMe documents no length or rate limit.
package pushme

import (
	"context"
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
	ID = "pushme"
	// DefaultAPI is PushMe's official push URL.
	DefaultAPI = "https://push.i-i.me"
	// OK is PushMe's whole answer to a message it took.
	OK = "success"
)

const doc = "https://push.i-i.me/docs/index"

// Kind is the PushMe channel kind.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "PushMe",
	DocURL: doc,
	Badge:  channel.Badge{Text: "PM", Color: color.NRGBA{0x46, 0xBC, 0x99, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "key",
			Aliases:  []string{"push_key"},
			Env:      "PUSHME_KEY",
			Label:    "Push key",
			Help:     "The push_key shown in the PushMe app; several keys separated by commas send to each.",
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

// apiField is the push URL, as qinglong's PUSHME_URL holds it.
func apiField() channel.Field {
	f := channel.APIField(DefaultAPI)
	f.Aliases = []string{"server"}
	f.Env = "PUSHME_URL"
	f.Help = "Where messages are posted. Change it only for a self-hosted PushMe Server (http://127.0.0.1:3010); default " + DefaultAPI + "."
	return f
}

// validateKey accepts keys of letters, digits, - and _, comma-separated;
// it never quotes the value.
func validateKey(v string) error {
	for _, k := range strings.Split(v, ",") {
		if k == "" {
			return i18n.New("field.pushme.key")
		}
		for _, r := range k {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return i18n.New("field.pushme.key")
			}
		}
	}
	return nil
}

// Endpoint is the URL a server setting posts to: the setting itself, with
// "/" for a bare host.
func Endpoint(api string) string {
	if u, err := url.Parse(api); err == nil && u.Path == "" {
		return api + "/"
	}
	return api
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &pushMe{client: client, endpoint: Endpoint(c.String("api")), key: c.String("key")}, nil
}

type pushMe struct {
	client   *http.Client
	endpoint string
	key      string
}

// Render returns the form for m without the key: type markdown for
// Markdown messages and text otherwise, the picture shown or linked.
func Render(m message.Message) url.Values {
	typ, content := "text", m.Body
	if m.Markdown {
		typ = "markdown"
	}
	if pic := m.PictureURL; pic != "" {
		if m.Markdown {
			pic = "![](" + strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29").Replace(pic) + ")"
			content = strings.TrimSuffix(pic+"\n\n"+content, "\n\n")
		} else {
			content = strings.TrimPrefix(content+"\n\n"+pic, "\n\n")
		}
	}
	form := url.Values{"type": {typ}}
	if strings.TrimSpace(m.Title) != "" {
		form.Set("title", m.Title)
	}
	if strings.TrimSpace(content) != "" {
		form.Set("content", content)
	}
	return form
}

func (p *pushMe) Send(ctx context.Context, m message.Message) error {
	form := Render(m)
	if !form.Has("title") && !form.Has("content") {
		// PushMe refuses a message without title and content.
		return channel.Permanent(ID, "the message is empty: nothing to send")
	}
	form.Set("push_key", p.key)
	resp, body, err := channel.PostForm(ctx, p.client, ID, p.endpoint, form, nil)
	if err != nil {
		return err
	}
	return readAnswer(resp, channel.Scrub(body, p.key))
}

// readAnswer accepts only PushMe's "success"; anything else is the
// server's reason, a proxy's page or an unknown answer.
func readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(ID, resp, body)
	}
	text := strings.TrimSpace(string(body))
	switch {
	case text == OK:
		return nil
	case text == "":
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "empty answer, want " + OK}
	case strings.Contains(text, "push_key"):
		// "非法push_key!" and "Push failed, empty push_key!".
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: channel.Excerpt(body) + " (the push key is wrong: copy it again from the PushMe app, and check the server setting)"}
	}
	return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: channel.Excerpt(body)}
}
