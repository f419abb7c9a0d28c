// Package telegramtest is a fake Telegram Bot API server for tests. It checks
// sendMessage and sendPhoto requests as the Bot API documents them, parses
// their HTML the way Telegram does (supported tags only, entities decoded)
// and answers like Telegram, documented errors included.
package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

//lint:file-ignore ST1005 parseHTML's error texts are tdlib's, capitals included

// Fixed credentials the fake accepts.
const (
	Token    = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
	ChatID   = "-1001234567890"
	ThreadID = 42
	// ChannelUsername is a public channel the bot may also post to.
	ChannelUsername = "@herald_news"
)

// Limits the fake enforces, as Telegram does (code points after entity
// parsing and trimming, like tdlib's utf8_length check).
const (
	MaxText    = 4096
	MaxCaption = 1024
)

// Answer scripts the fake's reply to one request. The zero Answer handles the
// request normally. Otherwise the request is still checked (violations are
// recorded) but not accepted, and the fake replies with Status and
// {"ok":false,"error_code":Status,"description":Description,"parameters":…},
// or with Raw verbatim when it is set (a proxy's HTML error page, say).
type Answer struct {
	Status          int
	Description     string
	RetryAfter      int   // parameters.retry_after, seconds
	MigrateToChatID int64 // parameters.migrate_to_chat_id
	Raw             string
}

// TooManyRequests is Telegram's flood-control answer.
func TooManyRequests(seconds int) Answer {
	return Answer{Status: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", seconds), RetryAfter: seconds}
}

// Entity is a formatting entity Telegram derived from the HTML.
type Entity struct {
	Type     string // bold, italic, underline, strikethrough, spoiler, code, pre, text_link, blockquote
	Text     string // the text it covers
	URL      string // text_link target
	Language string // pre language
}

// Accepted is one message the fake delivered.
type Accepted struct {
	Method   string // sendMessage or sendPhoto
	ChatID   string
	ThreadID int
	Title    string // always "": Telegram has no separate title
	Text     string // the text (or caption) as the chat shows it: tags removed, entities decoded, trimmed
	Entities []Entity
	Photo    string // sendPhoto's photo URL
	Raw      map[string]any
}

// Server is the fake Bot API.
type Server struct {
	channeltest.Fake[Accepted, Answer]
	nextID int
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{nextID: 1}
	s.Serve(t, s.handle)
	return s
}

// Config returns settings pointing a telegram channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{"token": Token, "chat_id": ChatID, "host": s.URL}
}

var pathRe = regexp.MustCompile(`^/bot([^/]*)/([A-Za-z]+)$`)

