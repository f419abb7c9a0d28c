// Package ntfytest is a fake ntfy server for tests. It serves ntfy's JSON
// publishing API (POST / with {"topic":…,"message":…}) the way
// binwiederhier/ntfy does: it authenticates Bearer and Basic credentials,
// applies a topic access list, checks every field and its type, enforces the
// default message and JSON size limits, and answers with ntfy's stored
// message object or its {"code","http","error","link"} errors.
package ntfytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed credentials and topics of the fake.
const (
	// Token is the access token of User.
	Token = "tk_heraldfaketoken00000000000000"
	// User and Password are the fake's one account.
	User     = "herald"
	Password = "herald-fake-pw"
	// Topic is protected: only User (by token or password) may publish;
	// anonymous publishing is refused with 403.
	Topic = "herald_alerts"
	// ReadOnlyTopic refuses every publisher with 403, User included.
	ReadOnlyTopic = "herald_readonly"
	// Every other valid topic is open to anyone, as on a server whose
	// default access is read-write.
)

// Limits of a default ntfy server: a message of MessageLimit bytes or more is
// no longer a message but an attachment, a JSON body of JSONLimit bytes or
// more is refused.
const (
	MessageLimit = 4096
	JSONLimit    = 2 * MessageLimit
)

// Answer scripts the fake's reply to one request that passed the checks (it is
// then not accepted). The fake replies with Status and ntfy's
// {"code":Code,"http":Status,"error":Error,"link":Link}, or with Raw verbatim
// when set; Header is added either way.
type Answer struct {
	Status int
	Code   int
	Error  string
	Link   string
	Header http.Header
	Raw    string
}

const limitsLink = "https://ntfy.sh/docs/publish/#limitations"

// TooManyRequests is ntfy's request rate limit answer (42901); retryAfter,
// if not empty, is sent as a Retry-After header the way a fronting proxy
// may (ntfy itself sends none).
func TooManyRequests(retryAfter string) Answer {
	a := Answer{Status: 429, Code: 42901, Error: "limit reached: too many requests", Link: limitsLink}
	if retryAfter != "" {
		a.Header = http.Header{"Retry-After": {retryAfter}}
	}
	return a
}

// DailyQuota is ntfy's answer once the visitor's daily message quota is used.
func DailyQuota() Answer {
	return Answer{Status: 429, Code: 42908, Error: "limit reached: daily message quota reached", Link: limitsLink}
}

// InternalError is ntfy's answer to an unexpected server failure.
func InternalError() Answer {
	return Answer{Status: 500, Code: 50001, Error: "internal server error"}
}

// InsufficientStorage is ntfy's 507 answer (publishing to a UnifiedPush topic
// without a subscriber).
func InsufficientStorage() Answer {
	return Answer{Status: 507, Code: 50701, Error: "cannot publish to UnifiedPush topic without previously active subscriber"}
}

// TooLarge is ntfy's 413 answer when an attachment or the bandwidth limit is
// exceeded.
func TooLarge() Answer {
	return Answer{Status: 413, Code: 41301, Error: "attachment too large, or bandwidth limit reached", Link: limitsLink}
}

// Accepted is one message the fake published.
type Accepted struct {
	Title    string
	Text     string // the message
	Markdown bool
	Priority int
	Tags     []string
	Attach   string
	// Auth is how the publisher authenticated: "bearer", "basic" or "".
	Auth string
	Raw  map[string]any // the request body, numbers as json.Number
	// JSONBytes is the size of the request body.
	JSONBytes int
}

// Server is the fake ntfy server.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns settings pointing an ntfy channel at the fake's protected
// Topic with Token.
func (s *Server) Config() map[string]string {
	return map[string]string{"server": s.URL, "topic": Topic, "token": Token}
}

