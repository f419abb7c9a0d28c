// Package pushdeertest is a fake PushDeer server for tests. It checks each
// request the way PushDeer's push API takes it (POST /message/push, a form
// with pushkey, text, desp and type, text required, type text, markdown
// or image) and answers as PushDeer does: {"code":0,"content":{"result":
// [...]}} with one gateway answer per device, result false for an unknown
// key, and {"code":80501,"error":…} for a request its validation refuses.
package pushdeertest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Key is the fake account's PushKey.
const Key = "PDU4242TfakePushKey0123456789abcdef"

// Answer is one scripted reply.
type Answer = channeltest.Answer

// DeviceOK is the push gateway's answer for a device it pushed to.
const DeviceOK = `{"counts":1,"logs":[],"success":"ok"}`

// DeviceFailed is the gateway's answer for a device whose push failed.
const DeviceFailed = `{"counts":1,"logs":[{"type":"failed-push","platform":"ios","token":"t","message":"m","error":"Unregistered"}],"success":"ok"}`

// Result is PushDeer's success answer with these device answers.
func Result(devices ...string) Answer {
	list, _ := json.Marshal(devices)
	return Answer{Body: `{"code":0,"content":{"result":` + string(list) + `}}`, Header: jsonHeader()}
}

// Documented error answers for FailNext.
var (
	// UnknownKey is PushDeer's answer to a key it does not have.
	UnknownKey = Answer{Body: `{"code":0,"content":{"result":false}}`, Header: jsonHeader()}
	// Remote is code 80502, a failure of a service PushDeer relies on.
	Remote = Answer{Body: `{"code":80502,"error":"推送服务暂时不可用"}`, Header: jsonHeader()}
)

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// The fields PushDeer's push takes and its message types.
var (
	fields = []string{"pushkey", "text", "desp", "type"}
	types  = []string{"text", "markdown", "image"}
)

// Accepted is one message the fake took.
type Accepted struct {
	Title string // the text field: what the notification shows first
	Text  string // desp
	Type  string
	Form  url.Values
}

// Server is the fake PushDeer; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
	// Devices are the gateway answers, one per device of the key; nil is
	// one device that took the push.
	Devices []string
}

// NewServer starts a fake PushDeer that knows Key; it is closed when the
// test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns raw settings pointing a pushdeer channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"key": Key, "api": s.URL}
}

// argsError is PushDeer's answer to a request its validation refuses
// (Laravel's first message under ErrorCode('ARGS')).
func (s *Server) argsError(w http.ResponseWriter, msg, format string, args ...any) {
	s.Violate(format, args...)
	writeJSON(w, map[string]any{"code": 80501, "error": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	out, _ := json.Marshal(v)
	w.Write(out)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Refuse(w, http.StatusMethodNotAllowed, "405 Method Not Allowed", "method %s, want POST", r.Method)
		return
	}
	if r.URL.Path != "/message/push" {
		s.Refuse(w, http.StatusNotFound, "404 Not Found", "path %q, want /message/push", r.URL.Path)
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: the key and the message belong in the form body", r.URL.RawQuery)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.argsError(w, "The pushkey field is required.", "Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.argsError(w, "The pushkey field is required.", "form: %v", err)
		return
	}
	form := r.PostForm
	if msg, problem := check(form); problem != "" {
		s.argsError(w, msg, "%s", problem)
		return
	}
	if form.Get("pushkey") != Key {
		writeJSON(w, map[string]any{"code": 0, "content": map[string]any{"result": false}})
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json")
		return
	}
	devices := s.Devices
	if devices == nil {
		devices = []string{DeviceOK}
	}
	if slices.ContainsFunc(devices, func(d string) bool { return d == DeviceOK }) {
		s.Accept(Accepted{Title: form.Get("text"), Text: form.Get("desp"), Type: form.Get("type"), Form: form})
	}
	writeJSON(w, map[string]any{"code": 0, "content": map[string]any{"result": devices}})
}

// check applies PushDeer's validation (pushkey and text required strings,
// desp and type optional) and the fake's own: no unknown or repeated
// fields, a known type. It returns Laravel's message and the problem.
func check(form url.Values) (msg, problem string) {
	for k, vs := range form {
		if !slices.Contains(fields, k) {
			return "The given data was invalid.", "unknown field " + k
		}
		if len(vs) != 1 {
			return "The given data was invalid.", "field " + k + " given more than once"
		}
	}
	switch {
	case strings.TrimSpace(form.Get("pushkey")) == "":
		return "The pushkey field is required.", "pushkey is missing"
	case strings.TrimSpace(form.Get("text")) == "":
		return "The text field is required.", "text is missing or empty"
	case form.Has("type") && !slices.Contains(types, form.Get("type")):
		return "The selected type is invalid.", "type " + form.Get("type") + ", want text, markdown or image"
	case form.Has("desp") && form.Get("desp") == "":
		// An empty desp is null to Laravel: harmless, but the client
		// should leave it out.
		return "The given data was invalid.", "desp is sent empty"
	}
	return "", ""
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
