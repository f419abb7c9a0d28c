// Package teamstest is a fake Power Automate Workflows webhook ("When a
// Teams webhook request is received") for tests. It checks the trigger URL
// (api-version, sp, sv, sig), the message activity and its Adaptive Card as
// Microsoft documents them, and answers 202 or the Logic Apps error JSON.
package teamstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// Fixture values.
const (
	Workflow = "0b7a7c2fa3d94e4f8c1d2e3f4a5b6c7d"
	Sig      = "Xy1_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc"
	// MaxMessage is Teams' message size limit, card JSON included.
	MaxMessage = 28 << 10
)

// Answer is one scripted reply.
type Answer = channeltest.Answer

// Documented answers for FailNext.
var (
	// Throttled is the trigger's rate limit.
	Throttled = Answer{Status: 429, Body: `{"error":{"code":"WorkflowRequestsThrottled","message":"Number of requests exceeded the limit of 600 over time window of 60 seconds."}}`,
		Header: http.Header{"Retry-After": {"20"}}}
	// Disabled is a turned-off flow.
	Disabled = Answer{Status: 409, Body: `{"error":{"code":"WorkflowTriggerIsNotEnabled","message":"Could not find any enabled trigger for workflow '` + Workflow + `'."}}`}
	// BadGateway is what a gateway answers when the service is down.
	BadGateway = channeltest.BadGateway
)

// Accepted is one card the fake took.
type Accepted struct {
	Title    string // the first TextBlock when it is bold
	Text     string // the other TextBlocks, joined by blank lines
	Color    string // the title's color
	Image    string
	Version  string
	Elements []map[string]any
}

// Server is the fake workflow trigger.
type Server struct {
	channeltest.Fake[Accepted, Answer]
}

// NewServer starts the fake; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	return channeltest.Start(t, &Server{}, (*Server).handle)
}

// Path is the trigger's path.
const Path = "/workflows/" + Workflow + "/triggers/manual/paths/invoke"

// WebhookURL is the URL Teams shows for the fake's workflow.
func (s *Server) WebhookURL() string {
	return s.URL + Path + "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + Sig
}

// Config returns raw settings pointing a teams channel at s.
func (s *Server) Config() map[string]string {
	return map[string]string{"url": s.WebhookURL()}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	data, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	w.Write(data)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.Violate("method %s, want POST", r.Method)
		writeError(w, http.StatusMethodNotAllowed, "TriggerRequestMethodNotValid", fmt.Sprintf("The HTTP method for this request is not valid: expected 'Post' and actual '%s'.", r.Method))
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/triggers/manual/paths/invoke") || !strings.HasPrefix(r.URL.Path, "/workflows/") {
		s.Violate("path %q is not a workflow trigger", r.URL.Path)
		writeError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found.")
		return
	}
	if !s.checkQuery(w, r) {
		return
	}
	if r.URL.Path != Path {
		writeError(w, http.StatusNotFound, "WorkflowNotFound", "The workflow could not be found.")
		return
	}
	if !channeltest.IsJSON(r) {
		s.Violate("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content is not valid JSON.")
		return
	}
	body, ok := channeltest.ReadBody(w, r)
	if !ok {
		return
	}
	acc, problems := parse(body)
	if len(problems) > 0 {
		s.Violate("message: %s", strings.Join(problems, "; "))
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", strings.Join(problems, "; "))
		return
	}
	if len(body) > MaxMessage {
		// The flow takes it and fails later, posting nothing.
		s.Violate("message is %d bytes, over Teams' %d", len(body), MaxMessage)
	}
	if a, ok := s.Next(); ok {
		a.Write(w, "application/json; charset=utf-8")
		return
	}
	s.Accept(acc)
	w.WriteHeader(http.StatusAccepted)
}

// checkQuery checks the trigger's signed query as Teams hands it out.
func (s *Server) checkQuery(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	for k, want := range map[string]string{"api-version": "", "sp": "/triggers/manual/run", "sv": "1.0"} {
		if q.Get(k) == "" || (want != "" && q.Get(k) != want) {
			s.Violate("query %s=%q, want %q as in the URL Teams shows", k, q.Get(k), want)
		}
	}
	switch q.Get("sig") {
	case Sig:
		return true
	case "":
		s.Violate("no sig in the query")
		writeError(w, http.StatusUnauthorized, "DirectApiAuthorizationRequired", "The request must be authenticated only by Shared Access scheme.")
	default:
		writeError(w, http.StatusUnauthorized, "DirectApiInvalidAuthorizationSignature", "The provided authentication signature is not valid.")
	}
	return false
}

// parse checks the message activity and its one Adaptive Card.
func parse(body []byte) (Accepted, []string) {
	var acc Accepted
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var msg struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string          `json:"contentType"`
			Content     json.RawMessage `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		return acc, []string{"not the message JSON: " + err.Error()}
	}
	if msg.Type != "message" {
		bad("type %q, want message", msg.Type)
	}
	if len(msg.Attachments) != 1 {
		bad("%d attachments, want one card", len(msg.Attachments))
		return acc, problems
	}
	att := msg.Attachments[0]
	if att.ContentType != "application/vnd.microsoft.card.adaptive" {
		bad("contentType %q, want application/vnd.microsoft.card.adaptive", att.ContentType)
	}
	var card struct {
		Type    string           `json:"type"`
		Version string           `json:"version"`
		Body    []map[string]any `json:"body"`
	}
	if err := json.Unmarshal(att.Content, &card); err != nil {
		bad("content is not a card: %v", err)
		return acc, problems
	}
	if card.Type != "AdaptiveCard" {
		bad("content.type %q, want AdaptiveCard", card.Type)
	}
	if card.Version < "1.0" || card.Version > "1.5" {
		bad("card version %q: Teams renders 1.0 to 1.5", card.Version)
	}
	acc.Version, acc.Elements = card.Version, card.Body
	if len(card.Body) == 0 {
		bad("the card has no body")
	}
	var texts []string
	for i, el := range card.Body {
		switch el["type"] {
		case "TextBlock":
			text, _ := el["text"].(string)
			if strings.TrimSpace(text) == "" {
				bad("body[%d] TextBlock without text", i)
			}
			if i == 0 && el["weight"] == "Bolder" {
				acc.Title, _ = el["text"].(string)
				acc.Color, _ = el["color"].(string)
				continue
			}
			texts = append(texts, text)
		case "Image":
			if acc.Image, _ = el["url"].(string); !strings.HasPrefix(acc.Image, "http") {
				bad("body[%d] Image url %q", i, acc.Image)
			}
		default:
			bad("body[%d] type %v", i, el["type"])
		}
	}
	acc.Text = strings.Join(texts, "\n\n")
	return acc, problems
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return s.Fixture(s.Config())
}
