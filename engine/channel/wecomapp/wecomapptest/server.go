// Package wecomapptest is a fake of WeCom's application-message API
// (gettoken, message/send, media/upload) for tests. It checks each request
// the way WeCom documents it and answers with WeCom's own error codes.
package wecomapptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed credentials the fake accepts.
const (
	CorpID  = "ww0123456789abcdef"
	AgentID = 1000002
	Secret  = "herald-test-wecom-secret-7f3a9c51"
	// MediaID is a media_id the fake knows without an upload.
	MediaID = "2preset-herald_MEDIA_id"
	// ExpiresIn is the token lifetime gettoken reports, as WeCom does.
	ExpiresIn = 7200
	// PicturePath serves a small PNG (not part of WeCom: a cover to upload).
	PicturePath = "/herald-test/cover.png"
)

// Users are the members the fake's corp has; others are invalid users.
var Users = []string{"alice", "bob"}

// Endpoints FailNext can script.
const (
	EndpointSend     = "message/send"
	EndpointGettoken = "gettoken"
	EndpointUpload   = "media/upload"
)

// Accepted is a message the fake accepted. Text is text.content,
// markdown.content or the mpnews article's content; Title is the article's
// title (empty for text and markdown, which have none).
type Accepted struct {
	Title, Text string
	MsgType     string
	ToUser      string
	Raw         map[string]any
}

// Answer scripts one answer of an endpoint (message/send by default): a
// WeCom error code, or an HTTP status with a raw body (a proxy's error page).
type Answer struct {
	Endpoint    string
	Status      int // HTTP status; 0 means 200
	ErrCode     int
	ErrMsg      string
	InvalidUser string // for a 0 answer of message/send
	Body        string // sent verbatim instead of JSON when set
	RetryAfter  string // Retry-After header
}

// Server is the fake WeCom API.
type Server struct {
	channeltest.Fake[Accepted, Answer]

	mu            sync.Mutex      // guards the token and media state below
	valid         map[string]bool // issued tokens → still valid
	current       string
	issued        int
	media         map[string]bool
	gettokenCalls int
	sendCalls     int
	uploads       int
	downloads     int
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{valid: map[string]bool{}, media: map[string]bool{MediaID: true}}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", s.gettoken)
	mux.HandleFunc("/cgi-bin/message/send", s.send)
	mux.HandleFunc("/cgi-bin/media/upload", s.upload)
	mux.HandleFunc(PicturePath, s.picture)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.Violate("unknown path %s", r.URL.Path)
		http.NotFound(w, r)
	})
	s.Serve(t, mux.ServeHTTP)
	return s
}

// Config points a wecom_app channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{
		"corp_id":  CorpID,
		"agent_id": strconv.Itoa(AgentID),
		"secret":   Secret,
		"host":     s.URL,
	}
}

// PictureURL is the URL of the fake's PNG cover.
func (s *Server) PictureURL() string { return s.URL + PicturePath }

// ExpireTokens makes every issued token expired, as after its 7200 s: the
// next message/send with one answers 42001 and gettoken issues a new token.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.valid {
		s.valid[tok] = false
	}
	s.current = ""
}

// Tokens returns every token issued so far (tests check none leaks).
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for tok := range s.valid {
		out = append(out, tok)
	}
	return out
}

// GettokenCalls counts gettoken requests.
func (s *Server) GettokenCalls() int { return s.count(&s.gettokenCalls) }

// SendCalls counts message/send requests.
func (s *Server) SendCalls() int { return s.count(&s.sendCalls) }

// Uploads counts media/upload requests.
func (s *Server) Uploads() int { return s.count(&s.uploads) }

// Downloads counts fetches of PictureURL.
func (s *Server) Downloads() int { return s.count(&s.downloads) }

func (s *Server) count(n *int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *n
}

// scripted pops the first scripted answer for endpoint (send when unnamed).
func (s *Server) scripted(endpoint string) (Answer, bool) {
	return s.NextFor(func(a Answer) bool { return a.Endpoint == endpoint || a.Endpoint == "" && endpoint == EndpointSend })
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
	msg := a.ErrMsg
	if msg == "" && a.ErrCode == 0 {
		msg = "ok"
	}
	body := map[string]any{"errcode": a.ErrCode, "errmsg": withHint(a.ErrCode, msg)}
	if a.ErrCode == 0 {
		body["invaliduser"] = a.InvalidUser
		body["msgid"] = "scripted-msgid"
	}
	writeJSON(w, status, body)
}

