// Package webhook sends messages to any HTTP endpoint by GET or POST, with
// QD's {log} (message body) and {t} (title) placeholders filled into the
// URL and the JSON or form body (QD 自定义推送).
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
)

// Placeholders QD defines.
const (
	LogPlaceholder   = "{log}"
	TitlePlaceholder = "{t}"
)

// Limits on what {log} puts in a request. Servers commonly refuse URLs over
// 8 KB, and 2000 bytes of text stay under that even when every byte is
// percent-encoded; a body carries at most 1 MiB of log.
const (
	MaxURLLog  = 2000
	MaxBodyLog = 1 << 20
)

const kindID = "webhook"

// DefaultBody is sent when nothing the user set carries the message (no
// body template and no placeholder in the URL or headers): a URL alone
// would otherwise send an empty request.
const DefaultBody = `{"title": "{t}", "body": "{log}"}`

// NoMessageKey is the i18n key of the error for a GET that would carry
// neither title nor text.
const NoMessageKey = "chform.webhook.no_message"

// Kind is the custom webhook channel kind.
var Kind = &channel.Kind{
	ID:     kindID,
	Name:   "Custom webhook",
	DocURL: "https://qd-today.github.io/qd/zh_CN/toolbox/pusher.html#自定义推送",
	Badge:  channel.Badge{Text: "{}", Color: color.NRGBA{0x6A, 0x1B, 0x9A, 0xFF}},
	Fields: []channel.Field{
		{
			// QD calls it URL; keys match case-insensitively, so no alias.
			Key:   "url",
			Label: "URL",
			Help: "Where to send, e.g. https://example.com/push or https://example.com/push?log={log}&t={t}. {log} becomes the message " +
				`text and {t} its title, URL-encoded. A URL alone gets a POST with {"title": "…", "body": "…"} as JSON.`,
			Type:     channel.TypeURL,
			Required: true,
			// Webhook URLs often carry a key in the query or the path.
			Secret: true,
			Mask:   channel.MaskURL,
		},
		{
			Key:     "headers",
			Aliases: []string{"GET_Header", "POST_Header"},
			Label:   "Headers",
			Help: `Optional request headers as a JSON object of strings, e.g. {"Authorization": "Bearer …"}; {t} and {log} work in values. ` +
				"Kept secret because it usually holds a token.",
			Type:   channel.TypeJSON,
			Secret: true,
			Mask:   channel.MaskJSON,
			Validate: func(v string) error {
				_, err := parseHeaders(v)
				return err
			},
		},
		{
			Key:     "body",
			Aliases: []string{"POST_Data"},
			Label:   "Body template",
			Help: `Optional JSON object sent as the request body, e.g. {"text": "{log}", "title": "{t}"}. {log} and {t} are filled into ` +
				`its strings, escaped as needed. Empty sends {"title": "{t}", "body": "{log}"} unless {log} or {t} is in the URL or headers.`,
			Type: channel.TypeJSON,
		},
		{
			Key:   "method",
			Label: "Method",
			Help: "GET or POST; empty means GET when {log} or {t} is in the URL or headers and no body template is set, " +
				`else POST. A POST with neither sends {"title": "{t}", "body": "{log}"} as JSON.`,
			Type:    channel.TypeChoice,
			Choices: []string{http.MethodGet, http.MethodPost},
		},
		{
			Key:     "content_type",
			Label:   "Body format",
			Help:    "json sends the body template as JSON; form sends its fields as an HTML form (application/x-www-form-urlencoded).",
			Type:    channel.TypeChoice,
			Choices: []string{"json", "form"},
			Default: "json",
		},
		channel.ProxyField(),
	},
	QDFields: 3,
	Check: func(c channel.Config) error {
		body := c.String("body")
		if body == "" {
			if c.String("method") == http.MethodGet && !carriesMessage(c) {
				return channel.NewFieldError("method", i18n.New(NoMessageKey))
			}
			return nil
		}
		if c.String("method") == http.MethodGet {
			return channel.NewFieldError("body", i18n.New("field.webhook.get_body"))
		}
		if c.String("content_type") == "form" {
			if _, err := renderForm(body, strings.NewReplacer()); err != nil {
				return channel.NewFieldError("body", err)
			}
		}
		return nil
	},
	Open:      open,
	PackedEnv: packedEnv,
}

