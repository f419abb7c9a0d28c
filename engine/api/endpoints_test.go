package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/channel/email/emailtest"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook/wecomwebhooktest"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// exampleBody is the notification-test request as other notification
// modules send it, with their field names.
const exampleBody = `{
  "notification_types": ["email", "dingtalk", "wechat"],
  "notification_config": {
    "email": {
      "smtp_host": "smtp.gmail.com",
      "smtp_port": 587,
      "username": "your-email@gmail.com",
      "password": "your-password",
      "from": "your-email@gmail.com",
      "to": ["recipient@example.com"],
      "enable_tls": true
    },
    "dingtalk": {
      "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=...",
      "secret": "your-secret"
    },
    "wechat": {
      "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."
    }
  }
}`

type testResult struct {
	Type       string `json:"type"`
	Kind       string `json:"kind"`
	OK         bool   `json:"ok"`
	Error      string `json:"error"`
	Field      string `json:"field"`
	Transient  bool   `json:"transient"`
	DurationMS *int64 `json:"duration_ms"`
}

func (a answer) results(t *testing.T) []testResult {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", a.status, a.body)
	}
	var out struct {
		Results []testResult `json:"results"`
	}
	a.json(t, &out)
	return out.Results
}

func jsonString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

// exampleRequest fills exampleBody with the fakes' addresses and
// credentials; the email object gets Herald's ca_file extension because
// the fake SMTP server's certificate is self-signed.
func exampleRequest(t *testing.T, mail *emailtest.Server, ding *dingtalktest.Server, wecom *wecomwebhooktest.Server, dingSecret string) string {
	t.Helper()
	cfg := mail.StartTLSConfig()
	repl := [][2]string{
		{`"smtp.gmail.com"`, jsonString(cfg["host"])},
		{`"smtp_port": 587`, `"smtp_port": ` + cfg["port"]},
		{`"your-email@gmail.com"`, jsonString(emailtest.Username)},
		{`"your-password"`, jsonString(emailtest.Password)},
		{`"recipient@example.com"`, jsonString(emailtest.Recipient)},
		{`"enable_tls": true`, `"enable_tls": true,` + "\n      " + `"ca_file": ` + jsonString(mail.CAFile)},
		{`"https://oapi.dingtalk.com/robot/send?access_token=..."`, jsonString(ding.URL + "/robot/send?access_token=" + dingtalktest.Token)},
		{`"your-secret"`, jsonString(dingSecret)},
		{`"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."`, jsonString(wecom.URL + "/cgi-bin/webhook/send?key=" + wecomwebhooktest.Key)},
	}
	body := exampleBody
	for _, r := range repl {
		if !strings.Contains(body, r[0]) {
			t.Fatalf("example body has no %s", r[0])
		}
		body = strings.ReplaceAll(body, r[0], r[1])
	}
	return body
}

// The example request, with real channels behind it: every type is
// delivered, nothing is saved, nothing goes through the outbox.
func TestNotificationTestExampleBody(t *testing.T) {
	f := newFixture(t)
	mail, ding, wecom := emailtest.NewServer(t), dingtalktest.NewServer(t), wecomwebhooktest.NewServer(t)
	a := f.post("/api/v1/notifications/test", exampleRequest(t, mail, ding, wecom, dingtalktest.Secret))
	res := a.results(t)
	want := [][2]string{{"email", "email"}, {"dingtalk", "dingtalk"}, {"wechat", "wecom_webhook"}}
	if len(res) != len(want) {
		t.Fatalf("results %+v, want %d", res, len(want))
	}
	for i, r := range res {
		if r.Type != want[i][0] || r.Kind != want[i][1] || !r.OK || r.Error != "" || r.Field != "" || r.DurationMS == nil {
			t.Errorf("result %d = %+v, want type %s kind %s ok", i, r, want[i][0], want[i][1])
		}
	}

	mails := mail.Accepted()
	if len(mails) != 1 {
		t.Fatalf("SMTP server took %d mails, want 1", len(mails))
	}
	m := mails[0]
	// enable_tls with a port other than 465 is STARTTLS.
	if m.Listener != "starttls" || !m.TLS || m.AuthMech == "" {
		t.Errorf("mail came over %s (tls %t, auth %q), want STARTTLS with AUTH", m.Listener, m.TLS, m.AuthMech)
	}
	if m.Title != "Herald test push" || !strings.Contains(m.Text, "测试推送成功") || len(m.RcptTo) != 1 || m.RcptTo[0] != emailtest.Recipient {
		t.Errorf("mail %q to %v:\n%s", m.Title, m.RcptTo, m.Text)
	}
	if got := ding.Accepted(); len(got) != 1 || !strings.Contains(got[0].Text, "Herald test push") {
		t.Errorf("DingTalk took %+v", got)
	}
	if got := wecom.Accepted(); len(got) != 1 || !strings.Contains(got[0].Text, "测试推送成功") {
		t.Errorf("WeCom took %+v", got)
	}
	for name, v := range map[string][]string{"email": mail.Violations(), "dingtalk": ding.Violations(), "wecom": wecom.Violations()} {
		if len(v) > 0 {
			t.Errorf("%s contract violations: %v", name, v)
		}
	}

	ctx := context.Background()
	if list, err := f.env.Registry.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("channels after a test: %d, %v; want none saved", len(list), err)
	}
	if items, err := f.env.Store.OutboxItems(ctx, store.OutboxFilter{}); err != nil || len(items) != 0 {
		t.Errorf("outbox after a test: %d rows, %v; want none", len(items), err)
	}
	f.assertNoSecrets([]string{f.token, emailtest.Password, dingtalktest.Secret, dingtalktest.Token, wecomwebhooktest.Key}, a)
}

