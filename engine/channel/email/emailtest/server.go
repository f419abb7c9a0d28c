// Package emailtest runs a real SMTP submission server in-process for tests
// of the email channel: go-smtp on three loopback listeners (implicit TLS as
// on port 465, plain with STARTTLS as on 587, and plain with AUTH allowed as
// a local relay), a self-signed certificate made at start, fixed
// credentials, and scriptable failures.
//
// Like a provider's server it refuses MAIL before AUTH (530), wrong
// credentials (535), AUTH before TLS on the STARTTLS port (523) and a
// sender other than the logged-in mailbox (553). Every accepted message is
// parsed (net/mail, mime/multipart, RFC 2047) and checked against RFC 5322
// and 2045-2047; anything malformed is recorded as a violation.
package emailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// The fixed account the server accepts.
const (
	Username  = "herald@example.com"
	Password  = "app-pass-7Qx2!zW"
	Recipient = "ops@example.net"
	// Domain is the server's greeting name.
	Domain = "localhost"
)

// Stage is the SMTP command a scripted Answer replaces the reply to.
type Stage string

// Stages a failure can be scripted at.
const (
	StageMail Stage = "MAIL"
	StageRcpt Stage = "RCPT"
	// StageData answers the end of the message data (after 354).
	StageData Stage = "DATA"
)

// Answer is a scripted SMTP reply for the next command of its Stage.
type Answer struct {
	Stage    Stage
	Code     int
	Enhanced [3]int
	Text     string
	// Stall holds a DATA reply until the server closes, to let a test
	// cancel the client mid-transaction. Code is then ignored.
	Stall bool
}

// Documented replies, as Postfix and the big providers send them.
var (
	RejectRcpt   = Answer{Stage: StageRcpt, Code: 550, Enhanced: [3]int{5, 1, 1}, Text: "Mailbox unavailable: no such user"}
	RcptFull     = Answer{Stage: StageRcpt, Code: 452, Enhanced: [3]int{4, 2, 2}, Text: "Mailbox full, try again later"}
	MailBusy     = Answer{Stage: StageMail, Code: 421, Enhanced: [3]int{4, 7, 0}, Text: "Too many connections, try again later"}
	MailGreylist = Answer{Stage: StageMail, Code: 450, Enhanced: [3]int{4, 7, 1}, Text: "Greylisted, try again later"}
	DataTempFail = Answer{Stage: StageData, Code: 451, Enhanced: [3]int{4, 3, 0}, Text: "Local error in processing"}
	DataRejected = Answer{Stage: StageData, Code: 554, Enhanced: [3]int{5, 7, 1}, Text: "Message rejected as spam"}
	StallData    = Answer{Stage: StageData, Stall: true}
)

// Accepted is one message the server took.
type Accepted struct {
	Title string // the Subject, RFC 2047-decoded
	Text  string // the text/plain part, transfer-decoded, line ends as \n
	HTML  string // the text/html part, transfer-decoded, line ends as \n
	// Envelope.
	MailFrom string
	RcptTo   []string
	// Header is the top-level header as received (encoded words intact).
	Header mail.Header
	// ContentType is the top-level media type and its parameters.
	ContentType string
	Params      map[string]string
	// PartTypes lists each part's Content-Type header, in order.
	PartTypes []string
	Raw       []byte // the message data as received, CRLF line ends
	Listener  string // "tls", "starttls" or "plain"
	TLS       bool   // the transaction ran over TLS
	AuthMech  string // the SASL mechanism the client logged in with
}

// Server is the fake submission server.
type Server struct {
	// CAFile is a PEM file with the server's self-signed certificate.
	CAFile string
	// CAPEM is the same certificate in PEM form.
	CAPEM []byte
	// Listener addresses (host:port on 127.0.0.1).
	TLSAddr, StartTLSAddr, PlainAddr string

	servers   []*smtp.Server
	listeners []net.Listener
	done      chan struct{}

	// Fake counts sessions as requests; it has no HTTP server.
	channeltest.Fake[Accepted, Answer]

	mu      sync.Mutex // guards mechs and auths
	mechs   []string
	auths   []string // every AUTH attempt: "<listener> <mech> <ok|fail>"
	stalled chan struct{}
}

