package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/redact"
)

// maxAnswer bounds how much of a service's answer is read.
const maxAnswer = 1 << 20

// DefaultTimeout bounds one request when the host gives no client.
const DefaultTimeout = 30 * time.Second

// ProxyField is the per-channel proxy setting every HTTP kind carries. It is
// secret because proxy URLs often hold a user name and password.
func ProxyField() Field {
	return Field{
		Key:     "proxy",
		Aliases: []string{"PROXY_URL"},
		Label:   "Proxy",
		Help:    "Optional proxy for this channel: http://, https:// or socks5://[user:password@]host:port.",
		Type:    TypeString,
		Secret:  true,
		Validate: func(v string) error {
			u, err := url.Parse(v)
			if err != nil || u.Host == "" {
				return i18n.New("field.proxy.form")
			}
			switch u.Scheme {
			case "http", "https", "socks5", "socks5h":
				return nil
			}
			return i18n.New("field.proxy.scheme", "Scheme", strconv.Quote(u.Scheme))
		},
	}
}

// APIField is the overridable API base for self-hosted servers and tests.
func APIField(def string) Field {
	return Field{
		Key:     "api",
		Label:   "API base URL",
		Help:    "Where the service's API lives. Change it only for a self-hosted server or a reverse proxy; default " + def + ".",
		Type:    TypeURL,
		Default: def,
	}
}

// Client returns the HTTP client a channel sends with: deps.HTTP (or a default
// one), with the channel's proxy applied on a copy, and every value of its
// requests that may derive from a secret registered with deps.Redactor
// before the request leaves. TLS verification is never turned off.
func Client(deps Deps, proxy string) (*http.Client, error) {
	c, err := proxied(deps.HTTP, proxy)
	if err != nil || deps.Redactor == nil {
		return c, err
	}
	cc := *c
	next := cc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cc.Transport = &registering{next: next, red: deps.Redactor}
	return &cc, nil
}

// proxied returns base (or a default client), with proxy applied on a copy.
func proxied(base *http.Client, proxy string) (*http.Client, error) {
	if base == nil {
		base = &http.Client{Timeout: DefaultTimeout}
	}
	if proxy == "" {
		return base, nil
	}
	pu, err := url.Parse(proxy)
	if err != nil {
		return nil, NewFieldError("proxy", i18n.New("field.url.invalid_plain"))
	}
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return nil, errors.New("proxy: the HTTP client's transport cannot take a proxy")
	}
	tr.Proxy = http.ProxyURL(pu)
	c := *base
	c.Transport = tr
	return &c, nil
}

// Do sends req and reads the answer (at most 1 MiB). A failure to get any
// answer is returned as a transient *Error whose text omits the request URL,
// because URLs of push services carry tokens. Non-2xx answers are returned
// with a nil error so the kind can read the service's own error body.
//
// The client's Timeout bounds the whole exchange, answer read included, as
// a deadline on the request's context: net/http enforces Client.Timeout
// from a goroutine and timer of its own for each request whose transport
// it does not know, which every channel's is (registering wraps it).
func Do(ctx context.Context, client *http.Client, kind string, req *http.Request) (*http.Response, []byte, error) {
	reqCtx := ctx
	if client.Timeout > 0 {
		var cancel context.CancelFunc
		reqCtx, cancel = context.WithTimeout(ctx, client.Timeout)
		defer cancel()
		c := *client
		c.Timeout = 0
		client = &c
	}
	resp, err := client.Do(req.WithContext(reqCtx))
	if err != nil {
		return nil, nil, networkError(ctx, kind, req, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, nil, networkError(ctx, kind, req, err)
	}
	return resp, body, nil
}

// PostJSON sends payload as JSON to u with optional extra headers.
func PostJSON(ctx context.Context, client *http.Client, kind, u string, payload any, header http.Header) (*http.Response, []byte, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, nil, Permanent(kind, "encode request: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(data))
	if err != nil {
		return nil, nil, Permanent(kind, "bad API URL: %v", stripURL(err))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	for k, vs := range header {
		req.Header[k] = vs
	}
	return Do(ctx, client, kind, req)
}

// PostForm sends form URL-encoded to u with optional extra headers.
func PostForm(ctx context.Context, client *http.Client, kind, u string, form url.Values, header http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, Permanent(kind, "bad API URL: %v", stripURL(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	return Do(ctx, client, kind, req)
}

// Scrub replaces each secret in a service's answer, as written and as a
// URL query or path escapes it, by "…": answers are shown to the user,
// and services and proxies quote what they were sent.
func Scrub(answer []byte, secrets ...string) []byte {
	s := string(answer)
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			s = strings.ReplaceAll(s, form, "…")
		}
	}
	return []byte(s)
}

// DecodeJSON reads a service answer into out; a body that is not JSON is
// classified by the HTTP status (a proxy's HTML error page, say).
func DecodeJSON(kind string, resp *http.Response, body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		if resp.StatusCode/100 != 2 {
			return StatusError(kind, resp, body)
		}
		return &Error{Kind: kind, Status: resp.StatusCode, Msg: "unexpected answer (not JSON): " + Excerpt(body)}
	}
	return nil
}

func networkError(ctx context.Context, kind string, req *http.Request, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &Error{Kind: kind, Transient: TimedOut(ctx), Msg: "request to " + req.URL.Host + " abandoned", Err: ctxErr}
	}
	return &Error{Kind: kind, Transient: true, Msg: "request to " + req.URL.Host + " failed", Err: stripURL(err)}
}

// stripURL drops the URL from a *url.Error, keeping the cause: a push URL's
// path or query holds the token.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// RedactURL renders u with its query values and userinfo hidden, for messages.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.User = nil
	if p.RawQuery != "" {
		q := p.Query()
		for k := range q {
			q.Set(k, "…")
		}
		p.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(p.String(), "%E2%80%A6", "…")
}

// MaskURL shows a secret URL with what identifies it (scheme, host, path,
// query keys) and hides what may authenticate (user info, query values,
// token-like path segments).
func MaskURL(v string) string {
	const dots = "••••"
	p, err := url.Parse(v)
	if err != nil || p.Host == "" {
		return dots
	}
	var b strings.Builder
	b.WriteString(p.Scheme + "://")
	if p.User != nil {
		b.WriteString(dots + "@")
	}
	b.WriteString(p.Host)
	segs := strings.Split(p.EscapedPath(), "/")
	for i, seg := range segs {
		if un, err := url.PathUnescape(seg); err == nil && redact.TokenLike(un) {
			segs[i] = dots
		}
	}
	b.WriteString(strings.Join(segs, "/"))
	if p.RawQuery != "" {
		pairs := strings.Split(p.RawQuery, "&")
		for i, pair := range pairs {
			if key, _, ok := strings.Cut(pair, "="); ok {
				pairs[i] = key + "=" + dots
			}
		}
		b.WriteString("?" + strings.Join(pairs, "&"))
	}
	return b.String()
}

// MaskJSON shows a secret JSON object (webhook headers) by its keys alone.
func MaskJSON(v string) string {
	var obj map[string]any
	if err := json.Unmarshal([]byte(v), &obj); err != nil {
		return "••••"
	}
	keys := slices.Sorted(maps.Keys(obj))
	for i, k := range keys {
		keys[i] = strconv.Quote(k) + ": \"••••\""
	}
	return "{" + strings.Join(keys, ", ") + "}"
}