// Failures are reported per type with HTTP 200: the service's own answer
// for a send, the field for a setting.
func TestNotificationTestFailures(t *testing.T) {
	f := newFixture(t)
	mail, ding, wecom := emailtest.NewServer(t), dingtalktest.NewServer(t), wecomwebhooktest.NewServer(t)
	wrongSecret := "SEC0wrongsecret9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3"

	t.Run("wrong DingTalk secret", func(t *testing.T) {
		a := f.post("/api/v1/notifications/test", exampleRequest(t, mail, ding, wecom, wrongSecret))
		res := a.results(t)
		if len(res) != 3 || !res[0].OK || !res[2].OK {
			t.Fatalf("results %+v, want email and wechat ok", res)
		}
		d := res[1]
		if d.Type != "dingtalk" || d.OK || !strings.Contains(d.Error, "dingtalk: 310000 sign not match") || d.Field != "" || d.Transient {
			t.Errorf("dingtalk result %+v, want ok:false with DingTalk's permanent 310000 answer", d)
		}
		f.assertNoSecrets([]string{wrongSecret, dingtalktest.Token}, a)
	})

	t.Run("Herald kinds by id, arrays joined", func(t *testing.T) {
		body := fmt.Sprintf(`{"notification_types":["wecom_webhook"],"notification_config":{"wecom_webhook":{"key":%q,"api":%q,"mentioned":["alice","bob"],"msg_type":"text"}}}`,
			wecomwebhooktest.Key, wecom.URL)
		before := len(wecom.Accepted())
		res := f.post("/api/v1/notifications/test", body).results(t)
		if len(res) != 1 || !res[0].OK || res[0].Kind != "wecom_webhook" {
			t.Fatalf("results %+v", res)
		}
		got := wecom.Accepted()
		if len(got) != before+1 || strings.Join(got[len(got)-1].MentionedList, ",") != "alice,bob" {
			t.Errorf("WeCom took %+v, want one message mentioning alice and bob", got[before:])
		}
	})

	t.Run("field errors", func(t *testing.T) {
		cfg := mail.Config()
		body := fmt.Sprintf(`{
			"notification_types": ["email", "dingtalk", "wechat", "bark", "webhook"],
			"notification_config": {
				"email": {"smtp_host": %q, "smtp_port": 70000, "username": %q, "password": %q, "ca_file": %q},
				"dingtalk": {"webhook_url": %q, "secret": "not-a-sec-secret"},
				"wechat": {"webhook_url": "https://example.com/not/the/robot"},
				"webhook": {"url": "ftp://example.com/x"}
			}
		}`, cfg["host"], emailtest.Username, emailtest.Password, mail.CAFile, ding.URL+"/robot/send?access_token="+dingtalktest.Token)
		requestsBefore := ding.Requests()
		a := f.post("/api/v1/notifications/test", body)
		res := a.results(t)
		want := []struct{ typ, field, says string }{
			{"email", "smtp_port", "between 1 and 65535"},
			{"dingtalk", "secret", "must start with SEC"},
			{"wechat", "webhook_url", "/cgi-bin/webhook/send"},
			{"bark", "notification_config.bark", "no \"bark\" object"},
			{"webhook", "url", "http"},
		}
		if len(res) != len(want) {
			t.Fatalf("results %+v", res)
		}
		for i, w := range want {
			r := res[i]
			if r.Type != w.typ || r.OK || r.Field != w.field || !strings.Contains(r.Error, w.says) {
				t.Errorf("result %d = %+v, want %s failing on field %s saying %q", i, r, w.typ, w.field, w.says)
			}
		}
		if ding.Requests() != requestsBefore {
			t.Error("a channel with a bad setting was sent to")
		}
		f.assertNoSecrets([]string{emailtest.Password, dingtalktest.Token}, a)
	})

	t.Run("request errors", func(t *testing.T) {
		f.post("/api/v1/notifications/test", `{"notification_types":["sms"],"notification_config":{}}`).
			wantError(t, http.StatusBadRequest, "notification_types", `"sms"`, "wechat", "dingtalk")
		f.post("/api/v1/notifications/test", `{"notification_types":[],"notification_config":{}}`).
			wantError(t, http.StatusBadRequest, "notification_types")
		f.post("/api/v1/notifications/test", `{"notification_types":"email"}`).
			wantError(t, http.StatusBadRequest, "notification_types", "array")
		f.post("/api/v1/notifications/test", `{"notification_types":["email"],"notify_on":"x"}`).
			wantError(t, http.StatusBadRequest, "notify_on", "unknown field")
		f.post("/api/v1/notifications/test", `{"notification_types":["email"],`).
			wantError(t, http.StatusBadRequest, "")
		f.post("/api/v1/notifications/test", `{} {}`).wantError(t, http.StatusBadRequest, "")
		f.post("/api/v1/notifications/test", ``).wantError(t, http.StatusBadRequest, "", "empty")
		f.req(http.MethodPost, "/api/v1/notifications/test", []byte(exampleBody), "Content-Type", "text/plain").
			wantError(t, http.StatusUnsupportedMediaType, "", "application/json")
		f.req(http.MethodPost, "/api/v1/notifications/test", []byte(exampleBody), "Content-Type", "").
			wantError(t, http.StatusUnsupportedMediaType, "")
		a := f.get("/api/v1/notifications/test")
		a.wantError(t, http.StatusMethodNotAllowed, "")
		if a.header.Get("Allow") != "POST" {
			t.Errorf("Allow %q, want POST", a.header.Get("Allow"))
		}
	})
}

