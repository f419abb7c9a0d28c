// Package googlechattest is a fake Google Chat incoming webhook for tests.
// It checks each request as the webhook quickstart and spaces.messages.create
// document it (key and token, the thread key with its reply option, a JSON
// text of at most 4096 characters) and answers with the created message or
// Google's error JSON.
package googlechattest

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

// Fixture values.
const (
	Space = "AAAAbCdEfGh"
	Key   = "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"
	Token = "q5m3vXW1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789A"
	// MaxText is the documented limit of text, in characters.
	MaxText = 4096
)

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// Exhausted is the per-space quota.
	Exhausted = Answer{Status: 429, Body: `{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}`}
	// Unavailable is Google's 503.
	Unavailable = Answer{Status: 503, Body: `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}`, Header: http.Header{"Retry-After": {"5"}}}
	// BadGateway is what a gateway answers when the service is down.
	BadGateway = channeltest.BadGateway
)

// Accepted is one message the fake posted.
type Accepted struct {
	Text        string
	ThreadKey   string
	ReplyOption string
}

// Server is the fake webhook.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Path is the space's messages collection.
const Path = "/v1/spaces/" + Space + "/messages"

// WebhookURL is the URL the space shows for the fake's webhook.
func (s *Server) WebhookURL() string {
	return s.URL + Path + "?key=" + Key + "&token=" + Token
}

// Config returns raw settings pointing a google_chat channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"url": s.WebhookURL(), "api": s.URL}
}

func writeError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	data, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
	w.Write(data)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method not allowed")
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/spaces/") || !strings.HasSuffix(r.URL.Path, "/messages") {
		s.Violate("path %q, want /v1/spaces/{space}/messages", r.URL.Path)
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
		return
	}
	acc, ok := s.checkQuery(w, r)
	if !ok {
		return
	}
	if r.URL.Path != Path {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
		return
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var msg map[string]any
	if err := json.Unmarshal(body, &msg); err != nil {
		s.Violate("body is not a JSON object: %v", err)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error())
		return
	}
	for k := range msg {
		if k != "text" {
			s.Violate("unexpected field %q", k)
			writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", fmt.Sprintf("Invalid JSON payload received. Unknown name %q: Cannot find field.", k))
			return
		}
	}
	acc.Text, _ = msg["text"].(string)
	if strings.TrimSpace(acc.Text) == "" {
		s.Violate("text is empty or not a string")
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Message cannot be empty. Discarding empty message.")
		return
	}
	if n := utf8.RuneCountInString(acc.Text); n > MaxText {
		s.Violate("text is %d characters, over %d", n, MaxText)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid text: text is too long.")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json; charset=UTF-8")
		return
	}
	n := s.Accept(acc)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	thread := fmt.Sprintf("spaces/%s/threads/t%d", Space, n)
	if acc.ThreadKey != "" {
		thread = "spaces/" + Space + "/threads/" + acc.ThreadKey
	}
	data, _ := json.Marshal(map[string]any{
		"name": fmt.Sprintf("spaces/%s/messages/m%d", Space, n), "text": acc.Text,
		"sender": map[string]string{"name": "users/114022495153014004089", "type": "BOT"},
		"space":  map[string]string{"name": "spaces/" + Space}, "thread": map[string]string{"name": thread},
	})
	w.Write(data)
}

// checkQuery checks key, token and the thread options.
func (s *Server) checkQuery(w http.ResponseWriter, r *http.Request) (Accepted, bool) {
	q := r.URL.Query()
	for k, vs := range q {
		if !slices.Contains([]string{"key", "token", "threadKey", "messageReplyOption"}, k) || len(vs) != 1 {
			s.Violate("query parameter %q (%d times) is not the webhook's", k, len(vs))
		}
	}
	acc := Accepted{ThreadKey: q.Get("threadKey"), ReplyOption: q.Get("messageReplyOption")}
	if (acc.ThreadKey != "") != (acc.ReplyOption != "") {
		// Without the option a thread key is ignored (threadKey alone is
		// deprecated); the option alone names no thread.
		s.Violate("threadKey %q with messageReplyOption %q: they go together", acc.ThreadKey, acc.ReplyOption)
	}
	if acc.ReplyOption != "" && acc.ReplyOption != "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD" && acc.ReplyOption != "REPLY_MESSAGE_OR_FAIL" {
		s.Violate("messageReplyOption %q", acc.ReplyOption)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid value at 'message_reply_option'")
		return acc, false
	}
	switch {
	case q.Get("key") == "" || q.Get("token") == "":
		s.Violate("key or token missing from the query")
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "The request is missing a valid API key.")
		return acc, false
	case q.Get("key") != Key:
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
		return acc, false
	case q.Get("token") != Token:
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return acc, false
	}
	return acc, true
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
