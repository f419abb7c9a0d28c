// Package preview shows what Herald would send to a channel without sending
// it: the kind builds and signs its requests as on a real send, and a
// capturing transport records them instead of letting them leave.
//
// HTTP kinds send through the *http.Client of their Deps, so one capturing
// http.RoundTripper sees every request whole (method, URL, headers, body
// after templating, escaping, Markdown conversion, splitting and signing),
// exactly as the transport would write it, with no per-kind code. Each
// request is answered with a canned success (Answer) so that kinds making
// more than one request go on: a WeCom app's token fetch, a Matrix alias
// lookup and the parts of a split message all show. A kind that finds the
// canned answer wanting stops after the requests it made; they are still
// shown. The email kind speaks SMTP: it submits to a sink on this machine
// that keeps the envelope and the message data. The desktop kind shows
// its title and body.
//
// Every secret of the channel, and every value the kind derives from one
// (an Authorization header, a signature, a fetched token), is masked.
package preview

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
)

// maxRequests bounds the requests one preview records, so a kind that
// loops on the canned answer ends.
const maxRequests = 32

// Answer is the canned success each captured HTTP request gets: it holds
// the success fields of the services' JSON answers together (errcode 0,
// ok true, a token, a room id…). Its values are placeholders, never
// secrets.
const Answer = `{"ok":true,"errcode":0,"errmsg":"ok","access_token":"preview-access-token","expires_in":7200,` +
	`"room_id":"!preview:preview.invalid","event_id":"$preview","result":{"message_id":1},"status":1,"success":true}`

// Result is what one channel would be sent.
type Result struct {
	Kind string
	// Requests are the requests in the order they would be made, each as
	// it goes on the wire (HTTP/1.1), secrets masked. For email, one
	// entry: the SMTP envelope and the message data.
	Requests []string
	// Notes say what the preview changed or could not show (a proxy not
	// used, the canned answers).
	Notes []string
	// Cut lists the cuts marked in the requests ("1234 bytes"): text
	// Herald shortened to fit the service, or the output tail the
	// templates keep.
	Cut []string
	// Err is the kind's own error on the canned answers, after the
	// requests it made ("" when it would have succeeded).
	Err string

	red *redact.Redactor
}

// Mask masks s as the result's requests are masked: the channel's secrets
// and what the kind derived from them.
func (r Result) Mask(s string) string {
	if r.red == nil {
		return s
	}
	return r.red.String(s)
}

// Options are what a preview borrows from its host.
type Options struct {
	// Now is the clock signatures and timestamps are made with; nil: time.Now.
	Now func() time.Time
}

// Channel previews m on a channel of kind k with raw settings (secrets
// included, as the registry's Settings returns them).
func Channel(ctx context.Context, k *channel.Kind, raw map[string]string, m message.Message, o Options) (Result, error) {
	res := Result{Kind: k.ID, red: &redact.Redactor{}}
	cfg := maps.Clone(raw)
	if cfg == nil {
		cfg = map[string]string{}
	}
	for _, key := range k.SecretKeys() {
		res.red.Add(cfg[key])
	}
	deps := channel.Deps{Now: o.Now, Redactor: res.red}
	ctx = channel.WithMessage(ctx, m)
	switch k.Network {
	case channel.NetSMTP:
		return previewSMTP(ctx, k, cfg, m, deps, res)
	case channel.NetNone:
		var shown []string
		deps.Desktop = func(title, body string) error {
			shown = append(shown, "Title: "+title+"\n\n"+body+"\n")
			return nil
		}
		ch, err := k.New(cfg, deps)
		if err != nil {
			return res, err
		}
		if err := ch.Send(ctx, m); err != nil {
			res.Err = res.red.Error(err)
		}
		for _, s := range shown {
			res.Requests = append(res.Requests, res.red.String(s))
		}
		return res, nil
	}
	if p := cfg["proxy"]; p != "" {
		delete(cfg, "proxy")
		res.Notes = append(res.Notes, "sent through the channel's proxy "+channel.MaskURL(p)+"; shown as sent to the service")
	}
	capt := &capture{}
	deps.HTTP = &http.Client{Transport: capt}
	ch, err := k.New(cfg, deps)
	if err != nil {
		return res, err
	}
	sendErr := ch.Send(ctx, m)
	for _, w := range capt.wires() {
		res.Requests = append(res.Requests, res.red.String(w))
	}
	if len(res.Requests) > 1 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d requests; each was answered with a canned success so the next one shows (values taken from those answers, such as a fetched token or a room id, are placeholders)", len(res.Requests)))
	}
	res.Cut = cuts(res.Requests)
	if sendErr != nil && !errors.Is(sendErr, errTooMany) {
		res.Err = res.red.Error(sendErr)
	}
	return res, nil
}

// cutMark matches the marks message.TruncateBytes/TruncateRunes and the
// templates' output tail leave: "…[1234 bytes cut]…".
var cutMark = regexp.MustCompile(`\[(\d+ [a-z]+) cut\]`)

// cuts lists the cut marks in requests, also where a form or query
// escapes them.
func cuts(requests []string) []string {
	var out []string
	for _, r := range requests {
		text := r
		if u, err := url.QueryUnescape(r); err == nil {
			text += "\n" + u
		}
		for _, m := range cutMark.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

var errTooMany = errors.New("preview: too many requests")

// capture records each request as the transport would write it and
// answers it with Answer.
type capture struct {
	mu   sync.Mutex
	wire []string
}

func (c *capture) wires() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.wire...)
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	n := len(c.wire)
	c.mu.Unlock()
	if n >= maxRequests {
		return nil, errTooMany
	}
	dump, err := httputil.DumpRequestOut(req, true)
	if err != nil {
		return nil, err
	}
	if req.Body != nil {
		req.Body.Close()
	}
	c.mu.Lock()
	c.wire = append(c.wire, string(dump))
	c.mu.Unlock()
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(Answer)),
		ContentLength: int64(len(Answer)),
		Request:       req,
	}, nil
}

// Split cuts a recorded stream of HTTP/1.1 requests into the requests, as
// they were written.
func Split(stream []byte) ([]string, error) {
	var out []string
	for len(stream) > 0 {
		br := bytes.NewReader(stream)
		rd := bufio.NewReader(br)
		req, err := http.ReadRequest(rd)
		if err != nil {
			return out, err
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return out, err
		}
		n := len(stream) - br.Len() - rd.Buffered()
		out = append(out, string(stream[:n]))
		stream = stream[n:]
	}
	return out, nil
}
