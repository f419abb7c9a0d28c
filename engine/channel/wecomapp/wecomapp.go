// Package wecomapp sends messages as a WeCom (企业微信) self-built application:
// an access token is fetched with the corp ID and the app secret, cached until
// shortly before it expires, and used for message/send (and media/upload when
// a picture has to become an mpnews cover).
package wecomapp

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image/color"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

const (
	kindID = "wecom_app"

	// DefaultHost is WeCom's API host; QD's QYWX_PROXY_HOST overrides it.
	DefaultHost = "https://qyapi.weixin.qq.com"

	// Limits from WeCom's 发送应用消息 page (document/path/90236).
	maxTextBytes     = 2048       // text.content
	maxMarkdownBytes = 2048       // markdown.content
	maxTitleBytes    = 128        // mpnews article title (WeCom truncates beyond)
	maxDigestBytes   = 512        // mpnews article digest (WeCom truncates beyond)
	maxNewsBytes     = 666 * 1024 // mpnews article content ("不超过666 K个字节")

	// Limits from 上传临时素材 (document/path/90253): images are JPG or PNG,
	// more than 5 bytes and at most 10 MB; the media_id lives 3 days.
	maxImageBytes = 10 << 20
	mediaLifetime = 72 * time.Hour

	// refreshEarly is how long before its expiry a token or media_id is
	// replaced, so a send never races the deadline.
	refreshEarly = 5 * time.Minute
)

// Message types the msg_type field offers.
const (
	TypeText     = "text"
	TypeMarkdown = "markdown"
	TypeMPNews   = "mpnews"
)

