// Package matrixtest is a fake Matrix homeserver for tests. It serves the
// two Client-Server API v3 endpoints Herald uses, checks each request the
// way the spec documents it (bearer token, path escaping, event content,
// the 65536-byte event limit) and answers with the spec's error codes. A
// transaction id sent again gets the first event's id back and posts
// nothing, as the spec's idempotency rule says.
package matrixtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixture values.
const (
	Token  = "syt_aGVyYWxk_FakeTokenValue0123_1a2B3c"
	RoomID = "!fakeRoomOpaque:example.org"
	Alias  = "#alerts:example.org"
	User   = "@herald:example.org"
)

// MaxEvent is the spec's limit of a whole event, in bytes.
const MaxEvent = 65536

// Answer is one scripted reply to a send.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// LimitExceeded is Synapse's 429 with both waits.
	LimitExceeded = Answer{Status: 429, Body: `{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":2500}`,
		Header: http.Header{"Retry-After": {"3"}}}
	// LimitExceededBody is an older server's 429: the wait only in the body.
	LimitExceededBody = Answer{Status: 429, Body: `{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":2500}`}
	// BadGateway is what a reverse proxy answers when the homeserver is down.
	BadGateway = channeltest.BadGateway
)

// Accepted is one event the fake posted.
type Accepted struct {
	Room    string
	TxnID   string
	EventID string
	Content map[string]any
	MsgType string
	Text    string // body, the plain text
	HTML    string // formatted_body
}

// Server is the fake homeserver.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu        sync.Mutex
	txns      map[string]string // txnId → event id
	repeats   int
	lookups   int
	aliasGone bool // the room directory no longer maps Alias
}

// NewServer starts a fake homeserver; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{txns: map[string]string{}}, (*Server).handle)
}

// Config returns raw settings pointing a matrix channel at s and RoomID.
func (s *Server) Config() map[string]string {
	return map[string]string{"homeserver": s.URL, "access_token": Token, "room": RoomID}
}

// Repeats counts sends that reused a transaction id (answered, not posted).
func (s *Server) Repeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repeats
}

// RemoveAlias makes the room directory forget Alias.
func (s *Server) RemoveAlias() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aliasGone = true
}

// Lookups counts alias look-ups in the room directory.
func (s *Server) Lookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups
}

// writeError answers with the spec's standard error JSON.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	data, _ := json.Marshal(map[string]any{"errcode": code, "error": msg})
	w.Write(data)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	data, _ := json.Marshal(v)
	w.Write(data)
}

const prefix = "/_matrix/client/v3/"

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
	if !ok {
		s.Violate("path %q outside %s", r.URL.EscapedPath(), prefix)
		writeError(w, http.StatusNotFound, "M_UNRECOGNIZED", "Unrecognized request")
		return
	}
	segs := strings.Split(rest, "/")
	for i, seg := range segs {
		un, err := url.PathUnescape(seg)
		if err != nil {
			s.Violate("path segment %q is badly escaped", seg)
		}
		segs[i] = un
	}
	if !s.authorized(w, r) {
		return
	}
	switch {
	case len(segs) == 3 && segs[0] == "directory" && segs[1] == "room":
		s.directory(w, r, segs[2])
	case len(segs) == 5 && segs[0] == "rooms" && segs[2] == "send":
		s.send(w, r, segs[1], segs[3], segs[4])
	default:
		s.Violate("%s %s is not an endpoint Herald should use", r.Method, r.URL.EscapedPath())
		writeError(w, http.StatusNotFound, "M_UNRECOGNIZED", "Unrecognized request")
	}
}