func TestOversizeBody(t *testing.T) {
	f := newFixture(t)
	f.addChannel("dingtalk", "ops", dingtalktest.NewServer(t).Config())
	big := `{"channels":["ops"],"body":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`
	for _, path := range []string{"/api/v1/send", "/api/v1/notifications/test", "/api/v1/tasks/none/run"} {
		f.post(path, big).wantError(t, http.StatusRequestEntityTooLarge, "")
	}
	if items, _ := f.env.Store.OutboxItems(context.Background(), store.OutboxFilter{}); len(items) != 0 {
		t.Errorf("an oversize send queued %d rows", len(items))
	}
	// Just under the limit is fine.
	fits := `{"channels":["ops"],"body":"` + strings.Repeat("x", api.MaxBodyBytes-100) + `"}`
	if a := f.post("/api/v1/send", fits); a.status != http.StatusAccepted {
		t.Errorf("a body under 1 MiB: status %d: %.200s", a.status, a.body)
	}
}

// The server listens on loopback only.
func TestLoopbackOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "example.com:7787"} {
		s := f.server(addr)
		if got, err := s.Start(ctx); err == nil {
			s.Shutdown(ctx)
			t.Errorf("Start(%q) listened on %s, want an error", addr, got)
		}
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(f.base, "http://"))
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		tried++
		target := net.JoinHostPort(ipn.IP.String(), port)
		conn, err := net.DialTimeout("tcp", target, 2*time.Second)
		if err == nil {
			conn.Close()
			t.Errorf("the API answered on %s", target)
			continue
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			t.Logf("dial %s: refused", target)
		} else {
			t.Logf("dial %s: %v (not refused, but not reachable either)", target, err)
		}
	}
	if tried == 0 {
		t.Log("this machine has no non-loopback address to try")
	}
	// localhost is taken as 127.0.0.1.
	s := f.server("localhost:0")
	addr, err := s.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(ctx)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("localhost:0 listens on %s", addr)
	}
	if _, err := s.Start(ctx); err == nil {
		t.Error("a second Start succeeded")
	}
	// Turned off and on again (the settings switch).
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		// Dialling a free loopback port can pick that same port as its own
		// source and connect to itself (TCP simultaneous open): nobody
		// listens then either.
		if conn.LocalAddr().String() != conn.RemoteAddr().String() {
			t.Errorf("%s still answers after Shutdown", addr)
		}
		conn.Close()
	}
	addr, err = s.Start(ctx)
	if err != nil {
		t.Fatalf("Start after Shutdown: %v", err)
	}
	f.base = "http://" + addr
	if a := f.get("/api/v1/tasks"); a.status != http.StatusOK {
		t.Errorf("restarted server: %d %s", a.status, a.body)
	}
}

