// Package discordtest is a fake Discord webhook for tests. It checks each
// Execute Webhook request as Discord documents it (path, query, JSON
// fields, types and character limits) and answers as Discord does: 204, or
// 200 with the message under ?wait=true, and JSON errors
// {"message", "code"} otherwise.
package discordtest

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

// The fake webhook's id and token, and a thread of its channel.
const (
	WebhookID = "1186789012345678901"
	Token     = "Xq9b2Kc7_Lm-Np3Rs5Tu7Vw9Yz1Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7Ab9Cd1Ef3Gh"
	ThreadID  = "1186789099999999999"
)

// Documented limits, in characters.
const (
	MaxContent     = 2000
	MaxTitle       = 256
	MaxDescription = 4096
	MaxEmbedsTotal = 6000
	MaxEmbeds      = 10
	MaxUsername    = 80
)

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// RateLimited is Discord's 429: the wait in seconds in the body (a
	// float) and in Retry-After (rounded up).
	RateLimited = Answer{Status: 429, Body: `{"message": "You are being rate limited.", "retry_after": 1.234, "global": false}`,
		Header: http.Header{"Retry-After": {"2"}, "X-Ratelimit-Scope": {"shared"}}}
	// Unavailable is Cloudflare's page when Discord is down.
	Unavailable = channeltest.BadGateway
)

// Accepted is one message the fake took.
type Accepted struct {
	Title     string // embeds[0].title
	Text      string // embeds[0].description, or content without embeds
	Content   string
	Color     int
	Username  string
	AvatarURL string
	ImageURL  string
	ThreadID  string
	Wait      bool
	Raw       map[string]any
}

// Server is the fake webhook; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// WebhookURL is the webhook URL as Discord shows it, on the fake.
func (s *Server) WebhookURL() string {
	return s.Server.URL + "/api/webhooks/" + WebhookID + "/" + Token
}

// Config returns raw settings pointing a discord channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"url": s.WebhookURL()}
}

// writeError answers like Discord.
func writeError(w http.ResponseWriter, status, code int, msg string, errs map[string]any) {
	body := map[string]any{"message": msg, "code": code}
	if errs != nil {
		body["errors"] = errs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// formError is Discord's 50035 for one field.
func formError(w http.ResponseWriter, field, code, msg string) {
	writeError(w, 400, 50035, "Invalid Form Body", map[string]any{field: map[string]any{"_errors": []any{map[string]any{"code": code, "message": msg}}}})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		writeError(w, 405, 0, "405: Method Not Allowed", nil)
		return
	}
	id, token, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/webhooks/"), "/")
	if !strings.HasPrefix(r.URL.Path, "/api/webhooks/") || !ok {
		s.Violate("path %q, want /api/webhooks/{id}/{token}", r.URL.Path)
		writeError(w, 404, 0, "404: Not Found", nil)
		return
	}
	if id != WebhookID {
		writeError(w, 404, 10015, "Unknown Webhook", nil)
		return
	}
	if token != Token {
		writeError(w, 401, 50027, "Invalid Webhook Token", nil)
		return
	}
	wait, thread, ok := s.query(w, r)
	if !ok {
		return
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		writeError(w, 400, 50109, "The request body contains invalid JSON.", nil)
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || !utf8.Valid(body) {
		s.Violate("body is not a UTF-8 JSON object: %v", err)
		writeError(w, 400, 50109, "The request body contains invalid JSON.", nil)
		return
	}
	acc, field, problem := parse(raw)
	if problem != "" {
		s.Violate("%s: %s", field, problem)
		formError(w, field, "BASE_TYPE_INVALID", problem)
		return
	}
	if embeds, _ := raw["embeds"].([]any); acc.Content == "" && len(embeds) == 0 {
		s.Violate("neither content nor embeds")
		writeError(w, 400, 50006, "Cannot send an empty message", nil)
		return
	}
	if thread != "" && thread != ThreadID {
		writeError(w, 404, 10003, "Unknown Channel", nil)
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json")
		return
	}
	acc.Wait, acc.ThreadID, acc.Raw = wait, thread, raw
	n := s.Accept(acc)
	if !wait {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id": fmt.Sprintf("11867891234567%05d", n), "type": 0, "content": acc.Content, "channel_id": "1186789000000000001",
		"webhook_id": WebhookID, "embeds": raw["embeds"], "author": map[string]any{"id": WebhookID, "username": "Herald", "bot": true},
	})
}

// query checks the documented query parameters: wait and thread_id.
func (s *Server) query(w http.ResponseWriter, r *http.Request) (wait bool, thread string, ok bool) {
	q := r.URL.Query()
	for k, vs := range q {
		if (k != "wait" && k != "thread_id") || len(vs) != 1 {
			s.Violate("query parameter %q given %d times; only wait and thread_id are documented, once", k, len(vs))
		}
	}
	switch v := q.Get("wait"); v {
	case "", "false":
	case "true":
		wait = true
	default:
		s.Violate("wait=%q, want true or false", v)
		formError(w, "wait", "BOOLEAN_TYPE_COERCE", fmt.Sprintf("Value %q is not a valid boolean.", v))
		return false, "", false
	}
	thread = q.Get("thread_id")
	if q.Has("thread_id") && (thread == "" || strings.Trim(thread, "0123456789") != "") {
		s.Violate("thread_id=%q, want a snowflake", thread)
		formError(w, "thread_id", "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", thread))
		return false, "", false
	}
	return wait, thread, true
}

