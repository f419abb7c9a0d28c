package email

import (
	"context"
	"errors"
	"maps"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/email/emailtest"
	"github.com/heraldpush/herald/engine/message"
)

func open(t *testing.T, raw map[string]string) *sender {
	t.Helper()
	return channeltest.Open(t, Kind, raw, channel.Deps{}).(*sender)
}

func send(t *testing.T, ch *sender, m message.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ch.Send(ctx, m)
}

// only returns the single message srv accepted, failing on violations.
func only(t *testing.T, srv *emailtest.Server) emailtest.Accepted {
	t.Helper()
	if v := srv.Violations(); len(v) > 0 {
		t.Fatalf("server saw violations:\n%s", strings.Join(v, "\n"))
	}
	acc := srv.Accepted()
	if len(acc) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(acc))
	}
	return acc[0]
}

// chErr asserts err is a *channel.Error of the wanted class and returns it.
func chErr(t *testing.T, err error, transient bool) *channel.Error {
	t.Helper()
	var e *channel.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *channel.Error", err, err)
	}
	if e.Kind != "email" {
		t.Errorf("Kind = %q, want email", e.Kind)
	}
	if channel.IsTransient(err) != transient {
		t.Errorf("transient = %v, want %v: %v", channel.IsTransient(err), transient, err)
	}
	if strings.Contains(err.Error(), emailtest.Password) {
		t.Errorf("error shows the password: %v", err)
	}
	return e
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func TestParseAliasesAndDefaults(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]string
		want channel.Config
	}{
		{
			name: "QD environment names, defaults",
			raw:  map[string]string{"MAIL_SMTP": "smtp.qq.com", "mail_user": "me@qq.com", "Mail_Password": "pw", "to": "a@example.com"},
			want: channel.Config{"host": "smtp.qq.com", "port": "465", "ssl": "true", "starttls": "false",
				"username": "me@qq.com", "password": "pw", "to": "a@example.com"},
		},
		{
			name: "QD names with values",
			raw: map[string]string{"MAIL_SMTP": "smtp.office365.com", "MAIL_PORT": "587", "MAIL_SSL": "False", "MAIL_STARTTLS": "True",
				"MAIL_USER": "me@outlook.com", "MAIL_PASSWORD": "pw", "MAIL_FROM": "Herald <me@outlook.com>", "TO": "a@example.com"},
			want: channel.Config{"host": "smtp.office365.com", "port": "587", "ssl": "false", "starttls": "true",
				"username": "me@outlook.com", "password": "pw", "from": "Herald <me@outlook.com>", "to": "a@example.com"},
		},
		{
			name: "notification test request names",
			raw: map[string]string{"SMTP_HOST": "smtp.gmail.com", "smtp_port": "587", "ssl": "no", "enable_tls": "true",
				"username": "me@gmail.com", "password": "pw", "from": "me@gmail.com", "to": "a@example.com, b@example.com",
				"subject": "Task result"},
			want: channel.Config{"host": "smtp.gmail.com", "port": "587", "ssl": "false", "starttls": "true",
				"username": "me@gmail.com", "password": "pw", "from": "me@gmail.com", "to": "a@example.com, b@example.com",
				"subject": "Task result"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Kind.Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("Parse =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}

	ch := open(t, tests[0].raw)
	if ch.from != "me@qq.com" || ch.addr != "smtp.qq.com:465" || !ch.ssl || ch.starttls {
		t.Errorf("Open: from %q addr %q ssl %v starttls %v; want the user name as sender, port 465, implicit TLS", ch.from, ch.addr, ch.ssl, ch.starttls)
	}
	ch = open(t, tests[2].raw)
	if !slices.Equal(ch.to, []string{"a@example.com", "b@example.com"}) || ch.tls.ServerName != "smtp.gmail.com" || ch.tls.InsecureSkipVerify {
		t.Errorf("Open: to %q, TLS server name %q", ch.to, ch.tls.ServerName)
	}
}

func TestFieldSchema(t *testing.T) {
	var keys []string
	for _, f := range Kind.Fields {
		keys = append(keys, f.Key)
		if f.Label == "" || f.Help == "" {
			t.Errorf("field %s lacks label or help", f.Key)
		}
		if f.Secret != (f.Key == "password") {
			t.Errorf("field %s: Secret = %v", f.Key, f.Secret)
		}
	}
	want := []string{"host", "port", "ssl", "starttls", "username", "password", "from", "to", "subject", "ca_file"}
	if !slices.Equal(keys, want) || Kind.QDFields != 7 {
		t.Errorf("fields %v (QD %d), want %v (QD 7)", keys, Kind.QDFields, want)
	}
}

func TestValidationErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	base := map[string]string{"host": "smtp.example.com", "username": "me@example.com", "password": "pw", "to": "ops@example.net"}
	tests := []struct {
		name string
		raw  map[string]string
		want string
	}{
		{"missing required", map[string]string{"port": "587"},
			"email: host: required; email: username: required; email: password: required"},
		{"port zero", channeltest.Edit(base, "port", "0"), "email: port: must be between 1 and 65535 (usually 465 or 587), got 0"},
		{"port too big", channeltest.Edit(base, "port", "70000"), "email: port: must be between 1 and 65535 (usually 465 or 587), got 70000"},
		{"port not a number", channeltest.Edit(base, "port", "smtps"), `email: port: must be a whole number, got "smtps"`},
		{"host with scheme", channeltest.Edit(base, "host", "smtps://smtp.qq.com"), "email: host: must be a bare server name like smtp.example.com, without smtp:// or https://"},
		{"host with port", channeltest.Edit(base, "host", "smtp.qq.com:465"), "email: host: must not include the port: put smtp.qq.com here and 465 in port"},
		{"host with space", channeltest.Edit(base, "host", "smtp qq com"), "email: host: must be a host name like smtp.example.com or an IP address (IPv6 without brackets)"},
		{"host is a path", channeltest.Edit(base, "host", "../../../../etc/passwd"), "email: host: must be a host name like smtp.example.com or an IP address (IPv6 without brackets)"},
		{"host with a line break", channeltest.Edit(base, "host", "smtp.qq.com\r\nRCPT TO:<x@example.com>"), "email: host: must be a host name like smtp.example.com or an IP address (IPv6 without brackets)"},
		{"subject with a line break", channeltest.Edit(base, "subject", "Hi\nBcc: x@example.com"), "email: subject: must be one line without control characters such as line breaks or tabs (found U+000A)"},
		{"password not UTF-8", channeltest.Edit(base, "password", "pw\xff\xfe"), "email: password: must be text (it holds bytes that are not UTF-8); type or paste it again"},
		{"ssl not a bool", channeltest.Edit(base, "ssl", "maybe"), `email: ssl: must be true or false, got "maybe"`},
		{"bad recipient", channeltest.Edit(base, "to", "ops@example.net, not-an-address"), `email: to: "not-an-address" is not an email address; separate addresses with commas`},
		{"empty recipient list", channeltest.Edit(base, "to", " , "), "email: to: must name at least one address"},
		{"bad from", channeltest.Edit(base, "from", "Herald"), `email: from: must be an address like me@example.com or Herald <me@example.com>, got "Herald"`},
		{"ca_file missing", channeltest.Edit(base, "ca_file", missing), "email: ca_file: cannot read the file: open " + missing + ": no such file or directory"},
		{"ca_file not PEM", channeltest.Edit(base, "ca_file", notPEM), "email: ca_file: " + notPEM + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"},
		{"ssl and starttls", channeltest.Edit(base, "starttls", "true"), "email: starttls: ssl and starttls cannot both be on: " +
			"use ssl=true for implicit TLS (port 465), or ssl=false with starttls=true for STARTTLS (port 587)"},
		{"user name is no address", channeltest.Edit(base, "username", "admin"), "email: from: required because the user name is not an email address"},
		{"unknown field", channeltest.Edit(base, "proxy", "http://p:8080"), "email: proxy: unknown field (known: host, port, ssl, starttls, username, password, from, to, subject, ca_file)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Kind.Parse(tt.raw)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse error\n got %v\nwant %s", err, tt.want)
			}
		})
	}

	// Port 465 in the clear is allowed to parse; the refusal comes at login.
	if _, err := Kind.Parse(channeltest.Edit(base, "ssl", "false", "starttls", "false")); err != nil {
		t.Errorf("ssl=false starttls=false: %v", err)
	}
	// A user name without @ is fine once from is given.
	if _, err := Kind.Parse(channeltest.Edit(base, "username", "admin", "from", "Herald <admin@example.com>")); err != nil {
		t.Errorf("plain user name with from: %v", err)
	}
}

