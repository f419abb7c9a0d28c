// Package email is Herald's SMTP channel: it submits each notification as a
// multipart/alternative mail (text/plain and text/html) through the user's
// own mail provider, with implicit TLS (port 465) or STARTTLS (port 587).
//
// Markdown bodies are not rendered (Herald carries no Markdown renderer): the
// plain part is the Markdown source and the HTML part shows that source,
// escaped, inside <pre>, so nothing in a body can inject markup.
package email

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"io/fs"
	"net"
	netmail "net/mail"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

const (
	kindID = "email"
	// maxBody caps the message body; providers accept far more, but a
	// notification that large is a runaway log and would only fill mailboxes.
	maxBody = 1 << 20
	// maxSubject caps the subject in characters; clients cut long subjects
	// anyway and some servers reject header lines past 998 bytes.
	maxSubject = 200
	// rfc8314 documents implicit TLS (465) versus STARTTLS (587) submission.
	rfc8314 = "https://www.rfc-editor.org/rfc/rfc8314"
)

// Kind is the email channel kind. Its first seven fields follow QD's MAIL_*
// settings in order, so a QD-style "host;port;ssl;starttls;user;password;from"
// string imports.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "Email (SMTP)",
	DocURL: rfc8314,
	Badge:  channel.Badge{Text: "@", Color: color.NRGBA{0x54, 0x6E, 0x7A, 0xFF}},
	Fields: []channel.Field{
		{
			Key:      "host",
			Aliases:  []string{"MAIL_SMTP", "smtp_host"},
			Label:    "SMTP server",
			Help:     "Your provider's outgoing (SMTP) server name, e.g. smtp.gmail.com or smtp.qq.com, from its mail-client settings page.",
			Type:     channel.TypeString,
			Required: true,
			Validate: validateHost,
		},
		{
			Key:      "port",
			Aliases:  []string{"MAIL_PORT", "smtp_port"},
			Label:    "Port",
			Help:     "465 for implicit TLS (ssl on), 587 for STARTTLS (ssl off, starttls on).",
			DocURL:   rfc8314,
			Type:     channel.TypeInt,
			Default:  "465",
			Validate: validatePort,
		},
		{
			Key:     "ssl",
			Aliases: []string{"MAIL_SSL"},
			Label:   "Implicit TLS (SSL)",
			Help:    "Encrypt from the first byte, as port 465 expects. Turn off for STARTTLS on port 587.",
			DocURL:  rfc8314,
			Type:    channel.TypeBool,
			Default: "true",
		},
		{
			Key:     "starttls",
			Aliases: []string{"MAIL_STARTTLS", "enable_tls"},
			Label:   "STARTTLS",
			Help:    "Connect in plain text and upgrade with STARTTLS, as port 587 expects; needs ssl off. With neither, the password is only sent to a server on this machine.",
			DocURL:  rfc8314,
			Type:    channel.TypeBool,
			Default: "false",
		},
		{
			Key:      "username",
			Aliases:  []string{"MAIL_USER"},
			Label:    "User name",
			Help:     "The mailbox login, usually the full email address.",
			Type:     channel.TypeString,
			Required: true,
		},
		{
			Key:      "password",
			Aliases:  []string{"MAIL_PASSWORD"},
			Env:      "SMTP_PASSWORD",
			Label:    "Password",
			Help:     "The SMTP password. Gmail, Outlook, QQ and 163 want an app password or authorization code made in the mailbox's security settings, not the web login password.",
			DocURL:   "https://support.google.com/accounts/answer/185833",
			Type:     channel.TypeString,
			Required: true,
			Secret:   true,
		},
		{
			Key:      "from",
			Aliases:  []string{"MAIL_FROM"},
			Label:    "From",
			Help:     "Sender address, optionally with a name: Herald <me@example.com>. Default: the user name. Most providers only accept the mailbox's own address.",
			Type:     channel.TypeString,
			Validate: validateFrom,
		},
		{
			Key:      "to",
			Label:    "To",
			Help:     "Recipient addresses, separated by commas. Default: the sender's own address, as QD mails its user.",
			Type:     channel.TypeList,
			Validate: validateTo,
		},
		{
			Key:   "subject",
			Label: "Subject",
			Help:  "A fixed subject line. Default: the message title; when set, the title opens the mail body instead.",
			Type:  channel.TypeString,
		},
		{
			Key:      "ca_file",
			Label:    "Extra CA certificates",
			Help:     "Path to a PEM file of CA certificates to trust besides the system's, for a self-hosted server with its own CA. Certificates are always verified.",
			Type:     channel.TypeString,
			Validate: func(v string) error { _, err := loadCAs(v); return err },
		},
	},
	QDFields:  7,
	Check:     check,
	Open:      Open,
	Network:   channel.NetSMTP,
	PackedEnv: &channel.PackedEnv{Vars: []string{envServer, envSSL, envEmail, envName, envTo}, Unpack: unpackEnv, Pack: packEnv},
}

