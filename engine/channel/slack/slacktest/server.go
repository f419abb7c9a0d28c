// Package slacktest is a fake Slack incoming webhook for tests. It checks
// each request as Slack documents it (JSON body, text and blocks with
// their types and character limits, &, < and > escaped in mrkdwn) and
// answers as Slack does: 200 "ok", or a 4xx status with the error code as
// a text body.
package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// The fake webhook's path parts: workspace, webhook and its secret.
const (
	Team  = "T0123ABCD"
	Bot   = "B0456EFGH"
	Token = "Xq9b2Kc7Lm4Np3Rs5Tu7Vw9Y"
)

// Documented limits, in characters.
const (
	MaxText    = 40000
	MaxHeader  = 150
	MaxSection = 3000
	MaxBlocks  = 50
)

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	RateLimited     = Answer{Status: 429, Body: "rate_limited", Header: http.Header{"Retry-After": {"30"}}}
	Archived        = Answer{Status: 410, Body: "channel_is_archived"}
	NoService       = Answer{Status: 404, Body: "no_service"}
	Prohibited      = Answer{Status: 403, Body: "action_prohibited"}
	GeneralDenied   = Answer{Status: 403, Body: "posting_to_general_channel_denied"}
	TooMany         = Answer{Status: 400, Body: "too_many_attachments"}
	InvalidPayload  = Answer{Status: 400, Body: "invalid_payload"}
	ChannelNotFound = Answer{Status: 404, Body: "channel_not_found"}
)

// Accepted is one message the fake took.
type Accepted struct {
	Title    string   // the header block's text
	Text     string   // the section blocks' texts, joined
	Fallback string   // the top-level text
	Sections []string // each section's text
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
	return s.Server.URL + "/services/" + Team + "/" + Bot + "/" + Token
}

// Config returns raw settings pointing a slack channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"url": s.WebhookURL()}
}

// fail answers like Slack: the code as a text body.
func fail(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, code)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		fail(w, 405, "invalid_method")
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/services/"), "/")
	if !strings.HasPrefix(r.URL.Path, "/services/") || len(parts) != 3 || parts[0] != Team || parts[1] != Bot {
		fail(w, 404, "no_service")
		return
	}
	if parts[2] != Token {
		fail(w, 403, "invalid_token")
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: the webhook takes none", r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		fail(w, 400, "invalid_payload")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || !utf8.Valid(body) {
		s.Violate("body is not a UTF-8 JSON object: %v", err)
		fail(w, 400, "invalid_payload")
		return
	}
	acc, code, problem := parse(raw)
	if problem != "" {
		s.Violate("%s", problem)
		fail(w, 400, code)
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "text/plain; charset=utf-8")
		return
	}
	acc.Raw = raw
	s.Accept(acc)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "ok")
}

var known = []string{"text", "blocks", "attachments", "thread_ts", "mrkdwn", "unfurl_links", "unfurl_media", "username", "icon_emoji", "icon_url", "channel"}

// parse checks text and blocks; it returns Slack's code and the problem.
func parse(raw map[string]any) (acc Accepted, code, problem string) {
	for k := range raw {
		if !slices.Contains(known, k) {
			return acc, "invalid_payload", fmt.Sprintf("unknown field %q", k)
		}
	}
	text, isStr := raw["text"].(string)
	if _, given := raw["text"]; given && !isStr {
		return acc, "invalid_payload", "text is not a string"
	}
	blocks, isArr := raw["blocks"].([]any)
	if _, given := raw["blocks"]; given && !isArr {
		return acc, "invalid_blocks", "blocks is not an array"
	}
	if strings.TrimSpace(text) == "" {
		// Slack takes blocks alone but documents text as the fallback for
		// notifications: a message without it is a contract break here.
		return acc, "no_text", "no text (the notification fallback)"
	}
	if n := utf8.RuneCountInString(text); n > MaxText {
		return acc, "invalid_payload", fmt.Sprintf("text is %d characters, Slack truncates beyond %d", n, MaxText)
	}
	if p := escaped(text); p != "" {
		return acc, "invalid_payload", "text: " + p
	}
	if len(blocks) > MaxBlocks {
		return acc, "invalid_blocks", fmt.Sprintf("%d blocks, over %d", len(blocks), MaxBlocks)
	}
	acc.Fallback = text
	for i, b := range blocks {
		typ, t, p := block(b)
		if p != "" {
			return acc, "invalid_blocks", fmt.Sprintf("blocks[%d]: %s", i, p)
		}
		if typ == "header" {
			acc.Title = t
			continue
		}
		acc.Sections = append(acc.Sections, t)
		acc.Text += t
	}
	return acc, "", ""
}

// block checks a header or section block and returns its type and text.
func block(v any) (typ, text, problem string) {
	b, ok := v.(map[string]any)
	if !ok {
		return "", "", "not an object"
	}
	typ, _ = b["type"].(string)
	for k := range b {
		if k != "type" && k != "text" && k != "block_id" {
			return "", "", fmt.Sprintf("unexpected field %q", k)
		}
	}
	t, ok := b["text"].(map[string]any)
	if !ok {
		return "", "", "text is not a text object"
	}
	ttype, _ := t["type"].(string)
	text, _ = t["text"].(string)
	for k, x := range t {
		if k == "emoji" {
			if _, ok := x.(bool); !ok || ttype != "plain_text" {
				return "", "", "emoji must be a bool of a plain_text object"
			}
		} else if k != "type" && k != "text" && k != "verbatim" {
			return "", "", fmt.Sprintf("unexpected text field %q", k)
		}
	}
	n := utf8.RuneCountInString(text)
	switch {
	case typ == "header" && ttype == "plain_text" && n >= 1 && n <= MaxHeader:
	case typ == "header":
		return "", "", fmt.Sprintf("header text must be plain_text of 1 to %d characters (%s, %d)", MaxHeader, ttype, n)
	case typ == "section" && (ttype == "mrkdwn" || ttype == "plain_text") && n >= 1 && n <= MaxSection:
		if p := escaped(text); ttype == "mrkdwn" && p != "" {
			return "", "", p
		}
	case typ == "section":
		return "", "", fmt.Sprintf("section text must be mrkdwn or plain_text of 1 to %d characters (%s, %d)", MaxSection, ttype, n)
	default:
		return "", "", fmt.Sprintf("block type %q is not one Herald uses", typ)
	}
	return typ, text, ""
}

var (
	// control are Slack's <…> sequences: links, mentions, commands.
	control = regexp.MustCompile(`<(https?://|mailto:|[@#!])[^<>\n]*>`)
	entity  = regexp.MustCompile(`&(amp|lt|gt);`)
)

// escaped says what is left unescaped in mrkdwn text: Slack asks for &, <
// and > as entities outside its control sequences.
func escaped(s string) string {
	rest := entity.ReplaceAllString(control.ReplaceAllString(s, ""), "")
	if i := strings.IndexAny(rest, "&<>"); i >= 0 {
		return fmt.Sprintf("unescaped %q (escape &, < and > as &amp; &lt; &gt;)", rest[i])
	}
	return ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
