// Package dingtalktest is a fake DingTalk custom robot for tests. It checks
// each request the way DingTalk's robot API documents it (access_token,
// signature recomputed from its own secret, JSON shape and types) and answers
// with DingTalk's own error codes and texts.
package dingtalktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// The fake robot's fixed credentials.
const (
	Token  = "7a1e3c5b9d0f2468ace13579bdf02468ace13579bdf02468ace13579bdf0246a"
	Secret = "SEC0fakerobot1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6"
)

// MaxContentBytes is where the fake, like DingTalk (errcode 460101), refuses
// a text.content or markdown.text.
const MaxContentBytes = 20000

// docMore is the link DingTalk appends to its 310000 messages.
const docMore = ", more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// TooFast is DingTalk's per-robot rate limit (20 messages a minute).
	TooFast = Answer{Body: `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`}
	// Busy is DingTalk's generic "system busy".
	Busy = Answer{Body: `{"errcode":-1,"errmsg":"系统繁忙"}`}
	// BadGateway is what a gateway in front of DingTalk answers when it is down.
	BadGateway = channeltest.BadGateway
)

// Accepted is one message the fake robot took.
type Accepted struct {
	Title     string // markdown.title; "" for text messages
	Text      string // text.content or markdown.text
	MsgType   string
	AtMobiles []string
	IsAtAll   bool
	Timestamp int64 // the signed timestamp (ms)
	Raw       map[string]any
}

// Server is the fake robot. Its zero value is not usable; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu       sync.Mutex // guards the settings below
	keywords []string
	now      func() time.Time
}

// NewServer starts a fake robot that requires signing with Secret; it is
// closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{now: time.Now}
	s.Serve(t, s.handle)
	return s
}

// Config returns raw settings pointing a dingtalk channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"token": Token, "secret": Secret, "api": s.URL}
}

// SetKeywords turns on the "custom keywords" security setting: a message must
// contain one of them.
func (s *Server) SetKeywords(keywords ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keywords = keywords
}

// SetClock sets the fake's own clock, against which timestamps must be
// within an hour.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

func writeCode(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	data, _ := json.Marshal(map[string]any{"errcode": code, "errmsg": msg})
	w.Write(data)
}

// reject answers a request that breaks the contract and records why.
func (s *Server) reject(w http.ResponseWriter, status int, format string, args ...any) {
	s.Violate(format, args...)
	http.Error(w, fmt.Sprintf(format, args...), status)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost {
		s.reject(w, http.StatusMethodNotAllowed, "method %s, want POST", r.Method)
		return
	}
	if r.URL.Path != "/robot/send" {
		s.reject(w, http.StatusNotFound, "path %q, want /robot/send", r.URL.Path)
		return
	}
	query, ok := s.rawQuery(r.URL.RawQuery)
	if !ok {
		http.Error(w, "bad query", http.StatusBadRequest)
		return
	}
	token, _ := url.QueryUnescape(query["access_token"])
	if token == "" {
		s.Violate("no access_token in the query")
	}
	if token != Token {
		writeCode(w, 300001, "token is not exist")
		return
	}
	ts, ok := s.checkSign(w, query)
	if !ok {
		return
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json (UTF-8)", r.Header.Get("Content-Type"))
		writeCode(w, 43004, "无效的HTTP HEADER Content-Type")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		s.reject(w, http.StatusBadRequest, "body is not a JSON object: %v", err)
		return
	}
	acc, problems := parse(raw)
	if len(problems) > 0 {
		s.reject(w, http.StatusBadRequest, "request body: %s", strings.Join(problems, "; "))
		return
	}
	acc.Timestamp = ts
	if len(acc.Text) > MaxContentBytes {
		s.Violate("content is %d bytes, over %d", len(acc.Text), MaxContentBytes)
		writeCode(w, 460101, "message too long, exceed 20000 bytes")
		return
	}
	// DingTalk only highlights an @mention written into the text as well.
	for _, m := range acc.AtMobiles {
		if !strings.Contains(acc.Text, "@"+m) {
			s.Violate("atMobiles has %s but the text has no \"@%s\", so DingTalk will not highlight it", m, m)
		}
	}
	if len(s.keywords) > 0 && !slices.ContainsFunc(s.keywords, func(k string) bool {
		return strings.Contains(acc.Title, k) || strings.Contains(acc.Text, k)
	}) {
		writeCode(w, 310000, "keywords not in content"+docMore)
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json;charset=utf-8")
		return
	}
	acc.Raw = raw
	s.Accept(acc)
	writeCode(w, 0, "ok")
}

