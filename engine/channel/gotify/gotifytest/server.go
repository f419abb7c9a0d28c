// Package gotifytest is a fake Gotify server for tests. It serves
// POST /message the way gotify/server does: it authenticates the token
// (query ?token=, X-Gotify-Key header or Authorization: Bearer, in that
// order), binds the JSON body into CreateMessage, checks the documented
// message extras, and answers with the stored message or Gotify's
// {"error","errorCode","errorDescription"} errors.
package gotifytest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixed credentials of the fake.
const (
	// Token is the application token of the app AppName.
	Token = "AHeraldFakeTok1"
	// ClientToken is a client token of the same user: a newer Gotify takes
	// it on POST /message only together with an "appid".
	ClientToken = "CHeraldFakeCli1"
	AppName     = "Herald"
	AppID       = 7
	// AppDefaultPriority is used when a request has no priority.
	AppDefaultPriority = 0
)

// Answer scripts the fake's reply to one request that passed the checks (it is
// then not accepted): Status with Gotify's
// {"error":StatusText,"errorCode":Status,"errorDescription":Description}, or
// Raw verbatim when set; Header is added either way.
type Answer struct {
	Status      int
	Description string
	Header      http.Header
	Raw         string
}

// InternalError is Gotify's answer when its database fails.
func InternalError(desc string) Answer {
	return Answer{Status: 500, Description: desc}
}

// Accepted is one message the fake stored.
type Accepted struct {
	Title    string
	Text     string // the message
	Priority int
	Markdown bool   // extras client::display contentType text/markdown
	Click    string // extras client::notification click.url
	BigImage string // extras client::notification bigImageUrl
	Raw      map[string]any
}

// Server is the fake Gotify server.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Config returns settings pointing a gotify channel at the fake.
func (s *Server) Config() map[string]string {
	return map[string]string{"server": s.URL, "token": Token}
}

