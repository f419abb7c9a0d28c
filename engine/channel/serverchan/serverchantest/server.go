// Package serverchantest is a fake ServerChan API for tests: it serves the
// Turbo form POST /{key}.send and the Server酱³ form POST /send/{key}.send,
// checks each request against the documented contract and answers the way
// ServerChan does.
package serverchantest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed credentials the fake accepts.
const (
	TurboKey = "SCT4242TfakeTurboSendKey0123456789"
	UID      = "4242"
	SC3Key   = "sctp4242tfakeSC3SendKey0123456789"
)

// Documented limits the fake enforces.
const (
	TitleMax = 32        // characters
	DespMax  = 32 * 1024 // bytes
	ShortMax = 64        // characters
)

// Answer is a scripted reply.
type Answer = channeltest.Answer

// QuotaExceeded is ServerChan's answer once the daily send limit is reached.
func QuotaExceeded() Answer {
	return jsonAnswer(http.StatusBadRequest, `{"code":40001,"message":"[AUTH]超过当天的发送次数限制[5]","info":"超过当天的发送次数限制[5]","args":[null]}`)
}

// BadKey is ServerChan's answer to an unknown SendKey.
func BadKey() Answer {
	return jsonAnswer(http.StatusBadRequest, `{"message":"[AUTH]用户不存在或者权限不足","code":40001,"info":"用户不存在或者权限不足","args":[null]}`)
}

// DataErrno is a Turbo answer with code 0 whose data carries a failure.
func DataErrno(errno int, msg string) Answer {
	b, _ := json.Marshal(map[string]any{"code": 0, "message": "", "data": map[string]any{"pushid": "", "readkey": "", "error": msg, "errno": errno}})
	return jsonAnswer(http.StatusOK, string(b))
}

// TooManyRequests is the gateway's per-IP rate limit.
func TooManyRequests(retryAfter string) Answer {
	a := Answer{Status: http.StatusTooManyRequests, Header: http.Header{}, Body: "Too Many Requests"}
	if retryAfter != "" {
		a.Header.Set("Retry-After", retryAfter)
	}
	return a
}

// BadGateway is an unreadable 502 from the front proxy.
func BadGateway() Answer {
	return Answer{Status: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html><body>502 Bad Gateway</body></html>"}
}

func jsonAnswer(status int, body string) Answer {
	return Answer{Status: status, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, Body: body}
}

// Accepted is a message the fake took.
type Accepted struct {
	Title string // title as sent
	Text  string // desp as sent
	Short string
	Key   string
	SC3   bool // sent in the Server酱³ URL form
	Raw   map[string]any
}

// Server is the fake.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake and closes it when t ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).serve)
}

// Config points a serverchan channel at the fake with the Turbo key.
func (s *Server) Config() map[string]string {
	return map[string]string{"sendkey": TurboKey, "api": s.URL}
}

// ConfigSC3 points a serverchan channel at the fake with the Server酱³ key.
func (s *Server) ConfigSC3() map[string]string {
	return map[string]string{"sendkey": SC3Key, "api": s.URL}
}