// withHint appends the tail WeCom puts on every error message.
func withHint(code int, msg string) string {
	if code == 0 {
		return msg
	}
	return fmt.Sprintf("%s, hint: [1700000000_1_herald], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=%d", msg, code)
}

func writeJSON(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"errcode": code, "errmsg": withHint(code, msg)})
}

func (s *Server) checkMethod(w http.ResponseWriter, r *http.Request, want string) bool {
	if r.Method != want {
		s.Refuse(w, http.StatusBadRequest, "method must be "+want, "%s %s: method must be %s", r.Method, r.URL.Path, want)
		return false
	}
	return true
}

func (s *Server) checkQuery(r *http.Request, allowed ...string) {
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			s.Violate("%s: unexpected query parameter %q", r.URL.Path, k)
		}
	}
}

func (s *Server) gettoken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.gettokenCalls++
	s.mu.Unlock()
	if !s.checkMethod(w, r, http.MethodGet) {
		return
	}
	s.checkQuery(r, "corpid", "corpsecret")
	q := r.URL.Query()
	if a, ok := s.scripted(EndpointGettoken); ok {
		writeScripted(w, a)
		return
	}
	switch {
	case q.Get("corpid") == "":
		writeErr(w, 41002, "corpid missing")
		return
	case q.Get("corpsecret") == "":
		writeErr(w, 41004, "corpsecret missing")
		return
	case q.Get("corpid") != CorpID:
		writeErr(w, 40013, "invalid corpid")
		return
	case q.Get("corpsecret") != Secret:
		writeErr(w, 40001, "invalid credential")
		return
	}
	s.mu.Lock()
	// Within its validity WeCom hands out the same token again.
	if s.current == "" {
		s.issued++
		s.current = fmt.Sprintf("herald-fake-token-%d-Zq8xw", s.issued)
		s.valid[s.current] = true
	}
	tok := s.current
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": ExpiresIn})
}

// checkToken answers WeCom's token errors and reports whether the request
// may go on.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("access_token")
	s.mu.Lock()
	valid, issued := s.valid[tok]
	s.mu.Unlock()
	switch {
	case tok == "":
		s.Violate("%s without access_token", r.URL.Path)
		writeErr(w, 41001, "access_token missing")
	case !issued:
		writeErr(w, 40014, "invalid access_token")
	case !valid:
		writeErr(w, 42001, "access_token expired")
	default:
		return true
	}
	return false
}

var (
	sendKeys    = []string{"touser", "toparty", "totag", "msgtype", "agentid", "text", "markdown", "mpnews", "safe", "enable_id_trans", "enable_duplicate_check", "duplicate_check_interval"}
	articleKeys = []string{"title", "thumb_media_id", "author", "content_source_url", "content", "digest"}
)

// Byte limits of 发送应用消息.
const (
	maxText    = 2048
	maxNews    = 666 * 1024
	maxAuthor  = 64
	maxUsers   = 1000
	maxArticle = 8
)

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.sendCalls++
	s.mu.Unlock()
	if !s.checkMethod(w, r, http.MethodPost) {
		return
	}
	s.checkQuery(r, "access_token", "debug")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.Violate("message/send: Content-Type %q, want application/json", ct)
	}
	data, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil {
		s.Violate("message/send: body is not a JSON object: %v", err)
		writeErr(w, 40035, "invalid parameter, Warning: wrong json format.")
		return
	}
	// The whole request is checked before a scripted answer or a token
	// error is given, so a resend is checked as strictly as the first try.
	code, msg, acc := s.checkSend(req)
	if !s.checkToken(w, r) {
		return
	}
	if a, ok := s.scripted(EndpointSend); ok {
		writeScripted(w, a)
		return
	}
	if code != 0 {
		writeErr(w, code, msg)
		return
	}
	invalid := invalidUsers(acc.ToUser)
	if acc.ToUser != "@all" && len(invalid) == len(strings.Split(acc.ToUser, "|")) {
		writeErr(w, 81013, "user & party & tag all invalid")
		return
	}
	n := s.Accept(acc)
	writeJSON(w, http.StatusOK, map[string]any{
		"errcode": 0, "errmsg": "ok",
		"invaliduser": strings.Join(invalid, "|"), "invalidparty": "", "invalidtag": "", "unlicenseduser": "",
		"msgid": fmt.Sprintf("herald-msgid-%d", n), "response_code": "",
	})
}