func TestParseQD(t *testing.T) {
	cases := []channeltest.QDCase{
		{
			Name: "full",
			In:   "smtp.qq.com;587;False;True;me@qq.com;auth-code;Herald <me@qq.com>",
			Want: map[string]string{"host": "smtp.qq.com", "port": "587", "ssl": "False", "starttls": "True",
				"username": "me@qq.com", "password": "auth-code", "from": "Herald <me@qq.com>"},
		},
		{
			Name: "empty positions keep defaults",
			In:   "smtp.163.com;;;;me@163.com;auth-code;;",
			Want: map[string]string{"host": "smtp.163.com", "username": "me@163.com", "password": "auth-code"},
		},
		{
			Name:    "too few",
			In:      "smtp.qq.com;465",
			WantErr: "email: username: missing from the QD string (expected host;port;ssl;starttls;username;password;from)",
		},
		{
			Name:    "too many",
			In:      "smtp.qq.com;465;True;False;me@qq.com;pw;me@qq.com;ops@example.net",
			WantErr: "email: qd: has 8 values but QD's email string has at most 7 (host;port;ssl;starttls;username;password;from)",
		},
	}
	channeltest.RunQDCases(t, Kind, cases)
	// QD keeps recipients elsewhere; with one added the config is complete.
	channeltest.CheckQDImports(t, Kind, cases, map[string]string{"to": "ops@example.net"}, nil)
	cfg, err := Kind.Parse(map[string]string{"host": "smtp.163.com", "username": "me@163.com", "password": "x", "to": "a@example.com"})
	if err != nil || cfg.Int("port") != 465 || !cfg.Bool("ssl") || cfg.Bool("starttls") {
		t.Errorf("QD defaults: %v %v", cfg, err)
	}
}

