// Package wecomwebhooktest is a fake WeCom group robot webhook for tests. It
// checks each request the way WeCom documents the robot API (key, JSON shape
// and types, byte limits) and answers with WeCom's own error codes and texts.
package wecomwebhooktest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Key is the fake robot's webhook key.
const Key = "693a91f6-7f9c-4bc4-97a0-0ec2f1fa5aaa"

// Documented content limits, in UTF-8 bytes.
const (
	MaxTextBytes     = 2048
	MaxMarkdownBytes = 4096
)

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// FreqOutOfLimit is WeCom's rate limit (20 messages a minute per robot).
	FreqOutOfLimit = Answer{Body: `{"errcode":45009,"errmsg":"api freq out of limit, hint: [1700000000_11_0123456789abcdef0123456789abcdef], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=45009"}`}
	// Busy is WeCom's "system busy".
	Busy = Answer{Body: `{"errcode":-1,"errmsg":"system busy"}`}
	// BadGateway is what a gateway in front of WeCom answers when it is down.
	BadGateway = channeltest.BadGateway
)

// Accepted is one message the fake robot took.
type Accepted struct {
	Title               string // always "": WeCom robot messages have no title
	Text                string // text.content or markdown.content
	MsgType             string
	MentionedList       []string
	MentionedMobileList []string
	Raw                 map[string]any
}

// Server is the fake robot. Its zero value is not usable; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts a fake robot with key Key; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns raw settings pointing a wecom_webhook channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"key": Key, "api": s.URL}
}

// writeCode answers like WeCom: its errmsg carries a hint, the caller's IP
// and a link to the error code's page.
func writeCode(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if code != 0 {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		msg = fmt.Sprintf("%s, hint: [1700000000_11_0123456789abcdef0123456789abcdef], from ip: %s, more info at https://open.work.weixin.qq.com/devtool/query?e=%d", msg, ip, code)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	data, _ := json.Marshal(map[string]any{"errcode": code, "errmsg": msg})
	w.Write(data)
}

// reject answers a request that breaks the contract and records why.
func (s *Server) reject(w http.ResponseWriter, status int, format string, args ...any) {
	s.Violate(format, args...)
	http.Error(w, fmt.Sprintf(format, args...), status)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.reject(w, http.StatusMethodNotAllowed, "method %s, want POST", r.Method)
		return
	}
	if r.URL.Path != "/cgi-bin/webhook/send" {
		s.reject(w, http.StatusNotFound, "path %q, want /cgi-bin/webhook/send", r.URL.Path)
		return
	}
	q := r.URL.Query()
	for k, vs := range q {
		if k != "key" || len(vs) != 1 {
			s.Violate("query parameter %q given %d times; only one key is documented", k, len(vs))
		}
	}
	if q.Get("key") == "" {
		s.Violate("no key in the query")
	}
	if q.Get("key") != Key {
		writeCode(w, r, 93000, "invalid webhook url")
		return
	}
	if !channeltest.IsJSON(r) {
		s.reject(w, http.StatusBadRequest, "Content-Type %q, want application/json (UTF-8)", r.Header.Get("Content-Type"))
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	if !utf8.Valid(body) {
		s.reject(w, http.StatusBadRequest, "body is not UTF-8")
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		s.reject(w, http.StatusBadRequest, "body is not a JSON object: %v", err)
		return
	}
	acc, problems := parse(raw)
	if acc.MsgType != "text" && acc.MsgType != "markdown" {
		s.Violate("msgtype %v, want \"text\" or \"markdown\"", raw["msgtype"])
		writeCode(w, r, 40008, "invalid message type")
		return
	}
	if len(problems) > 0 {
		s.reject(w, http.StatusBadRequest, "request body: %s", strings.Join(problems, "; "))
		return
	}
	if strings.TrimSpace(acc.Text) == "" {
		s.Violate("%s.content is empty", acc.MsgType)
		writeCode(w, r, 44004, "empty content")
		return
	}
	limit := MaxTextBytes
	if acc.MsgType == "markdown" {
		limit = MaxMarkdownBytes
	}
	if len(acc.Text) > limit {
		s.Violate("%s.content is %d bytes, over %d", acc.MsgType, len(acc.Text), limit)
		writeCode(w, r, 40058, fmt.Sprintf("%s.content exceed max length %d. invalid Request Parameter", acc.MsgType, limit))
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json; charset=UTF-8")
		return
	}
	acc.Raw = raw
	s.Accept(acc)
	writeCode(w, r, 0, "ok")
}

// parse checks the body against the text and markdown message types.
func parse(raw map[string]any) (Accepted, []string) {
	var acc Accepted
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	acc.MsgType, _ = raw["msgtype"].(string)
	for k := range raw {
		if k != "msgtype" && k != acc.MsgType {
			bad("unexpected field %q for msgtype %q", k, acc.MsgType)
		}
	}
	obj, ok := raw[acc.MsgType].(map[string]any)
	if !ok {
		bad("%s is %T, want an object", acc.MsgType, raw[acc.MsgType])
		return acc, problems
	}
	if acc.Text, ok = obj["content"].(string); !ok {
		bad("%s.content is %T, want a string", acc.MsgType, obj["content"])
	}
	allowed := []string{"content"}
	if acc.MsgType == "text" {
		// Markdown messages have no mention lists: WeCom ignores them there.
		allowed = append(allowed, "mentioned_list", "mentioned_mobile_list")
		acc.MentionedList = strList("text.mentioned_list", obj["mentioned_list"], bad)
		acc.MentionedMobileList = strList("text.mentioned_mobile_list", obj["mentioned_mobile_list"], bad)
	}
	for k := range obj {
		if !slices.Contains(allowed, k) {
			bad("unexpected field %s.%s", acc.MsgType, k)
		}
	}
	return acc, problems
}

func strList(name string, v any, bad func(string, ...any)) []string {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		bad("%s is %T, want an array of strings", name, v)
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			bad("%s has a %T, want strings", name, it)
			continue
		}
		out = append(out, s)
	}
	return out
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