// qinglong's SMTP variables (notify.py's smtp()): SMTP_SERVER is
// "host:port"; SMTP_EMAIL logs in, sends and, without SMTP_EMAIL_TO,
// receives; SMTP_NAME is the sender's name; SMTP_EMAIL_TO separates
// addresses with ";".
const (
	envServer = "SMTP_SERVER"
	envSSL    = "SMTP_SSL"
	envEmail  = "SMTP_EMAIL"
	envName   = "SMTP_NAME"
	envTo     = "SMTP_EMAIL_TO"
)

func unpackEnv(vars, raw map[string]string) error {
	if v := vars[envSSL]; v != "" {
		ssl, err := strconv.ParseBool(v)
		if err != nil {
			return channel.NewFieldError(envSSL, i18n.New("field.bool", "Value", strconv.Quote(v)))
		}
		// notify.py without SSL logs in over plain SMTP; Herald upgrades
		// with STARTTLS rather than send the password in the clear.
		raw["ssl"], raw["starttls"] = strconv.FormatBool(ssl), strconv.FormatBool(!ssl)
	}
	if v := vars[envServer]; v != "" {
		host, port, err := net.SplitHostPort(v)
		if err != nil { // no port: smtplib's default for the mode
			host, port = v, "25"
			if raw["ssl"] != "false" {
				port = "465"
			}
		}
		raw["host"], raw["port"] = host, port
	}
	raw["username"] = vars[envEmail]
	if name := vars[envName]; name != "" && vars[envEmail] != "" {
		raw["from"] = (&netmail.Address{Name: name, Address: vars[envEmail]}).String()
		if !strings.ContainsAny(name, `"\<>,;:@()[].`) {
			raw["from"] = name + " <" + vars[envEmail] + ">" // readable where no quoting is needed
		}
	}
	if v := vars[envTo]; v != "" {
		raw["to"] = strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' }), ",")
	}
	if raw["username"] == "" {
		delete(raw, "username")
	}
	return nil
}

// packEnv writes what qinglong can say: a sender other than the login
// address, or STARTTLS with SSL, it cannot.
func packEnv(c channel.Config, vars map[string]string) {
	if c["host"] != "" {
		vars[envServer] = net.JoinHostPort(c["host"], cmp.Or(c["port"], "465"))
	}
	if c["host"] != "" {
		// Always written: Herald's default is SSL, notify.py's is not,
		// and stored settings leave the default out.
		vars[envSSL] = cmp.Or(c["ssl"], "true")
	}
	if c["username"] != "" {
		vars[envEmail] = c["username"]
	}
	if a, err := netmail.ParseAddress(c["from"]); err == nil && a.Name != "" {
		vars[envName] = a.Name
	}
	if to := c.List("to"); len(to) > 0 {
		vars[envTo] = strings.Join(to, ";")
	}
}

func validateHost(v string) error {
	if strings.Contains(v, "://") {
		return i18n.New("field.email.host_scheme")
	}
	if h, p, err := net.SplitHostPort(v); err == nil && channel.CheckHostName(h) == nil {
		return i18n.New("field.email.host_port", "Host", h, "Port", p)
	}
	if channel.CheckHostName(v) != nil {
		return i18n.New("field.email.host")
	}
	return nil
}

func validatePort(v string) error {
	if n, _ := strconv.Atoi(v); n < 1 || n > 65535 {
		return i18n.New("field.email.port", "Value", v)
	}
	return nil
}

func validateFrom(v string) error {
	if _, err := netmail.ParseAddress(v); err != nil {
		return i18n.New("field.email.from", "Value", strconv.Quote(v))
	}
	return nil
}

func validateTo(v string) error {
	list := channel.SplitList(v)
	if len(list) == 0 {
		return i18n.New("field.email.to_empty")
	}
	for _, a := range list {
		if _, err := netmail.ParseAddress(a); err != nil {
			return i18n.New("field.email.to", "Value", strconv.Quote(a))
		}
	}
	return nil
}

