package preview

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
)

// previewSMTP submits m to a sink on this machine: the kind builds the
// mail as on a real send, the sink keeps the envelope and the data. The
// server's address, TLS and CA settings are replaced by the sink's; the
// login is accepted and never shown.
func previewSMTP(ctx context.Context, k *channel.Kind, cfg map[string]string, m message.Message, deps channel.Deps, res Result) (Result, error) {
	server := net.JoinHostPort(cfg["host"], cfg["port"])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	sink := &sink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: sink}, nil }))
	srv.Domain = "preview.invalid"
	srv.AllowInsecureAuth = true
	go srv.Serve(ln)
	defer srv.Close()

	host, port, _ := net.SplitHostPort(ln.Addr().String())
	cfg["host"], cfg["port"], cfg["ssl"], cfg["starttls"] = host, port, "false", "false"
	delete(cfg, "ca_file")
	ch, err := k.New(cfg, deps)
	if err != nil {
		return res, err
	}
	if err := ch.Send(ctx, m); err != nil {
		res.Err = res.red.Error(err)
	}
	for _, mail := range sink.all() {
		res.Requests = append(res.Requests, res.red.String(mail))
	}
	res.Cut = cuts(res.Requests)
	res.Notes = append(res.Notes, "SMTP to "+server+"; the envelope and message data as submitted (Date, Message-ID and MIME boundaries differ on each send)")
	return res, nil
}

type sink struct {
	mu    sync.Mutex
	mails []string
}

func (s *sink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mails...)
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
}

func (se *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *sinkSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(string, string, string) error { return nil }), nil
}

func (se *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	se.from = from
	return nil
}

func (se *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "MAIL FROM:<%s>\r\n", se.from)
	for _, to := range se.to {
		fmt.Fprintf(&b, "RCPT TO:<%s>\r\n", to)
	}
	b.WriteString("DATA (" + strconv.Itoa(len(data)) + " bytes)\r\n")
	b.Write(data)
	se.s.mu.Lock()
	se.s.mails = append(se.s.mails, b.String())
	se.s.mu.Unlock()
	return nil
}

func (se *sinkSession) Reset() { se.from, se.to = "", nil }

func (se *sinkSession) Logout() error { return nil }