var (
	turboPath = regexp.MustCompile(`^/([^/]+)\.send$`)
	sc3Path   = regexp.MustCompile(`^/send/([^/]+)\.send$`)
	channelRe = regexp.MustCompile(`^\d+(\|\d+)?$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var key string
	var sc3 bool
	if m := sc3Path.FindStringSubmatch(r.URL.Path); m != nil {
		key, sc3 = m[1], true
	} else if m := turboPath.FindStringSubmatch(r.URL.Path); m != nil {
		key = m[1]
	} else {
		s.reject(w, http.StatusNotFound, "path %q is neither /{key}.send nor /send/{key}.send", r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		s.reject(w, http.StatusMethodNotAllowed, "method %s: Herald must POST (GET has length limits)", r.Method)
		return
	}
	if r.URL.RawQuery != "" {
		s.reject(w, http.StatusBadRequest, "unexpected query %q: parameters belong in the JSON body", r.URL.RawQuery)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.reject(w, http.StatusBadRequest, "Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.reject(w, http.StatusBadRequest, "read body: %v", err)
		return
	}
	raw, problems := checkBody(data, sc3)
	if len(problems) > 0 {
		s.reject(w, http.StatusBadRequest, "%s", strings.Join(problems, "; "))
		return
	}
	// The uid of a Server酱³ key is its host; a key in the wrong URL form
	// would reach a server that does not know it.
	switch {
	case sc3 && key == TurboKey:
		s.Violate("Turbo key sent in the Server酱³ URL form /send/{key}.send")
		BadKey().Write(w, "")
		return
	case !sc3 && key == SC3Key:
		s.Violate("Server酱³ key sent in the Turbo URL form /{key}.send")
		BadKey().Write(w, "")
		return
	}

	if a, ok := s.Next(); ok {
		a.Write(w, "")
		return
	}
	if (sc3 && key != SC3Key) || (!sc3 && key != TurboKey) {
		BadKey().Write(w, "")
		return
	}
	acc := Accepted{Key: key, SC3: sc3, Raw: raw}
	acc.Title, _ = raw["title"].(string)
	acc.Text, _ = raw["desp"].(string)
	acc.Short, _ = raw["short"].(string)
	id := s.Accept(acc)

	var body []byte
	if sc3 {
		body, _ = json.Marshal(map[string]any{"code": 0, "message": "", "data": map[string]any{"pushid": strconv.Itoa(id)}})
	} else {
		body, _ = json.Marshal(map[string]any{"code": 0, "message": "", "data": map[string]any{
			"pushid": strconv.Itoa(id), "readkey": "fakeReadKey", "error": "SUCCESS", "errno": 0}})
	}
	jsonAnswer(http.StatusOK, string(body)).Write(w, "")
}

// checkBody checks the JSON body field by field against the API page.
func checkBody(data []byte, sc3 bool) (map[string]any, []string) {
	if !utf8.Valid(data) {
		return nil, []string{"body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, []string{"body is not a JSON object: " + err.Error()}
	}
	if dec.More() {
		return nil, []string{"trailing data after the JSON object"}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	allowed := map[string]bool{"title": true, "desp": true, "short": true, "noip": true, "channel": true, "openid": true}
	if sc3 {
		allowed = map[string]bool{"title": true, "desp": true, "short": true, "tags": true}
	}
	for k := range raw {
		if !allowed[k] {
			bad("field %q is not part of the %s API", k, map[bool]string{true: "Server酱³", false: "Turbo"}[sc3])
		}
	}
	str := func(k string) (string, bool) {
		v, ok := raw[k]
		if !ok {
			return "", false
		}
		s, isStr := v.(string)
		if !isStr {
			bad("%s must be a JSON string, got %T", k, v)
		}
		return s, isStr
	}
	title, ok := str("title")
	switch {
	case !ok && raw["title"] == nil:
		bad("title is required")
	case ok && strings.TrimSpace(title) == "":
		bad("title is empty")
	case ok && utf8.RuneCountInString(title) > TitleMax:
		bad("title has %d characters, max %d", utf8.RuneCountInString(title), TitleMax)
	}
	if desp, ok := str("desp"); ok && len(desp) > DespMax {
		bad("desp has %d bytes, max %d", len(desp), DespMax)
	}
	if short, ok := str("short"); ok && utf8.RuneCountInString(short) > ShortMax {
		bad("short has %d characters, max %d", utf8.RuneCountInString(short), ShortMax)
	}
	if ch, ok := str("channel"); ok && !channelRe.MatchString(ch) {
		bad("channel %q must be one or two numbers separated by |", ch)
	}
	str("tags")
	str("openid")
	if v, ok := raw["noip"]; ok {
		if n, isNum := v.(json.Number); !isNum || (n.String() != "1" && n.String() != "0") {
			bad("noip must be the number 1 (or 0), got %v", v)
		}
	}
	return raw, problems
}

func (s *Server) reject(w http.ResponseWriter, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.Violate("%s", msg)
	http.Error(w, "fake serverchan: "+msg, status)
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