type outboxAnswer struct {
	ID         int64  `json:"id"`
	State      string `json:"state"`
	Channel    string `json:"channel"`
	ChannelID  string `json:"channel_id"`
	Source     string `json:"source"`
	Attempts   int    `json:"attempts"`
	LastError  string `json:"last_error"`
	Deliveries []struct {
		At         time.Time `json:"at"`
		DurationMS *int64    `json:"duration_ms"`
		OK         bool      `json:"ok"`
		Answer     string    `json:"answer"`
	} `json:"deliveries"`
}

// waitOutbox polls the row until it leaves pending/inflight.
func (f *fixture) waitOutbox(t *testing.T, id int64, within time.Duration) outboxAnswer {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var o outboxAnswer
		a := f.get("/api/v1/outbox/" + strconv.FormatInt(id, 10))
		if a.status != http.StatusOK {
			t.Fatalf("GET outbox %d: %d %s", id, a.status, a.body)
		}
		a.json(t, &o)
		if o.State != "pending" && o.State != "inflight" {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox %d still %s after %s", id, o.State, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type sendAnswer struct {
	IDs    []int64 `json:"ids"`
	Queued []struct {
		ID      int64  `json:"id"`
		Channel string `json:"channel"`
	} `json:"queued"`
}

func TestSendThroughTheOutbox(t *testing.T) {
	f := newFixture(t)
	ding, wecom := dingtalktest.NewServer(t), wecomwebhooktest.NewServer(t)
	f.addChannel("dingtalk", "ops", ding.Config())
	f.addChannel("wecom_webhook", "team", wecom.Config())
	bad := ding.Config()
	bad["secret"] = "SEC0wrongsecret9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3"
	f.addChannel("dingtalk", "misconfigured", bad)

	a := f.post("/api/v1/send", `{"channels":["ops","ops"],"title":"Nightly backup","body":"42 files **saved**","markdown":true}`)
	if a.status != http.StatusAccepted {
		t.Fatalf("send: %d %s", a.status, a.body)
	}
	var sent sendAnswer
	a.json(t, &sent)
	if len(sent.IDs) != 1 || len(sent.Queued) != 1 || sent.Queued[0].Channel != "ops" || sent.Queued[0].ID != sent.IDs[0] {
		t.Fatalf("send answered %s, want one row for ops", a.body)
	}
	// The running engine is told at once: well before its 5 s poll.
	o := f.waitOutbox(t, sent.IDs[0], 4*time.Second)
	if o.State != "sent" || o.Channel != "ops" || o.ChannelID == "" || o.Source != "send" || o.Attempts != 1 || o.LastError != "" {
		t.Errorf("outbox row %+v, want sent to ops in one attempt", o)
	}
	if len(o.Deliveries) != 1 || !o.Deliveries[0].OK || o.Deliveries[0].Answer != "ok" || o.Deliveries[0].At.IsZero() || o.Deliveries[0].DurationMS == nil {
		t.Errorf("deliveries %+v, want one ok attempt", o.Deliveries)
	}
	if got := ding.Accepted(); len(got) != 1 || got[0].MsgType != "markdown" || !strings.Contains(got[0].Text, "42 files **saved**") || got[0].Title != "Nightly backup" {
		t.Errorf("DingTalk took %+v", got)
	}

	// A permanent failure shows the service's answer.
	a = f.post("/api/v1/send", `{"channels":["misconfigured"],"body":"x"}`)
	a.json(t, &sent)
	o = f.waitOutbox(t, sent.IDs[0], 4*time.Second)
	if o.State != "failed" || !strings.Contains(o.LastError, "310000 sign not match") || len(o.Deliveries) != 1 || o.Deliveries[0].OK || o.Deliveries[0].Answer != o.LastError {
		t.Errorf("outbox row %+v, want failed with DingTalk's 310000", o)
	}

	// all: one row per channel.
	a = f.post("/api/v1/send", `{"all":true,"body":"to everyone"}`)
	if a.status != http.StatusAccepted {
		t.Fatalf("send all: %d %s", a.status, a.body)
	}
	a.json(t, &sent)
	if len(sent.IDs) != 3 {
		t.Errorf("send all queued %v, want 3 rows", sent.IDs)
	}
	for _, id := range sent.IDs {
		f.waitOutbox(t, id, 4*time.Second)
	}
	if got := wecom.Accepted(); len(got) != 1 || got[0].Text != "to everyone" {
		t.Errorf("WeCom took %+v", got)
	}

	// Errors.
	rows := func() int {
		items, _ := f.env.Store.OutboxItems(context.Background(), store.OutboxFilter{Limit: 1000})
		return len(items)
	}
	before := rows()
	f.post("/api/v1/send", `{"channels":["ops","nope"],"body":"x"}`).wantError(t, http.StatusNotFound, "channels", `"nope"`)
	f.post("/api/v1/send", `{"channels":["ops"],"title":"  ","body":""}`).wantError(t, http.StatusBadRequest, "body")
	f.post("/api/v1/send", `{"channels":["ops"]}`).wantError(t, http.StatusBadRequest, "body")
	f.post("/api/v1/send", `{"body":"x"}`).wantError(t, http.StatusBadRequest, "channels")
	f.post("/api/v1/send", `{"channels":[],"body":"x"}`).wantError(t, http.StatusBadRequest, "channels")
	f.post("/api/v1/send", `{"channels":["ops"],"all":true,"body":"x"}`).wantError(t, http.StatusBadRequest, "all")
	f.post("/api/v1/send", `{"channel":"ops","body":"x"}`).wantError(t, http.StatusBadRequest, "channel", "unknown field")
	f.post("/api/v1/send", `{"channels":"ops","body":"x"}`).wantError(t, http.StatusBadRequest, "channels", "array")
	f.post("/api/v1/send", `{"channels":["ops"],"body":"x","markdown":"yes"}`).wantError(t, http.StatusBadRequest, "markdown", "true or false")
	f.post("/api/v1/send", `["ops"]`).wantError(t, http.StatusBadRequest, "", "object")
	f.post("/api/v1/send", `{"channels":["ops"],"body":"x"`).wantError(t, http.StatusBadRequest, "")
	f.req(http.MethodPost, "/api/v1/send", []byte(`{"channels":["ops"],"body":"x"}`), "Content-Type", "application/x-www-form-urlencoded").
		wantError(t, http.StatusUnsupportedMediaType, "")
	f.req(http.MethodPost, "/api/v1/send", []byte(`{"channels":["ops"],"body":"x"}`), "Content-Type", "application/json; charset=utf-8").json(t, &sent)
	if rows() != before+1 {
		t.Errorf("rows queued by the failing requests: %d", rows()-before-1)
	}

	f.get("/api/v1/outbox/abc").wantError(t, http.StatusBadRequest, "id")
	f.get("/api/v1/outbox/0").wantError(t, http.StatusBadRequest, "id")
	f.get("/api/v1/outbox/999999").wantError(t, http.StatusNotFound, "id", "999999")
	a = f.req(http.MethodDelete, "/api/v1/outbox/1", nil)
	a.wantError(t, http.StatusMethodNotAllowed, "")
	if a.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow %q, want GET, HEAD", a.header.Get("Allow"))
	}
	f.get("/api/v1/send").wantError(t, http.StatusMethodNotAllowed, "")
	f.get("/api/v2/send").wantError(t, http.StatusNotFound, "", "openapi.json")

	f.assertNoSecrets([]string{f.token, dingtalktest.Token, dingtalktest.Secret, bad["secret"], wecomwebhooktest.Key}, a)
}

