// Package wxpushertest is a fake of WxPusher's standard push API
// (POST /api/send/message) and simple push (POST
// /api/send/message/simple-push) for tests. It checks each request the way
// WxPusher documents it (docs README and openapi.yaml) and answers in
// WxPusher's format, per-target results included.
//
// WxPusher documents its codes (1000 success, 1001 business error) but not
// the wording of its error messages nor the status of a refused target; the
// fake's Chinese texts for those are stand-ins, as is its answer for an SPT
// (one target per SPT, uid null: the docs show no simple-push answer).
package wxpushertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed credentials and recipients the fake knows.
const (
	AppToken = "AT_heraldTestAppToken0123456789"
	UID      = "UID_heraldAlice0123456789"
	UID2     = "UID_heraldBob0123456789"
	TopicID  = 12345
	SPT      = "SPT_heraldAlice0123456789"
	SPT2     = "SPT_heraldBob0123456789"
)

// Limits of the send API.
const (
	MaxContentChars = 40000
	MaxContentBytes = 65535
	MaxSummaryChars = 100
	MaxURLChars     = 1000
	MaxUIDs         = 2000
	MaxTopics       = 5
	MaxSPTs         = 10
)

// Accepted is a message the fake accepted for at least one target. Title
// is empty: WxPusher has no title, only content and a summary.
type Accepted struct {
	Title, Text string
	Summary     string
	ContentType int
	Raw         map[string]any
}

// Answer scripts the next answer: a business code and message in WxPusher's
// JSON, or an HTTP status with a raw body (a proxy page, a rate limit).
type Answer struct {
	Status     int // HTTP status; 0 means 200
	Code       int
	Msg        string
	Body       string // sent verbatim instead of JSON when set
	RetryAfter string // Retry-After header
}

// Server is the fake WxPusher.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/send/message", s.send)
	mux.HandleFunc("/api/send/message/simple-push", s.simplePush)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.Violate("unknown path %s", r.URL.Path)
		http.NotFound(w, r)
	})
	s.Serve(t, mux.ServeHTTP)
	return s
}

// Config points a wxpusher channel at the fake, sending to UID.
func (s *Server) Config() map[string]string {
	return map[string]string{"app_token": AppToken, "uids": UID, "api": s.URL}
}

// SPTConfig points a wxpusher channel at the fake in simple-push mode,
// sending to SPT.
func (s *Server) SPTConfig() map[string]string {
	return map[string]string{"spt": SPT, "api": s.URL}
}

func writeJSON(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// fail answers a business error the way WxPusher does: HTTP 200, no data.
func fail(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"code": code, "msg": msg, "data": nil, "success": false})
}

var (
	baseFields = []string{"content", "summary", "contentType", "url", "verifyPay", "verifyPayType"}
	fields     = append([]string{"appToken", "uids", "topicIds"}, baseFields...)
	sptFields  = append([]string{"spt", "sptList"}, baseFields...)
)

// decode reads a POST's JSON body; nil when the request was refused.
func (s *Server) decode(w http.ResponseWriter, r *http.Request) map[string]any {
	if r.Method != http.MethodPost {
		s.Refuse(w, http.StatusMethodNotAllowed, "POST only", "%s %s: this channel must POST", r.Method, r.URL.Path)
		return nil
	}
	if len(r.URL.RawQuery) > 0 {
		s.Violate("POST %s with a query %q: the token belongs in the body", r.URL.Path, r.URL.RawQuery)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.Violate("Content-Type %q, want application/json", ct)
	}
	data, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil {
		s.Refuse(w, http.StatusBadRequest, "body must be a JSON object", "body is not a JSON object: %v", err)
		return nil
	}
	return req
}

// accept records an accepted message.
func (s *Server) accept(req map[string]any) {
	content, _ := req["content"].(string)
	summary, _ := req["summary"].(string)
	ct, _ := req["contentType"].(json.Number).Int64()
	s.Accept(Accepted{Text: content, Summary: summary, ContentType: int(ct), Raw: req})
}

