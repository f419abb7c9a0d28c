// Package pushbullettest is a fake Pushbullet API for tests. It serves
// POST /v2/pushes as docs.pushbullet.com documents it: the Access-Token
// header, a JSON body of type note with string fields, at most one target
// (device_iden, email, channel_tag, client_iden), and answers the created
// push or Pushbullet's {"error":{"code","message","type","cat"}} errors
// with the X-Ratelimit-* headers.
package pushbullettest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed account of the fake.
const (
	Token      = "o.HeraldFakeAccessToken0123456789"
	Device     = "ujpah72o0sjAoRtnM0jc"
	ChannelTag = "herald-alerts"
	UserEmail  = "me@example.com"
	// Reset is the Unix time the headers say the rate limit is renewed.
	Reset = 1893456000
)

// Answer is one scripted reply, written verbatim.
type Answer = channeltest.Answer

// Errors answers a Pushbullet error body of status with code and message.
func Errors(status int, code, msg string) Answer {
	typ := "invalid_request"
	if status >= 500 {
		typ = "server"
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg, "type": typ, "cat": "~(=^‥^)"}, "error_code": code})
	return Answer{Status: status, Body: string(b)}
}

// Documented answers for FailNext.
var (
	// RateLimited is 429 when the account used its ratelimit units.
	RateLimited = func() Answer {
		a := Errors(429, "ratelimited", "You have been ratelimited for making too many requests to the server.")
		a.Header = http.Header{"X-Ratelimit-Limit": {"16384"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.Itoa(Reset)}}
		return a
	}()
	// Forbidden is 403: a token that may not push (revoked, or an OAuth
	// token without the scope).
	Forbidden = Errors(403, "forbidden", "The access token does not have permission to do this.")
	// ServerError is Pushbullet's own failure.
	ServerError = Errors(500, "server_error", "Something went wrong on our end.")
)

var (
	fields  = []string{"type", "title", "body", "url", "device_iden", "email", "channel_tag", "client_iden", "source_device_iden", "guid", "file_name", "file_type", "file_url"}
	targets = []string{"device_iden", "email", "channel_tag", "client_iden"}
)

// Accepted is one push the fake created.
type Accepted struct {
	Title, Text string // title and body
	Target      string // "key=value" of the target, "" for all devices
	Raw         map[string]any
}

// Server is the fake Pushbullet.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns settings pointing a pushbullet channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{"token": Token, "api": s.URL}
}

func reply(w http.ResponseWriter, a Answer) { a.Write(w, "application/json; charset=utf-8") }

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/pushes" {
		s.Violate("%s %s: Herald must POST /v2/pushes", r.Method, r.URL.Path)
		reply(w, Errors(404, "not_found", "The resource could not be found."))
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: everything belongs in the JSON body", r.URL.RawQuery)
	}
	if _, _, basic := r.BasicAuth(); basic || r.Header.Get("Authorization") != "" {
		s.Violate("Authorization header sent: Herald must use the Access-Token header")
	}
	if r.Header.Get("Access-Token") != Token {
		reply(w, Errors(401, "invalid_access_token", "Access token is missing or invalid."))
		return
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		reply(w, Errors(400, "invalid_request", "Content-Type must be application/json."))
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		s.Violate("body is not a JSON object: %v", err)
		reply(w, Errors(400, "invalid_json", "Failed to decode JSON body."))
		return
	}
	acc, problem := s.check(req)
	if problem != "" {
		reply(w, Errors(400, "invalid_param", problem))
		return
	}
	if a, ok := s.Next(); ok {
		reply(w, a)
		return
	}
	acc.Raw = req
	n := s.Accept(acc)
	w.Header().Set("X-Ratelimit-Limit", "16384")
	w.Header().Set("X-Ratelimit-Remaining", strconv.Itoa(16384-n))
	w.Header().Set("X-Ratelimit-Reset", strconv.Itoa(Reset))
	out := map[string]any{"active": true, "iden": fmt.Sprintf("ujpah72o0sjAoRtnM%04d", n), "type": "note", "dismissed": false,
		"direction": "self", "sender_email": UserEmail, "created": 1.4e9, "modified": 1.4e9}
	for k, v := range req {
		out[k] = v
	}
	b, _ := json.Marshal(out)
	reply(w, Answer{Body: string(b)})
}

// check validates the push; it returns Pushbullet's refusal text, or "".
func (s *Server) check(req map[string]any) (Accepted, string) {
	var acc Accepted
	str := map[string]string{}
	for k, v := range req {
		if !slices.Contains(fields, k) {
			s.Violate("unknown field %q", k)
			continue
		}
		sv, isStr := v.(string)
		if !isStr {
			s.Violate("field %q is %T, want a string", k, v)
			return acc, fmt.Sprintf("Invalid value for parameter %q.", k)
		}
		if sv == "" {
			s.Violate("field %q is empty; omit it", k)
		}
		str[k] = sv
	}
	if str["type"] != "note" {
		s.Violate("type %q, want note", str["type"])
		return acc, "Push type is missing or invalid."
	}
	if str["title"] == "" && str["body"] == "" {
		s.Violate("note without title and body")
	}
	var set []string
	for _, k := range targets {
		if v, has := str[k]; has {
			set = append(set, k)
			acc.Target = k + "=" + v
		}
	}
	if len(set) > 1 {
		s.Violate("targets %v: Pushbullet takes at most one", set)
		return acc, "Only one target may be specified."
	}
	switch {
	case str["device_iden"] != "" && str["device_iden"] != Device:
		return acc, "Device not found."
	case str["channel_tag"] != "" && str["channel_tag"] != ChannelTag:
		return acc, "Channel not found."
	case str["email"] != "":
		if a, err := mail.ParseAddress(str["email"]); err != nil || a.Address != str["email"] {
			s.Violate("email %q is not an address", str["email"])
			return acc, "Invalid email address."
		}
	}
	acc.Title, acc.Text = str["title"], str["body"]
	return acc, ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