var (
	topicRe = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)
	urlRe   = regexp.MustCompile(`^https?://`)
	// schemeRe is what Android can open on a tap: any URL with a scheme.
	schemeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:\S+$`)
	// reserved are ntfy's DefaultDisallowedTopics.
	reserved = []string{"docs", "static", "file", "app", "metrics", "account", "settings", "signup", "login", "v1"}
)

// fieldKinds are the fields of ntfy's publishMessage and the JSON type each
// must have for the server to decode the body.
var fieldKinds = map[string]string{
	"topic": "string", "title": "string", "message": "string", "click": "string", "icon": "string",
	"attach": "string", "filename": "string", "email": "string", "call": "string", "cache": "string",
	"firebase": "string", "delay": "string",
	"priority": "int", "markdown": "bool", "tags": "[]string", "actions": "array",
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if (r.Method != http.MethodPost && r.Method != http.MethodPut) || r.URL.Path != "/" {
		s.Violate("%s %s: Herald must publish JSON with POST /", r.Method, r.URL.Path)
		replyError(w, Answer{Status: 404, Code: 40401, Error: "page not found"})
		return
	}
	if r.URL.RawQuery != "" {
		// ntfy reads publish parameters from the query too; they belong in
		// the JSON body, and the query can end up in logs.
		s.Violate("query %q: everything belongs in the JSON body", r.URL.RawQuery)
	}

	auth, ok := s.authenticate(r)
	if !ok {
		replyError(w, Answer{Status: 401, Code: 40101, Error: "unauthorized", Link: "https://ntfy.sh/docs/publish/#authentication"})
		return
	}

	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if len(body) >= JSONLimit {
		s.Violate("JSON body is %d bytes; ntfy refuses %d or more", len(body), JSONLimit)
		replyError(w, Answer{Status: 413, Code: 41303, Error: "JSON body too large"})
		return
	}
	var req map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil || req == nil {
		s.Violate("body is not a JSON object: %v", err)
		replyError(w, Answer{Status: 400, Code: 40024, Error: "invalid request: request body must be valid JSON"})
		return
	}
	if !s.checkTypes(req) {
		// ntfy decodes into a struct: a wrong type fails the whole body.
		replyError(w, Answer{Status: 400, Code: 40024, Error: "invalid request: request body must be valid JSON"})
		return
	}

	topic, _ := req["topic"].(string)
	if !topicRe.MatchString(topic) {
		s.Violate("topic %q does not match [-_A-Za-z0-9]{1,64}", topic)
		replyError(w, Answer{Status: 400, Code: 40009, Error: "invalid request: topic invalid"})
		return
	}
	if slices.Contains(reserved, topic) {
		s.Violate("topic %q is reserved", topic)
		replyError(w, Answer{Status: 400, Code: 40010, Error: "invalid request: topic name is not allowed"})
		return
	}
	switch {
	case topic == ReadOnlyTopic, topic == Topic && auth == "":
		replyError(w, Answer{Status: 403, Code: 40301, Error: "forbidden", Link: "https://ntfy.sh/docs/publish/#authentication"})
		return
	}

	msg, _ := req["message"].(string)
	attach, _ := req["attach"].(string)
	if msg == "" {
		s.Violate("message missing or empty (ntfy would show \"triggered\")")
	}
	if len(msg) >= MessageLimit {
		s.Violate("message is %d bytes; ntfy treats %d or more as a file", len(msg), MessageLimit)
		if attach == "" {
			// A server without an attachment cache answers so.
			replyError(w, Answer{Status: 400, Code: 40014, Error: "invalid request: attachments not allowed", Link: "https://ntfy.sh/docs/config/#attachments"})
			return
		}
		msg = msg[:MessageLimit] // ntfy keeps what it peeked
	}
	prio := 0
	if p, has := req["priority"]; has {
		n, _ := p.(json.Number).Int64()
		prio = int(n)
		if prio < 1 || prio > 5 {
			s.Violate("priority %d is not 1-5", prio)
			replyError(w, Answer{Status: 400, Code: 40007, Error: "invalid priority parameter", Link: "https://ntfy.sh/docs/publish/#message-priority"})
			return
		}
	}
	if attach != "" && !urlRe.MatchString(attach) {
		s.Violate("attach %q is not an http(s) URL", attach)
		replyError(w, Answer{Status: 400, Code: 40013, Error: "invalid request: attachment URL is invalid", Link: "https://ntfy.sh/docs/publish/#attachments"})
		return
	}
	if icon, ok := req["icon"].(string); ok && !urlRe.MatchString(icon) {
		s.Violate("icon %q is not an http(s) URL", icon)
		replyError(w, Answer{Status: 400, Code: 40021, Error: "invalid request: icon URL is invalid", Link: "https://ntfy.sh/docs/publish/#icons"})
		return
	}
	if click, ok := req["click"].(string); ok && !schemeRe.MatchString(click) {
		s.Violate("click %q is not a URL with a scheme", click)
	}
	var tags []string
	if list, ok := req["tags"].([]any); ok {
		if len(list) == 0 {
			s.Violate("tags is empty; omit it")
		}
		for _, t := range list {
			tag := t.(string)
			if strings.TrimSpace(tag) == "" || strings.Contains(tag, ",") {
				// ntfy passes tags on comma-joined.
				s.Violate("tag %q is empty or holds a comma", tag)
			}
			tags = append(tags, tag)
		}
	}

	if list, ok := req["actions"].([]any); ok && !s.checkActions(list) {
		replyError(w, Answer{Status: 400, Code: 40018, Error: "invalid request: actions invalid", Link: "https://ntfy.sh/docs/publish/#action-buttons"})
		return
	}

	if a, ok := s.Next(); ok {
		replyError(w, a)
		return
	}

	title, _ := req["title"].(string)
	md, _ := req["markdown"].(bool)
	id := s.Accept(Accepted{
		Title: title, Text: msg, Markdown: md, Priority: prio, Tags: tags, Attach: attach,
		Auth: auth, Raw: req, JSONBytes: len(body),
	})
	now := time.Now().Unix()
	out := map[string]any{
		"id":      fmt.Sprintf("hErAlD%06d", id),
		"time":    now,
		"expires": now + 12*3600,
		"event":   "message",
		"topic":   topic,
		"message": strings.TrimSpace(msg),
	}
	if out["message"] == "" {
		out["message"] = "triggered"
	}
	for _, k := range []string{"title", "click", "icon"} {
		if v, ok := req[k].(string); ok && v != "" {
			out[k] = v
		}
	}
	if prio != 0 {
		out["priority"] = prio
	}
	if len(tags) > 0 {
		out["tags"] = tags
	}
	if attach != "" {
		out["attachment"] = map[string]any{"name": "attachment", "url": attach}
	}
	if md {
		out["content_type"] = "text/markdown"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(out)
}

// authenticate reads the Authorization header as ntfy does: Bearer tokens,
// Basic user:password, and Basic with an empty user carrying a token. It
// returns the method used ("" for anonymous) and false for bad credentials.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	lower := strings.ToLower(h)
	switch {
	case h == "":
		return "", true
	case strings.HasPrefix(lower, "bearer "):
		return "bearer", strings.TrimSpace(h[len("bearer "):]) == Token
	case strings.HasPrefix(lower, "basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len("basic "):]))
		if err != nil {
			return "basic", false
		}
		user, pass, found := strings.Cut(string(raw), ":")
		if !found {
			return "basic", false
		}
		if user == "" {
			return "basic", pass == Token
		}
		return "basic", user == User && pass == Password
	}
	// ntfy ignores other schemes and treats the request as anonymous.
	s.Violate("Authorization header is neither Basic nor Bearer")
	return "", true
}

// checkTypes records fields that are unknown to ntfy, empty, or of a type
// ntfy cannot decode; it returns false when the body would not decode.
func (s *Server) checkTypes(req map[string]any) bool {
	ok := true
	for k, v := range req {
		kind, known := fieldKinds[k]
		if !known {
			s.Violate("unknown field %q (ntfy ignores it)", k)
			continue
		}
		good := true
		switch kind {
		case "string":
			str, isStr := v.(string)
			good = isStr
			if isStr && str == "" && k != "message" {
				s.Violate("field %q is empty; omit empty fields", k)
			}
		case "int":
			n, isNum := v.(json.Number)
			_, err := n.Int64()
			good = isNum && err == nil
		case "bool":
			b, isBool := v.(bool)
			good = isBool
			if isBool && !b {
				s.Violate("field %q is false; omit it", k)
			}
		case "[]string":
			list, isList := v.([]any)
			good = isList
			for _, item := range list {
				if _, isStr := item.(string); !isStr {
					good = false
				}
			}
		case "array":
			_, good = v.([]any)
		}
		if !good {
			s.Violate("field %q is %T (%v), want %s", k, v, v, kind)
			ok = false
		}
	}
	return ok
}

// actionKeys are the fields of an action a publisher sends (ntfy adds id).
var actionKeys = []string{"action", "label", "url", "clear", "method", "headers", "body", "intent", "extras"}

// checkActions applies ntfy's rules for action buttons (server/actions.go):
// at most 3; view, http or broadcast; a label; a URL for view and http; no
// body with GET or HEAD.
func (s *Server) checkActions(list []any) bool {
	ok := len(list) > 0 && len(list) <= 3
	if !ok {
		s.Violate("actions holds %d buttons, want 1 to 3", len(list))
	}
	for _, item := range list {
		a, isObj := item.(map[string]any)
		if !isObj {
			s.Violate("action %v is not an object", item)
			ok = false
			continue
		}
		for k := range a {
			if !slices.Contains(actionKeys, k) {
				s.Violate("action field %q unknown", k)
			}
		}
		kind, _ := a["action"].(string)
		label, _ := a["label"].(string)
		u, _ := a["url"].(string)
		method, _ := a["method"].(string)
		body, _ := a["body"].(string)
		switch {
		case kind != "view" && kind != "http" && kind != "broadcast":
			s.Violate("action %q unknown", kind)
			ok = false
		case label == "":
			s.Violate("action without a label")
			ok = false
		case kind != "broadcast" && u == "":
			s.Violate("%s action without a url", kind)
			ok = false
		case kind == "http" && (method == "GET" || method == "HEAD") && body != "":
			s.Violate("http action with a body and method %s", method)
			ok = false
		}
		if c, has := a["clear"]; has {
			if _, isBool := c.(bool); !isBool {
				s.Violate("action clear is %T, want a bool", c)
			}
		}
	}
	return ok
}

// replyError writes ntfy's errHTTP JSON, or a.Raw.
func replyError(w http.ResponseWriter, a Answer) {
	if a.Raw != "" {
		channeltest.Answer{Status: a.Status, Body: a.Raw, Header: a.Header}.Write(w, "")
		return
	}
	for k, vs := range a.Header {
		w.Header()[k] = vs
	}
	e := map[string]any{"code": a.Code, "http": a.Status, "error": a.Error}
	if a.Link != "" {
		e["link"] = a.Link
	}
	data, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(a.Status)
	_, _ = w.Write(append(data, '\n'))
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