func invalidUsers(toUser string) []string {
	if toUser == "@all" {
		return nil
	}
	var out []string
	for _, u := range strings.Split(toUser, "|") {
		if !slices.Contains(Users, strings.ToLower(u)) {
			out = append(out, strings.ToLower(u)) // WeCom lowercases them
		}
	}
	return out
}

// checkSend checks a message/send body; it returns the WeCom error code for
// a body WeCom refuses (0 when fine) and the message as accepted.
func (s *Server) checkSend(req map[string]any) (int, string, Accepted) {
	acc := Accepted{Raw: req}
	for k := range req {
		if !slices.Contains(sendKeys, k) {
			s.Violate("message/send: unknown field %q", k)
		}
	}
	switch id := req["agentid"].(type) {
	case json.Number:
		if n, err := id.Int64(); err != nil || n != AgentID {
			return 40056, "invalid agentid", acc
		}
	case nil:
		s.Violate("message/send: agentid missing")
		return 41011, "agentid missing", acc
	default:
		s.Violate("message/send: agentid must be a JSON number, got %T", id)
		return 40056, "invalid agentid", acc
	}
	toUser, ok := req["touser"].(string)
	if !ok || toUser == "" {
		s.Violate("message/send: touser must be a non-empty string, got %#v", req["touser"])
		return 81013, "user & party & tag all invalid", acc
	}
	acc.ToUser = toUser
	if users := strings.Split(toUser, "|"); len(users) > maxUsers {
		s.Violate("message/send: %d users, at most %d", len(users), maxUsers)
		return 40032, "invalid userid list size", acc
	} else if slices.Contains(users, "@all") && len(users) > 1 {
		s.Violate("message/send: @all mixed with user ids")
	}
	for _, k := range []string{"safe", "enable_id_trans", "enable_duplicate_check"} {
		if v, ok := req[k]; ok {
			if n, isNum := v.(json.Number); !isNum || (n != "0" && n != "1") {
				s.Violate("message/send: %s must be 0 or 1, got %#v", k, v)
			}
		}
	}
	msgType, _ := req["msgtype"].(string)
	acc.MsgType = msgType
	for _, t := range []string{"text", "markdown", "mpnews"} {
		if _, ok := req[t]; ok && t != msgType {
			s.Violate("message/send: %s object with msgtype %q", t, msgType)
		}
	}
	switch msgType {
	case "text", "markdown":
		obj, ok := req[msgType].(map[string]any)
		if !ok {
			s.Violate("message/send: %s must be an object", msgType)
			return 44004, "empty content", acc
		}
		s.onlyKeys(msgType, obj, "content")
		content, ok := obj["content"].(string)
		if !ok || content == "" {
			s.Violate("message/send: %s.content must be a non-empty string", msgType)
			return 44004, "empty content", acc
		}
		if len(content) > maxText {
			s.Violate("message/send: %s.content has %d bytes, at most %d", msgType, len(content), maxText)
			return 45002, "content size out of limit", acc
		}
		acc.Text = content
	case "mpnews":
		return s.checkNews(req, acc)
	default:
		s.Violate("message/send: msgtype %q (this channel sends text, markdown or mpnews)", msgType)
		return 40008, "invalid message type", acc
	}
	return 0, "", acc
}

