// Package rocketchattest is a fake Rocket.Chat incoming webhook for tests.
// It checks each request as Rocket.Chat documents the webhook message
// (text, channel, alias, avatar, emoji, attachments; the server's default
// 5000-character message size) and answers as Rocket.Chat does:
// {"success": true} or {"success": false, "error": …}.
package rocketchattest

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

// The fake integration's id and token.
const (
	IntegrationID = "n4Zq7yXmB2pKcW9rD"
	Token         = "Tk8Vb3Nq2Lm7Xc5Rz9Wp4Hy6Jd1Fs0GaQe8Ut3Yo"
)

// Channels and users the fake server has.
var Rooms = []string{"#general", "#alerts", "@alice"}

// MaxText is the default Message_MaxAllowedSize.
const MaxText = 5000

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	TooMany = Answer{Status: 429, Body: `{"success":false,"error":"Error, too many requests. Please slow down. You must wait 7 seconds before trying this endpoint again. [error-too-many-requests]"}`,
		Header: http.Header{"Retry-After": {"7"}}}
	Disabled = Answer{Status: 400, Body: `{"success":false,"error":"Invalid integration id or token provided."}`}
)

// Accepted is one message the fake took.
type Accepted struct {
	Title    string // the first attachment's title
	Text     string // text, then the first attachment's text
	Color    string
	ImageURL string
	Channel  string
	Alias    string
	Avatar   string
	Emoji    string
	Raw      map[string]any
}

// Server is the fake webhook; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// WebhookURL is the webhook's URL on the fake.
func (s *Server) WebhookURL() string {
	return s.Server.URL + "/hooks/" + IntegrationID + "/" + Token
}

// Config returns raw settings pointing a rocketchat channel at s.
func (s *Server) Config() map[string]string { return map[string]string{"url": s.WebhookURL()} }

func reply(w http.ResponseWriter, status int, v map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]any{"success": false, "error": msg})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		fail(w, 405, "Method not allowed")
		return
	}
	if r.URL.Path != "/hooks/"+IntegrationID+"/"+Token {
		fail(w, 400, "Invalid integration id or token provided.")
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: the webhook needs none", r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		fail(w, 400, "Content-Type must be application/json")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || !utf8.Valid(body) {
		s.Violate("body is not a UTF-8 JSON object: %v", err)
		fail(w, 400, "Invalid JSON")
		return
	}
	acc, problem := parse(raw)
	if problem != "" {
		s.Violate("%s", problem)
		fail(w, 400, problem)
		return
	}
	if acc.Channel != "" && !slices.Contains(Rooms, acc.Channel) {
		fail(w, 400, "invalid-channel")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json")
		return
	}
	acc.Raw = raw
	s.Accept(acc)
	reply(w, 200, map[string]any{"success": true})
}

var (
	known           = []string{"text", "channel", "roomId", "alias", "avatar", "emoji", "attachments", "tmid", "msg"}
	attachmentField = []string{"title", "title_link", "text", "color", "image_url", "collapsed", "author_name", "author_icon", "author_link", "thumb_url", "fields", "ts", "message_link", "audio_url", "video_url"}
)

func parse(raw map[string]any) (acc Accepted, problem string) {
	for k := range raw {
		if !slices.Contains(known, k) {
			return acc, fmt.Sprintf("unknown field %q", k)
		}
	}
	for k, dst := range map[string]*string{"text": &acc.Text, "channel": &acc.Channel, "alias": &acc.Alias, "avatar": &acc.Avatar, "emoji": &acc.Emoji} {
		if v, given := raw[k]; given {
			s, ok := v.(string)
			if !ok || (k != "text" && s == "") {
				return acc, fmt.Sprintf("%s must be a non-empty string, got %v", k, v)
			}
			*dst = s
		}
	}
	if n := utf8.RuneCountInString(acc.Text); n > MaxText {
		return acc, fmt.Sprintf("Message size exceeds the allowed limit (%d > %d) [error-message-size-exceeded]", n, MaxText)
	}
	if acc.Emoji != "" && (!strings.HasPrefix(acc.Emoji, ":") || !strings.HasSuffix(acc.Emoji, ":")) {
		return acc, "emoji must be :name:"
	}
	atts, given := raw["attachments"]
	if strings.TrimSpace(acc.Text) == "" && !given {
		return acc, "neither text nor attachments"
	}
	if !given {
		return acc, ""
	}
	list, ok := atts.([]any)
	if !ok || len(list) == 0 {
		return acc, "attachments must be a non-empty array"
	}
	for i, a := range list {
		p := attachment(&acc, a, i == 0)
		if p != "" {
			return acc, fmt.Sprintf("attachments[%d]: %s", i, p)
		}
	}
	return acc, ""
}

func attachment(acc *Accepted, v any, first bool) string {
	a, ok := v.(map[string]any)
	if !ok || len(a) == 0 {
		return "not a non-empty object"
	}
	var title, text, col, img string
	for k, x := range a {
		if !slices.Contains(attachmentField, k) {
			return fmt.Sprintf("unknown field %q", k)
		}
		dst := map[string]*string{"title": &title, "text": &text, "color": &col, "image_url": &img}[k]
		if dst == nil {
			continue
		}
		if *dst, ok = x.(string); !ok || *dst == "" {
			return fmt.Sprintf("%s must be a non-empty string", k)
		}
	}
	if n := utf8.RuneCountInString(text); n > MaxText {
		return fmt.Sprintf("text is %d characters, over %d", n, MaxText)
	}
	if img != "" && !strings.HasPrefix(img, "http://") && !strings.HasPrefix(img, "https://") {
		return "image_url must be an http(s) URL"
	}
	if first {
		acc.Title, acc.Color, acc.ImageURL = title, col, img
		if text != "" {
			acc.Text += "\n" + text
		}
	}
	return ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
