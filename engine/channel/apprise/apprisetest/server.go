// Package apprisetest is a fake Apprise API server (caronc/apprise-api)
// for tests. It serves POST /notify/{key} and the stateless POST /notify/,
// checks each payload the way the server's README and views.py do (body
// required, type and format from their lists, tag syntax, a 3 MB payload
// limit) and answers with the server's status codes and texts, in JSON
// when the client accepts JSON.
package apprisetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixture values.
const (
	Key = "herald-alerts"
	// URL is a stateless Apprise URL whose service the fake pretends to reach.
	URL = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567"
	// BadURL is one whose service fails (a 424).
	BadURL = "json://down.example.com/hook"
	// MaxPayload is APPRISE_UPLOAD_MAX_MEMORY_SIZE's default.
	MaxPayload = 3 << 20
)

// Tags are the fixture configuration's tags.
var Tags = []string{"devops", "admin"}

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// FailedDependency is a run in which a service behind the server failed.
	FailedDependency = Answer{Status: 424, Body: `{"error":"One or more notification could not be sent","details":[["INFO","2026-12-07 04:00:00,000","Loaded 1 entries from memory://"],["WARNING","2026-12-07 04:00:00,100","Failed to send Telegram notification: Unauthorized (401)."]]}`}
	// ConfigIOError is the server failing to read its stored configuration.
	ConfigIOError = Answer{Status: 500, Body: `{"error":"An error occurred accessing configuration"}`}
	// TooLarge is the answer to a payload over MaxPayload.
	TooLarge = Answer{Status: 431, Body: `{"error":"JSON Payload provided is to large"}`}
)

// Accepted is one notification the fake sent on.
type Accepted struct {
	Key     string // "" when stateless
	URLs    string
	Title   string
	Text    string // body
	Type    string
	Format  string
	Tag     string
	Content map[string]any
}

// Server is the fake Apprise API.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu             sync.Mutex
	user, password string // basic auth a proxy in front asks for; "" none
}

// NewServer starts a fake server without authentication.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// RequireAuth makes a reverse proxy in front ask for basic authentication.
func (s *Server) RequireAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.password = user, password
}

// Config returns raw settings pointing an apprise channel at s's stored
// configuration Key.
func (s *Server) Config() map[string]string {
	return map[string]string{"server": s.URL, "key": Key}
}

var (
	keyPath = regexp.MustCompile(`^/notify/([\w-]{1,128})/?$`)
	// tagRe is what parse_tag_expression accepts: words joined by commas
	// (OR) and spaces (AND).
	tagRe   = regexp.MustCompile(`^[\w.:@-]+([ ,]+[\w.:@-]+)*$`)
	types   = []string{"info", "success", "warning", "failure"}
	formats = []string{"text", "markdown", "html"}
)

// wantsJSON is the server's is_json_response: a JSON Accept, or none (or
// */*) with a JSON body.
func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if strings.Contains(accept, "json") {
		return true
	}
	return (accept == "" || strings.HasPrefix(accept, "*/*")) && strings.Contains(r.Header.Get("Content-Type"), "json")
}