// known are the documented JSON parameters of Execute Webhook.
var known = []string{"content", "username", "avatar_url", "tts", "embeds", "allowed_mentions", "components",
	"attachments", "flags", "thread_name", "applied_tags", "poll"}

// parse checks the fields Herald may send; it returns the first problem.
func parse(raw map[string]any) (acc Accepted, field, problem string) {
	for k := range raw {
		if !slices.Contains(known, k) {
			return acc, k, "not a documented parameter"
		}
	}
	var ok bool
	for k, dst := range map[string]*string{"content": &acc.Content, "username": &acc.Username, "avatar_url": &acc.AvatarURL} {
		if v, given := raw[k]; given {
			if *dst, ok = v.(string); !ok {
				return acc, k, "Must be a string."
			}
		}
	}
	if n := utf8.RuneCountInString(acc.Content); n > MaxContent {
		return acc, "content", fmt.Sprintf("Must be %d or fewer in length.", MaxContent)
	}
	if _, given := raw["username"]; given {
		if n := utf8.RuneCountInString(acc.Username); n < 1 || n > MaxUsername || strings.Contains(strings.ToLower(acc.Username), "discord") {
			return acc, "username", "Username cannot contain \"discord\" and must be 1 to 80 long."
		}
	}
	if v, given := raw["allowed_mentions"]; given {
		if field, problem = checkMentions(v); problem != "" {
			return acc, field, problem
		}
	}
	embeds, ok := raw["embeds"].([]any)
	if _, given := raw["embeds"]; given && !ok {
		return acc, "embeds", "Must be an array."
	}
	if len(embeds) > MaxEmbeds {
		return acc, "embeds", fmt.Sprintf("Must be %d or fewer in length.", MaxEmbeds)
	}
	acc.Text = acc.Content
	total := 0
	for i, e := range embeds {
		emb, n, f, p := checkEmbed(e)
		if p != "" {
			return acc, fmt.Sprintf("embeds.%d.%s", i, f), p
		}
		total += n
		if i == 0 {
			acc.Title, acc.Text, acc.Color, acc.ImageURL = emb.Title, emb.Description, emb.Color, emb.ImageURL
		}
	}
	if total > MaxEmbedsTotal {
		return acc, "embeds", fmt.Sprintf("Embed size exceeds maximum size of %d", MaxEmbedsTotal)
	}
	return acc, "", ""
}

func checkMentions(v any) (string, string) {
	m, ok := v.(map[string]any)
	if !ok {
		return "allowed_mentions", "Must be an object."
	}
	for k, x := range m {
		if k != "parse" && k != "roles" && k != "users" && k != "replied_user" {
			return "allowed_mentions." + k, "not a documented field"
		}
		if k != "parse" {
			continue
		}
		items, ok := x.([]any)
		if !ok {
			return "allowed_mentions.parse", "Must be an array."
		}
		for _, it := range items {
			if s, _ := it.(string); s != "roles" && s != "users" && s != "everyone" {
				return "allowed_mentions.parse", fmt.Sprintf("Value %v is not a valid enum value.", it)
			}
		}
	}
	return "", ""
}

type embed struct {
	Title, Description, ImageURL string
	Color                        int
}

var embedFields = []string{"title", "type", "description", "url", "timestamp", "color", "footer", "image", "thumbnail", "video", "provider", "author", "fields"}

// checkEmbed checks the embed fields Herald uses; n is its character count
// toward the 6000 total.
func checkEmbed(v any) (e embed, n int, field, problem string) {
	m, ok := v.(map[string]any)
	if !ok {
		return e, 0, "", "Must be an object."
	}
	for k := range m {
		if !slices.Contains(embedFields, k) {
			return e, 0, k, "not a documented embed field"
		}
	}
	for k, dst := range map[string]*string{"title": &e.Title, "description": &e.Description} {
		if x, given := m[k]; given {
			if *dst, ok = x.(string); !ok {
				return e, 0, k, "Must be a string."
			}
		}
	}
	if utf8.RuneCountInString(e.Title) > MaxTitle {
		return e, 0, "title", fmt.Sprintf("Must be %d or fewer in length.", MaxTitle)
	}
	if utf8.RuneCountInString(e.Description) > MaxDescription {
		return e, 0, "description", fmt.Sprintf("Must be %d or fewer in length.", MaxDescription)
	}
	if e.Title == "" && e.Description == "" && m["image"] == nil {
		return e, 0, "description", "an embed needs a title, description or image"
	}
	if c, given := m["color"]; given {
		f, ok := c.(float64)
		if !ok || f != float64(int(f)) || f < 0 || f > 0xFFFFFF {
			return e, 0, "color", "Must be an integer from 0 to 16777215."
		}
		e.Color = int(f)
	}
	if img, given := m["image"]; given {
		im, ok := img.(map[string]any)
		u, _ := im["url"].(string)
		if !ok || len(im) != 1 || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
			return e, 0, "image.url", "Scheme must be one of ('http', 'https', 'attachment')."
		}
		e.ImageURL = u
	}
	return e, utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description), "", ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
