// Package pushmetest is a fake PushMe server for tests. It checks each
// request the way PushMe documents its push (a form POST to the server's
// root with push_key, title, content, date and type, every value a
// string, title or content required, type one of PushMe's) and answers as
// PushMe Server does: "success", or its reason in plain text.
package pushmetest

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Key is the fake account's push key.
const Key = "fakePushMeKey0123456789"

// Answer is one scripted reply.
type Answer = channeltest.Answer

// PushMe Server's answers.
const (
	BadKey       = "非法push_key!"
	EmptyKey     = "Push failed, empty push_key!"
	EmptyMessage = "Push failed, empty title and content!"
)

var (
	fields = []string{"push_key", "title", "content", "date", "type", "temp_key"}
	types  = []string{"text", "markdown", "html", "data", "markdata", "chart", "echarts"}
)

// Accepted is one message the fake took.
type Accepted struct {
	Title, Text, Type string
	Form              url.Values
}

// Server is the fake PushMe; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts a fake PushMe that knows Key; it is closed when the
// test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns raw settings pointing a pushme channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"key": Key, "api": s.URL}
}

func writeText(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(text))
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Refuse(w, http.StatusMethodNotAllowed, "405 Method Not Allowed", "method %s, want POST (GET puts the key in the URL)", r.Method)
		return
	}
	if r.URL.Path != "/" {
		s.Refuse(w, http.StatusNotFound, "404 Not Found", "path %q, want /", r.URL.Path)
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: the key and the message belong in the form body", r.URL.RawQuery)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.Violate("Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		writeText(w, EmptyKey)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Violate("form: %v", err)
		writeText(w, EmptyKey)
		return
	}
	form := r.PostForm
	if answer, problem := check(form); problem != "" {
		s.Violate("%s", problem)
		writeText(w, answer)
		return
	}
	if form.Get("push_key") != Key {
		writeText(w, BadKey)
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "text/plain; charset=utf-8")
		return
	}
	s.Accept(Accepted{Title: form.Get("title"), Text: form.Get("content"), Type: form.Get("type"), Form: form})
	writeText(w, "success")
}

// check applies PushMe's rules and the fake's own (no unknown or repeated
// fields, a known type, no empty field sent); it returns the server's
// answer and the problem.
func check(form url.Values) (answer, problem string) {
	for k, vs := range form {
		if !slices.Contains(fields, k) {
			return "Push failed, the parameter format is incorrect!", "unknown field " + k
		}
		if len(vs) != 1 {
			// PushMe Server reads a repeated field as an array.
			return "Push failed, the parameter format is incorrect!", "field " + k + " given more than once"
		}
		if vs[0] == "" && k != "push_key" {
			return EmptyMessage, "field " + k + " is sent empty"
		}
	}
	switch {
	case form.Get("push_key") == "":
		return EmptyKey, "push_key is missing"
	case strings.TrimSpace(form.Get("title")) == "" && strings.TrimSpace(form.Get("content")) == "":
		return EmptyMessage, "neither title nor content"
	case form.Has("type") && !slices.Contains(types, form.Get("type")):
		return "Push failed, the parameter format is incorrect!", "type " + form.Get("type") + ", want one of " + strings.Join(types, ", ")
	}
	return "", ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
