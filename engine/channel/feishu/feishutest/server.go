// Package feishutest is a fake Feishu custom bot for tests. It checks each
// request the way Feishu's custom bot guide documents it (hook token in the
// path, signature recomputed from its own secret, JSON shape per msg_type,
// the 20 KB body limit) and answers with Feishu's own codes and texts.
package feishutest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// The fake bot's fixed credentials.
const (
	Token  = "3f5b1c2e-8a7d-4e6f-9b0a-1c2d3e4f5a6b"
	Secret = "fAkEsEcReT0123456789abcdefghij"
)

// HookPath is the path the fake bot's webhook answers on.
const HookPath = "/open-apis/bot/v2/hook/" + Token

// MaxBodyBytes is where the fake, like Feishu ("请求体的数据大小不能超过
// 20 KB", read conservatively), refuses a request body.
const MaxBodyBytes = 20000

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// FrequencyLimited is the custom bot's rate limit (100 a minute, 5 a
	// second, and load at round hours).
	FrequencyLimited = Answer{Body: `{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}`}
	// TooManyRequests is the throttled form of code 9499.
	TooManyRequests = Answer{Body: `{"StatusCode":0,"StatusMessage":"","code":9499,"msg":"too many request"}`}
	// BotNotEnabled is a bot switched off in the group settings.
	BotNotEnabled = Answer{Body: `{"StatusCode":0,"StatusMessage":"","code":19007,"msg":"Bot Not Enabled"}`}
	// IPNotAllowed is the IP allowlist security setting refusing the caller.
	IPNotAllowed = Answer{Body: `{"code":19022,"msg":"Ip Not Allowed"}`}
	// BadGateway is what a gateway in front of Feishu answers when it is down.
	BadGateway = channeltest.BadGateway
)

const (
	msgBadRequest = "Bad Request"
	msgSignFail   = "sign match fail or timestamp is not within one hour from current time"
)

// Accepted is one message the fake bot took.
type Accepted struct {
	Title     string // post title or card header title; "" for text
	Text      string // text content, post text joined by lines, or card element texts joined by lines
	MsgType   string
	Template  string // card header colour
	Links     []string
	Timestamp int64 // the signed timestamp (seconds); 0 when unsigned
	BodyBytes int   // size of the request body as received
	Raw       map[string]any
}

// Server is the fake bot. Its zero value is not usable; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu       sync.Mutex // guards the settings below
	keywords []string
	secret   string
	now      func() time.Time
}

// NewServer starts a fake bot that requires signing with Secret; it is
// closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{now: time.Now, secret: Secret}
	s.Serve(t, s.handle)
	return s
}

// Config returns raw settings pointing a feishu channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"token": Token, "secret": Secret, "api": s.URL}
}

// SetKeywords turns on the "custom keywords" security setting: a message's
// title or text must contain one of them.
func (s *Server) SetKeywords(keywords ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keywords = keywords
}

// SetSigning turns signature verification off (false) or back on with
// Secret (true).
func (s *Server) SetSigning(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret = ""
	if on {
		s.secret = Secret
	}
}

// SetClock sets the fake's own clock, against which timestamps must be
// within an hour.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

func writeCode(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	data, _ := json.Marshal(map[string]any{"code": code, "msg": msg, "data": map[string]any{}})
	w.Write(data)
}