// authorized checks the Authorization header (the spec's recommended
// form; ?access_token= is deprecated and would put the token in logs).
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Has("access_token") {
		s.Violate("access token in the query string")
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		s.Violate("no Authorization header")
		writeError(w, http.StatusUnauthorized, "M_MISSING_TOKEN", "Missing access token")
		return false
	}
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		s.Violate("Authorization %q is not Bearer", strings.Fields(auth + " x")[0])
		writeError(w, http.StatusUnauthorized, "M_MISSING_TOKEN", "Missing access token")
		return false
	}
	if tok != Token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false}`))
		return false
	}
	return true
}

func (s *Server) directory(w http.ResponseWriter, r *http.Request, alias string) {
	if r.Method != http.MethodGet {
		s.Violate("method %s on the room directory, want GET", r.Method)
		writeError(w, http.StatusMethodNotAllowed, "M_UNRECOGNIZED", "Unrecognized request")
		return
	}
	if !strings.HasPrefix(alias, "#") || !strings.Contains(alias, ":") {
		s.Violate("room alias %q is not #name:server", alias)
		writeError(w, http.StatusBadRequest, "M_INVALID_PARAM", "Room alias invalid")
		return
	}
	s.mu.Lock()
	s.lookups++
	gone := s.aliasGone
	s.mu.Unlock()
	if alias != Alias || gone {
		writeError(w, http.StatusNotFound, "M_NOT_FOUND", fmt.Sprintf("Room alias %s not found", alias))
		return
	}
	writeJSON(w, map[string]any{"room_id": RoomID, "servers": []string{"example.org"}})
}

func (s *Server) send(w http.ResponseWriter, r *http.Request, room, eventType, txn string) {
	if r.Method != http.MethodPut {
		s.Violate("method %s on send, want PUT", r.Method)
		writeError(w, http.StatusMethodNotAllowed, "M_UNRECOGNIZED", "Unrecognized request")
		return
	}
	if eventType != "m.room.message" {
		s.Violate("event type %q, want m.room.message", eventType)
	}
	if txn == "" {
		s.Violate("empty transaction id")
	}
	if !strings.HasPrefix(room, "!") {
		s.Violate("room %q is not a room id (!…): aliases must be resolved first", room)
		writeError(w, http.StatusBadRequest, "M_INVALID_PARAM", room+" was not legal room ID or room alias")
		return
	}
	if room != RoomID {
		writeError(w, http.StatusForbidden, "M_FORBIDDEN", fmt.Sprintf("User %s not in room %s", User, room))
		return
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		writeError(w, http.StatusBadRequest, "M_NOT_JSON", "Content not JSON.")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	event, seen := s.txns[txn]
	if seen {
		s.repeats++
	}
	s.mu.Unlock()
	if seen {
		// The spec's idempotency: the same transaction gets the same
		// answer, and no second event.
		writeJSON(w, map[string]string{"event_id": event})
		return
	}
	if len(body) > MaxEvent {
		s.Violate("content is %d bytes, over the %d-byte event limit", len(body), MaxEvent)
		writeError(w, http.StatusRequestEntityTooLarge, "M_TOO_LARGE", "event too large")
		return
	}
	acc, problems := parse(body)
	if len(problems) > 0 {
		s.Violate("content: %s", strings.Join(problems, "; "))
		writeError(w, http.StatusBadRequest, "M_BAD_JSON", strings.Join(problems, "; "))
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json")
		return
	}
	acc.Room, acc.TxnID = room, txn
	n := s.Accept(acc)
	acc.EventID = fmt.Sprintf("$event%d", n)
	s.mu.Lock()
	s.txns[txn] = acc.EventID
	s.mu.Unlock()
	writeJSON(w, map[string]string{"event_id": acc.EventID})
}

// parse checks m.room.message content of msgtype m.text or m.notice.
func parse(body []byte) (Accepted, []string) {
	var acc Accepted
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !utf8.Valid(body) {
		return acc, []string{"not UTF-8"}
	}
	if err := json.Unmarshal(body, &acc.Content); err != nil {
		return acc, []string{"not a JSON object: " + err.Error()}
	}
	c := acc.Content
	for k := range c {
		switch k {
		case "msgtype", "body", "format", "formatted_body":
		default:
			bad("unexpected key %q", k)
		}
	}
	var ok bool
	if acc.MsgType, ok = c["msgtype"].(string); !ok || (acc.MsgType != "m.text" && acc.MsgType != "m.notice") {
		bad("msgtype %v, want m.text or m.notice", c["msgtype"])
	}
	if acc.Text, ok = c["body"].(string); !ok {
		bad("body is %T, want a string", c["body"])
	} else if strings.TrimSpace(acc.Text) == "" {
		bad("body is empty")
	}
	format, hasFormat := c["format"]
	acc.HTML, ok = c["formatted_body"].(string)
	switch {
	case hasFormat && format != "org.matrix.custom.html":
		bad("format %v, want org.matrix.custom.html", format)
	case hasFormat != ok:
		bad("format and formatted_body go together (format %t, formatted_body %t)", hasFormat, ok)
	}
	return acc, problems
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
