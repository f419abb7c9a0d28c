package teams_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/teams"
	"github.com/heraldpush/herald/engine/channel/teams/teamstest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, s *teamstest.Server, kv ...string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, teams.Kind, channeltest.With(s.Config(), kv...), channel.Deps{})
}

const official = "https://prod-12.westeurope.logic.azure.com:443/workflows/" + teamstest.Workflow +
	"/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + teamstest.Sig

func TestSchema(t *testing.T) {
	channeltest.CheckSchema(t, teams.Kind, []string{"url", "proxy"}, 0, []string{"url", "proxy"})
	f, _ := teams.Kind.Field("url")
	if got := f.Mask(official); strings.Contains(got, teamstest.Sig) || !strings.Contains(got, "logic.azure.com") {
		t.Errorf("mask = %q", got)
	}
}

func TestParse(t *testing.T) {
	pa := "https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/" + teamstest.Workflow +
		"/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + teamstest.Sig
	channeltest.RunParseCases(t, teams.Kind, []channeltest.ParseCase{
		{Name: "logic apps URL", Raw: map[string]string{"url": official}, Want: channel.Config{"url": official}},
		{Name: "power platform URL by alias", Raw: map[string]string{"WEBHOOK_URL": pa}, Want: channel.Config{"url": pa}},
		{Name: "required", Raw: map[string]string{}, WantErr: "teams: url: required"},
		{Name: "retired connector", Raw: map[string]string{"url": "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456"},
			WantErr: "teams: url: Office 365 connector webhooks are retired: create a Workflows webhook (\"Post to a channel when a webhook request is received\") and paste its URL"},
		{Name: "not a trigger", Raw: map[string]string{"url": "https://prod-12.westeurope.logic.azure.com/workflows/abc"},
			WantErr: "teams: url: must be the workflow's URL ending in /triggers/manual/paths/invoke?…: copy it whole from the workflow"},
		{Name: "no signature", Raw: map[string]string{"url": strings.Split(official, "&sig=")[0]},
			WantErr: "teams: url: has no sig=…: copy the whole URL, query included, from the workflow"},
	}, teamstest.Sig)
}