func (s *Server) checkNews(req map[string]any, acc Accepted) (int, string, Accepted) {
	obj, ok := req["mpnews"].(map[string]any)
	if !ok {
		s.Violate("message/send: mpnews must be an object")
		return 41016, "title missing", acc
	}
	s.onlyKeys("mpnews", obj, "articles")
	articles, ok := obj["articles"].([]any)
	if !ok || len(articles) == 0 || len(articles) > maxArticle {
		s.Violate("message/send: mpnews.articles must hold 1 to %d articles", maxArticle)
		return 45008, "article size out of limit", acc
	}
	for i, a := range articles {
		art, ok := a.(map[string]any)
		if !ok {
			s.Violate("message/send: article %d is not an object", i)
			return 41016, "title missing", acc
		}
		s.onlyKeys("article", art, articleKeys...)
		for k, v := range art {
			if _, isStr := v.(string); !isStr {
				s.Violate("message/send: article.%s must be a string, got %T", k, v)
			}
		}
		title, _ := art["title"].(string)
		media, _ := art["thumb_media_id"].(string)
		content, _ := art["content"].(string)
		author, _ := art["author"].(string)
		switch {
		case title == "":
			s.Violate("message/send: article without title")
			return 41016, "title missing", acc
		case media == "":
			s.Violate("message/send: article without thumb_media_id")
			return 41006, "media_id missing", acc
		case content == "":
			s.Violate("message/send: article without content")
			return 44004, "empty content", acc
		case len(content) > maxNews:
			s.Violate("message/send: article content has %d bytes, at most %d", len(content), maxNews)
			return 45002, "content size out of limit", acc
		case len(author) > maxAuthor:
			s.Violate("message/send: article author over %d bytes", maxAuthor)
			return 45032, "author size out of limit", acc
		}
		s.mu.Lock()
		known := s.media[media]
		s.mu.Unlock()
		if !known {
			return 40007, "invalid media_id", acc
		}
		if i == 0 {
			acc.Title, acc.Text = title, content
		}
	}
	return 0, "", acc
}

func (s *Server) onlyKeys(what string, obj map[string]any, keys ...string) {
	for k := range obj {
		if !slices.Contains(keys, k) {
			s.Violate("message/send: unknown field %s.%s", what, k)
		}
	}
}

// Limits of 上传临时素材 for images.
const (
	minMedia = 5
	maxImage = 10 << 20
)

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.uploads++
	s.mu.Unlock()
	if !s.checkMethod(w, r, http.MethodPost) {
		return
	}
	s.checkQuery(r, "access_token", "type", "debug")
	if r.URL.Query().Get("type") != "image" {
		s.Violate("media/upload: type %q, want image", r.URL.Query().Get("type"))
		writeErr(w, 40005, "invalid file type")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		s.Violate("media/upload: not multipart/form-data: %v", err)
		writeErr(w, 44001, "empty media data")
		return
	}
	var img []byte
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.Violate("media/upload: broken multipart body: %v", err)
			writeErr(w, 44001, "empty media data")
			return
		}
		if part.FormName() != "media" {
			s.Violate("media/upload: unexpected part %q (the file part is named media)", part.FormName())
			continue
		}
		img, _ = io.ReadAll(part)
		_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		if params["filename"] == "" {
			s.Violate("media/upload: media part without filename")
		}
		if l, ok := params["filelength"]; ok && l != strconv.Itoa(len(img)) {
			s.Violate("media/upload: filelength=%s but the part has %d bytes", l, len(img))
		}
		if ct := part.Header.Get("Content-Type"); ct != "" && ct != http.DetectContentType(img) {
			s.Violate("media/upload: part Content-Type %q but the bytes are %s", ct, http.DetectContentType(img))
		}
	}
	if !s.checkToken(w, r) {
		return
	}
	if a, ok := s.scripted(EndpointUpload); ok {
		writeScripted(w, a)
		return
	}
	switch {
	case len(img) <= minMedia:
		writeErr(w, 44001, "empty media data")
		return
	case len(img) > maxImage:
		writeErr(w, 40009, "invalid image size")
		return
	}
	if ct := http.DetectContentType(img); ct != "image/png" && ct != "image/jpeg" {
		writeErr(w, 40004, "invalid media type")
		return
	}
	s.mu.Lock()
	id := fmt.Sprintf("3herald-uploaded-%d_Xw", s.uploads)
	s.media[id] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "", "type": "image", "media_id": id, "created_at": "1380000000"})
}

var coverPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(0, 0, color.Black)
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}()

func (s *Server) picture(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.downloads++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "image/png")
	w.Write(coverPNG)
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