type webhook struct {
	client      *http.Client
	url         string
	headers     map[string]string
	body        string
	method      string
	contentType string
}

func open(c channel.Config, deps channel.Deps) (channel.Channel, error) {
	client, err := channel.Client(deps, c.String("proxy"))
	if err != nil {
		return nil, err
	}
	// Go's client turns a POST into a body-less GET on 301/302/303; stop
	// there instead so the message is not silently lost.
	cc := *client
	next := client.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.Method != via[0].Method {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	headers, err := parseHeaders(c.String("headers"))
	if err != nil {
		return nil, channel.NewFieldError("headers", err).In(kindID)
	}
	body := c.String("body")
	if body == "" && !carriesMessage(c) {
		body = DefaultBody
	}
	method := c.String("method")
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
	}
	return &webhook{
		client:      &cc,
		url:         c.String("url"),
		headers:     headers,
		body:        body,
		method:      method,
		contentType: c.String("content_type"),
	}, nil
}

// carriesMessage reports whether a placeholder in the URL, headers or body
// template puts the message into the request.
func carriesMessage(c channel.Config) bool {
	for _, key := range []string{"url", "headers", "body"} {
		v := c.String(key)
		if strings.Contains(v, LogPlaceholder) || strings.Contains(v, TitlePlaceholder) {
			return true
		}
	}
	return false
}

// parseHeaders reads the headers field: a JSON object of string values
// with valid header names and no line breaks.
func parseHeaders(v string) (map[string]string, error) {
	if v == "" {
		return nil, nil
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, channel.JSONError(err)
	}
	out := make(map[string]string, len(raw))
	for k, val := range raw {
		s, ok := val.(string)
		if !ok {
			return nil, i18n.New("field.webhook.header_value", "Name", strconv.Quote(k), "Bare", k)
		}
		if !isToken(k) {
			return nil, i18n.New("field.webhook.header_name", "Name", strconv.Quote(k))
		}
		if strings.ContainsAny(s, "\r\n\x00") {
			return nil, i18n.New("field.webhook.header_break", "Name", strconv.Quote(k))
		}
		out[k] = s
	}
	return out, nil
}

// isToken reports an HTTP header field name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return true
}

// RenderURL fills {log} and {t} into a URL template, percent-encoded: path
// escaping before the query, query escaping (url.QueryEscape) after it.
func RenderURL(tmpl, log, title string) string {
	log = message.TruncateBytes(log, MaxURLLog)
	path, rest := tmpl, ""
	if i := strings.IndexAny(tmpl, "?#"); i >= 0 {
		path, rest = tmpl[:i], tmpl[i:]
	}
	pathRepl := placeholders{log: url.PathEscape(log), title: url.PathEscape(title)}
	queryRepl := placeholders{log: url.QueryEscape(log), title: url.QueryEscape(title)}
	return pathRepl.Replace(path) + queryRepl.Replace(rest)
}

// Replacer fills a template string: a *strings.Replacer, or placeholders.
type Replacer interface{ Replace(s string) string }

// placeholders fills LogPlaceholder and TitlePlaceholder in one pass, as
// strings.NewReplacer(LogPlaceholder, log, TitlePlaceholder, title) would,
// without building a replacer for every message sent.
type placeholders struct{ log, title string }

func (p placeholders) Replace(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		switch rest := s[i:]; {
		case strings.HasPrefix(rest, LogPlaceholder):
			b.WriteString(p.log)
			s = rest[len(LogPlaceholder):]
		case strings.HasPrefix(rest, TitlePlaceholder):
			b.WriteString(p.title)
			s = rest[len(TitlePlaceholder):]
		default:
			b.WriteByte('{')
			s = rest[1:]
		}
	}
}