// NewServer starts the server on loopback and stops it at the end of the test.
func NewServer(t testing.TB) *Server {
	t.Helper()
	certPEM, cert, err := selfSigned()
	if err != nil {
		t.Fatalf("emailtest: certificate: %v", err)
	}
	s := &Server{
		CAPEM:   certPEM,
		CAFile:  filepath.Join(t.TempDir(), "ca.pem"),
		done:    make(chan struct{}),
		mechs:   []string{sasl.Plain, "LOGIN"},
		stalled: make(chan struct{}, 1),
	}
	if err := os.WriteFile(s.CAFile, certPEM, 0o600); err != nil {
		t.Fatalf("emailtest: %v", err)
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	listen := func() net.Listener {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("emailtest: listen: %v", err)
		}
		return l
	}
	// Implicit TLS: the handshake comes before the greeting, as on 465.
	lTLS := tls.NewListener(listen(), tlsConf)
	s.TLSAddr = lTLS.Addr().String()
	s.serve(lTLS, "tls", tlsConf, false)
	// Submission: plain greeting, STARTTLS offered, AUTH only after it.
	lStart := listen()
	s.StartTLSAddr = lStart.Addr().String()
	s.serve(lStart, "starttls", tlsConf, false)
	// Local relay: no TLS at all, AUTH allowed in the clear.
	lPlain := listen()
	s.PlainAddr = lPlain.Addr().String()
	s.serve(lPlain, "plain", nil, true)

	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(l net.Listener, name string, tlsConf *tls.Config, insecureAuth bool) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		s.Count()
		return &session{s: s, listener: name, tls: isTLS}, nil
	}))
	srv.Domain = Domain
	srv.TLSConfig = tlsConf
	srv.AllowInsecureAuth = insecureAuth
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	// Handshake failures are what several tests provoke; keep them quiet.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.servers = append(s.servers, srv)
	s.listeners = append(s.listeners, l)
	go func() { _ = srv.Serve(l) }()
}

// Close stops all listeners and drops open connections.
func (s *Server) Close() {
	select {
	case <-s.done:
		return
	default:
		close(s.done)
	}
	// go-smtp learns of a listener only once Serve runs in its goroutine,
	// so close them here too or an early Close would leave one open.
	for _, l := range s.listeners {
		_ = l.Close()
	}
	for _, srv := range s.servers {
		_ = srv.Close()
	}
}

func (s *Server) config(addr string, ssl, starttls bool) map[string]string {
	host, port, _ := net.SplitHostPort(addr)
	return map[string]string{
		"host":     host,
		"port":     port,
		"ssl":      strconv.FormatBool(ssl),
		"starttls": strconv.FormatBool(starttls),
		"username": Username,
		"password": Password,
		"to":       Recipient,
		"ca_file":  s.CAFile,
	}
}

// Config points an email channel at the implicit-TLS listener.
func (s *Server) Config() map[string]string { return s.config(s.TLSAddr, true, false) }

// StartTLSConfig points an email channel at the STARTTLS listener.
func (s *Server) StartTLSConfig() map[string]string { return s.config(s.StartTLSAddr, false, true) }

// PlainConfig points an email channel at the unencrypted local relay.
func (s *Server) PlainConfig() map[string]string { return s.config(s.PlainAddr, false, false) }

// OfferAuth sets the SASL mechanisms advertised from now on (default PLAIN
// and LOGIN); those outside PLAIN and LOGIN are advertised but refused.
func (s *Server) OfferAuth(mechs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mechs = slices.Clone(mechs)
}

// Stalled receives once a StallData answer is holding a message.
func (s *Server) Stalled() <-chan struct{} { return s.stalled }

// AuthAttempts lists every AUTH the server saw as "<listener> <mech> ok" or
// "... fail".
func (s *Server) AuthAttempts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.auths)
}