// TestDeliver sends one message over implicit TLS and over STARTTLS and
// checks the envelope, every header and both parts as received.
func TestDeliver(t *testing.T) {
	for _, tc := range []struct {
		name     string
		config   func(*emailtest.Server) map[string]string
		listener string
	}{
		{"implicit TLS", (*emailtest.Server).Config, "tls"},
		{"STARTTLS", (*emailtest.Server).StartTLSConfig, "starttls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := emailtest.NewServer(t)
			raw := channeltest.Edit(tc.config(srv), "to", emailtest.Recipient+", second@example.org")
			ch := open(t, raw)
			before := time.Now()
			m := message.Message{Title: "Disk 告警 on nas", Body: "sda1 is 97% full\n<script>alert(1)</script> & more", Level: message.LevelWarning}
			if err := send(t, ch, m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			a := only(t, srv)

			// Envelope and session.
			if a.Listener != tc.listener || !a.TLS || a.AuthMech != "PLAIN" {
				t.Errorf("listener %q TLS %v auth %q, want %s over TLS with PLAIN", a.Listener, a.TLS, a.AuthMech, tc.listener)
			}
			if a.MailFrom != emailtest.Username || !slices.Equal(a.RcptTo, []string{emailtest.Recipient, "second@example.org"}) {
				t.Errorf("envelope %q -> %q", a.MailFrom, a.RcptTo)
			}

			// Headers.
			from, err := netmail.ParseAddress(a.Header.Get("From"))
			if err != nil || from.Address != emailtest.Username {
				t.Errorf("From %q: %v", a.Header.Get("From"), err)
			}
			to, err := a.Header.AddressList("To")
			if err != nil || len(to) != 2 || to[0].Address != emailtest.Recipient || to[1].Address != "second@example.org" {
				t.Errorf("To %q: %v", a.Header.Get("To"), err)
			}
			mustContain(t, "raw message", string(a.Raw), "\r\nSubject: =?UTF-8?q?Disk_=E5=91=8A=E8=AD=A6_on_nas?=\r\n")
			if a.Title != m.Title {
				t.Errorf("decoded Subject %q, want %q", a.Title, m.Title)
			}
			date, err := a.Header.Date()
			if err != nil || date.Before(before.Add(-2*time.Second)) || date.After(time.Now().Add(2*time.Second)) {
				t.Errorf("Date %q: %v", a.Header.Get("Date"), err)
			}
			if id := a.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.Contains(id, "@") || !strings.HasSuffix(id, ">") {
				t.Errorf("Message-ID %q", id)
			}
			if v := a.Header.Get("Mime-Version"); v != "1.0" {
				t.Errorf("MIME-Version %q", v)
			}
			if ua := a.Header.Get("User-Agent"); ua != "Herald" {
				t.Errorf("User-Agent %q", ua)
			}
			if a.Header.Get("Importance") != "" {
				t.Errorf("a warning got Importance %q", a.Header.Get("Importance"))
			}
			if a.ContentType != "multipart/alternative" || a.Params["boundary"] == "" {
				t.Fatalf("Content-Type %s %v, want multipart/alternative with a boundary", a.ContentType, a.Params)
			}
			mustContain(t, "raw message", string(a.Raw), "\r\n--"+a.Params["boundary"]+"\r\n", "\r\n--"+a.Params["boundary"]+"--")
			if !slices.Equal(a.PartTypes, []string{"text/plain; charset=UTF-8", "text/html; charset=UTF-8"}) {
				t.Errorf("parts %q, want text/plain then text/html, UTF-8", a.PartTypes)
			}

			// Parts: the title is the subject, so the body carries the body only.
			if a.Text != m.Body {
				t.Errorf("text part %q, want %q", a.Text, m.Body)
			}
			mustContain(t, "html part", a.HTML,
				"<title>Disk 告警 on nas</title>",
				"<p>sda1 is 97% full<br>\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>")
			if strings.Contains(a.HTML, "<script>") || strings.Contains(a.HTML, "<h2>") {
				t.Errorf("html part has raw markup or a repeated title:\n%s", a.HTML)
			}
		})
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// TestLoopbackWithoutTLS logs in over plain text to 127.0.0.1, which Herald
// allows because the password never leaves the machine.
func TestLoopbackWithoutTLS(t *testing.T) {
	srv := emailtest.NewServer(t)
	if err := send(t, open(t, srv.PlainConfig()), message.Message{Title: "t", Body: "b"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if a := only(t, srv); a.TLS || a.Listener != "plain" || a.AuthMech != "PLAIN" || a.Text != "b" {
		t.Errorf("accepted over %s TLS=%v auth %q text %q", a.Listener, a.TLS, a.AuthMech, a.Text)
	}
}

// TestFromWithName sends with a display name, non-ASCII included: it must
// arrive RFC 2047-encoded while the envelope carries the bare address.
func TestFromWithName(t *testing.T) {
	srv := emailtest.NewServer(t)
	ch := open(t, channeltest.Edit(srv.Config(), "from", "Herald 告警 <"+emailtest.Username+">"))
	if err := send(t, ch, message.Message{Title: "t", Body: "b"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	a := only(t, srv)
	mustContain(t, "raw message", string(a.Raw), "\r\nFrom: =?utf-8?q?Herald_=E5=91=8A=E8=AD=A6?= <"+emailtest.Username+">\r\n")
	from, err := a.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Herald 告警" || from[0].Address != emailtest.Username {
		t.Errorf("From %q: %v", a.Header.Get("From"), err)
	}
	if a.MailFrom != emailtest.Username {
		t.Errorf("MAIL FROM %q", a.MailFrom)
	}
}

// redirect makes ch reach addr whatever host it names, standing in for a
// remote server.
func redirect(ch *sender, addr string) {
	ch.dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
}

func TestPlaintextAuthRefused(t *testing.T) {
	srv := emailtest.NewServer(t)
	// Port 465 with neither TLS mode parses, but no password goes out.
	ch := open(t, channeltest.Edit(srv.PlainConfig(), "host", "smtp.example.com", "port", "465"))
	redirect(ch, srv.PlainAddr)
	err := send(t, ch, message.Message{Title: "t", Body: "b"})
	e := chErr(t, err, false)
	want := "email: refusing to send the password unencrypted to smtp.example.com: set ssl=true (port 465) or starttls=true with ssl=false (port 587)"
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	if e.Code != "" {
		t.Errorf("Code %q", e.Code)
	}
	if got := srv.AuthAttempts(); len(got) != 0 {
		t.Errorf("server saw AUTH %v", got)
	}
	if len(srv.Accepted()) != 0 || len(srv.Violations()) != 0 {
		t.Errorf("accepted %d, violations %v", len(srv.Accepted()), srv.Violations())
	}
}

func TestAuthMechanisms(t *testing.T) {
	t.Run("LOGIN only", func(t *testing.T) {
		srv := emailtest.NewServer(t)
		srv.OfferAuth("LOGIN")
		if err := send(t, open(t, srv.Config()), message.Message{Title: "t", Body: "b"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if a := only(t, srv); a.AuthMech != "LOGIN" {
			t.Errorf("logged in with %q, want LOGIN", a.AuthMech)
		}
	})
	t.Run("nothing Herald speaks", func(t *testing.T) {
		srv := emailtest.NewServer(t)
		srv.OfferAuth("CRAM-MD5", "XOAUTH2")
		err := send(t, open(t, srv.Config()), message.Message{Title: "t", Body: "b"})
		chErr(t, err, false)
		if want := "email: the server offers login only by CRAM-MD5, XOAUTH2; Herald speaks PLAIN and LOGIN"; err.Error() != want {
			t.Errorf("error\n got %s\nwant %s", err, want)
		}
	})
	t.Run("no AUTH before STARTTLS", func(t *testing.T) {
		srv := emailtest.NewServer(t)
		// The submission port hides AUTH until STARTTLS; to 127.0.0.1 Herald
		// would log in without TLS, so the server's silence must be explained.
		err := send(t, open(t, channeltest.Edit(srv.StartTLSConfig(), "starttls", "false")), message.Message{Title: "t", Body: "b"})
		chErr(t, err, false)
		if want := "email: the server offers no login (SMTP AUTH) on this connection; it may want STARTTLS first: set starttls=true"; err.Error() != want {
			t.Errorf("error\n got %s\nwant %s", err, want)
		}
	})
}

func TestWrongPassword(t *testing.T) {
	srv := emailtest.NewServer(t)
	const wrong = "wrong-Secret-9931"
	for _, cfg := range []map[string]string{srv.Config(), srv.StartTLSConfig()} {
		err := send(t, open(t, channeltest.Edit(cfg, "password", wrong)), message.Message{Title: "t", Body: "b"})
		e := chErr(t, err, false)
		if e.Code != "535" {
			t.Errorf("Code %q, want 535", e.Code)
		}
		want := "email: 535 login rejected: 5.7.8 Authentication failed (check username and password; " +
			"Gmail, Outlook, QQ and 163 need an app password or authorization code)"
		if err.Error() != want {
			t.Errorf("error\n got %s\nwant %s", err, want)
		}
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("error shows the password: %v", err)
		}
	}
	if got := srv.AuthAttempts(); !slices.Equal(got, []string{"tls PLAIN fail", "starttls PLAIN fail"}) {
		t.Errorf("AUTH attempts %v", got)
	}
	if len(srv.Accepted()) != 0 || len(srv.Violations()) != 0 {
		t.Errorf("accepted %d, violations %v", len(srv.Accepted()), srv.Violations())
	}
}

func TestCertificates(t *testing.T) {
	srv := emailtest.NewServer(t)
	for _, cfg := range []map[string]string{srv.Config(), srv.StartTLSConfig()} {
		// Without ca_file only the system roots count: the self-signed
		// certificate must be refused, never skipped.
		err := send(t, open(t, channeltest.Edit(cfg, "ca_file", "")), message.Message{Title: "t", Body: "b"})
		chErr(t, err, false)
		mustContain(t, "error", err.Error(), "email: the server's TLS certificate is not trusted",
			"set ca_file", "certificate signed by unknown authority")
	}
	// A certificate for another name is refused even from a trusted CA.
	ch := open(t, channeltest.Edit(srv.Config(), "host", "smtp.example.com"))
	redirect(ch, srv.TLSAddr)
	err := send(t, ch, message.Message{Title: "t", Body: "b"})
	chErr(t, err, false)
	mustContain(t, "error", err.Error(), "certificate is not valid for smtp.example.com", "x509: certificate is valid for localhost")
	// The same server reached as localhost matches the certificate.
	if err := send(t, open(t, channeltest.Edit(srv.Config(), "host", "localhost")), message.Message{Title: "t", Body: "b"}); err != nil {
		t.Errorf("as localhost: %v", err)
	}
	if len(srv.AuthAttempts()) != 1 || len(srv.Accepted()) != 1 {
		t.Errorf("AUTH %v, accepted %d; want only the localhost send to log in", srv.AuthAttempts(), len(srv.Accepted()))
	}
}

func TestWrongTLSMode(t *testing.T) {
	srv := emailtest.NewServer(t)
	m := message.Message{Title: "t", Body: "b"}

	t.Run("STARTTLS against the implicit-TLS port", func(t *testing.T) {
		// Both sides wait for the other; the ctx deadline ends it.
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		err := open(t, channeltest.Edit(srv.StartTLSConfig(), "port", portOf(srv.TLSAddr))).Send(ctx, m)
		chErr(t, err, false)
		mustContain(t, "error", err.Error(), "but the server sent no SMTP greeting; if this port speaks implicit TLS (usually 465), set ssl=true and starttls=false")
	})
	t.Run("implicit TLS against the STARTTLS port", func(t *testing.T) {
		err := send(t, open(t, channeltest.Edit(srv.Config(), "port", portOf(srv.StartTLSAddr))), m)
		chErr(t, err, false)
		mustContain(t, "error", err.Error(), "the server answered in plain text, so this port does not speak implicit TLS; "+
			"for port 587 or 25 set ssl=false and starttls=true")
	})
	t.Run("STARTTLS where the server has none", func(t *testing.T) {
		err := send(t, open(t, channeltest.Edit(srv.StartTLSConfig(), "port", portOf(srv.PlainAddr))), m)
		chErr(t, err, false)
		want := "email: the server does not offer STARTTLS on port " + portOf(srv.PlainAddr) +
			"; use ssl=true with port 465, or the port your provider lists for STARTTLS"
		if err.Error() != want {
			t.Errorf("error\n got %s\nwant %s", err, want)
		}
	})
	if len(srv.AuthAttempts()) != 0 || len(srv.Accepted()) != 0 {
		t.Errorf("AUTH %v, accepted %d", srv.AuthAttempts(), len(srv.Accepted()))
	}
}

func TestSMTPReplies(t *testing.T) {
	tests := []struct {
		name      string
		answer    emailtest.Answer
		from      string
		transient bool
		want      string
	}{
		{"MAIL 421 busy", emailtest.MailBusy, "", true, "email: 421 sender rejected: 4.7.0 Too many connections, try again later"},
		{"MAIL 450 greylisted", emailtest.MailGreylist, "", true, "email: 450 sender rejected: 4.7.1 Greylisted, try again later"},
		{"RCPT 452 full", emailtest.RcptFull, "", true,
			"email: 452 recipient rejected: 4.2.2 Mailbox full, try again later, affected recipient(s): <" + emailtest.Recipient + ">"},
		{"RCPT 550 unknown", emailtest.RejectRcpt, "", false,
			"email: 550 recipient rejected: 5.1.1 Mailbox unavailable: no such user, affected recipient(s): <" + emailtest.Recipient + ">"},
		{"DATA 451", emailtest.DataTempFail, "", true, "email: 451 mail refused: 4.3.0 Local error in processing"},
		{"DATA 554", emailtest.DataRejected, "", false, "email: 554 mail refused: 5.7.1 Message rejected as spam"},
		{"MAIL 553 foreign sender", emailtest.Answer{}, "Boss <boss@example.com>", false,
			"email: 553 sender rejected: 5.7.1 Sender address rejected: not owned by user " + emailtest.Username},
		{"password echoed back", emailtest.Answer{Stage: emailtest.StageRcpt, Code: 550, Enhanced: [3]int{5, 7, 1},
			Text: "Relay denied for " + emailtest.Password}, "", false,
			"email: 550 recipient rejected: 5.7.1 Relay denied for [password], affected recipient(s): <" + emailtest.Recipient + ">"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := emailtest.NewServer(t)
			if tt.answer.Stage != "" {
				srv.FailNext(tt.answer)
			}
			ch := open(t, channeltest.Edit(srv.Config(), "from", tt.from))
			err := send(t, ch, message.Message{Title: "t", Body: "b"})
			e := chErr(t, err, tt.transient)
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if code := strings.Fields(strings.TrimPrefix(tt.want, "email: "))[0]; e.Code != code {
				t.Errorf("Code %q, want %s", e.Code, code)
			}
			if len(srv.Accepted()) != 0 || len(srv.Violations()) != 0 {
				t.Fatalf("accepted %d, violations %v", len(srv.Accepted()), srv.Violations())
			}
			// The failure was one reply, not a broken channel.
			if tt.from == "" {
				if err := send(t, ch, message.Message{Title: "t", Body: "b"}); err != nil {
					t.Errorf("retry: %v", err)
				}
				only(t, srv)
			}
		})
	}
}

func TestContextCancel(t *testing.T) {
	srv := emailtest.NewServer(t)
	ch := open(t, srv.Config())

	t.Run("before sending", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := ch.Send(ctx, message.Message{Title: "t", Body: "b"})
		chErr(t, err, false)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v is not context.Canceled", err)
		}
	})
	t.Run("during DATA", func(t *testing.T) {
		srv.FailNext(emailtest.StallData)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- ch.Send(ctx, message.Message{Title: "t", Body: "b"}) }()
		select {
		case <-srv.Stalled():
		case err := <-done:
			t.Fatalf("Send returned before the server held the message: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("the message never reached DATA")
		}
		cancel()
		select {
		case err := <-done:
			chErr(t, err, false)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v is not context.Canceled", err)
			}
			mustContain(t, "error", err.Error(), "email: sending via "+srv.TLSAddr+" abandoned: context canceled")
		case <-time.After(2 * time.Second):
			t.Fatal("Send ignored the cancelled context")
		}
	})
	t.Run("deadline is transient", func(t *testing.T) {
		srv.FailNext(emailtest.StallData)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := ch.Send(ctx, message.Message{Title: "t", Body: "b"})
		chErr(t, err, true)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v is not a deadline", err)
		}
	})
	if len(srv.Accepted()) != 0 {
		t.Errorf("accepted %d", len(srv.Accepted()))
	}
}

func TestServerDown(t *testing.T) {
	srv := emailtest.NewServer(t)
	cfg := srv.Config()
	srv.Close()
	err := send(t, open(t, cfg), message.Message{Title: "t", Body: "b"})
	chErr(t, err, true)
	mustContain(t, "error", err.Error(), "email: cannot connect to "+srv.TLSAddr+": connection refused")
	for _, secret := range Kind.SecretKeys() {
		if strings.Contains(err.Error(), cfg[secret]) {
			t.Errorf("error shows %s: %v", secret, err)
		}
	}
}

func TestRendering(t *testing.T) {
	srv := emailtest.NewServer(t)
	huge := strings.Repeat("head ", 100) + strings.Repeat("x", 2<<20) + strings.Repeat(" tail", 100)
	longLine := strings.Repeat("0123456789", 500) + "\n.a line starting with a dot\n."
	tests := []struct {
		name      string
		cfg       map[string]string
		m         message.Message
		title     string
		text      string
		html      []string
		notHTML   []string
		importanc string
	}{
		{
			name:  "markdown shown as source",
			m:     message.Message{Title: "Report", Body: "# Daily\n**3** jobs <b>failed</b> & [log](https://x.example/?a=1&b=2)", Markdown: true},
			title: "Report",
			text:  "# Daily\n**3** jobs <b>failed</b> & [log](https://x.example/?a=1&b=2)",
			html:  []string{"<pre style=\"white-space:pre-wrap\"># Daily\n**3** jobs &lt;b&gt;failed&lt;/b&gt; &amp; [log](https://x.example/?a=1&amp;b=2)</pre>"},
		},
		{
			name:    "picture",
			m:       message.Message{Title: "Cam", Body: "motion", PictureURL: "https://img.example.com/a.png?x=1&y=\"2\""},
			title:   "Cam",
			text:    "motion\n\nPicture: https://img.example.com/a.png?x=1&y=\"2\"",
			html:    []string{`<img src="https://img.example.com/a.png?x=1&amp;y=%222%22" alt="picture"`},
			notHTML: []string{`y="2"`},
		},
		{
			name:    "unsafe picture URL neutralised",
			m:       message.Message{Title: "Cam", Body: "motion", PictureURL: "javascript:alert(1)"},
			title:   "Cam",
			text:    "motion\n\nPicture: javascript:alert(1)",
			html:    []string{`<img src="#ZgotmplZ"`},
			notHTML: []string{"javascript:"},
		},
		{
			name:  "fixed subject, title leads the body",
			cfg:   map[string]string{"subject": "[Herald] NAS"},
			m:     message.Message{Title: "Backup <failed>", Body: "exit 2"},
			title: "[Herald] NAS",
			text:  "Backup <failed>\n\nexit 2",
			html:  []string{"<title>[Herald] NAS</title>", "<h2>Backup &lt;failed&gt;</h2>", "<p>exit 2</p>"},
		},
		{
			name:  "no title: first body line is the subject",
			m:     message.Message{Body: "\n  first line  \nsecond"},
			title: "first line",
			text:  "\n  first line  \nsecond",
		},
		{
			name:  "nothing at all",
			m:     message.Message{},
			title: "Herald notification",
			text:  "",
		},
		{
			name:    "header injection folded away",
			m:       message.Message{Title: "x\r\nBcc: evil@example.com", Body: "b"},
			title:   "x Bcc: evil@example.com",
			text:    "b",
			notHTML: []string{"\nBcc"},
		},
		{
			name:      "error level is high importance",
			m:         message.Message{Title: "down", Body: "b", Level: message.LevelError},
			title:     "down",
			text:      "b",
			importanc: "high",
		},
		{
			name:  "long lines and leading dots survive",
			m:     message.Message{Title: "t", Body: longLine},
			title: "t",
			text:  longLine,
		},
		{
			name:  "body capped at 1 MiB keeping head and tail",
			m:     message.Message{Title: "t", Body: huge},
			title: "t",
			text:  message.TruncateBytes(huge, 1<<20),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Accepted())
			if err := send(t, open(t, channeltest.Edit(srv.Config(), mapPairs(tt.cfg)...)), tt.m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if v := srv.Violations(); len(v) > 0 {
				t.Fatalf("violations:\n%s", strings.Join(v, "\n"))
			}
			all := srv.Accepted()
			if len(all) != before+1 {
				t.Fatalf("accepted %d messages, want 1 more", len(all)-before)
			}
			a := all[before]
			if a.Title != tt.title {
				t.Errorf("subject %q, want %q", a.Title, tt.title)
			}
			if a.Text != tt.text {
				if len(a.Text) > 300 || len(tt.text) > 300 {
					t.Errorf("text part: %d bytes, want %d", len(a.Text), len(tt.text))
				} else {
					t.Errorf("text part %q, want %q", a.Text, tt.text)
				}
			}
			mustContain(t, "html part", a.HTML, tt.html...)
			for _, bad := range tt.notHTML {
				if strings.Contains(a.HTML, bad) || strings.Contains(string(a.Raw[:strings.Index(string(a.Raw), "\r\n\r\n")]), bad) {
					t.Errorf("message contains %q:\n%s", bad, a.Raw[:min(len(a.Raw), 1500)])
				}
			}
			if got := a.Header.Get("Importance"); got != tt.importanc {
				t.Errorf("Importance %q, want %q", got, tt.importanc)
			}
			if a.Header.Get("Bcc") != "" {
				t.Errorf("Bcc header %q", a.Header.Get("Bcc"))
			}
		})
	}

	// The cap is exact: 1 MiB of text, marked where it was cut.
	a := srv.Accepted()[len(srv.Accepted())-1]
	if len(a.Text) != 1<<20 || !strings.HasPrefix(a.Text, "head head") || !strings.HasSuffix(a.Text, "tail tail") ||
		!strings.Contains(a.Text, " bytes cut]…") {
		t.Errorf("capped text: %d bytes, head %q, tail %q", len(a.Text), a.Text[:20], a.Text[len(a.Text)-20:])
	}
}

