// Package synologychattest is a fake Synology Chat incoming webhook for
// tests. It checks each request as Synology documents the webhook (the
// entry.cgi query, a form-encoded payload field holding JSON with text) and
// answers with Chat's own success and error bodies.
package synologychattest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Token is the fake webhook's token.
const Token = "Vh2kQ9xw3PzLmN8rT5aYcE1uJ7bG4dFs6HjK0oWiXqRtUyZ"

// MaxTextRunes is the longest text the fake posts; longer gets Chat's
// 410 "msg too long".
const MaxTextRunes = 2000

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Chat's answers for FailNext.
var (
	// TooMany is code 117, read as posts coming too fast.
	TooMany = Answer{Body: `{"error":{"code":117},"success":false}`}
	// NotRunning is DSM's 102: the Chat Server package is stopped.
	NotRunning = Answer{Body: `{"error":{"code":102},"success":false}`}
)

// Accepted is one post the fake took.
type Accepted struct {
	Text string
}

// Server is the fake. Its zero value is not usable; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts a fake webhook with token Token; it is closed when the
// test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// WebhookURL is the URL Chat shows for the webhook, its token quoted.
func (s *Server) WebhookURL(token string) string {
	return s.URL + "/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=%22" + token + "%22"
}

// Config returns raw settings pointing a synology_chat channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"url": s.WebhookURL(Token)}
}

// write answers like Chat: HTTP 200, success and an error object.
func write(w http.ResponseWriter, code int, errs string) {
	w.Header().Set("Content-Type", "application/json; charset=\"UTF-8\"")
	if code == 0 {
		io.WriteString(w, `{"success":true}`)
		return
	}
	out, _ := json.Marshal(map[string]any{"success": false, "error": map[string]any{"code": code, "errors": errs}})
	w.Write(out)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/webapi/entry.cgi" {
		s.Refuse(w, http.StatusNotFound, "", "path %q, want /webapi/entry.cgi", r.URL.Path)
		return
	}
	if !s.query(w, r.URL.Query()) {
		return
	}
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.Violate("Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		write(w, 120, "invalid parameter")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	text, problem := parse(body)
	if problem != "" {
		s.Violate("%s", problem)
		write(w, 120, "invalid parameter")
		return
	}
	s.post(w, text)
}

// query checks the webhook's query as DSM's entry.cgi does: 101 without
// api, method or version, 102 for another API, 103 another method, 104 an
// unknown version; 404 for a wrong token.
func (s *Server) query(w http.ResponseWriter, q url.Values) bool {
	for k, vs := range q {
		if len(vs) != 1 {
			s.Violate("query parameter %q given %d times", k, len(vs))
		}
	}
	switch {
	case q.Get("api") == "" || q.Get("method") == "" || q.Get("version") == "":
		s.Violate("query %q lacks api, method or version", q.Encode())
		write(w, 101, "")
	case q.Get("api") != "SYNO.Chat.External":
		s.Violate("api %q, want SYNO.Chat.External", q.Get("api"))
		write(w, 102, "")
	case q.Get("method") != "incoming":
		s.Violate("method %q, want incoming", q.Get("method"))
		write(w, 103, "")
	case q.Get("version") != "1" && q.Get("version") != "2":
		s.Violate("version %q, want 1 or 2", q.Get("version"))
		write(w, 104, "")
	case strings.Trim(q.Get("token"), `"`) != Token:
		write(w, 404, "bot is not legal")
	default:
		return true
	}
	return false
}

// parse reads the form: one payload field holding a JSON object with a
// string text and nothing else Herald sends.
func parse(body []byte) (string, string) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", "body is not form-encoded: " + err.Error()
	}
	if len(form) != 1 || len(form["payload"]) != 1 {
		return "", fmt.Sprintf("form fields %q, want payload alone (is & in the text encoded?)", keys(form))
	}
	payload := form.Get("payload")
	if !utf8.ValidString(payload) {
		return "", "payload is not UTF-8"
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(payload), &obj); err != nil {
		return "", "payload is not a JSON object (is + or % in the text encoded?): " + err.Error()
	}
	for k := range obj {
		if k != "text" {
			return "", fmt.Sprintf("unexpected payload field %q", k)
		}
	}
	text, ok := obj["text"].(string)
	if !ok {
		return "", fmt.Sprintf("text is %T, want a string", obj["text"])
	}
	return text, ""
}

func keys(form url.Values) []string {
	var out []string
	for k := range form {
		out = append(out, k)
	}
	return out
}

// post takes the text unless it is empty or too long, or an answer is
// scripted.
func (s *Server) post(w http.ResponseWriter, text string) {
	if strings.TrimSpace(text) == "" {
		s.Violate("text is empty")
		write(w, 120, "invalid parameter")
		return
	}
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		s.Violate("text is %d characters, over %d", n, MaxTextRunes)
		write(w, 410, "msg too long")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json; charset=\"UTF-8\"")
		return
	}
	s.Accept(Accepted{Text: text})
	write(w, 0, "")
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