var (
	mediaIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	corpIDPattern  = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// Kind is the WeCom application-message channel kind.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "WeCom app message",
	DocURL: "https://developer.work.weixin.qq.com/document/path/90236",
	Badge:  channel.Badge{Text: "WC", Color: color.NRGBA{0x1E, 0x88, 0xE5, 0xFF}},
	Rates:  []channel.Rate{{N: 30, Per: time.Minute}},
	Fields: []channel.Field{
		{
			Key:      "corp_id",
			Aliases:  []string{"CorpID"},
			Label:    "Corp ID",
			Help:     "Your company's ID: WeCom admin console → My Company → Company Information → Company ID (starts with ww).",
			DocURL:   "https://developer.work.weixin.qq.com/document/path/90665#corpid",
			Type:     channel.TypeString,
			Required: true,
			Validate: channel.Matching(corpIDPattern, "field.wecomapp.corp_id"),
		},
		{
			Key:      "agent_id",
			Aliases:  []string{"AgentID"},
			Label:    "Agent ID",
			Help:     "The app's AgentId: admin console → App Management → your self-built app.",
			DocURL:   "https://developer.work.weixin.qq.com/document/path/90665#agentid",
			Type:     channel.TypeInt,
			Required: true,
			Validate: func(v string) error {
				if n, _ := strconv.Atoi(v); n <= 0 {
					return i18n.New("field.wecomapp.agent_id")
				}
				return nil
			},
		},
		{
			Key:      "secret",
			Aliases:  []string{"AgentSecret"},
			Label:    "App secret",
			Help:     "The app's Secret: admin console → App Management → your app → Secret (sent to the admin's WeCom when viewed).",
			DocURL:   "https://developer.work.weixin.qq.com/document/path/90665#secret",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
		},
		{
			Key:     "pic",
			Aliases: []string{"PUSH_PIC_URL_or_Media_id"},
			Label:   "Picture",
			Help:    "Optional cover image: an http(s) URL of a JPG or PNG (uploaded once, then reused) or a WeCom media_id. With a picture, text messages are sent as mpnews articles.",
			DocURL:  "https://developer.work.weixin.qq.com/document/path/90253",
			Type:    channel.TypeString,
			Validate: func(v string) error {
				if isURL(v) {
					return channel.CheckURL(v)
				}
				if !mediaIDPattern.MatchString(v) {
					return i18n.New("field.wecomapp.pic")
				}
				return nil
			},
		},
		{
			Key:     "host",
			Aliases: []string{"QYWX_PROXY_HOST", "api"},
			Label:   "API host",
			Help:    "WeCom's API host, or your reverse proxy in front of it: a domain (https is assumed) or a URL. Default " + DefaultHost + ".",
			Type:    channel.TypeString,
			Default: DefaultHost,
			Validate: func(v string) error {
				if err := channel.CheckHostOrURL(v); err != nil {
					return err
				}
				return channel.CheckURL(channel.BaseURL(v, DefaultHost))
			},
		},
		{
			Key:     "to_user",
			Label:   "Recipients",
			Help:    "Member account IDs (Contacts → member → Account), separated by | or commas; @all sends to everyone the app is visible to.",
			DocURL:  "https://developer.work.weixin.qq.com/document/path/90236",
			Type:    channel.TypeList,
			Default: "@all",
			Validate: func(v string) error {
				users := channel.SplitList(v)
				if len(users) > 1000 {
					return i18n.New("field.wecomapp.users_many", "N", len(users))
				}
				for _, u := range users {
					if strings.EqualFold(u, "@all") && len(users) > 1 {
						return i18n.New("field.wecomapp.all")
					}
					if len(u) > 64 || strings.ContainsAny(u, " \t") {
						return i18n.New("field.wecomapp.user", "Value", strconv.Quote(u))
					}
				}
				return nil
			},
		},
		{
			Key:     "msg_type",
			Label:   "Message type",
			Help:    "text shows everywhere, including WeChat via the WeCom plugin; markdown renders only in the WeCom app; mpnews is an article with a cover picture (needs Picture).",
			DocURL:  "https://developer.work.weixin.qq.com/document/path/90236",
			Type:    channel.TypeChoice,
			Choices: []string{TypeText, TypeMarkdown, TypeMPNews},
			Default: TypeText,
		},
		channel.ProxyField(),
	},
	QDFields:  5,
	PackedEnv: &channel.PackedEnv{Vars: []string{envAM, envOrigin}, Unpack: unpackAM, Pack: packAM},
	Check: func(c channel.Config) error {
		if c.String("msg_type") == TypeMPNews && c.String("pic") == "" {
			return channel.NewFieldError("pic", i18n.New("field.wecomapp.pic_required"))
		}
		return nil
	},
	Open: open,
}

// envAM is qinglong's WeCom app variable: "corpid,secret,touser,agentid"
// and optionally ",media_id" (the cover of an mpnews article).
const envAM = "QYWX_AM"

// envOrigin is the API base URL (notify.py appends /cgi-bin/…), so a bare
// host gets https:// on export. notify.py's WeCom robot reads it too, but
// a variable has one owner: the app, whose trusted-IP rule is what makes
// users put a proxy in front of WeCom.
const envOrigin = "QYWX_ORIGIN"

func unpackAM(vars, raw map[string]string) error {
	if o := vars[envOrigin]; o != "" {
		raw["host"] = o
	}
	if vars[envAM] == "" {
		return nil
	}
	parts := strings.Split(vars[envAM], ",")
	if len(parts) != 4 && len(parts) != 5 {
		return channel.NewFieldError(envAM, i18n.New("field.wecomapp.qywx_am", "N", len(parts)))
	}
	for i, key := range []string{"corp_id", "secret", "to_user", "agent_id", "pic"}[:len(parts)] {
		raw[key] = strings.TrimSpace(parts[i])
	}
	return nil
}

// packAM writes QYWX_AM when the app is complete; a picture URL (Herald
// uploads it) has no place there, only a media_id.
func packAM(c channel.Config, vars map[string]string) {
	if h := c["host"]; h != "" && h != DefaultHost {
		vars[envOrigin] = channel.BaseURL(h, DefaultHost)
	}
	if c["corp_id"] == "" || c["secret"] == "" || c["agent_id"] == "" {
		return
	}
	// Stored settings leave the default out, but notify.py sends touser
	// as written: an empty one reaches nobody.
	toUser := cmp.Or(strings.Join(c.List("to_user"), "|"), "@all")
	am := strings.Join([]string{c["corp_id"], c["secret"], toUser, c["agent_id"]}, ",")
	if pic := c["pic"]; pic != "" && !isURL(pic) {
		am += "," + pic
	}
	vars[envAM] = am
}