var (
	httpURLRe = regexp.MustCompile(`^https?://\S+$`)
	schemeRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:\S+$`)
)

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/message" {
		s.Violate("%s %s: Herald must use POST /message", r.Method, r.URL.Path)
		reply(w, Answer{Status: 404, Description: "page not found"})
		return
	}
	token, where := "", ""
	switch {
	case r.URL.Query().Get("token") != "":
		token, where = r.URL.Query().Get("token"), "query"
	case r.Header.Get("X-Gotify-Key") != "":
		token, where = r.Header.Get("X-Gotify-Key"), "header"
	case strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "):
		token, where = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), "authorization"
	}
	if where != "header" {
		s.Violate("token sent in %q: Herald must send it in the X-Gotify-Key header (URLs end up in logs)", where)
	}
	if r.URL.RawQuery != "" && where != "query" {
		s.Violate("query %q: fields belong in the JSON body", r.URL.RawQuery)
	}
	if token != Token && token != ClientToken {
		reply(w, Answer{Status: 401, Description: "you need to provide a valid access token or user credentials to access this api"})
		return
	}

	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		// gin binds anything else as a form, where it finds no message
		// (and extras are only read from JSON).
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		reply(w, Answer{Status: 400, Description: "Field 'message' is required"})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil || req == nil {
		s.Violate("body is not a JSON object: %v", err)
		reply(w, Answer{Status: 400, Description: "invalid character in JSON body"})
		return
	}
	if desc := s.checkFields(req); desc != "" {
		reply(w, Answer{Status: 400, Description: desc})
		return
	}
	msg, _ := req["message"].(string)
	if msg == "" {
		s.Violate("message missing or empty")
		reply(w, Answer{Status: 400, Description: "Field 'message' is required"})
		return
	}
	priority := AppDefaultPriority
	if p, has := req["priority"]; has {
		n, _ := p.(json.Number).Int64()
		priority = int(n)
		if priority < 0 || priority > 10 {
			// Gotify stores any int; its clients know 0-10.
			s.Violate("priority %d is outside 0-10", priority)
		}
	} else {
		s.Violate("priority missing: the app's default (%d, no notification) would apply", AppDefaultPriority)
	}
	acc := Accepted{Text: msg, Priority: priority, Raw: req}
	if x, has := req["extras"]; has {
		s.checkExtras(x, &acc)
	}
	if token == ClientToken {
		if _, has := req["appid"]; !has {
			reply(w, Answer{Status: 400, Description: "appid is required when not authenticating with an application token"})
			return
		}
	} else if _, has := req["appid"]; has {
		s.Violate("appid sent with an application token")
	}

	if a, ok := s.Next(); ok {
		reply(w, a)
		return
	}

	acc.Title, _ = req["title"].(string)
	id := s.Accept(acc)
	title := acc.Title
	if strings.TrimSpace(title) == "" {
		title = AppName
	}
	out := map[string]any{
		"id": id, "appid": AppID, "message": msg, "title": title, "priority": priority,
		"date": time.Now().UTC().Format(time.RFC3339Nano),
	}
	if x, has := req["extras"]; has {
		out["extras"] = x
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}

// checkFields checks the CreateMessage fields and their types; it returns
// the error gin's JSON binding would give for a wrong type, or "".
func (s *Server) checkFields(req map[string]any) string {
	for k, v := range req {
		var good bool
		want := ""
		switch k {
		case "title", "message":
			want = "string"
			_, good = v.(string)
		case "priority", "appid":
			want = "int"
			n, isNum := v.(json.Number)
			_, err := n.Int64()
			good = isNum && err == nil
		case "extras":
			want = "map[string]interface {}"
			_, good = v.(map[string]any)
		default:
			s.Violate("unknown field %q (Gotify ignores it)", k)
			continue
		}
		if !good {
			s.Violate("field %q is %T (%v), want %s", k, v, v, want)
			return fmt.Sprintf("json: cannot unmarshal %s into Go struct field CreateMessage.%s of type %s", jsonType(v), k, want)
		}
	}
	if t, ok := req["title"].(string); ok && t == "" {
		s.Violate("title is empty; omit it")
	}
	return ""
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// checkExtras checks the documented extras Herald uses
// (https://gotify.net/docs/msgextras) and notes them on acc.
func (s *Server) checkExtras(x any, acc *Accepted) {
	extras := x.(map[string]any)
	if len(extras) == 0 {
		s.Violate("extras is empty; omit it")
	}
	for ns, v := range extras {
		obj, isObj := v.(map[string]any)
		if !isObj || len(obj) == 0 {
			s.Violate("extras %q is not a non-empty object", ns)
			continue
		}
		switch ns {
		case "client::display":
			for k, v := range obj {
				if k != "contentType" {
					s.Violate("unknown key %q in client::display", k)
					continue
				}
				switch v {
				case "text/markdown":
					acc.Markdown = true
				case "text/plain":
				default:
					s.Violate("client::display contentType %v is not text/plain or text/markdown", v)
				}
			}
		case "client::notification":
			for k, v := range obj {
				switch k {
				case "bigImageUrl":
					str, _ := v.(string)
					if !httpURLRe.MatchString(str) {
						s.Violate("bigImageUrl %v is not an http(s) URL", v)
					}
					acc.BigImage = str
				case "click":
					click, _ := v.(map[string]any)
					u, _ := click["url"].(string)
					if len(click) != 1 || !schemeRe.MatchString(u) {
						s.Violate("click %v is not {\"url\": URL}", v)
					}
					acc.Click = u
				default:
					s.Violate("unknown key %q in client::notification", k)
				}
			}
		default:
			s.Violate("extras namespace %q is not one Herald uses", ns)
		}
	}
}

// reply writes Gotify's model.Error, or a.Raw.
func reply(w http.ResponseWriter, a Answer) {
	if a.Raw != "" {
		channeltest.Answer{Status: a.Status, Body: a.Raw, Header: a.Header}.Write(w, "")
		return
	}
	for k, vs := range a.Header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": http.StatusText(a.Status), "errorCode": a.Status, "errorDescription": a.Description,
	})
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