func mapPairs(m map[string]string) []string {
	var kv []string
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}

// Without a recipient the mail goes to the sender's own mailbox, as QD does.
func TestDefaultRecipientIsTheSender(t *testing.T) {
	srv := emailtest.NewServer(t)
	cfg := srv.Config()
	delete(cfg, "to")
	ch, err := Kind.New(cfg, channel.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Send(context.Background(), message.Message{Title: "t", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	got := srv.Accepted()
	if len(got) != 1 || len(got[0].RcptTo) != 1 || got[0].RcptTo[0] != emailtest.Username {
		t.Fatalf("accepted %+v, want one message to %s", got, emailtest.Username)
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, emailtest.Fixture)
}

// qinglong's SMTP_* variables: SMTP_SERVER is host:port, SMTP_EMAIL logs
// in and sends, SMTP_NAME names the sender.
func TestQinglongEnv(t *testing.T) {
	base := func(extra map[string]string) map[string]string {
		m := map[string]string{"SMTP_SERVER": "smtp.exmail.qq.com:465", "SMTP_SSL": "true", "SMTP_EMAIL": "me@example.com", "SMTP_PASSWORD": "pw"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	channeltest.RunEnvCases(t, Kind, []channeltest.EnvCase{
		{Name: "ssl", Vars: base(nil), Want: channel.Config{"host": "smtp.exmail.qq.com", "port": "465", "ssl": "true", "starttls": "false",
			"username": "me@example.com", "password": "pw"}},
		{Name: "plain upgrades", Vars: base(map[string]string{"SMTP_SERVER": "smtp.qq.com:587", "SMTP_SSL": "false"}),
			Want: channel.Config{"port": "587", "ssl": "false", "starttls": "true"}},
		{Name: "no port", Vars: base(map[string]string{"SMTP_SERVER": "smtp.qq.com", "SMTP_SSL": "false"}), Want: channel.Config{"host": "smtp.qq.com", "port": "25"}},
		{Name: "no port ssl", Vars: base(map[string]string{"SMTP_SERVER": "smtp.qq.com"}), Want: channel.Config{"port": "465"}},
		{Name: "name", Vars: base(map[string]string{"SMTP_NAME": "青龙 通知"}), Want: channel.Config{"from": "青龙 通知 <me@example.com>"}},
		{Name: "name to quote", Vars: base(map[string]string{"SMTP_NAME": "Ops, Inc."}), Want: channel.Config{"from": `"Ops, Inc." <me@example.com>`}},
		{Name: "recipients", Vars: base(map[string]string{"SMTP_EMAIL_TO": "a@example.com;b@example.com；c@example.com"}),
			Want: channel.Config{"to": "a@example.com,b@example.com,c@example.com"}},
		{Name: "bad ssl", Vars: base(map[string]string{"SMTP_SSL": "maybe"}), ErrField: "SMTP_SSL"},
		{Name: "bad recipient", Vars: base(map[string]string{"SMTP_EMAIL_TO": "a@example.com;nobody"}), ErrField: "to"},
		{Name: "no login", Vars: map[string]string{"SMTP_SERVER": "smtp.qq.com:465", "SMTP_PASSWORD": "pw"}, ErrField: "username"},
	})
	// Stored settings leave ssl's default out; notify.py's default is no
	// SSL, so the export must say it.
	vars := channeltest.EnvOf(Kind, channel.Config{"host": "smtp.qq.com", "username": "me@example.com", "password": "pw"})
	if vars["SMTP_SSL"] != "true" {
		t.Errorf("SMTP_SSL = %q, want true", vars["SMTP_SSL"])
	}
}