func TestSend(t *testing.T) {
	tests := []struct {
		name string
		msg  message.Message
		want teamstest.Accepted
	}{
		{"title and plain body", message.Message{Title: "Backup", Body: "line 1\nline 2"},
			teamstest.Accepted{Title: "Backup", Text: "line 1\n\nline 2"}},
		{"markdown kept, error colour", message.Message{Title: "Failed", Body: "**disk** full\n- a", Markdown: true, Level: message.LevelError},
			teamstest.Accepted{Title: "Failed", Text: "**disk** full\n- a", Color: "Attention"}},
		{"success colour", message.Message{Title: "Done", Level: message.LevelSuccess}, teamstest.Accepted{Title: "Done", Color: "Good"}},
		{"picture", message.Message{Body: "chart", PictureURL: "https://img.example.com/c.png"},
			teamstest.Accepted{Text: "chart", Image: "https://img.example.com/c.png"}},
		{"script picture dropped", message.Message{Body: "x", PictureURL: "javascript:alert(1)"}, teamstest.Accepted{Text: "x"}},
		{"empty", message.Message{}, teamstest.Accepted{Text: "Herald"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := teamstest.NewServer(t)
			got := channeltest.SendOne(t, open(t, s), s, tt.msg)
			if got.Version != teams.CardVersion {
				t.Errorf("card version %q", got.Version)
			}
			got.Version, got.Elements = "", nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sent %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLongMessage(t *testing.T) {
	s := teamstest.NewServer(t)
	got := channeltest.SendOne(t, open(t, s), s, message.Message{Title: strings.Repeat("t", 5000), Body: strings.Repeat("\"日志\"\n", 20000)})
	if len(got.Title) > teams.MaxTitle || !strings.Contains(got.Text, "cut]") {
		t.Errorf("title %d bytes, text cut %t", len(got.Title), strings.Contains(got.Text, "cut]"))
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*teamstest.Server, teamstest.Answer]{
		Kind: teams.Kind, New: teamstest.NewServer, Secrets: []string{teamstest.Sig},
		Open: func(t *testing.T, s *teamstest.Server, kv ...string) channel.Channel { return open(t, s, kv...) },
	}
	suite.Run(t, []channeltest.ErrorCase[*teamstest.Server, teamstest.Answer]{
		{Name: "throttled", Answer: teamstest.Throttled, Transient: true, Status: 429, Code: "WorkflowRequestsThrottled", Msg: "exceeded the limit", RetryAfter: 20 * time.Second},
		{Name: "flow disabled", Answer: teamstest.Disabled, Status: 409, Code: "WorkflowTriggerIsNotEnabled", Msg: "Could not find any enabled trigger"},
		{Name: "server error", Answer: teamstest.Answer{Status: 500, Body: `{"error":{"code":"InternalServerError","message":"Encountered internal server error."}}`}, Transient: true, Status: 500, Code: "InternalServerError", Msg: "internal server error"},
		{Name: "bad gateway", Answer: teamstest.BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "503 with Retry-After", Answer: teamstest.Answer{Status: 503, Body: "busy", Header: http.Header{"Retry-After": {"9"}}}, Transient: true, Status: 503, Msg: "busy", RetryAfter: 9 * time.Second},
		{Name: "answer quoting the signature", Answer: teamstest.Answer{Status: 400, Body: `{"error":{"code":"InvalidRequestContent","message":"bad sig=` + teamstest.Sig + `"}}`}, Status: 400, Code: "InvalidRequestContent", Msg: "bad sig=<sig>"},
	})
}

// A wrong signature or workflow id is the fake's own answer.
func TestSetupErrors(t *testing.T) {
	for _, tt := range []struct{ name, from, to, code string }{
		{"wrong signature", "sig=" + teamstest.Sig, "sig=Zz9_WrongSignatureValue000000000000000000", "DirectApiInvalidAuthorizationSignature"},
		{"deleted workflow", teamstest.Workflow, "ffffffffffffffffffffffffffffffff", "WorkflowNotFound"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := teamstest.NewServer(t)
			err := open(t, s, "url", strings.Replace(s.WebhookURL(), tt.from, tt.to, 1)).Send(t.Context(), message.Message{Body: "x"})
			e := channeltest.AsError(t, err)
			if e.Transient || e.Code != tt.code {
				t.Errorf("got %v, want permanent %s", err, tt.code)
			}
			channeltest.AssertNoSecrets(t, err, teamstest.Sig)
			channeltest.NoViolations(t, s)
		})
	}
}

// TestFakeCatches proves the fake flags what a broken client would send.
func TestFakeCatches(t *testing.T) {
	q := "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + teamstest.Sig
	card := func(content string) string {
		return `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":` + content + `}]}`
	}
	suite := channeltest.CatchSuite{Path: teamstest.Path, New: func(t *testing.T) (string, channeltest.Violator) {
		s := teamstest.NewServer(t)
		return s.URL, s
	}}
	suite.Run(t, []channeltest.CatchCase{
		{Name: "GET", Method: "GET", Query: q, Answer: "TriggerRequestMethodNotValid", Violation: "method GET"},
		{Name: "no sig", Query: "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0", Body: card(`{}`), Answer: "DirectApiAuthorizationRequired", Violation: "no sig"},
		{Name: "sp dropped", Query: "api-version=1&sv=1.0&sig=" + teamstest.Sig, Body: card(`{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"x"}]}`), Answer: "", Violation: "sp="},
		{Name: "message card", Query: q, Body: `{"@type":"MessageCard","text":"x"}`, Answer: "InvalidRequestContent", Violation: "want message"},
		{Name: "card as a string", Query: q, Body: card(`"x"`), Answer: "InvalidRequestContent", Violation: "not a card"},
		{Name: "wrong content type", Query: q, Body: `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.hero","content":{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"x"}]}}]}`, Answer: "InvalidRequestContent", Violation: "contentType"},
		{Name: "version 2", Query: q, Body: card(`{"type":"AdaptiveCard","version":"2.0","body":[{"type":"TextBlock","text":"x"}]}`), Answer: "InvalidRequestContent", Violation: "version"},
		{Name: "empty text", Query: q, Body: card(`{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":" "}]}`), Answer: "InvalidRequestContent", Violation: "without text"},
		{Name: "unknown element", Query: q, Body: card(`{"type":"AdaptiveCard","version":"1.4","body":[{"type":"Media","text":"x"}]}`), Answer: "InvalidRequestContent", Violation: "type Media"},
		{Name: "too large", Query: q, Body: card(`{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"` + strings.Repeat("a", 30000) + `"}]}`), Answer: "", Violation: "over Teams'"},
		{Name: "form body", Query: q, CType: "text/plain", Body: "x", Answer: "InvalidRequestContent", Violation: "Content-Type"},
	})
}

func TestContract(t *testing.T) {
	channeltest.RunContract(t, teams.Kind, teamstest.Fixture)
}
