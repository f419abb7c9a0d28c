// Package mattermosttest is a fake Mattermost incoming webhook for tests.
// It checks each request as Mattermost documents it (JSON body, text
// required, the override fields and props.card, the post length) and
// answers as Mattermost does: 200 "ok", or an AppError JSON
// {"id", "message", "detailed_error", "request_id", "status_code"}.
package mattermosttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Key is the fake webhook's key; Locked makes it refuse other channels.
const Key = "x3n8bqk1ajfh5g7r9wz2c4d6ep"

// Channels the fake server has.
var Channels = []string{"town-square", "off-topic", "@alice"}

// MaxText is the server's post limit in characters.
const MaxText = 16383

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	Disabled = Answer{Status: 501, Body: appError("web.incoming_webhook.disabled.app_error", "Incoming webhooks have been disabled by the system admin.", 501)}
	TooMany  = Answer{Status: 429, Body: appError("api.context.rate_limit.app_error", "Too many requests.", 429), Header: http.Header{"Retry-After": {"4"}}}
)

// Accepted is one post the fake took.
type Accepted struct {
	Title     string // always "": the title is in Text
	Text      string
	Card      string
	Channel   string
	Username  string
	IconURL   string
	IconEmoji string
	Raw       map[string]any
}

// Server is the fake webhook; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
	// Locked: the webhook may post only in its own channel.
	Locked bool
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// WebhookURL is the webhook's URL on the fake.
func (s *Server) WebhookURL() string { return s.Server.URL + "/hooks/" + Key }

// Config returns raw settings pointing a mattermost channel at s.
func (s *Server) Config() map[string]string { return map[string]string{"url": s.WebhookURL()} }

func appError(id, msg string, status int) string {
	b, _ := json.Marshal(map[string]any{"id": id, "message": msg, "detailed_error": "", "request_id": "pd9q8k3rwbfxtm6a4jcy1zhs7e", "status_code": status})
	return string(b)
}

func fail(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, appError(id, msg, status))
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		fail(w, 405, "api.context.405.app_error", "Method not allowed.")
		return
	}
	if r.URL.Path != "/hooks/"+Key {
		fail(w, 400, "web.incoming_webhook.invalid.app_error", "Invalid webhook.")
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: the webhook takes none", r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		fail(w, 400, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || !utf8.Valid(body) {
		s.Violate("body is not a UTF-8 JSON object: %v", err)
		fail(w, 400, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.")
		return
	}
	acc, problem := parse(raw)
	if problem != "" {
		s.Violate("%s", problem)
		fail(w, 400, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.")
		return
	}
	if strings.TrimSpace(acc.Text) == "" {
		s.Violate("no text")
		fail(w, 400, "web.incoming_webhook.text.app_error", "No text specified.")
		return
	}
	if acc.Channel != "" && s.Locked {
		fail(w, 403, "web.incoming_webhook.channel_locked.app_error", "This webhook is not permitted to post to the requested channel.")
		return
	}
	if acc.Channel != "" && !slices.Contains(Channels, acc.Channel) {
		fail(w, 404, "web.incoming_webhook.channel.app_error", "Couldn't find the channel.")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json")
		return
	}
	acc.Raw = raw
	s.Accept(acc)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, "ok")
}

var known = []string{"text", "channel", "username", "icon_url", "icon_emoji", "attachments", "type", "props", "priority"}

func parse(raw map[string]any) (acc Accepted, problem string) {
	for k := range raw {
		if !slices.Contains(known, k) {
			return acc, fmt.Sprintf("unknown field %q", k)
		}
	}
	for k, dst := range map[string]*string{"text": &acc.Text, "channel": &acc.Channel, "username": &acc.Username, "icon_url": &acc.IconURL, "icon_emoji": &acc.IconEmoji} {
		v, given := raw[k]
		if !given {
			continue
		}
		s, ok := v.(string)
		if !ok || (k != "text" && s == "") {
			return acc, fmt.Sprintf("%s must be a non-empty string, got %v", k, v)
		}
		*dst = s
	}
	if n := utf8.RuneCountInString(acc.Text); n > MaxText {
		return acc, fmt.Sprintf("text is %d characters; Mattermost splits posts beyond %d", n, MaxText)
	}
	if strings.Contains(acc.IconEmoji, ":") {
		return acc, "icon_emoji is the emoji's name, without colons"
	}
	if u := acc.IconURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return acc, "icon_url must be an http(s) URL"
	}
	if p, given := raw["props"]; given {
		props, ok := p.(map[string]any)
		card, isStr := props["card"].(string)
		if !ok || !isStr || len(props) != 1 {
			return acc, fmt.Sprintf("props must be {\"card\": string}, got %v", p)
		}
		acc.Card = card
	}
	return acc, ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
