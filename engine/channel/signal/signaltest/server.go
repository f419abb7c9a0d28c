// Package signaltest is a fake signal-cli-rest-api server for tests. It
// serves POST /v2/send as the project's swagger and src/api document it:
// a JSON SendMessageV2 body (message, number, recipients, text_mode), the
// registered number, the recipient rules of its client (numbers and UUIDs
// together, one group per request, group ids as group.<base64>), and
// answers 201 {"timestamp": …} or 400 {"error": …}. A reverse proxy's
// basic authentication can be required with RequireAuth.
package signaltest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed account of the fake.
const (
	// Number is the number registered on the server.
	Number = "+4915112345678"
	// Friend is a number the tests send to.
	Friend = "+4915187654321"
	// Timestamp is the first message's timestamp; later ones count up.
	Timestamp = 1700000000000
)

// Group is the id of the one group Number is in, as GET /v1/groups lists
// it: "group." and the base64 of signal-cli's base64 of 32 bytes.
var Group = "group." + base64.StdEncoding.EncodeToString([]byte(base64.StdEncoding.EncodeToString([]byte("herald-fake-group-id-32-bytes-ok"))))

// Answer is one scripted reply, written verbatim.
type Answer = channeltest.Answer

// Errors answers the REST API's {"error": msg} with status.
func Errors(status int, msg string) Answer {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return Answer{Status: status, Body: string(b)}
}

// RateLimited is 429: Signal rate-limited the account and asks for a
// challenge (the REST API's own wording).
var RateLimited = Answer{Status: 429, Body: `{"account":"` + Number + `","challenge_tokens":["d1e2a3d4"],"error":"Failed to send message due to rate limiting. Use the attached challenge tokens to lift the rate limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint."}`}

var (
	fields  = []string{"message", "number", "recipients", "recipient", "base64_attachments", "sticker", "mentions", "quote_timestamp", "quote_author", "quote_message", "quote_mentions", "text_mode", "edit_timestamp", "notify_self", "link_preview", "view_once"}
	phoneRe = regexp.MustCompile(`^\+[0-9 ]+$`)
	uuidRe  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// Accepted is one message the fake sent.
type Accepted struct {
	Text       string
	TextMode   string
	Recipients []string
	Raw        map[string]any
}

// Server is the fake signal-cli-rest-api.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu         sync.Mutex
	user, pass string
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// RequireAuth makes the fake ask for basic authentication as a reverse
// proxy in front of it would.
func (s *Server) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// Config returns settings pointing a signal channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{"server": s.URL, "number": Number, "recipients": Friend}
}

func reply(w http.ResponseWriter, a Answer) { a.Write(w, "application/json; charset=utf-8") }

func (s *Server) authorized(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, p, ok := r.BasicAuth()
	if s.user == "" {
		if ok {
			s.Violate("basic authentication sent to a server that does not ask for it")
		}
		return true
	}
	return ok && u == s.user && p == s.pass
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="signal"`)
		Answer{Status: 401, Body: "<html><body><h1>401 Authorization Required</h1></body></html>", Header: http.Header{"Content-Type": {"text/html"}}}.Write(w, "")
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v2/send" {
		s.Violate("%s %s: Herald must POST /v2/send", r.Method, r.URL.Path)
		reply(w, Answer{Status: 404, Body: "404 page not found", Header: http.Header{"Content-Type": {"text/plain"}}})
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: the body carries everything", r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		s.Violate("body is not a JSON object: %v", err)
		reply(w, Errors(400, "Couldn't process request - invalid request"))
		return
	}
	acc, msg := s.check(req)
	if msg != "" {
		reply(w, Errors(400, msg))
		return
	}
	if a, ok := s.Next(); ok {
		reply(w, a)
		return
	}
	acc.Raw = req
	n := s.Accept(acc)
	reply(w, Answer{Status: 201, Body: fmt.Sprintf(`{"timestamp":"%d"}`, Timestamp+n)})
}

// check applies gin's binding and the client's rules; it returns the REST
// API's error text, or "".
func (s *Server) check(req map[string]any) (Accepted, string) {
	var acc Accepted
	const invalid = "Couldn't process request - invalid request"
	for k := range req {
		if !slices.Contains(fields, k) {
			s.Violate("unknown field %q", k)
		}
	}
	for _, k := range []string{"message", "number", "text_mode"} {
		if v, has := req[k]; has {
			if _, isStr := v.(string); !isStr {
				s.Violate("%s is %T, want a string", k, v)
				return acc, invalid
			}
		}
	}
	acc.Text, _ = req["message"].(string)
	acc.TextMode, _ = req["text_mode"].(string)
	number, _ := req["number"].(string)
	switch acc.TextMode {
	case "normal", "styled":
	case "":
		s.Violate("text_mode missing: the server's DEFAULT_SIGNAL_TEXT_MODE would decide")
	default:
		s.Violate("text_mode %q, want normal or styled", acc.TextMode)
		return acc, invalid
	}
	list, isList := req["recipients"].([]any)
	if !isList {
		s.Violate("recipients is %T, want an array of strings", req["recipients"])
		return acc, invalid
	}
	for _, v := range list {
		r, isStr := v.(string)
		if !isStr {
			s.Violate("recipient %v is not a string", v)
			return acc, invalid
		}
		acc.Recipients = append(acc.Recipients, r)
	}
	switch {
	case len(acc.Recipients) == 0:
		s.Violate("no recipients")
		return acc, "Couldn't process request - please provide at least one recipient"
	case number == "":
		s.Violate("no number")
		return acc, "Couldn't process request - please provide a valid number"
	case strings.TrimSpace(acc.Text) == "":
		s.Violate("empty message")
	}
	if msg := s.checkRecipients(acc.Recipients); msg != "" {
		return acc, msg
	}
	if number != Number {
		return acc, fmt.Sprintf("User %s is not registered.", number)
	}
	return acc, ""
}

// checkRecipients applies the client's rules (client.go SendV2).
func (s *Server) checkRecipients(rs []string) string {
	var groups, direct int
	for _, r := range rs {
		switch {
		case strings.HasPrefix(r, "group."):
			groups++
			if r != Group {
				// The wording of the unknown group is the fake's own.
				return "Failed to send message: Unknown group " + r
			}
		case phoneRe.MatchString(r), uuidRe.MatchString(r):
			direct++
		default:
			s.Violate("recipient %q is neither a number, a UUID nor a group", r)
			return "Invalid recipient type"
		}
	}
	switch {
	case groups > 0 && direct > 0:
		s.Violate("groups and numbers in one request")
		return "Signal Messenger Groups and phone numbers cannot be specified together in one request! Please split them up into multiple REST API calls."
	case groups > 1:
		s.Violate("%d groups in one request", groups)
		return "A signal message cannot be sent to more than one group at once! Please use multiple REST API calls for that."
	}
	return ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