func (s *Server) simplePush(w http.ResponseWriter, r *http.Request) {
	req := s.decode(w, r)
	if req == nil {
		return
	}
	code, msg, spts := s.checkSPT(req)
	if a, ok := s.Next(); ok {
		writeScripted(w, a)
		return
	}
	if code != 1000 {
		fail(w, code, msg)
		return
	}
	var results []map[string]any
	ok := false
	for i, spt := range spts {
		known := spt == SPT || spt == SPT2
		ok = ok || known
		t := target(nil, nil, known, i)
		if !known {
			t["status"] = "SPT不存在或已失效" // stand-in wording
		}
		results = append(results, t)
	}
	if ok {
		s.accept(req)
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": 1000, "msg": "处理成功", "data": results, "success": true})
}

// checkSPT validates a simple-push body: spt for one SPT, sptList (an
// array of at most 10) for several, never both.
func (s *Server) checkSPT(req map[string]any) (code int, msg string, spts []string) {
	for k := range req {
		if !slices.Contains(sptFields, k) {
			s.Violate("unknown simple-push field %q", k)
		}
	}
	if code, msg := s.checkBase(req); code != 1000 {
		return code, msg, nil
	}
	one, hasOne := req["spt"]
	list, hasList := req["sptList"]
	switch {
	case hasOne && hasList:
		s.Violate("both spt and sptList: send spt for one SPT, sptList for several")
	case hasOne:
		if spt, isStr := one.(string); !isStr || !strings.HasPrefix(spt, "SPT_") {
			s.Violate("spt must be a string starting with SPT_, got %#v", one)
		} else {
			spts = append(spts, spt)
		}
	case hasList:
		items, isList := list.([]any)
		if !isList || len(items) > MaxSPTs {
			s.Violate("sptList must be an array of at most %d strings, got %#v", MaxSPTs, list)
		}
		if len(items) == 1 {
			s.Violate("sptList holds one SPT: send it as spt")
		}
		for _, item := range items {
			spt, isStr := item.(string)
			if !isStr || !strings.HasPrefix(spt, "SPT_") {
				s.Violate("sptList holds %#v; SPTs are strings starting with SPT_", item)
				continue
			}
			if slices.Contains(spts, spt) {
				s.Violate("sptList holds %s twice", spt)
			}
			spts = append(spts, spt)
		}
	}
	if len(spts) == 0 {
		s.Violate("neither spt nor sptList")
		return 1001, "spt不能为空", nil
	}
	return 1000, "", spts
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	req := s.decode(w, r)
	if req == nil {
		return
	}
	code, msg, uids, topics := s.check(req)
	if a, ok := s.Next(); ok {
		writeScripted(w, a)
		return
	}
	if code != 1000 {
		fail(w, code, msg)
		return
	}
	var results []map[string]any
	ok := false
	for i, uid := range uids {
		known := uid == UID || uid == UID2
		ok = ok || known
		results = append(results, target(uid, nil, known, i))
	}
	for i, id := range topics {
		known := id == TopicID
		ok = ok || known
		results = append(results, target(nil, id, known, len(uids)+i))
	}
	if ok {
		s.accept(req)
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": 1000, "msg": "处理成功", "data": results, "success": true})
}

func target(uid, topicID any, known bool, i int) map[string]any {
	t := map[string]any{"uid": uid, "topicId": topicID, "messageId": 100 + i, "messageContentId": 2123, "sendRecordId": 12313 + i,
		"code": 1000, "status": "创建发送任务成功"}
	if !known {
		// Stand-in wording: WxPusher documents the per-target code, not its texts.
		t["code"], t["status"] = 1001, "用户不存在或者未关注应用"
		if topicID != nil {
			t["status"] = "主题不存在"
		}
	}
	return t
}

func writeScripted(w http.ResponseWriter, a Answer) {
	if a.RetryAfter != "" {
		w.Header().Set("Retry-After", a.RetryAfter)
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	if a.Body != "" {
		w.WriteHeader(status)
		io.WriteString(w, a.Body)
		return
	}
	writeJSON(w, status, map[string]any{"code": a.Code, "msg": a.Msg, "data": nil, "success": a.Code == 1000})
}

// check validates a send body; it returns WxPusher's code for it (1000 when
// fine) with the UIDs and topic IDs to answer for.
func (s *Server) check(req map[string]any) (code int, msg string, uids []string, topics []int64) {
	for k := range req {
		if !slices.Contains(fields, k) {
			s.Violate("unknown field %q", k)
		}
	}
	token, isStr := req["appToken"].(string)
	if !isStr || !strings.HasPrefix(token, "AT_") {
		s.Violate("appToken must be a string starting with AT_, got %#v", req["appToken"])
	}
	if code, msg := s.checkBase(req); code != 1000 {
		return code, msg, nil, nil
	}
	return s.checkTargets(req, token)
}

// checkBase validates what both modes send: content, summary, url and
// contentType.
func (s *Server) checkBase(req map[string]any) (code int, msg string) {
	content, isStr := req["content"].(string)
	switch {
	case !isStr || content == "":
		s.Violate("content must be a non-empty string, got %#v", req["content"])
		return 1001, "content不能为空"
	case utf8.RuneCountInString(content) > MaxContentChars || len(content) > MaxContentBytes:
		s.Violate("content has %d characters and %d bytes, at most %d and %d", utf8.RuneCountInString(content), len(content), MaxContentChars, MaxContentBytes)
		return 1001, "content内容过长"
	}
	if v, ok := req["summary"]; ok {
		if sum, isStr := v.(string); !isStr || utf8.RuneCountInString(sum) > MaxSummaryChars {
			s.Violate("summary must be a string of at most %d characters, got %#v", MaxSummaryChars, v)
		}
	}
	if v, ok := req["url"]; ok {
		if u, isStr := v.(string); !isStr || utf8.RuneCountInString(u) > MaxURLChars {
			s.Violate("url must be a string of at most %d characters, got %#v", MaxURLChars, v)
		}
	}
	if n, isNum := req["contentType"].(json.Number); !isNum || (n != "1" && n != "2" && n != "3") {
		s.Violate("contentType must be the number 1, 2 or 3, got %#v", req["contentType"])
	}
	return 1000, ""
}

// checkTargets validates the standard mode's uids and topicIds.
func (s *Server) checkTargets(req map[string]any, token string) (code int, msg string, uids []string, topics []int64) {
	if v, ok := req["uids"]; ok {
		list, isList := v.([]any)
		if !isList || len(list) > MaxUIDs {
			s.Violate("uids must be an array of at most %d strings, got %#v", MaxUIDs, v)
		}
		for _, item := range list {
			uid, isStr := item.(string)
			if !isStr || !strings.HasPrefix(uid, "UID_") {
				s.Violate("uids holds %#v; UIDs are strings starting with UID_", item)
				continue
			}
			if slices.Contains(uids, uid) {
				s.Violate("uids holds %s twice", uid)
			}
			uids = append(uids, uid)
		}
	}
	if v, ok := req["topicIds"]; ok {
		list, isList := v.([]any)
		if !isList || len(list) > MaxTopics {
			s.Violate("topicIds must be an array of at most %d integers, got %#v", MaxTopics, v)
		}
		for _, item := range list {
			n, isNum := item.(json.Number)
			id, err := n.Int64()
			if !isNum || err != nil {
				s.Violate("topicIds holds %#v; topic IDs are JSON integers", item)
				continue
			}
			topics = append(topics, id)
		}
	}
	if len(uids) == 0 && len(topics) == 0 {
		s.Violate("neither uids nor topicIds")
		return 1001, "uids和topicIds不能同时为空", nil, nil
	}
	if token != AppToken {
		return 1001, "appToken不正确", nil, nil
	}
	return 1000, "", uids, topics
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}

// SPTFixture is Fixture in simple-push mode.
func SPTFixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.SPTConfig())
}
