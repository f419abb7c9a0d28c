// Package pushovertest is a fake Pushover Message API for tests. It serves
// POST /1/messages.json the way pushover.net/api documents it: form-encoded
// parameters only, the token and user key checked, the length limits, the
// priority rules (retry and expire with 2), the HTML subset, and answers
// {"status":1,"request":…} with the X-Limit-App-* headers, or Pushover's
// {"<param>":"invalid","errors":[…],"status":0} refusals.
package pushovertest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed credentials of the fake.
const (
	Token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
	User  = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
	// Device is the one device the user has.
	Device = "phone"
	// Limit is the app's monthly message limit the headers report.
	Limit = 10000
	// Reset is the Unix time the headers say the quota is renewed.
	Reset = 1893456000
)

// Limits of the API (characters).
const (
	MaxMessage  = 1024
	MaxTitle    = 250
	MaxURL      = 512
	MaxURLTitle = 100
)

// Answer is one scripted reply, written verbatim.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// OverQuota is 429: the app used its monthly messages. The error text
	// is the fake's own; Pushover documents the status and headers.
	OverQuota = Answer{Status: 429, Body: `{"errors":["application has exceeded its monthly message limit"],"status":0,"request":"r-429"}`,
		Header: http.Header{"X-Limit-App-Limit": {"10000"}, "X-Limit-App-Remaining": {"0"}, "X-Limit-App-Reset": {strconv.Itoa(Reset)}}}
	// ServerError is a 5xx: Pushover asks for a retry after 5 s or more.
	ServerError = Answer{Status: 500, Body: `{"errors":["internal error"],"status":0,"request":"r-500"}`}
)

var (
	params   = []string{"token", "user", "message", "attachment_base64", "attachment_type", "device", "html", "monospace", "priority", "sound", "timestamp", "title", "ttl", "url", "url_title", "retry", "expire", "callback", "tags"}
	sounds   = []string{"pushover", "bike", "bugle", "cashregister", "classical", "cosmic", "falling", "gamelan", "incoming", "intermission", "magic", "mechanical", "pianobar", "siren", "spacealarm", "tugboat", "alien", "climb", "persistent", "echo", "updown", "vibrate", "none"}
	keyRe    = regexp.MustCompile(`^[A-Za-z0-9]{30}$`)
	tagRe    = regexp.MustCompile(`(?i)</?([a-z]+)[^>]*>`)
	htmlTags = []string{"b", "i", "u", "font", "a"}
)

// Accepted is one message the fake took.
type Accepted struct {
	Title    string
	Text     string // message
	HTML     bool
	Priority int
	Form     url.Values // every parameter as sent
}

// Server is the fake Pushover.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns settings pointing a pushover channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{"token": Token, "user": User, "api": s.URL}
}

// refuse answers as Pushover does for a bad parameter: 400, the parameter
// set to "invalid" and the problem in errors.
func refuse(w http.ResponseWriter, param, msg string) {
	out := map[string]any{"errors": []string{msg}, "status": 0, "request": "r-400"}
	if param != "" {
		out[param] = "invalid"
	}
	writeJSON(w, http.StatusBadRequest, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/1/messages.json" {
		s.Refuse(w, http.StatusNotFound, "not found", "%s %s: Herald must POST /1/messages.json", r.Method, r.URL.Path)
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: the token and text belong in the body, not the URL", r.URL.RawQuery)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		s.Violate("Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		s.Violate("body is not a form: %v", err)
		refuse(w, "", "invalid request")
		return
	}
	f := r.PostForm
	for k, vs := range f {
		if !slices.Contains(params, k) {
			s.Violate("unknown parameter %q", k)
		}
		if len(vs) != 1 {
			s.Violate("parameter %q given %d times", k, len(vs))
		}
	}
	if param, msg := s.check(f); msg != "" {
		refuse(w, param, msg)
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json; charset=utf-8")
		return
	}
	p, _ := strconv.Atoi(f.Get("priority"))
	n := s.Accept(Accepted{Title: f.Get("title"), Text: f.Get("message"), HTML: f.Get("html") == "1", Priority: p, Form: f})
	w.Header().Set("X-Limit-App-Limit", strconv.Itoa(Limit))
	w.Header().Set("X-Limit-App-Remaining", strconv.Itoa(Limit-n))
	w.Header().Set("X-Limit-App-Reset", strconv.Itoa(Reset))
	out := map[string]any{"status": 1, "request": fmt.Sprintf("r-%d", n)}
	if p == 2 {
		out["receipt"] = fmt.Sprintf("rcpt%026d", n)
	}
	writeJSON(w, http.StatusOK, out)
}

