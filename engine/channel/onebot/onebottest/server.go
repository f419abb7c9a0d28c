// Package onebottest is a fake OneBot v11 HTTP API for tests. It checks each
// request as OneBot v11 documents send_private_msg and send_group_msg and
// its HTTP communication (Bearer token, JSON body), and answers as
// go-cqhttp does, errors included.
package onebottest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// The fake's account.
const (
	Token   = "onebot-access-token-3f9a"
	UserID  = 10001
	GroupID = 20002
)

// MaxTextRunes is Herald's cap on one message (OneBot documents none).
const MaxTextRunes = 4500

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// Starting is retcode 201: the worker pool is not initialised yet.
	Starting = Answer{Body: `{"status":"failed","retcode":201,"data":null,"msg":"","wording":""}`}
	// Async is an accepted request the implementation sends later.
	Async = Answer{Body: `{"status":"async","retcode":1,"data":null}`}
	// SendFailed is go-cqhttp's failure when QQ refuses the message.
	SendFailed = Answer{Body: `{"status":"failed","retcode":100,"data":null,"msg":"SEND_MSG_API_ERROR","wording":"请参考 go-cqhttp 端输出"}`}
	// LoginExpired is retcode 104: the account's credentials are stale.
	LoginExpired = Answer{Body: `{"status":"failed","retcode":104,"data":null,"msg":"","wording":"凭证失效"}`}
)

// Accepted is one message the fake sent.
type Accepted struct {
	API        string // send_private_msg or send_group_msg
	UserID     int64
	GroupID    int64
	Text       string // the message parameter
	AutoEscape bool
}

// Server is the fake. Its zero value is not usable; call NewServer.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts a fake whose access token is Token; it is closed when
// the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns raw settings pointing an onebot channel at s, sending to
// UserID.
func (s *Server) Config() map[string]string {
	return map[string]string{"url": s.URL, "access_token": Token, "user_id": fmt.Sprint(UserID)}
}

// write answers like go-cqhttp: HTTP 200 with status and retcode.
func write(w http.ResponseWriter, status string, code int, data any, msg, wording string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	out, _ := json.Marshal(map[string]any{"status": status, "retcode": code, "data": data, "msg": msg, "wording": wording})
	w.Write(out)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	api := strings.Trim(r.URL.Path, "/")
	if api != "send_private_msg" && api != "send_group_msg" {
		s.Refuse(w, http.StatusNotFound, "", "path %q, want /send_private_msg or /send_group_msg", r.URL.Path)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST (Herald sends a JSON body)", r.Method)
	}
	if !channeltest.IsJSON(r) {
		// OneBot: 406 for a Content-Type it does not support.
		s.Refuse(w, http.StatusNotAcceptable, "", "Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	acc, problems := parse(api, body)
	if len(problems) > 0 {
		// OneBot: 400 for a body that is not what the action takes.
		s.Refuse(w, http.StatusBadRequest, "", "request body: %s", strings.Join(problems, "; "))
		return
	}
	s.answer(w, acc)
}

// authorized checks the token as OneBot does: 401 without one, 403 for a
// wrong one. Herald sends it in the header only: a query would leak it
// into access logs.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Has("access_token") {
		s.Violate("access_token in the query, want the Authorization header")
	}
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		w.WriteHeader(http.StatusUnauthorized)
		return false
	case auth != "Bearer "+Token:
		if !strings.HasPrefix(auth, "Bearer ") {
			s.Violate("Authorization is not Bearer <token>")
		}
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	return true
}

// answer checks what only the account knows (the target, the length) and
// sends, unless a scripted answer comes first.
func (s *Server) answer(w http.ResponseWriter, acc Accepted) {
	if strings.TrimSpace(acc.Text) == "" {
		s.Violate("message is empty")
		write(w, "failed", 100, nil, "EMPTY_MSG_ERROR", "消息为空")
		return
	}
	if n := utf8.RuneCountInString(acc.Text); n > MaxTextRunes {
		s.Violate("message is %d characters, over %d", n, MaxTextRunes)
		write(w, "failed", 100, nil, "SEND_MSG_API_ERROR", "请参考 go-cqhttp 端输出")
		return
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json; charset=utf-8")
		return
	}
	if acc.API == "send_group_msg" && acc.GroupID != GroupID {
		write(w, "failed", 100, nil, "GROUP_NOT_FOUND", "群聊不存在")
		return
	}
	if acc.API == "send_private_msg" && acc.UserID != UserID {
		write(w, "failed", 100, nil, "SEND_MSG_API_ERROR", "请参考 go-cqhttp 端输出")
		return
	}
	id := s.Accept(acc)
	write(w, "ok", 0, map[string]any{"message_id": id}, "", "")
}

// parse checks the body against the action's documented parameters:
// user_id or group_id a number (int64), message a string, auto_escape a
// boolean, and nothing else.
func parse(api string, body []byte) (Accepted, []string) {
	acc := Accepted{API: api}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !utf8.Valid(body) {
		return acc, []string{"body is not UTF-8"}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return acc, []string{"not a JSON object: " + err.Error()}
	}
	target := map[string]string{"send_private_msg": "user_id", "send_group_msg": "group_id"}[api]
	for k := range raw {
		if !slices.Contains([]string{target, "message", "auto_escape"}, k) {
			bad("unexpected parameter %q for %s", k, api)
		}
	}
	id := number(raw[target], target, bad)
	acc.UserID, acc.GroupID = id, 0
	if target == "group_id" {
		acc.UserID, acc.GroupID = 0, id
	}
	if err := json.Unmarshal(raw["message"], &acc.Text); err != nil || raw["message"] == nil {
		bad("message is %s, want a string (Herald sends plain text)", raw["message"])
	}
	if err := json.Unmarshal(raw["auto_escape"], &acc.AutoEscape); err != nil || !acc.AutoEscape {
		bad("auto_escape is %s, want true: plain text must not run CQ codes", raw["auto_escape"])
	}
	return acc, problems
}

// number reads a positive JSON integer; a string ("123") is a violation
// though implementations convert it.
func number(v json.RawMessage, name string, bad func(string, ...any)) int64 {
	var n int64
	if err := json.Unmarshal(v, &n); err != nil || n <= 0 {
		bad("%s is %s, want a positive integer", name, v)
	}
	return n
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
