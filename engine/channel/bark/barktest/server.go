// Package barktest is a fake bark-server for tests. It serves the V2 API
// (POST /push with a JSON body) as Finb/bark-server does: it checks the
// device key, builds the APNs payload the real server would and enforces
// APNs' 4096-byte limit, and answers in bark-server's words.
package barktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// DeviceKey is the one device the fake knows.
const DeviceKey = "hErAlDtEsTdEvIcEkEy01x"

// APNsMax is APNs' payload limit (apns.PayloadMaximum in bark-server).
const APNsMax = 4096

// Answer scripts the fake's reply to one request. The zero Answer handles the
// request normally. Otherwise the request is still checked but not accepted,
// and the fake replies with Status and bark-server's
// {"code":Status,"message":Message,"timestamp":…}, or with Raw verbatim.
type Answer struct {
	Status  int
	Message string
	Raw     string
}

// PushFailed is bark-server's answer when APNs refuses or cannot be reached.
func PushFailed(reason string) Answer {
	return Answer{Status: 500, Message: "push failed: " + reason}
}

// Accepted is one push the fake delivered.
type Accepted struct {
	Title        string
	Text         string // body, or markdown when Markdown
	Markdown     bool
	Raw          map[string]any // the request body
	PayloadBytes int            // size of the APNs payload bark-server would send
}

// Server is the fake bark-server.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu         sync.Mutex
	user, pass string
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns settings pointing a bark channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{"url": s.URL + "/" + DeviceKey, "api": s.URL}
}

// RequireBasicAuth makes the fake behave like bark-server started with
// --user and --password: other requests get 418 "I'm a teapot".
func (s *Server) RequireBasicAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// stringFields are the documented V2 fields that take strings (badge takes
// an integer, device_keys an array; Herald sends neither).
var stringFields = []string{"title", "subtitle", "body", "markdown", "device_key", "level", "volume", "call",
	"autoCopy", "copy", "sound", "icon", "image", "group", "ciphertext", "isArchive", "url", "action", "id", "delete", "ttl"}

var levels = []string{"critical", "active", "timeSensitive", "passive"}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	user, pass := s.user, s.pass
	s.mu.Unlock()
	if user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, "I'm a teapot")
			return
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/push" {
		s.Violate("%s %s: Herald must use POST /push", r.Method, r.URL.Path)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, "Cannot %s %s", r.Method, r.URL.Path)
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: fields belong in the JSON body", r.URL.RawQuery)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		// Without a JSON content type bark-server takes the V1 path, which
		// finds no device key in a /push request.
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		reply(w, 400, "device key is empty")
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil {
		s.Violate("body is not a JSON object: %v", err)
		reply(w, 400, "request bind failed: "+err.Error())
		return
	}

	for k, v := range req {
		if !slices.Contains(stringFields, k) {
			s.Violate("unknown field %q", k)
			continue
		}
		str, ok := v.(string)
		switch {
		case !ok:
			s.Violate("field %q is %T, want a string", k, v)
		case str == "":
			s.Violate("field %q is empty; omit empty fields", k)
		}
	}
	key, _ := req["device_key"].(string)
	if key == "" {
		s.Violate("device_key missing")
		reply(w, 400, "device key is empty")
		return
	}
	if lv, ok := req["level"].(string); ok && !slices.Contains(levels, lv) {
		s.Violate("level %q is not one of %v", lv, levels)
	}
	if v, ok := req["isArchive"].(string); ok && v != "1" && v != "0" {
		s.Violate("isArchive %q: Herald sends 1 (save) or 0 (do not)", v)
	}
	if _, both := req["markdown"]; both && req["body"] != nil {
		s.Violate("both body and markdown sent; markdown makes Bark ignore body")
	}
	for _, k := range []string{"icon", "image"} {
		if v, ok := req[k].(string); ok {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				s.Violate("%s %q is not an http(s) URL", k, v)
			}
		}
	}
	if v, ok := req["url"].(string); ok {
		if u, err := url.Parse(v); err != nil || u.Scheme == "" {
			s.Violate("url %q has no scheme", v)
		}
	}
	if key != DeviceKey {
		// bark-server's bbolt store words it so, key included.
		reply(w, 400, fmt.Sprintf("failed to get device token: failed to get [%s] device token from database", key))
		return
	}
	payload := APNsPayload(req)
	if len(payload) > APNsMax {
		s.Violate("APNs payload is %d bytes, over %d", len(payload), APNsMax)
		reply(w, 500, "push failed: PayloadTooLarge")
		return
	}
	if a, ok := s.Next(); ok {
		if a.Raw != "" {
			w.WriteHeader(a.Status)
			_, _ = io.WriteString(w, a.Raw)
			return
		}
		reply(w, a.Status, a.Message)
		return
	}
	acc := Accepted{Raw: req, PayloadBytes: len(payload)}
	acc.Title, _ = req["title"].(string)
	acc.Text, _ = req["body"].(string)
	if md, ok := req["markdown"].(string); ok {
		acc.Text, acc.Markdown = md, true
	}
	s.Accept(acc)
	reply(w, 200, "success")
}

// reply writes bark-server's CommonResp.
func reply(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "timestamp": time.Now().Unix()})
}

// APNsPayload builds the APNs payload bark-server's push and apns.Push make
// from a V2 request: title, subtitle and body in aps.alert ("Empty Message"
// when all are empty), sound with ".caf" appended (default "1107"), the
// group also as thread-id, every other field as a lower-cased custom key.
func APNsPayload(req map[string]any) []byte {
	alert := map[string]string{}
	sound := "1107"
	ext := map[string]any{}
	for k, v := range req {
		str, isString := v.(string)
		if !isString {
			ext[k] = v
			continue
		}
		switch strings.ToLower(k) {
		case "device_key":
		case "title", "subtitle", "body":
			if str != "" {
				alert[strings.ToLower(k)] = str
			}
		case "sound":
			sound = strings.TrimSuffix(str, ".caf") + ".caf"
		case "id":
			ext["id"] = str
		default:
			ext[strings.ToLower(k)] = str
		}
	}
	if len(alert) == 0 {
		alert["body"] = "Empty Message"
	}
	aps := map[string]any{"alert": alert, "sound": sound, "category": "myNotificationCategory", "mutable-content": 1}
	if g, ok := ext["group"].(string); ok {
		aps["thread-id"] = g
	}
	p := map[string]any{}
	for k, v := range ext {
		p[strings.ToLower(k)] = fmt.Sprintf("%v", v)
	}
	p["aps"] = aps
	data, _ := json.Marshal(p)
	return data
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