// check applies the documented rules; it returns the refused parameter and
// Pushover's error text, or "" when the request passes. Rules whose break
// Pushover ignores are only recorded.
func (s *Server) check(f url.Values) (param, msg string) {
	switch {
	case !keyRe.MatchString(f.Get("token")) || f.Get("token") != Token:
		return "token", "application token is invalid"
	case !keyRe.MatchString(f.Get("user")) || f.Get("user") != User:
		return "user", "user identifier is not a valid user, group, or subscribed user key"
	case strings.TrimSpace(f.Get("message")) == "":
		s.Violate("message missing or empty")
		return "message", "message cannot be blank"
	case utf8.RuneCountInString(f.Get("message")) > MaxMessage:
		s.Violate("message has %d characters, over %d", utf8.RuneCountInString(f.Get("message")), MaxMessage)
		return "message", "message is too long"
	case utf8.RuneCountInString(f.Get("title")) > MaxTitle:
		s.Violate("title has %d characters, over %d", utf8.RuneCountInString(f.Get("title")), MaxTitle)
		return "title", "title is too long"
	case utf8.RuneCountInString(f.Get("url")) > MaxURL:
		s.Violate("url over %d characters", MaxURL)
		return "url", "url is too long"
	case utf8.RuneCountInString(f.Get("url_title")) > MaxURLTitle:
		s.Violate("url_title over %d characters", MaxURLTitle)
		return "url_title", "url_title is too long"
	}
	if f.Has("title") && f.Get("title") == "" {
		s.Violate("title is empty; omit it")
	}
	if d := f.Get("device"); d != "" {
		for _, name := range strings.Split(d, ",") {
			if name != Device {
				return "device", "device name is not valid for user"
			}
		}
	}
	if snd := f.Get("sound"); f.Has("sound") && !slices.Contains(sounds, snd) {
		return "sound", "sound is invalid"
	}
	if param, msg := s.checkPriority(f); msg != "" {
		return param, msg
	}
	if ttl := f.Get("ttl"); f.Has("ttl") {
		if n, err := strconv.Atoi(ttl); err != nil || n <= 0 {
			return "ttl", "ttl must be a positive integer"
		}
	}
	s.checkHTML(f)
	return "", ""
}

func (s *Server) checkPriority(f url.Values) (param, msg string) {
	if !f.Has("priority") {
		if f.Has("retry") || f.Has("expire") {
			s.Violate("retry/expire without priority 2 (Pushover ignores them)")
		}
		return "", ""
	}
	p, err := strconv.Atoi(f.Get("priority"))
	if err != nil || p < -2 || p > 2 {
		return "priority", "priority is invalid"
	}
	if p == 0 {
		s.Violate("priority 0 sent; it is the default, omit it")
	}
	if p != 2 {
		if f.Has("retry") || f.Has("expire") {
			s.Violate("retry/expire with priority %d (Pushover ignores them)", p)
		}
		return "", ""
	}
	if f.Has("ttl") {
		s.Violate("ttl with priority 2 (Pushover ignores it)")
	}
	retry, err := strconv.Atoi(f.Get("retry"))
	if err != nil || retry < 30 {
		return "retry", "retry is invalid (must be at least 30 seconds)"
	}
	expire, err := strconv.Atoi(f.Get("expire"))
	if err != nil || expire <= 0 || expire > 10800 {
		return "expire", "expire is invalid (must be at most 10800 seconds)"
	}
	return "", ""
}

// checkHTML records an html value other than 1, html with monospace (they
// exclude each other) and tags Pushover does not render.
func (s *Server) checkHTML(f url.Values) {
	if !f.Has("html") {
		return
	}
	if f.Get("html") != "1" {
		s.Violate("html=%q, want 1 or omitted", f.Get("html"))
	}
	if f.Get("monospace") == "1" {
		s.Violate("html and monospace together")
	}
	for _, m := range tagRe.FindAllStringSubmatch(f.Get("message"), -1) {
		if !slices.Contains(htmlTags, strings.ToLower(m[1])) {
			s.Violate("tag %q is not one Pushover renders", m[0])
		}
	}
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
