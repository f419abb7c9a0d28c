// Package homeassistanttest is a fake Home Assistant REST API for tests.
// It serves POST /api/services/{domain}/{service} as Home Assistant's api
// integration does: the Bearer token checked (401 "401: Unauthorized"),
// the body a JSON object checked against the action's schema
// (persistent_notification.create: message, title, notification_id;
// notify.<name>: message, title, target, data), an unknown action or data
// the schema refuses answered 400 "400: Bad Request", and success answered
// 200 with the changed states, a JSON array.
package homeassistanttest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed setup of the fake.
const (
	// Token is a long-lived access token (a JWT).
	Token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJoZXJhbGQifQ.c2lnbmF0dXJl"
	// Notify is the one notify service besides the built-in ones.
	Notify = "mobile_app_phone"
)

// Answer is one scripted reply, written verbatim.
type Answer = channeltest.Answer

// Answers of aiohttp's own errors, as Home Assistant sends them.
var (
	BadRequest   = Answer{Status: 400, Body: "400: Bad Request", Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}}
	Unauthorized = Answer{Status: 401, Body: "401: Unauthorized", Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}}
	NotFound     = Answer{Status: 404, Body: "404: Not Found", Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}}
	// ServerError is a service that raised while Home Assistant ran it.
	ServerError = Answer{Status: 500, Body: "500 Internal Server Error\n\nServer got itself in trouble", Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}}
)

// The services the fake has and the keys their schemas take.
var schemas = map[string][]string{
	"persistent_notification/create": {"message", "title", "notification_id"},
	"notify/persistent_notification": {"message", "title", "data"},
	"notify/" + Notify:               {"message", "title", "target", "data"},
	"notify/notify":                  {"message", "title", "target", "data"},
}

// Accepted is one service call the fake ran.
type Accepted struct {
	Service string // domain/service
	Title   string
	Text    string // message
	Data    map[string]any
	Raw     map[string]any
}

// Server is the fake Home Assistant.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns settings pointing a homeassistant channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{"server": s.URL, "token": Token}
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+Token {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			s.Violate("Authorization %q: Herald must send Bearer and the token", r.Header.Get("Authorization"))
		}
		Unauthorized.Write(w, "")
		return
	}
	service, ok := strings.CutPrefix(r.URL.Path, "/api/services/")
	if r.Method != http.MethodPost || !ok || strings.Count(service, "/") != 1 {
		s.Violate("%s %s: Herald must POST /api/services/{domain}/{service}", r.Method, r.URL.Path)
		NotFound.Write(w, "")
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q (?return_response would change the answer)", r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		s.Violate("body is not JSON: %v", err)
		writeJSON(w, 400, map[string]string{"message": "Data should be valid JSON."})
		return
	}
	keys, known := schemas[service]
	if !known {
		// ServiceNotFound: aiohttp's bare 400.
		BadRequest.Write(w, "")
		return
	}
	acc, valid := s.check(service, keys, req)
	if !valid {
		BadRequest.Write(w, "")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json")
		return
	}
	s.Accept(acc)
	writeJSON(w, 200, []any{})
}

// check applies the action's schema as voluptuous does: extra keys and
// wrong types are refused, message is required.
func (s *Server) check(service string, keys []string, req map[string]any) (Accepted, bool) {
	acc := Accepted{Service: service, Raw: req}
	valid := true
	for k, v := range req {
		switch {
		case !slices.Contains(keys, k):
			s.Violate("%s: extra key %q not allowed", service, k)
			valid = false
		case k == "data":
			d, isObj := v.(map[string]any)
			if !isObj {
				s.Violate("data is %T, want an object", v)
				valid = false
			}
			acc.Data = d
		case k == "target":
		default:
			str, isStr := v.(string)
			if !isStr {
				s.Violate("%s is %T, want a string", k, v)
				valid = false
			}
			if k == "title" && str == "" {
				s.Violate("title is empty; omit it")
			}
		}
	}
	acc.Title, _ = req["title"].(string)
	acc.Text, _ = req["message"].(string)
	if _, has := req["message"]; !has {
		s.Violate("message is required")
		valid = false
	}
	return acc, valid
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