// RenderJSON fills the template's strings (keys and values) through repl
// and re-encodes it, keeping the template's key order: the values are
// substituted inside the parsed JSON, so quotes, backslashes or control
// characters in them can never break the document.
func RenderJSON(tmpl string, repl Replacer) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(tmpl))
	dec.UseNumber()
	var buf bytes.Buffer
	type frame struct {
		object bool
		n      int // tokens written inside: keys and values for objects
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			buf.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				buf.WriteByte(':')
			case top.n > 0:
				buf.WriteByte(',')
			}
			top.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			buf.WriteByte(byte(v))
			stack = append(stack, frame{object: v == '{'})
		case string:
			writeJSONString(&buf, repl.Replace(v))
		case json.Number:
			buf.WriteString(v.String())
		case bool:
			fmt.Fprint(&buf, v)
		case nil:
			buf.WriteString("null")
		}
	}
	return buf.Bytes(), nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	// Keep <, > and & as they are: the receiver decodes JSON, not HTML.
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	buf.Truncate(buf.Len() - 1) // Encode's newline
}

// renderForm turns the body template (a JSON object) into form fields:
// strings filled through repl, numbers and booleans as written, lists as
// repeated fields.
func renderForm(tmpl string, repl Replacer) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(tmpl))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, i18n.Wrap(err, "field.webhook.form_json")
	}
	scalar := func(v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return repl.Replace(x), true
		case json.Number:
			return x.String(), true
		case bool:
			return fmt.Sprint(x), true
		}
		return "", false
	}
	form := url.Values{}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := repl.Replace(k)
		if s, ok := scalar(obj[k]); ok {
			form.Add(name, s)
			continue
		}
		list, ok := obj[k].([]any)
		if !ok {
			return nil, i18n.New("field.webhook.form_value", "Name", strconv.Quote(k))
		}
		for _, item := range list {
			s, ok := scalar(item)
			if !ok {
				return nil, i18n.New("field.webhook.form_value", "Name", strconv.Quote(k))
			}
			form.Add(name, s)
		}
	}
	return []byte(form.Encode()), nil
}

// headerText makes s fit in a header value: control characters (line
// breaks included) become spaces.
func headerText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// Title is what {t} stands for: the message title, or the body's first
// line when there is none.
func Title(m message.Message) string {
	if m.Title != "" {
		return m.Title
	}
	return message.FirstLine(m.Body)
}

func (w *webhook) Send(ctx context.Context, m message.Message) error {
	title := Title(m)
	target := RenderURL(w.url, m.Body, title)
	var payload []byte
	var ctype string
	if w.body != "" {
		repl := placeholders{log: message.TruncateBytes(m.Body, MaxBodyLog), title: title}
		var err error
		if w.contentType == "form" {
			payload, err = renderForm(w.body, repl)
			ctype = "application/x-www-form-urlencoded; charset=utf-8"
		} else {
			payload, err = RenderJSON(w.body, repl)
			ctype = "application/json; charset=utf-8"
		}
		if err != nil {
			return channel.Permanent(Kind.ID, "body template: %v", err)
		}
	}
	var reader io.Reader
	if payload != nil {
		reader = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, w.method, target, reader)
	if err != nil {
		return channel.Permanent(Kind.ID, "the URL is not valid once {log} and {t} are filled in: %s", channel.RedactURL(target))
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	// As in QD, header values may use {log} and {t}; a header holds one
	// line, so control characters become spaces and the log is cut short.
	headerRepl := strings.NewReplacer(LogPlaceholder, headerText(message.TruncateBytes(m.Body, MaxURLLog)), TitlePlaceholder, headerText(title))
	for k, v := range w.headers {
		v = headerRepl.Replace(v)
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, body, err := channel.Do(ctx, w.client, Kind.ID, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := channel.StatusError(Kind.ID, resp, body)
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		e.Msg = "the server redirected the " + w.method + " (its body would be lost); set url to the address it redirects to"
	}
	return e
}