// next takes the first scripted answer for stage, if any.
func (s *Server) next(stage Stage) (Answer, bool) {
	return s.NextFor(func(a Answer) bool { return a.Stage == stage })
}

func (a Answer) err() error {
	return &smtp.SMTPError{Code: a.Code, EnhancedCode: smtp.EnhancedCode(a.Enhanced), Message: a.Text}
}

// session is one client connection (renewed after STARTTLS).
type session struct {
	s        *Server
	listener string
	tls      bool
	authMech string
	from     string
	rcpts    []string
}

func (se *session) AuthMechanisms() []string {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	return slices.Clone(se.s.mechs)
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if !slices.Contains(se.AuthMechanisms(), mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(username, password string) error {
		ok := username == Username && password == Password
		se.s.mu.Lock()
		se.s.auths = append(se.s.auths, fmt.Sprintf("%s %s %s", se.listener, mech, map[bool]string{true: "ok", false: "fail"}[ok]))
		se.s.mu.Unlock()
		if !ok {
			return smtp.ErrAuthFailed // 535 5.7.8
		}
		se.authMech = mech
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return smtp.ErrAuthFailed
			}
			return check(username, password)
		}), nil
	case "LOGIN":
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.authMech == "" {
		se.s.Violate("MAIL FROM:<%s> before AUTH on %s", from, se.listener)
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	if a, ok := se.s.next(StageMail); ok {
		return a.err()
	}
	if !strings.EqualFold(from, Username) {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "Sender address rejected: not owned by user " + Username}
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.authMech == "" {
		se.s.Violate("RCPT TO:<%s> before AUTH on %s", to, se.listener)
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	if a, ok := se.s.next(StageRcpt); ok {
		return a.err()
	}
	if _, err := mail.ParseAddress(to); err != nil {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address syntax"}
	}
	se.rcpts = append(se.rcpts, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if a, ok := se.s.next(StageData); ok {
		if !a.Stall {
			return a.err()
		}
		select {
		case se.s.stalled <- struct{}{}:
		default:
		}
		<-se.s.done
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Shutting down"}
	}
	acc, problems := parse(raw)
	acc.MailFrom, acc.RcptTo = se.from, slices.Clone(se.rcpts)
	acc.Listener, acc.TLS, acc.AuthMech = se.listener, se.tls, se.authMech
	problems = append(problems, checkEnvelope(acc)...)
	n := se.s.Accept(acc)
	for _, p := range problems {
		se.s.Violate("message %d: %s", n, p)
	}
	return nil
}

func (se *session) Reset() { se.from, se.rcpts = "", nil }

func (se *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (draft-murchison-sasl-login),
// which go-sasl no longer ships.
type loginServer struct {
	step     int
	username string
	check    func(username, password string) error
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if response == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough // initial response carries the user name
	case 1:
		l.step = 2
		l.username = string(response)
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		return nil, true, l.check(l.username, string(response))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// checkEnvelope checks every RCPT is named in To or Cc (nothing hidden).
func checkEnvelope(a Accepted) []string {
	var problems []string
	var named []string
	for _, h := range []string{"To", "Cc"} {
		if a.Header.Get(h) == "" {
			continue
		}
		list, err := a.Header.AddressList(h)
		if err != nil {
			continue // reported by parse
		}
		for _, addr := range list {
			named = append(named, strings.ToLower(addr.Address))
		}
	}
	for _, r := range a.RcptTo {
		if !slices.Contains(named, strings.ToLower(r)) {
			problems = append(problems, "RCPT TO:<"+r+"> is in neither To nor Cc")
		}
	}
	return problems
}

// parse reads a received message and lists what breaks RFC 5322 / MIME.
func parse(raw []byte) (Accepted, []string) {
	acc := Accepted{Raw: raw}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	headerEnd := bytes.Index(raw, []byte("\r\n\r\n"))
	if headerEnd < 0 {
		bad("no empty line between header and body")
		headerEnd = len(raw)
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			bad("line %d is %d bytes long (RFC 5322 allows 998)", i+1, len(line))
		}
		if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			bad("line %d has a bare CR or LF", i+1)
		}
	}
	for _, b := range raw[:headerEnd] {
		if b >= 0x80 {
			bad("raw 8-bit byte in the header: non-ASCII must be RFC 2047-encoded")
			break
		}
	}

	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		bad("unreadable message: %v", err)
		return acc, problems
	}
	acc.Header = msg.Header
	for _, h := range []string{"From", "To", "Date", "Message-Id", "Subject", "Mime-Version", "Content-Type"} {
		if len(msg.Header[h]) != 1 {
			bad("header %s appears %d times, want once", h, len(msg.Header[h]))
		}
	}
	if _, err := msg.Header.AddressList("From"); err != nil {
		bad("From: %v", err)
	}
	if _, err := msg.Header.AddressList("To"); err != nil {
		bad("To: %v", err)
	}
	if _, err := msg.Header.Date(); err != nil {
		bad("Date: %v", err)
	}
	if id := msg.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || !strings.Contains(id, "@") {
		bad("Message-ID %q is not <id@domain>", id)
	}
	if v := msg.Header.Get("Mime-Version"); v != "1.0" {
		bad("MIME-Version is %q, want 1.0", v)
	}
	dec := &mime.WordDecoder{}
	if acc.Title, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		bad("Subject: %v", err)
	}

	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		bad("Content-Type: %v", err)
		return acc, problems
	}
	acc.ContentType, acc.Params = mediaType, params
	if !strings.HasPrefix(mediaType, "multipart/") {
		acc.PartTypes = []string{msg.Header.Get("Content-Type")}
		body, perr := decodePart(msg.Header, msg.Body)
		if perr != nil {
			bad("body: %v", perr)
		}
		acc.setText(mediaType, body)
		return acc, problems
	}
	if params["boundary"] == "" {
		bad("%s without a boundary", mediaType)
		return acc, problems
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad("multipart: %v", err)
			break
		}
		ct := p.Header.Get("Content-Type")
		acc.PartTypes = append(acc.PartTypes, ct)
		pt, pp, err := mime.ParseMediaType(ct)
		if err != nil {
			bad("part Content-Type %q: %v", ct, err)
			continue
		}
		body, err := decodePart(p.Header, p)
		if err != nil {
			bad("part %s: %v", pt, err)
			continue
		}
		if strings.HasPrefix(pt, "text/") && !strings.EqualFold(pp["charset"], "utf-8") && !isASCII(body) {
			bad("part %s has non-ASCII text but charset %q", pt, pp["charset"])
		}
		acc.setText(pt, body)
	}
	return acc, problems
}