// badRequest answers like Feishu does to a body it cannot take, and records
// why: 9499 "Bad Request" does not say what was wrong, the violation does.
func (s *Server) badRequest(w http.ResponseWriter, format string, args ...any) {
	s.Violate(format, args...)
	writeCode(w, 9499, msgBadRequest)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost {
		s.Refuse(w, http.StatusNotFound, "404 page not found", "method %s, want POST", r.Method)
		return
	}
	token, ok := strings.CutPrefix(r.URL.Path, "/open-apis/bot/v2/hook/")
	if !ok || token == "" || strings.Contains(token, "/") {
		s.Refuse(w, http.StatusNotFound, "404 page not found", "path %q, want /open-apis/bot/v2/hook/{token}", r.URL.Path)
		return
	}
	if r.URL.RawQuery != "" {
		s.Violate("unexpected query %q: the webhook takes everything in the body", r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		s.badRequest(w, "Content-Type %q, want application/json (UTF-8)", r.Header.Get("Content-Type"))
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	if len(body) > MaxBodyBytes {
		s.badRequest(w, "request body is %d bytes, over %d", len(body), MaxBodyBytes)
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		s.badRequest(w, "body is not a JSON object: %v", err)
		return
	}
	if token != Token {
		writeCode(w, 19001, "param invalid: incoming webhook access token invalid")
		return
	}
	ts, ok := s.checkSign(w, raw)
	if !ok {
		return
	}
	acc, problems := parse(raw)
	if len(problems) > 0 {
		s.badRequest(w, "request body: %s", strings.Join(problems, "; "))
		return
	}
	acc.Timestamp = ts
	acc.BodyBytes = len(body)
	if len(s.keywords) > 0 && !slices.ContainsFunc(s.keywords, func(k string) bool {
		return strings.Contains(acc.Title, k) || strings.Contains(acc.Text, k)
	}) {
		writeCode(w, 19024, "Key Words Not Found")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json; charset=utf-8")
		return
	}
	acc.Raw = raw
	s.Accept(acc)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	io.WriteString(w, `{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}`)
}

// checkSign verifies timestamp and sign against the fake's secret as
// Feishu does. Without signing turned on they are ignored.
func (s *Server) checkSign(w http.ResponseWriter, raw map[string]any) (int64, bool) {
	rawTS, hasTS := raw["timestamp"]
	rawSign, hasSign := raw["sign"]
	if s.secret == "" {
		return 0, true
	}
	if !hasTS && !hasSign {
		// The bot signs but the channel has no secret: a setup error.
		writeCode(w, 19021, msgSignFail)
		return 0, false
	}
	if !hasTS || !hasSign {
		s.Violate("timestamp and sign must come together (timestamp %t, sign %t)", hasTS, hasSign)
		writeCode(w, 19021, msgSignFail)
		return 0, false
	}
	tsText, isStr := rawTS.(string)
	if !isStr {
		s.Violate("timestamp is %T, want a string of seconds as Feishu's guide shows", rawTS)
		writeCode(w, 19021, msgSignFail)
		return 0, false
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		s.Violate("timestamp %q is not seconds since 1970", tsText)
		writeCode(w, 19021, msgSignFail)
		return 0, false
	}
	if ts > 1e11 {
		s.Violate("timestamp %d looks like milliseconds; Feishu wants seconds", ts)
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d > time.Hour || d < -time.Hour {
		writeCode(w, 19021, msgSignFail)
		return 0, false
	}
	got, isStr := rawSign.(string)
	if !isStr {
		s.Violate("sign is %T, want a string", rawSign)
		writeCode(w, 19021, msgSignFail)
		return 0, false
	}
	mac := hmac.New(sha256.New, []byte(tsText+"\n"+s.secret))
	if got != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		writeCode(w, 19021, msgSignFail)
		return 0, false
	}
	return ts, true
}

// cardColours are the header templates Feishu cards accept.
var cardColours = []string{"blue", "wathet", "turquoise", "green", "yellow", "orange", "red", "carmine", "violet", "purple", "indigo", "grey", "default"}

// parse checks the body against the text, post and interactive types.
func parse(raw map[string]any) (Accepted, []string) {
	var acc Accepted
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	onlyKeys(raw, "body", bad, "msg_type", "content", "card", "timestamp", "sign")
	acc.MsgType, _ = raw["msg_type"].(string)
	switch acc.MsgType {
	case "text":
		c := object(raw, "content", "content", bad)
		onlyKeys(c, "content", bad, "text")
		acc.Text = str(c, "content.text", "text", bad, true)
		if _, ok := raw["card"]; ok {
			bad("card given with msg_type text")
		}
	case "post":
		c := object(raw, "content", "content", bad)
		onlyKeys(c, "content", bad, "post")
		p := object(c, "content.post", "post", bad)
		onlyKeys(p, "content.post", bad, "zh_cn", "en_us", "ja_jp")
		if len(p) == 0 {
			bad("content.post has no language (zh_cn or en_us)")
		}
		lang := object(p, "content.post.zh_cn", "zh_cn", bad)
		acc.Title, acc.Text, acc.Links = parsePost(lang, bad)
		if _, ok := raw["card"]; ok {
			bad("card given with msg_type post")
		}
	case "interactive":
		if _, ok := raw["content"]; ok {
			bad("content given with msg_type interactive: the card goes in \"card\" at the top level")
		}
		c := object(raw, "card", "card", bad)
		acc.Title, acc.Template, acc.Text, acc.Links = parseCard(c, bad)
	default:
		bad("msg_type %v, want \"text\", \"post\" or \"interactive\"", raw["msg_type"])
	}
	return acc, problems
}

func parsePost(lang map[string]any, bad func(string, ...any)) (title, text string, links []string) {
	onlyKeys(lang, "zh_cn", bad, "title", "content")
	if _, ok := lang["title"]; ok {
		title = str(lang, "zh_cn.title", "title", bad, false)
	}
	paras, ok := lang["content"].([]any)
	if !ok || len(paras) == 0 {
		bad("zh_cn.content is %T, want a non-empty array of paragraphs", lang["content"])
		return
	}
	var lines []string
	for i, p := range paras {
		nodes, ok := p.([]any)
		if !ok {
			bad("zh_cn.content[%d] is %T, want an array of elements", i, p)
			continue
		}
		var line strings.Builder
		for j, n := range nodes {
			node, ok := n.(map[string]any)
			where := fmt.Sprintf("zh_cn.content[%d][%d]", i, j)
			if !ok {
				bad("%s is %T, want an object", where, n)
				continue
			}
			switch tag, _ := node["tag"].(string); tag {
			case "text":
				onlyKeys(node, where, bad, "tag", "text", "un_escape")
				line.WriteString(str(node, where+".text", "text", bad, true))
			case "a":
				onlyKeys(node, where, bad, "tag", "text", "href")
				line.WriteString(str(node, where+".text", "text", bad, true))
				href := str(node, where+".href", "href", bad, true)
				if !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "https://") {
					bad("%s.href %q is not an http(s) link; Feishu refuses the message", where, href)
				}
				links = append(links, href)
			default:
				bad("%s.tag %v, want \"text\" or \"a\"", where, node["tag"])
			}
		}
		lines = append(lines, line.String())
	}
	return title, strings.Join(lines, "\n"), links
}

func parseCard(c map[string]any, bad func(string, ...any)) (title, template, text string, links []string) {
	onlyKeys(c, "card", bad, "schema", "config", "header", "body")
	if c["schema"] != "2.0" {
		bad("card.schema is %v, want \"2.0\" (a body.elements card)", c["schema"])
	}
	if h, ok := c["header"]; ok {
		header, isObj := h.(map[string]any)
		if !isObj {
			bad("card.header is %T, want an object", h)
		}
		onlyKeys(header, "card.header", bad, "title", "subtitle", "template")
		t := object(header, "card.header.title", "title", bad)
		onlyKeys(t, "card.header.title", bad, "tag", "content")
		if t["tag"] != "plain_text" && t["tag"] != "lark_md" {
			bad("card.header.title.tag is %v, want \"plain_text\"", t["tag"])
		}
		title = str(t, "card.header.title.content", "content", bad, true)
		if v, ok := header["template"]; ok {
			template, _ = v.(string)
			if !slices.Contains(cardColours, template) {
				bad("card.header.template %v is not a Feishu colour", v)
			}
		}
	}
	body := object(c, "card.body", "body", bad)
	onlyKeys(body, "card.body", bad, "elements", "direction", "padding")
	elements, ok := body["elements"].([]any)
	if !ok || len(elements) == 0 {
		bad("card.body.elements is %T, want a non-empty array", body["elements"])
		return
	}
	var parts []string
	for i, e := range elements {
		el, ok := e.(map[string]any)
		where := fmt.Sprintf("card.body.elements[%d]", i)
		if !ok {
			bad("%s is %T, want an object", where, e)
			continue
		}
		switch tag, _ := el["tag"].(string); tag {
		case "markdown":
			onlyKeys(el, where, bad, "tag", "content", "text_align", "text_size", "margin")
			md := str(el, where+".content", "content", bad, true)
			parts = append(parts, md)
			if l, r, ok := strings.Cut(md, "]("); ok && strings.HasPrefix(l, "[") && strings.HasSuffix(r, ")") {
				links = append(links, strings.TrimSuffix(r, ")"))
			}
		case "div":
			onlyKeys(el, where, bad, "tag", "text", "margin")
			t := object(el, where+".text", "text", bad)
			onlyKeys(t, where+".text", bad, "tag", "content")
			if t["tag"] != "plain_text" && t["tag"] != "lark_md" {
				bad("%s.text.tag is %v, want \"plain_text\" or \"lark_md\"", where, t["tag"])
			}
			parts = append(parts, str(t, where+".text.content", "content", bad, true))
		default:
			bad("%s.tag %v, want \"markdown\" or \"div\"", where, el["tag"])
		}
	}
	return title, template, strings.Join(parts, "\n"), links
}

func object(parent map[string]any, name, key string, bad func(string, ...any)) map[string]any {
	obj, ok := parent[key].(map[string]any)
	if !ok {
		bad("%s is %T, want an object", name, parent[key])
	}
	return obj
}

func str(obj map[string]any, name, key string, bad func(string, ...any), nonEmpty bool) string {
	v, ok := obj[key].(string)
	if !ok {
		bad("%s is %T, want a string", name, obj[key])
	} else if nonEmpty && strings.TrimSpace(v) == "" {
		bad("%s is empty", name)
	}
	return v
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