func isURL(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	return &wecomApp{
		client:  client,
		now:     deps.Clock(),
		base:    channel.BaseURL(c.String("host"), DefaultHost),
		corpID:  c.String("corp_id"),
		agentID: c.Int("agent_id"),
		secret:  c.String("secret"),
		pic:     c.String("pic"),
		toUser:  strings.Join(c.List("to_user"), "|"),
		msgType: c.String("msg_type"),
		lock:    make(chan struct{}, 1),
		media:   map[string]cachedMedia{},
	}, nil
}

type wecomApp struct {
	client  *http.Client
	now     func() time.Time
	base    string
	corpID  string
	agentID int
	secret  string
	pic     string
	toUser  string
	msgType string

	// lock guards token, tokenExpiry and media, and is held while one of them
	// is being fetched so concurrent sends share one gettoken or upload call.
	// It is a channel rather than a mutex so a waiting send can give up when
	// its context ends.
	lock        chan struct{}
	token       string
	tokenExpiry time.Time
	media       map[string]cachedMedia // picture URL → uploaded media_id
}

type cachedMedia struct {
	id     string
	expiry time.Time
}

// answer is the part every WeCom API answer shares.
type answer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

type sendAnswer struct {
	answer
	InvalidUser string `json:"invaliduser"`
}

// Send renders m, makes sure a token (and a cover media_id) is at hand, and
// posts message/send. A token WeCom reports as invalid or expired is replaced
// and the message resent once; so is an uploaded cover WeCom no longer knows.
func (w *wecomApp) Send(ctx context.Context, m message.Message) error {
	pic := w.pic
	if m.PictureURL != "" {
		pic = m.PictureURL
	}
	msgType := w.msgType
	// A picture turns a text message into an mpnews article, as QD always
	// sends; markdown cannot show images, so a markdown channel ignores it.
	if msgType == TypeText && pic != "" {
		msgType = TypeMPNews
	}
	payload := map[string]any{
		"touser":  w.toUser,
		"msgtype": msgType,
		"agentid": w.agentID,
	}
	var article map[string]string
	switch msgType {
	case TypeText:
		payload["text"] = map[string]string{"content": message.TruncateBytes(m.Text(), maxTextBytes)}
	case TypeMarkdown:
		payload["markdown"] = map[string]string{"content": renderMarkdown(m)}
	case TypeMPNews:
		article = renderArticle(m)
		payload["mpnews"] = map[string]any{"articles": []map[string]string{article}}
	}
	var staleToken string // a token WeCom rejected, to be replaced
	var staleMedia bool   // the cached cover WeCom no longer knows
	for attempt := 0; ; attempt++ {
		retry := attempt == 0
		token, err := w.accessToken(ctx, staleToken)
		if err != nil {
			return err
		}
		var uploaded bool
		if article != nil {
			article["thumb_media_id"], uploaded, err = w.cover(ctx, token, pic, staleMedia)
			if err != nil {
				if retry && isTokenError(err) {
					staleToken = token
					continue
				}
				return err
			}
		}
		var ans sendAnswer
		q := url.Values{"access_token": {token}}
		if err := w.call(ctx, http.MethodPost, "/cgi-bin/message/send", q, payload, &ans); err != nil {
			return err
		}
		switch {
		case ans.ErrCode == 0:
			return w.checkDelivered(ans)
		case retry && isTokenCode(ans.ErrCode):
			staleToken = token
			continue
		case retry && ans.ErrCode == 40007 && uploaded:
			// WeCom forgot the cover before its documented 3 days: upload
			// it again.
			staleMedia = true
			continue
		}
		return apiError(ans.answer, sendHint(ans.ErrCode, pic))
	}
}

