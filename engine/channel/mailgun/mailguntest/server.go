// Package mailguntest is a fake Mailgun messages API for tests: it checks
// POST /v3/{domain}/messages requests (Basic auth, multipart form, fields)
// and answers the way Mailgun does.
package mailguntest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed settings the fake accepts.
const (
	APIKey = "key-fake0123456789abcdef0123456789"
	Domain = "mg.example.test"
	From   = "Herald <herald@mg.example.test>"
	To1    = "ops@example.test"
	To2    = "Dev Team <dev@example.test>"
)

// MaxMessage is Mailgun's message size limit.
const MaxMessage = 25 << 20

// Answer is a scripted reply.
type Answer = channeltest.Answer

// Forbidden is Mailgun's answer to a wrong API key.
func Forbidden() Answer {
	return Answer{Status: http.StatusUnauthorized, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: "Forbidden"}
}

// BadRequest is Mailgun's answer to a request it cannot take.
func BadRequest(msg string) Answer { return jsonAnswer(http.StatusBadRequest, msg) }

// DomainNotFound is Mailgun's answer for a domain the account (or region)
// does not have.
func DomainNotFound(domain string) Answer {
	return jsonAnswer(http.StatusNotFound, "Domain not found: "+domain)
}

// TooManyRequests is Mailgun's rate limit answer.
func TooManyRequests(retryAfter string) Answer {
	a := jsonAnswer(http.StatusTooManyRequests, "Too many requests")
	if retryAfter != "" {
		a.Header.Set("Retry-After", retryAfter)
	}
	return a
}

// InternalError is a Mailgun-side failure.
func InternalError() Answer {
	return jsonAnswer(http.StatusInternalServerError, "Internal Server Error")
}

func jsonAnswer(status int, msg string) Answer {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return Answer{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: string(b)}
}

// Accepted is a message the fake queued.
type Accepted struct {
	Title string // subject
	Text  string // text part
	HTML  string
	From  string
	To    []string
	Raw   map[string][]string // every form value
}

// Server is the fake.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake and closes it when t ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).serve)
}

// Config points a mailgun channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{
		"api_key": APIKey,
		"domain":  Domain,
		"from":    From,
		"to":      To1 + ", " + To2,
		"api":     s.URL,
	}
}

var pathRe = regexp.MustCompile(`^/v3/([^/]+)/messages$`)

// known are the messages parameters Mailgun documents (o:, h:, v: and t:
// options are prefixes).
var known = map[string]bool{"from": true, "to": true, "cc": true, "bcc": true, "subject": true, "text": true,
	"html": true, "amp-html": true, "template": true, "recipient-variables": true}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRe.FindStringSubmatch(r.URL.Path)
	if m == nil {
		s.Violate("path %q is not /v3/{domain}/messages", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		s.Violate("no HTTP Basic auth")
		Forbidden().Write(w, "")
		return
	}
	if user != "api" {
		s.Violate("Basic auth user %q, want \"api\"", user)
	}
	if user != "api" || pass != APIKey {
		Forbidden().Write(w, "")
		return
	}
	if m[1] != Domain {
		DomainNotFound(m[1]).Write(w, "")
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		s.Violate("Content-Type %q, want multipart/form-data", r.Header.Get("Content-Type"))
		BadRequest("fake mailgun: want multipart/form-data").Write(w, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxMessage)
	if err := r.ParseMultipartForm(MaxMessage); err != nil {
		s.Violate("multipart form unreadable: %v", err)
		BadRequest("fake mailgun: "+err.Error()).Write(w, "")
		return
	}
	form := r.MultipartForm
	if len(form.File) > 0 {
		s.Violate("unexpected file parts")
	}
	if msg := s.checkFields(form.Value); msg != "" {
		BadRequest(msg).Write(w, "")
		return
	}

	if a, ok := s.Next(); ok {
		a.Write(w, "")
		return
	}
	v := form.Value
	acc := Accepted{Title: first(v["subject"]), Text: first(v["text"]), HTML: first(v["html"]), From: first(v["from"]), To: v["to"], Raw: v}
	id := fmt.Sprintf("<20250102150405.%d.FAKE@%s>", s.Accept(acc), Domain)

	b, _ := json.Marshal(map[string]string{"id": id, "message": "Queued. Thank you."})
	Answer{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: string(b)}.Write(w, "")
}

// checkFields records every breach of the documented parameters and
// returns the message Mailgun would answer with (400), or "".
func (s *Server) checkFields(v map[string][]string) string {
	answer := ""
	fail := func(msg string, format string, args ...any) {
		s.Violate(format, args...)
		if answer == "" {
			answer = msg
		}
	}
	for k, vals := range v {
		if !known[k] && !strings.HasPrefix(k, "o:") && !strings.HasPrefix(k, "h:") && !strings.HasPrefix(k, "v:") && !strings.HasPrefix(k, "t:") {
			fail("fake mailgun: unknown parameter "+k, "unknown parameter %q", k)
		}
		for _, val := range vals {
			if !utf8.ValidString(val) {
				fail("fake mailgun: invalid UTF-8", "%s is not valid UTF-8", k)
			}
		}
		if k != "to" && k != "cc" && k != "bcc" && len(vals) > 1 {
			fail("fake mailgun: "+k+" given twice", "%s given %d times", k, len(vals))
		}
	}
	switch from := v["from"]; {
	case len(from) == 0:
		fail("'from' parameter is missing", "from is missing")
	default:
		if _, err := mail.ParseAddress(from[0]); err != nil {
			fail("'from' parameter is not a valid address. please check documentation", "from %q is not an address", from[0])
		}
	}
	if len(v["to"]) == 0 {
		fail("'to' parameter is missing", "to is missing")
	}
	for _, to := range v["to"] {
		if _, err := mail.ParseAddressList(to); err != nil {
			fail("'to' parameter is not a valid address. please check documentation", "to %q is not an address list", to)
		}
	}
	if len(v["text"]) == 0 && len(v["html"]) == 0 && len(v["amp-html"]) == 0 && len(v["template"]) == 0 {
		fail("Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified", "no text or html")
	}
	if len(v["subject"]) == 0 {
		// Mailgun sends without a subject, but Herald always sets one.
		s.Violate("subject is missing")
	} else if strings.ContainsAny(v["subject"][0], "\r\n") {
		s.Violate("subject has a line break")
	}
	return answer
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