func TestSendAllWithoutChannels(t *testing.T) {
	f := newFixture(t)
	f.post("/api/v1/send", `{"all":true,"body":"x"}`).wantError(t, http.StatusBadRequest, "all", "no channels")
}

type taskAnswer struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	Schedule string     `json:"schedule"`
	Enabled  bool       `json:"enabled"`
	Running  bool       `json:"running"`
	NextRun  *time.Time `json:"next_run"`
	LastRun  *struct {
		ID      int64  `json:"id"`
		Status  string `json:"status"`
		Trigger string `json:"trigger"`
	} `json:"last_run"`
}

type runAnswer struct {
	ID         int64  `json:"id"`
	Task       string `json:"task"`
	Trigger    string `json:"trigger"`
	Status     string `json:"status"`
	ExitCode   *int   `json:"exit_code"`
	Output     string `json:"output"`
	Error      string `json:"error"`
	DurationMS *int64 `json:"duration_ms"`
}

func (f *fixture) tasks(t *testing.T) map[string]taskAnswer {
	t.Helper()
	a := f.get("/api/v1/tasks")
	if a.status != http.StatusOK {
		t.Fatalf("GET tasks: %d %s", a.status, a.body)
	}
	var out struct {
		Tasks []taskAnswer `json:"tasks"`
	}
	a.json(t, &out)
	m := map[string]taskAnswer{}
	for _, tk := range out.Tasks {
		m[tk.Name] = tk
	}
	return m
}

