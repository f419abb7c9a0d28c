// Package qmsgtest is a fake Qmsg酱 server for tests. It checks each
// request the way Qmsg's API page documents it (POST /send/{KEY} or
// /group/{KEY}, a form with msg and optionally qq, QQ numbers separated by
// commas) and answers as Qmsg does: {"success":…,"reason":…,"code":…,
// "info":{}}. The reasons of its refusals are the fake's own wording; Qmsg
// documents none.
package qmsgtest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Key is the fake account's KEY.
const Key = "0123456789abcdef0123456789abcdef"

// MaxMsgChars is the limit the client is held to (Apprise's for Qmsg).
const MaxMsgChars = 10000

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Refusals for FailNext.
var (
	// TooFrequent is Qmsg's throttling.
	TooFrequent = Refusal(500, "请求过于频繁，请稍后再试")
	// NoRecipient is the answer when no QQ number is added for the key.
	NoRecipient = Refusal(500, "请先在管理台添加接收消息的QQ号")
)

// Refusal is Qmsg's answer refusing a message with code and reason.
func Refusal(code int, reason string) Answer {
	b, _ := json.Marshal(map[string]any{"success": false, "reason": reason, "code": code, "info": map[string]any{}})
	return Answer{Body: string(b)}
}

var fields = []string{"msg", "qq", "bot"}

// Accepted is one message the fake took.
type Accepted struct {
	Path string // send or group
	Text string // msg
	QQ   string
	Form url.Values
}

// Server is the fake Qmsg酱; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts a fake Qmsg酱 that knows Key; it is closed when the
// test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns raw settings pointing a qmsg channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"key": Key, "api": s.URL}
}

func write(w http.ResponseWriter, success bool, code int, reason string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	b, _ := json.Marshal(map[string]any{"success": success, "reason": reason, "code": code, "info": map[string]any{}})
	w.Write(b)
}

func (s *Server) refuse(w http.ResponseWriter, reason, format string, args ...any) {
	s.Violate(format, args...)
	write(w, false, 500, reason)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		// Qmsg takes GET too, but then the message travels in the URL.
		s.Violate("method %s, want POST", r.Method)
	}
	kind, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || (kind != "send" && kind != "group") {
		s.Refuse(w, http.StatusNotFound, "404 Not Found", "path %q, want /send/{KEY} or /group/{KEY}", r.URL.Path)
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("query %q: msg and qq belong in the form body", r.URL.RawQuery)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.refuse(w, "消息内容不能为空", "Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.refuse(w, "消息内容不能为空", "form: %v", err)
		return
	}
	form := r.PostForm
	if reason, problem := check(form); problem != "" {
		s.refuse(w, reason, "%s", problem)
		return
	}
	if key != Key {
		write(w, false, 500, "KEY不存在或已失效")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json;charset=UTF-8")
		return
	}
	s.Accept(Accepted{Path: kind, Text: form.Get("msg"), QQ: form.Get("qq"), Form: form})
	write(w, true, 0, "操作成功")
}

// check applies the documented rules (msg required, qq numbers separated
// by commas) and the fake's own: no unknown or repeated fields, msg within
// MaxMsgChars.
func check(form url.Values) (reason, problem string) {
	for k, vs := range form {
		if !slices.Contains(fields, k) {
			return "参数错误", "unknown field " + k
		}
		if len(vs) != 1 {
			return "参数错误", "field " + k + " given more than once"
		}
	}
	msg := form.Get("msg")
	switch {
	case strings.TrimSpace(msg) == "":
		return "消息内容不能为空", "msg is missing or empty"
	case utf8.RuneCountInString(msg) > MaxMsgChars:
		return "消息内容过长", "msg has " + strconv.Itoa(utf8.RuneCountInString(msg)) + " characters, over " + strconv.Itoa(MaxMsgChars)
	case form.Has("qq") && !qqList(form.Get("qq")):
		return "QQ号格式错误", "qq " + form.Get("qq") + ", want numbers separated by commas"
	}
	return "", ""
}

func qqList(v string) bool {
	for _, n := range strings.Split(v, ",") {
		if n == "" || strings.Trim(n, "0123456789") != "" {
			return false
		}
	}
	return true
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
