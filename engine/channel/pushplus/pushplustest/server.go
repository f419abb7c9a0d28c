// Package pushplustest is a fake PushPlus server for tests. It checks each
// request the way PushPlus's message API documents it (POST /send with a
// JSON body, the token, template and channel values, the title and content
// limits, JSON types) and answers with PushPlus's own codes and texts.
package pushplustest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Token is the fake account's user token.
const Token = "0123456789abcdef0123456789abcdef"

// Limits of a real-name verified user ("发送消息接口有什么限制").
const (
	MaxTitleChars   = 100
	MaxContentChars = 20000
)

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// Restricted is code 900: the account is over its quota and stopped.
	Restricted = Answer{Body: `{"code":900,"msg":"请求次数过多,减少请求后2天恢复正常","data":null}`}
	// NotVerified is code 905: accounts without real-name verification
	// cannot send since August 2024.
	NotVerified = Answer{Body: `{"code":905,"msg":"账户未进行实名认证","data":null}`}
	// SystemError is code 500, PushPlus's own failure.
	SystemError = Answer{Body: `{"code":500,"msg":"系统异常，请稍后再试","data":null}`}
	// Duplicate is code 999 for the same content sent more than 3 times an
	// hour.
	Duplicate = Answer{Body: `{"code":999,"msg":"请勿频繁推送相同内容","data":null}`}
	// BadGateway is what a gateway in front of PushPlus answers when it is
	// down.
	BadGateway = channeltest.BadGateway
)

// The values PushPlus's API documents.
var (
	templates = []string{"html", "txt", "json", "markdown", "cloudMonitor", "jenkins", "route", "pay"}
	channels  = []string{"wechat", "webhook", "cp", "mail", "sms", "extension", "app", "voice", "clawbot"}
	fields    = []string{"token", "title", "content", "topic", "template", "channel", "webhook", "option", "callbackUrl", "timestamp", "to", "pre"}
)

// Accepted is one message the fake took.
type Accepted struct {
	Title     string
	Text      string // content
	Template  string
	Channel   string
	Topic     string
	Webhook   string
	To        string // friend tokens or WeCom user IDs, comma-separated
	Callback  string // callbackUrl
	MessageID string // the id the fake answered with
	Raw       map[string]any
}

// Server is the fake PushPlus. Its zero value is not usable; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts a fake PushPlus that takes Token; it is closed when the
// test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns raw settings pointing a pushplus channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"token": Token, "api": s.URL}
}

func writeCode(w http.ResponseWriter, code int, msg string, data any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	out, _ := json.Marshal(map[string]any{"code": code, "msg": msg, "data": data})
	w.Write(out)
}

