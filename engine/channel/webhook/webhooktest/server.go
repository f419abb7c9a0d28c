// Package webhooktest is a generic webhook receiver for tests: it records
// every request (method, URL, decoded query, headers, decoded JSON or form
// body), checks that the body matches its Content-Type and answers with
// scripted statuses.
package webhooktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/message"
)

// Token is the bearer token Config puts in the headers; a request that
// carries a different Authorization header is refused with 401.
// urlLogLimit: the webhook documents that {log} in a URL is cut to 2000
// bytes (servers refuse long URLs), marking the cut, while a body carries
// it whole.
const urlLogLimit = 2000

const Token = "fake-webhook-token-0123456789"

// Answer is a scripted reply.
type Answer = channeltest.Answer

// Status is a reply with the given status and a short text body.
func Status(code int, body string) Answer {
	return Answer{Status: code, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: body}
}

// TooManyRequests is a 429 with a Retry-After header.
func TooManyRequests(retryAfter string) Answer {
	a := Status(http.StatusTooManyRequests, "slow down")
	a.Header.Set("Retry-After", retryAfter)
	return a
}

// Redirect answers with a redirect to location.
func Redirect(code int, location string) Answer {
	return Answer{Status: code, Header: http.Header{"Location": {location}}}
}

// Request is one request as the receiver saw it.
type Request struct {
	Method      string
	Path        string // decoded
	EscapedPath string
	Query       url.Values
	Header      http.Header
	Body        []byte
	JSON        any        // decoded body when Content-Type is JSON
	Form        url.Values // decoded body when it is a form
}

// Accepted is a request the receiver answered with 2xx. Text is the "log"
// field of the body (else its "body" field, else the query's "log") and Title its "title" field (else
// the query's "t"), as Config lays them out.
type Accepted struct {
	Title string
	Text  string
	Request
	Raw map[string]any // JSON object body, or form fields (first values)
}

// Server is the fake receiver.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu       sync.Mutex
	received []Request
}

// NewServer starts the receiver and closes it when t ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).serve)
}

// Config is a POST JSON webhook with {log} and {t} in both the URL query
// and the body, and the bearer token in the headers.
func (s *Server) Config() map[string]string {
	return map[string]string{
		"url":     s.URL + "/hook?log={log}&t={t}",
		"method":  "POST",
		"headers": `{"Authorization": "Bearer ` + Token + `"}`,
		"body":    `{"log": "{log}", "title": "{t}", "source": "herald"}`,
	}
}

// Received returns every request received, in order.
func (s *Server) Received() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.received...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{
		Method:      r.Method,
		Path:        r.URL.Path,
		EscapedPath: r.URL.EscapedPath(),
		Header:      r.Header.Clone(),
		Body:        body,
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		bad("query does not decode: %v", err)
	}
	req.Query = q
	for k, vs := range q {
		for _, v := range append(vs, k) {
			if !utf8.ValidString(v) {
				bad("query %s is not valid UTF-8", k)
			}
		}
	}
	ctype := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ctype)
	switch {
	case len(body) == 0:
	case r.Method == http.MethodGet:
		bad("GET request with a body")
	case ctype == "":
		bad("body without Content-Type")
	case mt == "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&req.JSON); err != nil || dec.More() || !utf8.Valid(body) {
			bad("Content-Type is JSON but the body is not one valid JSON document: %q", body)
		}
	case mt == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			bad("form body does not decode: %v", err)
		}
		req.Form = form
	}
	raw := map[string]any{}
	if obj, ok := req.JSON.(map[string]any); ok {
		raw = obj
	}
	for k, vs := range req.Form {
		raw[k] = vs[0]
	}
	text, title := str(raw["log"]), str(raw["title"])
	if _, ok := raw["log"]; !ok && raw["body"] != nil {
		// The webhook's default body: {"title": …, "body": …}.
		text = str(raw["body"])
	} else if !ok {
		text = q.Get("log")
	} else if q.Has("log") && q.Get("log") != text && q.Get("log") != message.TruncateBytes(text, urlLogLimit) {
		bad("the query's log is neither the body's log nor it cut to %d bytes:\n%q\n%q", urlLogLimit, q.Get("log"), text)
	}
	if _, ok := raw["title"]; !ok {
		title = q.Get("t")
	} else if q.Has("t") && q.Get("t") != title {
		bad("the query's t and the body's title differ: %q, %q", q.Get("t"), title)
	}

	s.mu.Lock()
	s.received = append(s.received, req)
	s.mu.Unlock()
	for _, p := range problems {
		s.Violate("%s", p)
	}
	var a Answer
	scripted := len(problems) > 0
	if scripted {
		a = Status(http.StatusBadRequest, "fake webhook: "+problems[0])
	} else {
		a, scripted = s.Next()
	}
	switch {
	case scripted:
	case r.Header.Get("Authorization") != "" && r.Header.Get("Authorization") != "Bearer "+Token:
		a = Answer{Status: http.StatusUnauthorized, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"error":"invalid token"}`}
	default:
		a = Answer{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"ok":true}`}
	}
	if a.Status/100 == 2 || a.Status == 0 {
		s.Accept(Accepted{Title: title, Text: text, Request: req, Raw: raw})
	}
	a.Write(w, "")
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