// rawQuery splits the query by hand so the sign's raw (still encoded) form
// can be checked; values stay encoded.
func (s *Server) rawQuery(q string) (map[string]string, bool) {
	out := map[string]string{}
	for _, pair := range strings.Split(q, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		switch k {
		case "access_token", "timestamp", "sign":
		default:
			s.Violate("unexpected query parameter %q", k)
		}
		if _, dup := out[k]; dup {
			s.Violate("query parameter %q given twice", k)
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

// checkSign verifies timestamp and sign against Secret as DingTalk does.
func (s *Server) checkSign(w http.ResponseWriter, query map[string]string) (int64, bool) {
	rawTS, hasTS := query["timestamp"]
	rawSign, hasSign := query["sign"]
	if !hasTS && !hasSign {
		// The robot signs but the channel has no secret: a setup error.
		writeCode(w, 310000, "sign not match"+docMore)
		return 0, false
	}
	if !hasTS || !hasSign {
		s.Violate("timestamp and sign must come together (timestamp %t, sign %t)", hasTS, hasSign)
		writeCode(w, 310000, "sign not match"+docMore)
		return 0, false
	}
	ts, err := strconv.ParseInt(rawTS, 10, 64)
	if err != nil {
		s.Violate("timestamp %q is not milliseconds since 1970", rawTS)
		writeCode(w, 310000, "invalid timestamp"+docMore)
		return 0, false
	}
	if d := s.now().Sub(time.UnixMilli(ts)); d > time.Hour || d < -time.Hour {
		writeCode(w, 310000, "invalid timestamp"+docMore)
		return 0, false
	}
	// The sign is base64 (with + / =) and must arrive URL-encoded: a raw
	// '+' decodes to a space and DingTalk then sees another signature.
	if strings.ContainsAny(rawSign, "+/=") {
		s.Violate("sign %q is not URL-encoded", rawSign)
		writeCode(w, 310000, "sign not match"+docMore)
		return 0, false
	}
	got, err := url.QueryUnescape(rawSign)
	if err != nil {
		s.Violate("sign %q: %v", rawSign, err)
		writeCode(w, 310000, "sign not match"+docMore)
		return 0, false
	}
	mac := hmac.New(sha256.New, []byte(Secret))
	mac.Write([]byte(rawTS + "\n" + Secret))
	if got != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		writeCode(w, 310000, "sign not match"+docMore)
		return 0, false
	}
	return ts, true
}

// parse checks the body against the text and markdown message types.
func parse(raw map[string]any) (Accepted, []string) {
	var acc Accepted
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for k := range raw {
		if k != "msgtype" && k != "text" && k != "markdown" && k != "at" {
			bad("unknown field %q", k)
		}
	}
	acc.MsgType, _ = raw["msgtype"].(string)
	switch acc.MsgType {
	case "text":
		obj := object(raw, "text", bad)
		acc.Text = str(obj, "text", "content", bad)
		onlyKeys(obj, "text", bad, "content")
		if _, ok := raw["markdown"]; ok {
			bad("markdown given with msgtype text")
		}
	case "markdown":
		obj := object(raw, "markdown", bad)
		acc.Title = str(obj, "markdown", "title", bad)
		acc.Text = str(obj, "markdown", "text", bad)
		onlyKeys(obj, "markdown", bad, "title", "text")
		if _, ok := raw["text"]; ok {
			bad("text given with msgtype markdown")
		}
	default:
		bad("msgtype %v, want \"text\" or \"markdown\"", raw["msgtype"])
	}
	if v, ok := raw["at"]; ok {
		a, isObj := v.(map[string]any)
		if !isObj {
			bad("at is %T, want an object", v)
		}
		onlyKeys(a, "at", bad, "atMobiles", "atUserIds", "isAtAll")
		acc.AtMobiles = strList(a, "atMobiles", bad)
		strList(a, "atUserIds", bad)
		if v, ok := a["isAtAll"]; ok {
			if acc.IsAtAll, ok = v.(bool); !ok {
				bad("at.isAtAll is %T, want a boolean", v)
			}
		}
	}
	return acc, problems
}

func object(raw map[string]any, key string, bad func(string, ...any)) map[string]any {
	obj, ok := raw[key].(map[string]any)
	if !ok {
		bad("%s is %T, want an object", key, raw[key])
	}
	return obj
}

func str(obj map[string]any, parent, key string, bad func(string, ...any)) string {
	v, ok := obj[key].(string)
	if !ok {
		bad("%s.%s is %T, want a string", parent, key, obj[key])
	} else if strings.TrimSpace(v) == "" {
		bad("%s.%s is empty", parent, key)
	}
	return v
}

func strList(obj map[string]any, key string, bad func(string, ...any)) []string {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		bad("at.%s is %T, want an array of strings", key, v)
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			bad("at.%s has a %T, want strings", key, it)
			continue
		}
		out = append(out, s)
	}
	return out
}

func onlyKeys(obj map[string]any, parent string, bad func(string, ...any), keys ...string) {
	for k := range obj {
		if !slices.Contains(keys, k) {
			bad("unknown field %s.%s", parent, k)
		}
	}
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