func (f *fixture) runs(t *testing.T, query string) []runAnswer {
	t.Helper()
	a := f.get("/api/v1/runs" + query)
	if a.status != http.StatusOK {
		t.Fatalf("GET runs%s: %d %s", query, a.status, a.body)
	}
	var out struct {
		Runs []runAnswer `json:"runs"`
	}
	a.json(t, &out)
	return out.Runs
}

func TestTasksAndRuns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	envSecret := "s3cr3t-env-value-91f2"
	if _, err := f.env.Tasks.Add(ctx, task.Task{Name: "hello", Kind: task.KindCommand, Enabled: true,
		Command:  &task.Command{Line: `echo "hello $GREETING_TOKEN"`, Env: []string{"GREETING_TOKEN=" + envSecret}},
		Schedule: task.Schedule{Kind: task.ScheduleEvery, Every: time.Hour}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Tasks.Add(ctx, task.Task{Name: "paused", Kind: task.KindCommand, Enabled: false,
		Command:  &task.Command{Line: "exit 3"},
		Schedule: task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"08:00"}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = f.env.Tasks.Remove(ctx, "hello")
		_ = f.env.Tasks.Remove(ctx, "paused")
	})

	list := f.tasks(t)
	hello, paused := list["hello"], list["paused"]
	if len(list) != 2 || hello.Kind != "command" || hello.Schedule != "every 1h0m0s" || !hello.Enabled || hello.NextRun == nil ||
		hello.NextRun.Before(time.Now()) || hello.LastRun != nil {
		t.Errorf("hello = %+v", hello)
	}
	if paused.Enabled || paused.NextRun != nil || paused.Schedule != "daily at 08:00" || paused.LastRun != nil {
		t.Errorf("paused = %+v", paused)
	}
	if r := f.runs(t, ""); len(r) != 0 {
		t.Errorf("runs before any: %+v", r)
	}

	// Manual runs: 202 at once, recorded when they end.
	for i, name := range []string{"hello", "paused", "hello"} {
		var body []byte
		if i == 1 {
			body = []byte("{}") // an empty JSON object is as good as no body
		}
		a := f.req(http.MethodPost, "/api/v1/tasks/"+name+"/run", body)
		if a.status != http.StatusAccepted {
			t.Fatalf("run %s: %d %s", name, a.status, a.body)
		}
		var started map[string]string
		a.json(t, &started)
		if started["task"] != name || started["runs"] != "/api/v1/runs?task="+name {
			t.Errorf("run answer %v", started)
		}
		// One at a time, so the next manual run is not skipped as overlapping.
		want := map[string]int{"hello": 1, "paused": 1}
		if i == 2 {
			want["hello"] = 2
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(f.runs(t, "?task="+name)) < want[name] {
			if time.Now().After(deadline) {
				t.Fatalf("no run of %s recorded", name)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	all := f.runs(t, "")
	if len(all) != 3 || !(all[0].ID > all[1].ID && all[1].ID > all[2].ID) {
		t.Fatalf("runs %+v, want 3 newest first", all)
	}
	h := f.runs(t, "?task=hello")
	if len(h) != 2 || h[0].Task != "hello" || h[0].Status != "success" || h[0].Trigger != "manual" || h[0].ExitCode == nil || *h[0].ExitCode != 0 ||
		h[0].Output != "hello [REDACTED]\n" || h[0].DurationMS == nil {
		t.Errorf("hello runs %+v", h)
	}
	p := f.runs(t, "?task=paused")
	if len(p) != 1 || p[0].Status != "failure" || p[0].ExitCode == nil || *p[0].ExitCode != 3 {
		t.Errorf("paused runs %+v", p)
	}
	if one := f.runs(t, "?limit=1"); len(one) != 1 || one[0].ID != all[0].ID {
		t.Errorf("limit=1: %+v", one)
	}
	if page := f.runs(t, "?limit=1000&before="+strconv.FormatInt(all[0].ID, 10)); len(page) != 2 || page[0].ID != all[1].ID {
		t.Errorf("before: %+v", page)
	}

	list = f.tasks(t)
	if lr := list["hello"].LastRun; lr == nil || lr.Status != "success" || lr.Trigger != "manual" || lr.ID != h[0].ID {
		t.Errorf("hello's last run %+v, want the newest success", lr)
	}
	if lr := list["paused"].LastRun; lr == nil || lr.Status != "failure" {
		t.Errorf("paused's last run %+v", lr)
	}

	for _, bad := range []string{"0", "-1", "1001", "abc", "2.5"} {
		f.get("/api/v1/runs?limit="+bad).wantError(t, http.StatusBadRequest, "limit", "1000")
	}
	f.get("/api/v1/runs?before=x").wantError(t, http.StatusBadRequest, "before")
	f.get("/api/v1/runs?task=nope").wantError(t, http.StatusNotFound, "task", `"nope"`)
	f.req(http.MethodPost, "/api/v1/tasks/nope/run", nil).wantError(t, http.StatusNotFound, "name", `"nope"`)
	f.req(http.MethodPost, "/api/v1/tasks/hello/run", []byte("now"), "Content-Type", "text/plain").
		wantError(t, http.StatusUnsupportedMediaType, "")
	f.post("/api/v1/tasks/hello/run", `{"now":true}`).wantError(t, http.StatusBadRequest, "now", "unknown field")
	f.post("/api/v1/tasks/hello/run", `{`).wantError(t, http.StatusBadRequest, "")
	f.req(http.MethodGet, "/api/v1/tasks/hello/run", nil).wantError(t, http.StatusMethodNotAllowed, "")
	f.req(http.MethodPost, "/api/v1/tasks", nil).wantError(t, http.StatusMethodNotAllowed, "")
	f.req(http.MethodPost, "/api/v1/runs", nil).wantError(t, http.StatusMethodNotAllowed, "")

	f.assertNoSecrets([]string{envSecret})
}

func TestOpenAPIEndpoint(t *testing.T) {
	f := newFixture(t)
	a := f.get("/api/v1/openapi.json")
	if a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
	var doc map[string]any
	a.json(t, &doc)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/notifications/test", "/api/v1/send", "/api/v1/outbox/{id}", "/api/v1/tasks", "/api/v1/tasks/{name}/run", "/api/v1/runs", "/api/v1/openapi.json"} {
		if paths[p] == nil {
			t.Errorf("%s is not documented", p)
		}
	}
	f.req(http.MethodGet, "/api/v1/openapi.json", nil, "Authorization", "").wantError(t, http.StatusUnauthorized, "")
}

// A store failure answers 500 with the error as JSON.
func TestInternalError(t *testing.T) {
	f := newFixture(t)
	f.env.StopEngine(5 * time.Second)
	if err := f.env.Store.Close(); err != nil {
		t.Fatal(err)
	}
	f.get("/api/v1/tasks").wantError(t, http.StatusInternalServerError, "")
	f.get("/api/v1/outbox/1").wantError(t, http.StatusInternalServerError, "")
}