// reply answers as the server does: JSON when the client wants it, the
// bare text otherwise.
func reply(w http.ResponseWriter, r *http.Request, status int, msg string, details any) {
	if !wantsJSON(r) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		fmt.Fprint(w, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"error": msg}
	if status == http.StatusOK {
		body["error"] = nil
	}
	if details != nil {
		body["details"] = details
	}
	data, _ := json.Marshal(body)
	w.Write(data)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	key := ""
	if m := keyPath.FindStringSubmatch(r.URL.Path); m != nil {
		key = m[1]
	} else if r.URL.Path != "/notify/" && r.URL.Path != "/notify" {
		s.Violate("path %q, want /notify/{key} or /notify/", r.URL.Path)
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if len(r.URL.Query()) > 0 {
		s.Violate("query %q: Herald sends every field in the JSON body", r.URL.RawQuery)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		reply(w, r, http.StatusBadRequest, "Bad FORM Payload provided", nil)
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	if len(body) > MaxPayload {
		s.Violate("payload of %d bytes, over %d", len(body), MaxPayload)
		reply(w, r, 431, "JSON Payload provided is to large", nil)
		return
	}
	var content map[string]any
	if err := json.Unmarshal(body, &content); err != nil {
		s.Violate("body is not a JSON object: %v", err)
		reply(w, r, http.StatusBadRequest, "Invalid JSON Payload provided", nil)
		return
	}
	acc, status, msg := s.check(key, content)
	if status != 0 {
		reply(w, r, status, msg, nil)
		return
	}
	s.deliver(w, r, acc)
}

// authorized plays the reverse proxy's basic authentication.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	user, password := s.user, s.password
	s.mu.Unlock()
	if user == "" {
		if r.Header.Get("Authorization") != "" {
			s.Violate("Authorization sent to a server that asks for none")
		}
		return true
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	if r.Header.Get("Authorization") != want {
		w.Header().Set("WWW-Authenticate", `Basic realm="Apprise API"`)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, "<html><head><title>401 Authorization Required</title></head><body><center><h1>401 Authorization Required</h1></center><hr><center>nginx</center></body></html>")
		return false
	}
	return true
}

// check validates the payload as NotifyView and StatelessNotifyView do; a
// non-zero status is the server's refusal.
func (s *Server) check(key string, c map[string]any) (Accepted, int, string) {
	acc := Accepted{Key: key, Content: c, Type: "info", Format: "text"}
	allowed := []string{"title", "body", "type", "format", "tag"}
	if key == "" {
		allowed = append(allowed, "urls")
	}
	for k, v := range c {
		if !slices.Contains(allowed, k) {
			s.Violate("unexpected field %q", k)
		}
		if _, ok := v.(string); !ok {
			s.Violate("%s is %T, want a string", k, v)
		}
	}
	str := func(k string) string { v, _ := c[k].(string); return v }
	acc.Title, acc.Text, acc.Tag, acc.URLs = str("title"), str("body"), str("tag"), str("urls")
	if t := str("type"); t != "" {
		acc.Type = t
	}
	if f := str("format"); f != "" {
		acc.Format = f
	}
	if acc.Tag != "" && !tagRe.MatchString(acc.Tag) {
		s.Violate("tag %q", acc.Tag)
		return acc, http.StatusBadRequest, "Unsupported characters found in tag definition"
	}
	if acc.Text == "" || !slices.Contains(types, acc.Type) {
		s.Violate("body %q, type %q: want a body and one of %v", acc.Text, acc.Type, types)
		return acc, http.StatusBadRequest, "Payload lacks minimum requirements"
	}
	if !slices.Contains(formats, acc.Format) {
		s.Violate("format %q, want one of %v", acc.Format, formats)
		return acc, http.StatusBadRequest, "An invalid body input format was specified"
	}
	return acc, 0, ""
}

// deliver plays the notification run: a stored configuration exists only
// under Key; stateless URLs need a scheme the fake knows.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, acc Accepted) {
	if acc.Key == "" {
		if acc.URLs == "" {
			s.Violate("stateless notify without urls")
		}
		if !strings.Contains(acc.URLs, "://") {
			reply(w, r, http.StatusNoContent, "There was no valid URLs provided to notify", nil)
			return
		}
	} else if acc.Key != Key {
		reply(w, r, http.StatusNoContent, "There was no configuration found", nil)
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json")
		return
	}
	if strings.Contains(acc.URLs, BadURL) || (acc.Tag != "" && !matchesTag(acc.Tag)) {
		reply(w, r, http.StatusFailedDependency, "One or more notification could not be sent",
			[][]string{{"WARNING", "2026-12-07 04:00:00,000", "There are no service(s) to notify"}})
		return
	}
	s.Accept(acc)
	reply(w, r, http.StatusOK, "", [][]string{{"INFO", "2026-12-07 04:00:00,000", "Sent notification."}})
}

// matchesTag reports whether any OR-term of tag has all its AND-words
// among Tags.
func matchesTag(tag string) bool {
	for _, or := range strings.Split(tag, ",") {
		words := strings.Fields(or)
		if len(words) > 0 && !slices.ContainsFunc(words, func(w string) bool { return !slices.Contains(Tags, w) }) {
			return true
		}
	}
	return false
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