func (a *Accepted) setText(mediaType string, body []byte) {
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	switch mediaType {
	case "text/plain":
		a.Text = text
	case "text/html":
		a.HTML = text
	}
}

// decodePart undoes the part's Content-Transfer-Encoding.
func decodePart(h map[string][]string, r io.Reader) ([]byte, error) {
	cte := ""
	if v := h["Content-Transfer-Encoding"]; len(v) > 0 {
		cte = strings.ToLower(strings.TrimSpace(v[0]))
	}
	switch cte {
	case "", "7bit", "8bit", "binary":
		return io.ReadAll(r)
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(r))
	case "base64":
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, stripCRLF{r}))
	}
	return nil, fmt.Errorf("unknown Content-Transfer-Encoding %q", cte)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// stripCRLF drops line breaks so base64 decoding sees one stream.
type stripCRLF struct{ r io.Reader }

func (s stripCRLF) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

// selfSigned makes a certificate for localhost and the loopback addresses
// that is its own CA, returned as PEM and as a tls.Certificate.
func selfSigned() ([]byte, tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "emailtest localhost", Organization: []string{"Herald tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return certPEM, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// Fixture starts the fake for the contract suite every kind runs.
func Fixture(t testing.TB) channeltest.Fixture {
	s := NewServer(t)
	return channeltest.Fixture{Config: s.Config(), Fake: s, Addr: s.TLSAddr}
}