func check(c channel.Config) error {
	if c.Bool("ssl") && c.Bool("starttls") {
		return channel.NewFieldError("starttls", i18n.New("field.email.ssl_starttls"))
	}
	if c.String("from") == "" {
		if _, err := netmail.ParseAddress(c.String("username")); err != nil {
			return channel.NewFieldError("from", i18n.New("field.email.from_required"))
		}
	}
	return nil
}

// fileProblem says why a file could not be read, in words of each language.
func fileProblem(err error) i18n.Text {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return i18n.T("field.file.missing")
	case errors.Is(err, fs.ErrPermission):
		return i18n.T("field.file.denied")
	}
	return i18n.T("field.file.unreadable")
}

// loadCAs returns the system roots plus the PEM certificates in path.
func loadCAs(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, i18n.Wrap(err, "field.email.ca_read", "Detail", fileProblem(err))
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, i18n.New("field.email.ca_pem", "Path", path)
	}
	return pool, nil
}

// Open builds the email channel from a validated config.
func Open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	host := c.String("host")
	s := &sender{
		host:     host,
		port:     c.Int("port"),
		ssl:      c.Bool("ssl"),
		starttls: c.Bool("starttls"),
		username: c.String("username"),
		password: c.String("password"),
		from:     c.String("from"),
		to:       c.List("to"),
		subject:  c.String("subject"),
		tls:      &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12},
		dial:     (&net.Dialer{}).DialContext,
		redactor: deps.Redactor,
	}
	if len(s.to) == 0 {
		// QD's mail push goes to the user's own mailbox; do the same.
		from := s.from
		if from == "" {
			from = s.username
		}
		if a, err := netmail.ParseAddress(from); err == nil {
			s.to = []string{a.Address}
		}
	}
	if s.from == "" {
		s.from = s.username
	}
	if f := c.String("ca_file"); f != "" {
		pool, err := loadCAs(f)
		if err != nil {
			return nil, channel.NewFieldError("ca_file", err).In(kindID)
		}
		s.tls.RootCAs = pool
	}
	s.addr = net.JoinHostPort(host, strconv.Itoa(s.port))
	return s, nil
}

type sender struct {
	host, addr         string
	port               int
	ssl, starttls      bool
	username, password string
	from               string
	to                 []string
	subject            string
	tls                *tls.Config
	// dial opens the TCP connection; tests point it elsewhere to stand in
	// for a remote host.
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	redactor *redact.Redactor // learns the AUTH lines; nil: none
}

// attempt is what one Send saw of its connection, for classifying failures.
type attempt struct {
	conn *countingConn // nil until TCP connected
	stop func() bool   // unregisters the ctx watcher
	auth *auth
}