// Fields each method documents; anything else is a typo in the client.
var knownFields = map[string][]string{
	"sendMessage": {"business_connection_id", "chat_id", "message_thread_id", "text", "parse_mode", "entities",
		"link_preview_options", "disable_notification", "protect_content", "allow_paid_broadcast", "message_effect_id",
		"reply_parameters", "reply_markup"},
	"sendPhoto": {"business_connection_id", "chat_id", "message_thread_id", "photo", "caption", "parse_mode",
		"caption_entities", "show_caption_above_media", "has_spoiler", "disable_notification", "protect_content",
		"allow_paid_broadcast", "message_effect_id", "reply_parameters", "reply_markup"},
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	m := pathRe.FindStringSubmatch(r.URL.Path)
	if m == nil {
		s.Violate("%s %s: not a /bot<token>/<method> path", r.Method, r.URL.Path)
		writeError(w, Answer{Status: 404, Description: "Not Found"})
		return
	}
	token, method := m[1], m[2]
	if token != Token {
		writeError(w, Answer{Status: 401, Description: "Unauthorized"})
		return
	}
	if _, ok := knownFields[method]; !ok {
		s.Violate("unexpected method %s", method)
		writeError(w, Answer{Status: 404, Description: "Not Found"})
		return
	}
	if r.Method != http.MethodPost {
		s.Violate("%s: method %s, want POST", method, r.Method)
	}
	if r.URL.RawQuery != "" {
		s.Violate("%s: query string %q; parameters belong in the JSON body", method, r.URL.RawQuery)
	}
	if !channeltest.IsJSON(r) {
		s.Violate("%s: Content-Type %q, want application/json", method, r.Header.Get("Content-Type"))
		writeError(w, Answer{Status: 400, Description: "Bad Request: message text is empty"})
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil {
		s.Violate("%s: body is not a JSON object: %v", method, err)
		writeError(w, Answer{Status: 400, Description: "Bad Request: can't parse JSON encoded request"})
		return
	}

	acc, fail := s.check(method, req)
	if fail != nil {
		writeError(w, *fail)
		return
	}
	if a, ok := s.Next(); ok {
		writeError(w, a)
		return
	}
	s.Accept(acc)
	result := map[string]any{
		"message_id": s.nextID,
		"date":       time.Now().Unix(),
		"chat":       map[string]any{"id": req["chat_id"], "type": "supergroup"},
	}
	s.nextID++
	if method == "sendPhoto" {
		result["photo"] = []map[string]any{{"file_id": "AgACAgIAAxkBAAM", "file_unique_id": "AQAD", "width": 320, "height": 240}}
		if acc.Text != "" {
			result["caption"] = acc.Text
		}
	} else {
		result["text"] = acc.Text
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

// check validates one request; a non-nil Answer is Telegram's refusal.
func (s *Server) check(method string, req map[string]any) (Accepted, *Answer) {
	bad := func(desc string) *Answer { return &Answer{Status: 400, Description: "Bad Request: " + desc} }
	acc := Accepted{Method: method, Raw: req}
	for k := range req {
		if !slices.Contains(knownFields[method], k) {
			s.Violate("%s: unknown field %q", method, k)
		}
	}

	switch v := req["chat_id"].(type) {
	case nil:
		s.Violate("%s: chat_id missing", method)
		return acc, bad("chat_id is empty")
	case json.Number:
		if _, err := v.Int64(); err != nil {
			s.Violate("%s: chat_id %v is not an integer", method, v)
			return acc, bad("chat not found")
		}
		acc.ChatID = v.String()
	case string:
		acc.ChatID = v
	default:
		s.Violate("%s: chat_id is %T, want Integer or String", method, v)
		return acc, bad("chat not found")
	}
	if acc.ChatID != ChatID && acc.ChatID != ChannelUsername {
		return acc, bad("chat not found")
	}

	if v, ok := req["message_thread_id"]; ok {
		n, isNum := v.(json.Number)
		id, err := n.Int64()
		if !isNum || err != nil {
			s.Violate("%s: message_thread_id is %v, want an Integer", method, v)
			return acc, bad("invalid message thread identifier specified")
		}
		if id != ThreadID {
			return acc, bad("message thread not found")
		}
		acc.ThreadID = int(id)
	}

	textKey, limit, tooLong := "text", MaxText, "message is too long"
	if method == "sendPhoto" {
		textKey, limit, tooLong = "caption", MaxCaption, "message caption is too long"
		photo, _ := req["photo"].(string)
		u, err := url.Parse(photo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			s.Violate("sendPhoto: photo %q is not an HTTP URL", photo)
			return acc, bad("wrong file identifier/HTTP URL specified")
		}
		// Hosts under .invalid stand for pictures Telegram cannot fetch.
		if strings.HasSuffix(u.Hostname(), ".invalid") {
			return acc, bad("failed to get HTTP URL content")
		}
		acc.Photo = photo
	} else if v, ok := req["link_preview_options"].(map[string]any); !ok || v["is_disabled"] != true {
		s.Violate("sendMessage: link_preview_options must be {\"is_disabled\":true}, got %v", req["link_preview_options"])
	}

	raw, present := req[textKey]
	text, isString := raw.(string)
	if present && !isString {
		s.Violate("%s: %s is %T, want String", method, textKey, raw)
		return acc, bad("message text is empty")
	}
	switch pm, _ := req["parse_mode"].(string); {
	case pm == "HTML":
		plain, ents, err := parseHTML(text)
		if err != nil {
			s.Violate("%s: %s is not valid Telegram HTML: %v (%q)", method, textKey, err, text)
			return acc, bad("can't parse entities: " + err.Error())
		}
		// Telegram takes a bare '>' as text, but the docs require &gt;.
		if bareGT(text) {
			s.Violate("%s: unescaped '>' in %s (the docs require &gt;)", method, textKey)
		}
		text, acc.Entities = plain, ents
	case pm == "":
		s.Violate("%s: parse_mode missing, want HTML", method)
	default:
		s.Violate("%s: parse_mode %q, want HTML", method, req["parse_mode"])
	}
	text = strings.TrimSpace(text)
	if method == "sendMessage" && text == "" {
		s.Violate("sendMessage: empty text")
		return acc, bad("message text is empty")
	}
	if n := utf8.RuneCountInString(text); n > limit {
		s.Violate("%s: %s has %d characters, limit %d", method, textKey, n, limit)
		return acc, bad(tooLong)
	}
	acc.Text = text
	return acc, nil
}

// bareGT reports a '>' outside any tag in an HTML text.
func bareGT(s string) bool {
	inTag := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			inTag = true
		case '>':
			if !inTag {
				return true
			}
			inTag = false
		}
	}
	return false
}

func writeError(w http.ResponseWriter, a Answer) {
	if a.Raw != "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(a.Status)
		_, _ = w.Write([]byte(a.Raw))
		return
	}
	body := map[string]any{"ok": false, "error_code": a.Status, "description": a.Description}
	params := map[string]any{}
	if a.RetryAfter > 0 {
		params["retry_after"] = a.RetryAfter
	}
	if a.MigrateToChatID != 0 {
		params["migrate_to_chat_id"] = a.MigrateToChatID
	}
	if len(params) > 0 {
		body["parameters"] = params
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_ = json.NewEncoder(w).Encode(body)
}

// supportedTags are the tags Telegram's HTML mode knows.
var supportedTags = []string{"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
	"span", "tg-spoiler", "blockquote"}

var entityType = map[string]string{
	"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
	"tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
}

type openTag struct {
	name  string
	arg   string // href, code language
	start int    // byte offset in the plain text
}

// parseHTML follows tdlib's parse_html (the Bot API's HTML mode): supported
// tags only, properly nested, attribute values quoted or bare, entities
// &lt; &gt; &amp; &quot; and numeric ones. Error texts are tdlib's, which the
// Bot API prefixes with "Bad Request: can't parse entities: ". One deliberate
// difference: tdlib keeps a lone '&' as text, but the docs require &amp;, so
// the fake refuses it to catch a client that forgot to escape.
func parseHTML(s string) (string, []Entity, error) {
	var out strings.Builder
	var stack []openTag
	var ents []Entity
	for i := 0; i < len(s); {
		c := s[i]
		if c == '&' {
			r, n := decodeEntity(s[i:])
			if n == 0 {
				return "", nil, fmt.Errorf("unescaped '&' at byte offset %d: write &amp;", i)
			}
			out.WriteRune(r)
			i += n
			continue
		}
		if c != '<' {
			out.WriteByte(c)
			i++
			continue
		}
		begin := i
		i++
		if i < len(s) && s[i] == '/' {
			// End tag.
			i++
			j := i
			for j < len(s) && s[j] != '>' && !isSpace(s[j]) {
				j++
			}
			name := strings.ToLower(s[i:j])
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j >= len(s) || s[j] != '>' {
				return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
			}
			if len(stack) == 0 {
				return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
			}
			top := stack[len(stack)-1]
			if name != "" && name != top.name {
				return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, name)
			}
			stack = stack[:len(stack)-1]
			e := Entity{Type: entityType[top.name], Text: out.String()[top.start:]}
			switch top.name {
			case "a":
				e.URL = top.arg
			case "code":
				// <pre><code class="language-x"> is one pre entity with a language.
				if top.arg != "" && len(stack) > 0 && stack[len(stack)-1].name == "pre" {
					stack[len(stack)-1].arg = top.arg
					i = j + 1
					continue
				}
			case "pre":
				e.Language = top.arg
			}
			if e.Text != "" {
				ents = append(ents, e)
			}
			i = j + 1
			continue
		}
		// Start tag.
		j := i
		for j < len(s) && s[j] != '>' && !isSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		name := strings.ToLower(s[i:j])
		if !slices.Contains(supportedTags, name) {
			return "", nil, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, begin)
		}
		tag := openTag{name: name, start: out.Len()}
		for j < len(s) && s[j] != '>' {
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j >= len(s) || s[j] == '>' {
				break
			}
			k := j
			for k < len(s) && !isSpace(s[k]) && !strings.ContainsRune("=>/\"'", rune(s[k])) {
				k++
			}
			attr := strings.ToLower(s[j:k])
			if attr == "" {
				return "", nil, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
			}
			for k < len(s) && isSpace(s[k]) {
				k++
			}
			if k >= len(s) {
				return "", nil, fmt.Errorf("Unclosed start tag \"%s\" at byte offset %d", name, begin)
			}
			if s[k] != '=' {
				j = k
				continue // attribute without a value (blockquote expandable)
			}
			k++
			for k < len(s) && isSpace(s[k]) {
				k++
			}
			if k >= len(s) {
				return "", nil, fmt.Errorf("Unclosed start tag \"%s\" at byte offset %d", name, begin)
			}
			var val strings.Builder
			if q := s[k]; q == '"' || q == '\'' {
				k++
				for k < len(s) && s[k] != q {
					if s[k] == '&' {
						if r, n := decodeEntity(s[k:]); n > 0 {
							val.WriteRune(r)
							k += n
							continue
						}
					}
					val.WriteByte(s[k])
					k++
				}
				if k >= len(s) {
					return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
				}
				k++
			} else {
				v := k
				for k < len(s) && (isAlnum(s[k]) || s[k] == '.' || s[k] == '-') {
					k++
				}
				if k >= len(s) || (!isSpace(s[k]) && s[k] != '>') {
					return "", nil, fmt.Errorf("Unexpected end of name token at byte offset %d", v)
				}
				val.WriteString(strings.ToLower(s[v:k]))
			}
			switch {
			case name == "a" && attr == "href":
				tag.arg = val.String()
			case name == "code" && attr == "class" && strings.HasPrefix(val.String(), "language-"):
				tag.arg = strings.TrimPrefix(val.String(), "language-")
			case name == "span" && attr == "class" && val.String() == "tg-spoiler":
				tag.arg = "spoiler"
			}
			j = k
		}
		if j >= len(s) {
			return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		if name == "span" && tag.arg != "spoiler" {
			return "", nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
		}
		stack = append(stack, tag)
		i = j + 1
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	return out.String(), ents, nil
}

// decodeEntity decodes an HTML entity at the start of s, returning the rune
// and the bytes consumed, or 0 bytes when s does not start with one Telegram
// supports.
func decodeEntity(s string) (rune, int) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 12 {
		return 0, 0
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	}
	if !strings.HasPrefix(name, "#") {
		return 0, 0
	}
	var n uint64
	var err error
	if strings.HasPrefix(name, "#x") || strings.HasPrefix(name, "#X") {
		n, err = strconv.ParseUint(name[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(name[1:], 10, 32)
	}
	if err != nil || n == 0 || n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
		return 0, 0
	}
	return rune(n), end + 1
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