// refuse answers a request that breaks the contract with PushPlus's
// validation code and records why.
func (s *Server) refuse(w http.ResponseWriter, msg, format string, args ...any) {
	s.Violate(format, args...)
	writeCode(w, 999, msg, nil)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Refuse(w, http.StatusMethodNotAllowed, "method not allowed", "method %s, want POST (GET puts the token and content in the URL)", r.Method)
		return
	}
	if r.URL.Path != "/send" {
		s.Refuse(w, http.StatusNotFound, "404 not found", "path %q, want /send", r.URL.Path)
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("unexpected query %q: the body carries every parameter", r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		// PushPlus reads a body as JSON only under this type; otherwise it
		// sees no token.
		s.Violate("Content-Type %q, want application/json (UTF-8)", r.Header.Get("Content-Type"))
		writeCode(w, 903, "无效的用户令牌", nil)
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		s.Refuse(w, http.StatusBadRequest, "bad request: body is not a JSON object", "body is not a JSON object: %v", err)
		return
	}
	acc, problems := parse(raw)
	if len(problems) > 0 {
		s.Refuse(w, http.StatusBadRequest, "bad request: "+strings.Join(problems, "; "), "request body: %s", strings.Join(problems, "; "))
		return
	}
	if acc.token != Token {
		if acc.token == "" {
			s.Violate("no token")
		}
		writeCode(w, 903, "无效的用户令牌", nil)
		return
	}
	// The wording of these 999 texts is the fake's own: PushPlus documents
	// only "服务端验证错误（具体查看返回内容）" and "发送内容不能为空" has been
	// seen in the wild.
	switch {
	case strings.TrimSpace(acc.Text) == "":
		s.refuse(w, "发送内容不能为空", "content is empty")
		return
	case utf8.RuneCountInString(acc.Title) > MaxTitleChars:
		s.refuse(w, "标题长度超过限制", "title has %d characters, over %d", utf8.RuneCountInString(acc.Title), MaxTitleChars)
		return
	case utf8.RuneCountInString(acc.Text) > MaxContentChars:
		s.refuse(w, "内容长度超过限制", "content has %d characters, over %d", utf8.RuneCountInString(acc.Text), MaxContentChars)
		return
	case (acc.Channel == "webhook" || acc.Channel == "cp") && acc.Webhook == "":
		s.refuse(w, "webhook编码不能为空", "channel %s without a webhook code", acc.Channel)
		return
	case acc.To != "" && acc.Channel != "" && acc.Channel != "wechat" && acc.Channel != "cp":
		// PushPlus documents to for the official account and WeCom only.
		s.Violate("to with channel %s: friends are reached through wechat or cp", acc.Channel)
	case acc.Template == "json" && !json.Valid([]byte(acc.Text)):
		s.Violate("template json with content that is not JSON: %.60q", acc.Text)
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json;charset=UTF-8")
		return
	}
	id := make([]byte, 16)
	rand.Read(id)
	acc.MessageID = hex.EncodeToString(id)
	acc.Raw = raw
	s.Accept(acc.Accepted)
	writeCode(w, 200, "请求成功", acc.MessageID)
}

// request is an Accepted with the token it came with.
type request struct {
	Accepted
	token string
}

// parse checks the body's fields and their JSON types.
func parse(raw map[string]any) (request, []string) {
	var req request
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for k := range raw {
		if !slices.Contains(fields, k) {
			bad("unknown field %q", k)
		}
	}
	str := func(key string) string {
		v, ok := raw[key]
		if !ok {
			return ""
		}
		s, isStr := v.(string)
		if !isStr {
			bad("%s is %T, want a string", key, v)
		}
		return s
	}
	req.token = str("token")
	req.Title = str("title")
	req.Text = str("content")
	req.Topic = str("topic")
	req.Webhook = str("webhook")
	for _, k := range []string{"option", "pre"} {
		str(k)
	}
	req.To = str("to")
	if _, ok := raw["to"]; ok {
		for _, t := range strings.Split(req.To, ",") {
			if t == "" || strings.TrimSpace(t) != t {
				bad("to %q: friend tokens separated by single commas", req.To)
				break
			}
		}
	}
	req.Callback = str("callbackUrl")
	if _, ok := raw["callbackUrl"]; ok {
		if u, err := url.Parse(req.Callback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("callbackUrl %q is not an http(s) URL", req.Callback)
		}
	}
	if v, ok := raw["timestamp"]; ok {
		switch v.(type) {
		case string, float64:
		default:
			bad("timestamp is %T, want milliseconds", v)
		}
	}
	if _, ok := raw["content"]; !ok {
		bad("content is missing")
	}
	req.Template = str("template")
	switch {
	case req.Template == "":
		bad("template is missing or empty: PushPlus would fall back to html")
	case !slices.Contains(templates, req.Template):
		bad("template %q, want one of %s", req.Template, strings.Join(templates, ", "))
	}
	req.Channel = str("channel")
	switch {
	case req.Channel == "":
		if _, ok := raw["channel"]; ok {
			bad("channel is empty")
		}
	case !slices.Contains(channels, req.Channel):
		bad("channel %q, want one of %s", req.Channel, strings.Join(channels, ", "))
	}
	return req, problems
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