// countingConn counts bytes read so a silent server (no greeting) can be
// told apart from one that spoke and then failed.
type countingConn struct {
	net.Conn
	read atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// Send submits m as one mail to all recipients.
func (s *sender) Send(ctx context.Context, m message.Message) error {
	if err := ctx.Err(); err != nil {
		return s.classify(ctx, err, &attempt{})
	}
	msg, err := s.build(m)
	if err != nil {
		return channel.Permanent(kindID, "cannot build the mail: %v", err)
	}
	at := &attempt{auth: &auth{username: s.username, password: s.password, host: s.host, redactor: s.redactor}}
	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(channel.DefaultTimeout),
		mail.WithTLSConfig(s.tls),
		mail.WithSMTPAuthCustom(at.auth),
		mail.WithDialContextFunc(s.dialer(ctx, at)),
	}
	switch {
	case s.ssl:
		opts = append(opts, mail.WithSSL())
	case s.starttls:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	client, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return channel.Permanent(kindID, "cannot set up the SMTP client: %v", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if at.conn != nil {
		at.stop()
		// go-mail leaves the connection open when the dialogue fails before
		// sending (e.g. no STARTTLS); closing twice is harmless.
		_ = at.conn.Close()
	}
	if err != nil && !msg.IsDelivered() {
		return s.classify(ctx, err, at)
	}
	// Once the server took the DATA, a failed QUIT changes nothing: reporting
	// it would only make the dispatcher send the mail twice.
	return nil
}

// dialer connects (and for implicit TLS, handshakes) itself rather than
// leaving it to go-mail, so that cancelling ctx aborts the whole SMTP
// dialogue: go-mail only applies ctx to the dial.
func (s *sender) dialer(ctx context.Context, at *attempt) mail.DialContextFunc {
	return func(dialCtx context.Context, network, _ string) (net.Conn, error) {
		raw, err := s.dial(dialCtx, network, s.addr)
		if err != nil {
			return nil, err
		}
		at.conn = &countingConn{Conn: raw}
		at.stop = context.AfterFunc(ctx, func() { _ = raw.Close() })
		if !s.ssl {
			return at.conn, nil
		}
		tc := tls.Client(at.conn, s.tls)
		if err := tc.HandshakeContext(dialCtx); err != nil {
			return nil, err
		}
		return tc, nil
	}
}

// auth picks PLAIN or LOGIN from what the server offers, and refuses to
// send the password unencrypted to anything but this machine.
type auth struct {
	username, password, host string
	inner                    smtp.Auth
	sent                     bool             // AUTH went out, so a reply is about the login
	redactor                 *redact.Redactor // nil: none
}

// plaintextAuthError is the refusal to log in without TLS.
type plaintextAuthError struct{ host string }

func (e *plaintextAuthError) Error() string {
	return "refusing to send the password unencrypted to " + e.host +
		": set ssl=true (port 465) or starttls=true with ssl=false (port 587)"
}

// authMechError says the server offers no login method Herald speaks.
type authMechError struct{ offered []string }

func (e *authMechError) Error() string {
	if len(e.offered) == 0 {
		return "the server offers no login (SMTP AUTH) on this connection"
	}
	return "the server offers login only by " + strings.Join(e.offered, ", ") + "; Herald speaks PLAIN and LOGIN"
}

func (a *auth) Start(si *smtp.ServerInfo) (string, []byte, error) {
	if !si.TLS && !isLoopback(a.host) {
		return "", nil, &plaintextAuthError{host: a.host}
	}
	offers := func(mech string) bool {
		return slices.ContainsFunc(si.Auth, func(m string) bool { return strings.EqualFold(m, mech) })
	}
	// go-mail's own PLAIN/LOGIN refuse unencrypted non-local servers too;
	// the check above already did that with a clearer message.
	switch {
	case offers("PLAIN"):
		a.inner = smtp.PlainAuth("", a.username, a.password, si.Name, true)
	case offers("LOGIN"):
		a.inner = smtp.LoginAuth(a.username, a.password, si.Name, true)
	default:
		return "", nil, &authMechError{offered: si.Auth}
	}
	mech, ir, err := a.inner.Start(si)
	a.sent = err == nil
	a.register(ir)
	return mech, ir, err
}

func (a *auth) Next(fromServer []byte, more bool) ([]byte, error) {
	toServer, err := a.inner.Next(fromServer, more)
	a.register(toServer)
	return toServer, err
}

// register hides what goes out in the login (PLAIN's "\x00user\x00password"
// travels base64-encoded) from a server reply that quotes it.
func (a *auth) register(toServer []byte) {
	if a.redactor != nil && len(toServer) > 0 {
		a.redactor.AddRecent(string(toServer))
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// htmlPage renders the HTML alternative. html/template escapes every value
// for its context, so a body with <script> or & arrives as text.
var htmlPage = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:sans-serif">
{{- if .Title}}
<h2>{{.Title}}</h2>
{{- end}}
{{- if .Markdown}}
<pre style="white-space:pre-wrap">{{.Body}}</pre>
{{- else if .Lines}}
<p>{{range $i, $l := .Lines}}{{if $i}}<br>
{{end}}{{$l}}{{end}}</p>
{{- end}}
{{- if .Picture}}
<p><img src="{{.Picture}}" alt="picture" style="max-width:100%"></p>
{{- end}}
</body></html>
`))

// build turns m into the mail: subject from the config or the title, the
// body capped at maxBody, a picture as a link line and an <img>.
func (s *sender) build(m message.Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.SetUserAgent("Herald")
	if err := msg.From(s.from); err != nil {
		return nil, err
	}
	if err := msg.To(s.to...); err != nil {
		return nil, err
	}
	subject, lead := s.subject, m.Title
	if subject == "" {
		// The title becomes the subject and is not repeated in the body.
		subject, lead = m.Title, ""
		if subject == "" {
			subject = message.FirstLine(m.Body)
		}
		if subject == "" {
			subject = "Herald notification"
		}
	}
	subject = oneLine(subject, maxSubject)
	msg.Subject(subject)
	if m.Level == message.LevelError {
		msg.SetImportance(mail.ImportanceHigh)
	}

	body := message.TruncateBytes(m.Body, maxBody)
	var text strings.Builder
	if lead != "" {
		text.WriteString(lead)
		if body != "" {
			text.WriteString("\n\n")
		}
	}
	text.WriteString(body)
	if m.PictureURL != "" {
		if text.Len() > 0 {
			text.WriteString("\n\n")
		}
		text.WriteString("Picture: " + m.PictureURL)
	}
	msg.SetBodyString(mail.TypeTextPlain, text.String())

	var html strings.Builder
	data := struct {
		Subject, Title, Body, Picture string
		Markdown                      bool
		Lines                         []string
	}{Subject: subject, Title: lead, Body: body, Picture: m.PictureURL, Markdown: m.Markdown}
	if body != "" {
		data.Lines = strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	}
	if err := htmlPage.Execute(&html, data); err != nil {
		return nil, err
	}
	msg.AddAlternativeString(mail.TypeTextHTML, html.String())
	return msg, nil
}

// oneLine folds s onto one line (a header must not carry line breaks) and
// cuts it to max characters.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// classify turns a go-mail failure into a *channel.Error: SMTP 4xx replies
// and network trouble are transient, 5xx replies, TLS and configuration
// problems permanent. The password is scrubbed from everything shown.
func (s *sender) classify(ctx context.Context, err error, at *attempt) error {
	e := s.describe(ctx, err, at)
	e.Kind = kindID
	e.Msg = scrub(e.Msg, s.password)
	if e.Err != nil {
		e.Err = &scrubbed{err: e.Err, secret: s.password}
	}
	return e
}

func (s *sender) describe(ctx context.Context, err error, at *attempt) *channel.Error {
	ctxErr := ctx.Err()
	if errors.Is(ctxErr, context.Canceled) {
		return &channel.Error{Msg: "sending via " + s.addr + " abandoned", Err: ctxErr}
	}
	if at.conn != nil && at.conn.read.Load() == 0 && !s.ssl {
		return &channel.Error{Msg: "connected to " + s.addr + " but the server sent no SMTP greeting; " +
			"if this port speaks implicit TLS (usually 465), set ssl=true and starttls=false", Err: err}
	}
	if ctxErr != nil {
		return &channel.Error{Transient: true, Msg: "sending via " + s.addr + " timed out", Err: ctxErr}
	}

	var plainErr *plaintextAuthError
	if errors.As(err, &plainErr) {
		return &channel.Error{Msg: plainErr.Error()}
	}
	var mechErr *authMechError
	if errors.As(err, &mechErr) {
		msg := mechErr.Error()
		if !s.ssl && !s.starttls && len(mechErr.offered) == 0 {
			msg += "; it may want STARTTLS first: set starttls=true"
		}
		return &channel.Error{Msg: msg}
	}

	if e := s.tlsFailure(err); e != nil {
		return e
	}

	var sendErr *mail.SendError
	if errors.As(err, &sendErr) {
		step := sendStep(sendErr.Reason)
		if code := sendErr.ErrorCode(); code >= 400 {
			return &channel.Error{Code: strconv.Itoa(code), Transient: code < 500, Msg: step + ": " + sendErrorText(sendErr)}
		}
		// No SMTP reply code: the connection broke mid-transaction.
		return &channel.Error{Transient: true, Msg: step + " failed: " + sendErrorText(sendErr)}
	}

	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		e := &channel.Error{Code: strconv.Itoa(tpErr.Code), Transient: tpErr.Code/100 == 4, Msg: channel.Excerpt([]byte(tpErr.Msg))}
		if at.auth != nil && at.auth.sent {
			e.Msg = "login rejected: " + e.Msg
			if tpErr.Code == 535 {
				e.Msg += " (check username and password; Gmail, Outlook, QQ and 163 need an app password or authorization code)"
			}
		} else {
			e.Msg = "the server refused: " + e.Msg
		}
		return e
	}

	if strings.Contains(err.Error(), "does not support STARTTLS") {
		return &channel.Error{Msg: fmt.Sprintf("the server does not offer STARTTLS on port %d; use ssl=true with port 465, "+
			"or the port your provider lists for STARTTLS", s.port)}
	}

	if at.conn == nil {
		return &channel.Error{Transient: true, Msg: "cannot connect to " + s.addr, Err: innermost(err)}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &channel.Error{Transient: true, Msg: "the server at " + s.addr + " closed the connection unexpectedly"}
	}
	return &channel.Error{Transient: true, Msg: "talking to " + s.addr + " failed", Err: innermost(err)}
}

// tlsFailure explains certificate and handshake errors; nil if err is
// neither.
func (s *sender) tlsFailure(err error) *channel.Error {
	var hostErr x509.HostnameError
	if errors.As(err, &hostErr) {
		return &channel.Error{Msg: "the server's TLS certificate is not valid for " + s.host +
			"; use the server name the certificate was issued for", Err: hostErr}
	}
	var verifyErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	if errors.As(err, &verifyErr) || errors.As(err, &authErr) || errors.As(err, &invalidErr) {
		var cause error = verifyErr
		if verifyErr == nil {
			cause = innermost(err)
		}
		return &channel.Error{Msg: "the server's TLS certificate is not trusted; for a self-hosted server with its own CA, " +
			"set ca_file to that CA's PEM certificate", Err: cause}
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		msg := "TLS handshake with " + s.addr + " failed"
		if s.ssl {
			msg += ": the server answered in plain text, so this port does not speak implicit TLS; " +
				"for port 587 or 25 set ssl=false and starttls=true"
		}
		return &channel.Error{Msg: msg, Err: recErr}
	}
	return nil
}

func sendStep(r mail.SendErrReason) string {
	switch r {
	case mail.ErrSMTPMailFrom:
		return "sender rejected"
	case mail.ErrSMTPRcptTo:
		return "recipient rejected"
	case mail.ErrSMTPData, mail.ErrSMTPDataClose:
		return "mail refused"
	case mail.ErrWriteContent:
		return "writing the mail"
	case mail.ErrConnCheck:
		return "checking the connection"
	}
	return r.String()
}

// sendErrorText is the server's reply inside a go-mail SendError, whose
// own text leads with go-mail's step name, then the reply as
// textproto.Error shows it (code, quoted text), and ends with the
// Message-ID. The reply code goes to channel.Error.Code, so it is dropped.
func sendErrorText(e *mail.SendError) string {
	t := strings.TrimPrefix(e.Error(), e.Reason.String())
	t = strings.TrimSpace(strings.TrimPrefix(t, ":"))
	if i := strings.Index(t, ", affected message ID: "); i >= 0 {
		t = t[:i]
	}
	if code := e.ErrorCode(); code != 0 {
		t = strings.TrimPrefix(t, fmt.Sprintf("%03d ", code))
	}
	if q, err := strconv.QuotedPrefix(t); err == nil {
		if u, err := strconv.Unquote(q); err == nil {
			t = u + t[len(q):]
		}
	}
	return channel.Excerpt([]byte(t))
}

// innermost drops go-mail's "dial failed:" style wrappers, keeping the
// cause that names what went wrong.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[password]")
}

// scrubbed shows an error's text without the password but keeps the chain
// for errors.Is / errors.As.
type scrubbed struct {
	err    error
	secret string
}

func (e *scrubbed) Error() string { return scrub(e.err.Error(), e.secret) }
func (e *scrubbed) Unwrap() error { return e.err }

// Set here: importSeed reads Kind's fields, and Kind cannot name it.
func init() { Kind.Import = importSeed }

// importSeed translates the notification test request's single enable_tls switch into Herald's
// ssl and starttls. Seed 004 pairs enable_tls with port 587 (Gmail, QQ),
// which is STARTTLS; only port 465 is implicit TLS. Without TLS both are
// off. Nothing changes when the request sets ssl or starttls itself.
func importSeed(raw, given map[string]string) {
	var tlsKey string
	for name := range raw {
		if strings.EqualFold(name, "enable_tls") {
			tlsKey = name
		}
		if f, ok := Kind.Field(name); ok && (f.Key == "ssl" || f.Key == "starttls") && !strings.EqualFold(name, "enable_tls") {
			return
		}
	}
	if tlsKey == "" {
		return
	}
	on, err := strconv.ParseBool(strings.TrimSpace(raw[tlsKey]))
	if err != nil {
		return // Parse reports the bad value under starttls, named enable_tls.
	}
	port := 465
	if p, ok := given["port"]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(raw[p])); err == nil {
			port = n
		}
	}
	delete(raw, tlsKey)
	ssl, starttls := false, false
	if on {
		ssl, starttls = port == 465, port != 465
	}
	raw["ssl"], raw["starttls"] = strconv.FormatBool(ssl), strconv.FormatBool(starttls)
	given["ssl"], given["starttls"] = tlsKey, tlsKey
}
