package mailgun_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/mailgun"
	"github.com/heraldpush/herald/engine/channel/mailgun/mailguntest"
	"github.com/heraldpush/herald/engine/message"
)

func newChannel(t *testing.T, raw map[string]string) channel.Channel {
	t.Helper()
	return channeltest.Open(t, mailgun.Kind, raw, channel.Deps{})
}

func valid() map[string]string {
	return map[string]string{"api_key": mailguntest.APIKey, "domain": "mg.example.com", "from": "a@mg.example.com", "to": "b@example.com"}
}

func TestParse(t *testing.T) {
	channeltest.RunParseCases(t, mailgun.Kind, []channeltest.ParseCase{
		{Name: "defaults", Raw: valid(), WantSome: map[string]string{"region": "us", "api": ""}},
		{Name: "QD env names as aliases, any case", Raw: map[string]string{"mailgun_key": mailguntest.APIKey, "MAILGUN_DOMAIN": "mg.example.com",
			"From": "Herald <a@mg.example.com>", "TO": "b@example.com | c@example.com\nd@example.com"},
			WantSome: map[string]string{"api_key": mailguntest.APIKey, "domain": "mg.example.com", "from": "Herald <a@mg.example.com>"}},
		{Name: "region eu, case-insensitive", Raw: channeltest.With(valid(), "region", "EU"), WantSome: map[string]string{"region": "eu"}},
		{Name: "new-style key", Raw: channeltest.With(valid(), "api_key", "0123456789abcdef0123456789abcdef-0123abcd-4567ef01"), WantSome: map[string]string{}},
		{Name: "everything missing", Raw: map[string]string{},
			WantErr: "mailgun: api_key: required; mailgun: domain: required; mailgun: from: required; mailgun: to: required"},
		{Name: "key with space", Raw: channeltest.With(valid(), "api_key", "key 123"),
			WantErr: "mailgun: api_key: must be the API key as Mailgun shows it, without spaces"},
		{Name: "domain as URL", Raw: channeltest.With(valid(), "domain", "https://mg.example.com"),
			WantErr: "mailgun: domain: must be a domain name like mg.example.com, without https:// or a path"},
		{Name: "domain without dot", Raw: channeltest.With(valid(), "domain", "localhost"),
			WantErr: "mailgun: domain: must be a domain name like mg.example.com, without https:// or a path"},
		{Name: "bad from", Raw: channeltest.With(valid(), "from", "Herald"),
			WantErr: `mailgun: from: must be an email address like alerts@mg.example.com or "Herald <alerts@mg.example.com>"`},
		{Name: "bad recipient", Raw: channeltest.With(valid(), "to", "b@example.com, nobody"),
			WantErr: `mailgun: to: "nobody" is not an email address`},
		{Name: "only separators", Raw: channeltest.With(valid(), "to", " , | "), WantErr: "mailgun: to: needs at least one email address"},
		{Name: "bad region", Raw: channeltest.With(valid(), "region", "asia"), WantErr: `mailgun: region: must be one of us, eu, got "asia"`},
		{Name: "bad api", Raw: channeltest.With(valid(), "api", "api.mailgun.net"), WantErr: "mailgun: api: must start with http:// or https://"},
	})
	c, err := mailgun.Kind.Parse(map[string]string{"api_key": "k", "domain": "mg.example.com", "from": "a@mg.example.com",
		"to": "b@example.com | c@example.com\nd@example.com, E <e@example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.List("to"); !slices.Equal(got, []string{"b@example.com", "c@example.com", "d@example.com", "E <e@example.com>"}) {
		t.Errorf("to = %q", got)
	}
}

func TestSchema(t *testing.T) {
	// No QD fields: QD configures Mailgun through the environment.
	channeltest.CheckSchema(t, mailgun.Kind, []string{"api_key", "domain", "from", "to", "region", "api", "proxy"}, 0, []string{"api_key", "proxy"})
}

func TestParseQD(t *testing.T) {
	// QD configures Mailgun through the environment: only an empty string imports.
	channeltest.RunQDCases(t, mailgun.Kind, []channeltest.QDCase{
		{In: " ;; "},
		{In: "key;mg.example.com", WantErr: "mailgun: qd: has 2 values but QD's mailgun string has at most 0 ()"},
	})
}

func TestEndpoint(t *testing.T) {
	tests := []struct{ region, api, want string }{
		{"us", "", "https://api.mailgun.net/v3/mg.example.com/messages"},
		{"eu", "", "https://api.eu.mailgun.net/v3/mg.example.com/messages"},
		{"eu", "http://127.0.0.1:9/mg/", "http://127.0.0.1:9/mg/v3/mg.example.com/messages"},
	}
	for _, tt := range tests {
		if got := mailgun.Endpoint(tt.region, tt.api, "mg.example.com"); got != tt.want {
			t.Errorf("Endpoint(%q, %q) = %q, want %q", tt.region, tt.api, got, tt.want)
		}
	}
}

func TestSend(t *testing.T) {
	s := mailguntest.NewServer(t)
	ch := newChannel(t, channeltest.With(s.Config(), "domain", strings.ToUpper(mailguntest.Domain)))
	m := message.Message{Title: "Backup <failed>", Body: "exit status 2\n<no space> & \"quotes\"", Level: message.LevelError}
	a := channeltest.SendOne(t, ch, s, m)
	if a.From != mailguntest.From {
		t.Errorf("from = %q", a.From)
	}
	if !slices.Equal(a.To, []string{mailguntest.To1, mailguntest.To2}) {
		t.Errorf("to = %q, want each recipient as its own value", a.To)
	}
	if a.Title != "Backup <failed>" || a.Text != m.Body {
		t.Errorf("subject, text = %q, %q", a.Title, a.Text)
	}
	wantHTML := `<pre style="white-space:pre-wrap;font-family:monospace">exit status 2` + "\n" + `&lt;no space&gt; &amp; &#34;quotes&#34;</pre>`
	if a.HTML != wantHTML {
		t.Errorf("html = %q\nwant   %q", a.HTML, wantHTML)
	}
	if len(a.Raw) != 5 {
		t.Errorf("parameters = %v, want from, to, subject, text, html", a.Raw)
	}
}

func TestSendMarkdownAndPicture(t *testing.T) {
	s := mailguntest.NewServer(t)
	ch := newChannel(t, s.Config())
	m := message.Message{Body: "## Report\n\n**3** failed: `x<y>`", Markdown: true, PictureURL: "https://img.example.com/c.png?a=1&b=2"}
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	a := s.Accepted()[0]
	if a.Title != "## Report" {
		t.Errorf("subject = %q, want the first body line", a.Title)
	}
	if want := m.Body + "\n\nhttps://img.example.com/c.png?a=1&b=2"; a.Text != want {
		t.Errorf("text = %q, want %q", a.Text, want)
	}
	want := "<h2>Report</h2>\n<p><strong>3</strong> failed: <code>x&lt;y&gt;</code></p>" +
		`<p><img src="https://img.example.com/c.png?a=1&amp;b=2" alt=""></p>`
	if a.HTML != want {
		t.Errorf("html = %q\nwant   %q", a.HTML, want)
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name                string
		m                   message.Message
		subject, text, html string
	}{
		{name: "empty message", m: message.Message{}, subject: "Herald notification",
			html: `<pre style="white-space:pre-wrap;font-family:monospace"></pre>`},
		{name: "multi-line title flattened", m: message.Message{Title: "a\r\nb", Body: "x"}, subject: "a b", text: "x",
			html: `<pre style="white-space:pre-wrap;font-family:monospace">x</pre>`},
		{name: "non-http picture ignored", m: message.Message{Title: "t", Body: "x", PictureURL: "javascript:alert(1)"}, subject: "t", text: "x",
			html: `<pre style="white-space:pre-wrap;font-family:monospace">x</pre>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, text, html := mailgun.Render(tt.m)
			if subject != tt.subject || text != tt.text || html != tt.html {
				t.Errorf("Render = %q, %q, %q\nwant     %q, %q, %q", subject, text, html, tt.subject, tt.text, tt.html)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	s := mailguntest.NewServer(t)
	ch := newChannel(t, s.Config())
	// 6 MB: the cut removes a 7-digit number of bytes, as many digits as
	// the cut marker is sized for, so the result is exactly MaxBody.
	body := "HEAD" + strings.Repeat("<&>\"'x", 1_000_000) + "TAIL"
	title := strings.Repeat("題", 300)
	if err := ch.Send(context.Background(), message.Message{Title: title, Body: body}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	channeltest.NoViolations(t, s)
	a := s.Accepted()[0]
	if len(a.Text) != mailgun.MaxBody {
		t.Errorf("text has %d bytes, want exactly %d", len(a.Text), mailgun.MaxBody)
	}
	if !strings.HasPrefix(a.Text, "HEAD") || !strings.HasSuffix(a.Text, "TAIL") || !utf8.ValidString(a.Text) {
		t.Errorf("cut lost head or tail")
	}
	if n := utf8.RuneCountInString(a.Title); n != mailgun.SubjectMax || !strings.HasSuffix(a.Title, "…") {
		t.Errorf("subject has %d chars, want %d ending in …", n, mailgun.SubjectMax)
	}
	if total := len(a.Text) + len(a.HTML); total >= 25_000_000 {
		t.Errorf("text + html = %d bytes, over Mailgun's 25 MB", total)
	}
}

func TestErrors(t *testing.T) {
	suite := channeltest.ErrorSuite[*mailguntest.Server, mailguntest.Answer]{
		Kind: mailgun.Kind, New: mailguntest.NewServer, Open: func(t *testing.T, s *mailguntest.Server, kv ...string) channel.Channel {
			return newChannel(t, channeltest.With(s.Config(), kv...))
		},
		Secrets: []string{mailguntest.APIKey}, Message: message.Message{Title: "t", Body: "b"}, ExactMsg: true,
	}
	suite.Run(t, []channeltest.ErrorCase[*mailguntest.Server, mailguntest.Answer]{
		{Name: "forbidden", Answer: mailguntest.Forbidden(), Status: 401,
			Msg: "Forbidden (check api_key: it must be a private API key, or a sending key of this domain)"},
		{Name: "bad request", Answer: mailguntest.BadRequest("'to' parameter is not a valid address. please check documentation"), Status: 400,
			Msg: "'to' parameter is not a valid address. please check documentation"},
		{Name: "domain not found, us", Answer: mailguntest.DomainNotFound("mg.example.test"), Status: 404,
			Msg: "Domain not found: mg.example.test (check domain; a domain created in the EU region needs region eu)"},
		{Name: "domain not found, eu", Answer: mailguntest.DomainNotFound("mg.example.test"), Extra: []string{"region", "eu"}, Status: 404,
			Msg: "Domain not found: mg.example.test (check domain; a domain created in the US region needs region us)"},
		{Name: "rate limited", Answer: mailguntest.TooManyRequests("7"), Transient: true, Status: 429, Msg: "Too many requests", RetryAfter: 7 * time.Second},
		{Name: "internal error", Answer: mailguntest.InternalError(), Transient: true, Status: 500, Msg: "Internal Server Error"},
		{Name: "gateway HTML", Answer: mailguntest.Answer{Status: 503, Body: "<html>down</html>"}, Transient: true, Status: 503, Msg: "<html>down</html>"},
		{Name: "payment required", Answer: mailguntest.Answer{Status: 402, Body: `{"message":"Account disabled"}`}, Status: 402, Msg: "Account disabled"},
		{Name: "200 without id", Answer: mailguntest.Answer{Status: 200, Body: `{"message":"Queued. Thank you."}`}, Status: 200,
			Msg: `unexpected answer (no message id): {"message":"Queued. Thank you."}`},
		{Name: "200 not JSON", Answer: mailguntest.Answer{Status: 200, Body: "OK"}, Status: 200, Msg: "unexpected answer (not JSON): OK"},
	})
}

func TestRealRefusals(t *testing.T) {
	s := mailguntest.NewServer(t)
	err := newChannel(t, channeltest.With(s.Config(), "api_key", "key-wrong")).Send(context.Background(), message.Message{Title: "t", Body: "b"})
	if err == nil || channel.IsTransient(err) || !strings.Contains(err.Error(), "HTTP 401 Forbidden") || strings.Contains(err.Error(), "key-wrong") {
		t.Errorf("wrong key: err = %v, want permanent HTTP 401 without the key", err)
	}
	err = newChannel(t, channeltest.With(s.Config(), "domain", "other.example.test")).Send(context.Background(), message.Message{Title: "t", Body: "b"})
	if err == nil || channel.IsTransient(err) || !strings.Contains(err.Error(), "HTTP 404 Domain not found: other.example.test") {
		t.Errorf("wrong domain: err = %v, want permanent HTTP 404", err)
	}
	channeltest.NoViolations(t, s)
	if len(s.Accepted()) != 0 {
		t.Errorf("fake accepted a refused message")
	}
}

// TestFakeFlagsViolations checks the fake fails loudly on requests that
// break the contract.
func TestFakeFlagsViolations(t *testing.T) {
	s := mailguntest.NewServer(t)
	url := s.URL + "/v3/" + mailguntest.Domain + "/messages"
	post := func(ctype, body string, auth bool) int {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if auth {
			req.SetBasicAuth("api", mailguntest.APIKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	form := func(fields ...string) (string, string) {
		var b strings.Builder
		for i := 0; i+1 < len(fields); i += 2 {
			b.WriteString("--X\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n" + fields[i+1] + "\r\n")
		}
		b.WriteString("--X--\r\n")
		return "multipart/form-data; boundary=X", b.String()
	}
	cases := []struct {
		fields []string
		auth   bool
		want   string
	}{
		{[]string{"from", "a@b.c", "to", "d@e.f", "subject", "s", "text", "t"}, false, "no HTTP Basic auth"},
		{[]string{"to", "d@e.f", "subject", "s", "text", "t"}, true, "from is missing"},
		{[]string{"from", "a@b.c", "subject", "s", "text", "t"}, true, "to is missing"},
		{[]string{"from", "a@b.c", "to", "d@e.f", "subject", "s"}, true, "no text or html"},
		{[]string{"from", "a@b.c", "to", "nobody", "subject", "s", "text", "t"}, true, `to "nobody" is not an address list`},
		{[]string{"from", "a@b.c", "to", "d@e.f", "subject", "s", "text", "t", "body", "x"}, true, `unknown parameter "body"`},
		{[]string{"from", "a@b.c", "to", "d@e.f", "text", "t"}, true, "subject is missing"},
	}
	for i, c := range cases {
		ctype, body := form(c.fields...)
		post(ctype, body, c.auth)
		channeltest.NewViolation(t, s, i+1, c.want)
	}
	if code := post("application/x-www-form-urlencoded", "from=a@b.c&to=d@e.f&text=t&subject=s", true); code != 400 {
		t.Errorf("urlencoded answered %d", code)
	}
	if v := s.Violations(); !strings.Contains(v[len(v)-1], "want multipart/form-data") {
		t.Errorf("urlencoded not flagged: %q", v)
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, mailgun.Kind, mailguntest.Fixture)
}