// checkDelivered reports a send WeCom accepted for nobody: every named
// member was invalid or outside the app's visible range.
func (w *wecomApp) checkDelivered(ans sendAnswer) error {
	if ans.InvalidUser == "" || w.toUser == "@all" {
		return nil
	}
	invalid := map[string]bool{}
	for _, u := range strings.Split(ans.InvalidUser, "|") {
		invalid[strings.ToLower(strings.TrimSpace(u))] = true
	}
	for _, u := range strings.Split(w.toUser, "|") {
		if !invalid[strings.ToLower(u)] {
			return nil // at least one member got it
		}
	}
	return &channel.Error{Kind: kindID, Msg: "invalid user: " + ans.InvalidUser + " (check to_user: the members must exist and be in the app's visible range)"}
}

func renderMarkdown(m message.Message) string {
	s := m.Body
	if m.Title != "" {
		s = "### " + m.Title + "\n" + m.Body
	}
	return message.TruncateBytes(s, maxMarkdownBytes)
}

// renderArticle builds one mpnews article, its cover still to be set.
// Content is HTML, so the body is escaped and its line breaks become <br>;
// Markdown bodies are shown as their source, since articles know no Markdown.
func renderArticle(m message.Message) map[string]string {
	title := m.Title
	if title == "" {
		title = message.FirstLine(m.Body)
	}
	if title == "" {
		title = "Herald"
	}
	body := m.Body
	if body == "" {
		body = m.Title
	}
	content := fitBytes(body, maxNewsBytes, func(s string) string {
		return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
	})
	article := map[string]string{
		"title":   shorten(title, maxTitleBytes),
		"content": content,
	}
	// Without a digest WeCom derives one from the content.
	if m.Body != "" {
		article["digest"] = shorten(m.Body, maxDigestBytes)
	}
	return article
}

// fitBytes renders body with render, cutting the body (head and tail kept)
// until the rendered text is at most limit bytes: escaping makes the
// rendered size grow by an amount only known after rendering.
func fitBytes(body string, limit int, render func(string) string) string {
	budget := len(body)
	for {
		out := render(message.TruncateBytes(body, budget))
		if len(out) <= limit {
			return out
		}
		if budget == 0 {
			return message.TruncateBytes(out, limit)
		}
		// Shrink in proportion to the overshoot; at least a byte per round.
		budget = min(int(int64(budget)*int64(limit)/int64(len(out))), budget-1)
	}
}

// shorten cuts s to at most limit bytes of valid UTF-8, ending in "…" when cut;
// for short fields where a head-and-tail cut marker would not fit.
func shorten(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	n := limit - len(ellipsis)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + ellipsis
}

// accessToken returns the cached token, or fetches a new one when there is
// none, it is about to expire, or it is stale (WeCom rejected it; another
// send may have replaced it meanwhile, in which case that one is used).
func (w *wecomApp) accessToken(ctx context.Context, stale string) (string, error) {
	if err := w.acquire(ctx); err != nil {
		return "", err
	}
	defer w.release()
	if w.token != "" && w.token != stale && w.now().Before(w.tokenExpiry) {
		return w.token, nil
	}
	var ans struct {
		answer
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	q := url.Values{"corpid": {w.corpID}, "corpsecret": {w.secret}}
	if err := w.call(ctx, http.MethodGet, "/cgi-bin/gettoken", q, nil, &ans); err != nil {
		return "", err
	}
	if ans.ErrCode != 0 {
		return "", apiError(ans.answer, tokenHint(ans.ErrCode))
	}
	if ans.AccessToken == "" {
		return "", &channel.Error{Kind: kindID, Msg: "gettoken answered without an access_token"}
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	w.token = ans.AccessToken
	w.tokenExpiry = w.now().Add(ttl - min(refreshEarly, ttl/2))
	return w.token, nil
}

func (w *wecomApp) acquire(ctx context.Context) error {
	select {
	case w.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &channel.Error{Kind: kindID, Transient: !errors.Is(ctx.Err(), context.Canceled), Msg: "send abandoned while waiting for the access token or cover upload", Err: ctx.Err()}
	}
}

func (w *wecomApp) release() { <-w.lock }

// cover returns the media_id of pic: pic itself when it is one, else the
// cached or freshly uploaded id of the image at that URL (stale forces a new
// upload). uploaded says the id came from an upload.
func (w *wecomApp) cover(ctx context.Context, token, pic string, stale bool) (id string, uploaded bool, err error) {
	if !isURL(pic) {
		return pic, false, nil
	}
	if err := w.acquire(ctx); err != nil {
		return "", false, err
	}
	defer w.release()
	if m, ok := w.media[pic]; ok && !stale && w.now().Before(m.expiry) {
		return m.id, true, nil
	}
	img, name, ctype, err := w.download(ctx, pic)
	if err != nil {
		return "", false, err
	}
	id, err = w.upload(ctx, token, img, name, ctype)
	if err != nil {
		return "", false, err
	}
	w.media[pic] = cachedMedia{id: id, expiry: w.now().Add(mediaLifetime - refreshEarly)}
	return id, true, nil
}

// download fetches the cover image with the channel's own client (and so its
// proxy), refusing what WeCom would refuse anyway.
func (w *wecomApp) download(ctx context.Context, pic string) (img []byte, name, ctype string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pic, nil)
	if err != nil {
		return nil, "", "", &channel.Error{Kind: kindID, Msg: "pic: not a usable URL"}
	}
	resp, err := w.client.Do(req)
	if err != nil {
		// Only the host: the picture URL may carry a signed query.
		return nil, "", "", downloadError(ctx, req, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		e := channel.StatusError(kindID, resp, body)
		e.Msg = "picture download from " + req.URL.Host + " failed: " + e.Msg
		return nil, "", "", e
	}
	img, err = io.ReadAll(io.LimitReader(resp.Body, maxImageBytes+1))
	if err != nil {
		return nil, "", "", downloadError(ctx, req, err)
	}
	if len(img) > maxImageBytes {
		return nil, "", "", &channel.Error{Kind: kindID, Msg: "picture is larger than WeCom's 10 MB image limit: use a smaller image"}
	}
	if len(img) <= 5 {
		return nil, "", "", &channel.Error{Kind: kindID, Msg: "picture is empty (WeCom needs more than 5 bytes)"}
	}
	// WeCom names the file after filename, so keep the URL's when it fits.
	ext := map[string]string{"image/png": ".png", "image/jpeg": ".jpg"}
	ctype = http.DetectContentType(img)
	if ext[ctype] == "" {
		return nil, "", "", &channel.Error{Kind: kindID, Msg: "picture is " + ctype + " but WeCom takes only JPG or PNG"}
	}
	name = path.Base(req.URL.Path)
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
	default:
		name = "cover" + ext[ctype]
	}
	return img, name, ctype, nil
}

func downloadError(ctx context.Context, req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	e := &channel.Error{Kind: kindID, Transient: true, Msg: "picture download from " + req.URL.Host + " failed", Err: err}
	if ctx.Err() != nil {
		e.Transient = !errors.Is(ctx.Err(), context.Canceled)
		e.Err = ctx.Err()
	}
	return e
}

// upload posts the image to media/upload as WeCom documents it: multipart,
// one part named "media" with filename, filelength and content type.
func (w *wecomApp) upload(ctx context.Context, token string, img []byte, name, ctype string) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q; filelength=%d`, name, len(img)))
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(img)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", &channel.Error{Kind: kindID, Msg: "build upload", Err: err}
	}
	u := w.base + "/cgi-bin/media/upload?" + url.Values{"access_token": {token}, "type": {"image"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, &body)
	if err != nil {
		return "", &channel.Error{Kind: kindID, Msg: "host: not a usable URL"}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var ans struct {
		answer
		MediaID string `json:"media_id"`
	}
	if err := w.do(req, &ans); err != nil {
		return "", err
	}
	if ans.ErrCode != 0 {
		return "", apiError(ans.answer, uploadHint(ans.ErrCode))
	}
	if ans.MediaID == "" {
		return "", &channel.Error{Kind: kindID, Msg: "media/upload answered without a media_id"}
	}
	return ans.MediaID, nil
}

// call sends one JSON (or query-only) request to the WeCom API.
func (w *wecomApp) call(ctx context.Context, method, apiPath string, q url.Values, payload any, out any) error {
	u := w.base + apiPath + "?" + q.Encode()
	var body io.Reader
	if payload != nil {
		data, err := json.Marshal(payload)
		if err != nil {
			return &channel.Error{Kind: kindID, Msg: "encode request", Err: err}
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return &channel.Error{Kind: kindID, Msg: "host: not a usable URL"}
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	return w.do(req, out)
}

// do runs req and decodes WeCom's JSON answer; an answer that is not WeCom's
// (a proxy's error page, a 5xx) is classified by its HTTP status.
func (w *wecomApp) do(req *http.Request, out any) error {
	resp, body, err := channel.Do(req.Context(), w.client, kindID, req)
	if err != nil {
		return err
	}
	// Whatever comes back is shown to the user: make sure it does not echo
	// this request's secret or token.
	body = []byte(w.scrub(string(body), req.URL.Query().Get("access_token")))
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(kindID, resp, body)
	}
	return channel.DecodeJSON(kindID, resp, body, out)
}

// scrub replaces the app secret and the given token in s.
func (w *wecomApp) scrub(s, token string) string {
	for _, secret := range []string{w.secret, token} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "…")
		}
	}
	return s
}

func isTokenCode(code int) bool {
	// 40014 invalid access_token, 42001 expired, 40001 invalid credential.
	return code == 40014 || code == 42001 || code == 40001
}

func isTokenError(err error) bool {
	var e *channel.Error
	if !errors.As(err, &e) {
		return false
	}
	n, _ := strconv.Atoi(e.Code)
	return isTokenCode(n)
}

// apiError classifies a WeCom error answer. hint, when not empty, tells the
// user which field to fix; WeCom's own words follow it.
func apiError(a answer, hint string) *channel.Error {
	switch a.ErrCode {
	case -1, 45009, 45033:
		// System busy, API frequency and concurrency limits.
		return channel.ServiceError(kindID, a.ErrCode, a.ErrMsg, true)
	case 60020:
		hint = "this machine's public IP is not in the app's trusted IPs (企业可信IP): add it under App Management → your app → Trusted IP"
	}
	msg := a.ErrMsg
	if hint != "" {
		msg = hint + "; WeCom said: " + msg
	}
	return channel.ServiceError(kindID, a.ErrCode, msg, false)
}

func tokenHint(code int) string {
	switch code {
	case 40013, 41002:
		return "corp_id is wrong: check it under My Company → Company Information"
	case 40001, 40091, 41004:
		return "secret is wrong: copy the app's Secret again from App Management → your app"
	}
	return ""
}

func uploadHint(code int) string {
	switch code {
	case 40004, 40005, 40006, 40009, 44001, 45001:
		return "pic: WeCom refused the picture (JPG or PNG, at most 10 MB)"
	}
	return ""
}

func sendHint(code int, pic string) string {
	switch code {
	case 40056, 41011:
		return "agent_id is wrong: use the AgentId of the app the secret belongs to"
	case 81013, 82001, 40031, 60111:
		return "to_user: no recipient is valid or in the app's visible range"
	case 40007:
		if !isURL(pic) {
			return "pic: WeCom does not know this media_id (temporary media expire after 3 days; an image URL is uploaded automatically)"
		}
	case 40001, 40014, 42001:
		return "access token still rejected after fetching a new one"
	}
	return ""
}
