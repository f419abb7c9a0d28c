// Package channeltest holds test support shared by the push-service channel
// packages: a recording HTTP forward proxy, an address where nothing
// listens, and small helpers for checking contract fakes and building raw
// settings, plus table runners and assertions for the parts of a kind's
// tests that every push service shares. It depends only on the standard
// library and the channel package.
package channeltest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// ProxiedRequest is one request a Proxy forwarded, as the proxy received it.
type ProxiedRequest struct {
	Method string
	// Host is the target's host:port from the absolute request URI.
	Host string
	// Path is the target's path, without the query.
	Path string
	// ProxyAuthorization is the Proxy-Authorization header the client sent
	// ("" when it sent none); it is not forwarded to the target.
	ProxyAuthorization string
	// Header is a copy of all request headers the proxy received, including
	// Proxy-Authorization.
	Header http.Header
}

// String renders r as "METHOD host/path proxy-authorization".
func (r ProxiedRequest) String() string {
	return r.Method + " " + r.Host + r.Path + " " + r.ProxyAuthorization
}

// Proxy is a plain-HTTP forward proxy that records every request it serves
// and relays it to its target with http.DefaultTransport, copying the
// target's answer (status, headers, body) back. A failed relay answers 502
// Bad Gateway. It is safe for concurrent use.
type Proxy struct {
	// URL is the proxy's address, http://127.0.0.1:PORT, without credentials.
	URL string

	srv  *httptest.Server
	mu   sync.Mutex
	seen []ProxiedRequest
}

// NewProxy starts a Proxy that is closed when the test ends.
func NewProxy(t testing.TB) *Proxy {
	t.Helper()
	p := &Proxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// URLWithUser returns the proxy's URL carrying user and pw as credentials,
// so that a client sends them in Proxy-Authorization.
func (p *Proxy) URLWithUser(user, pw string) string {
	u, err := url.Parse(p.URL)
	if err != nil {
		panic("channeltest: bad proxy URL " + p.URL)
	}
	u.User = url.UserPassword(user, pw)
	return u.String()
}

// Requests returns the requests served so far, in order.
func (p *Proxy) Requests() []ProxiedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// Hosts returns the target host of each request served so far, in order.
func (p *Proxy) Hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	hosts := make([]string, len(p.seen))
	for i, r := range p.seen {
		hosts[i] = r.Host
	}
	return hosts
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, ProxiedRequest{
		Method:             r.Method,
		Host:               r.URL.Host,
		Path:               r.URL.Path,
		ProxyAuthorization: r.Header.Get("Proxy-Authorization"),
		Header:             r.Header.Clone(),
	})
	p.mu.Unlock()
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Authorization")
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// ClosedURL returns http://127.0.0.1:PORT for a port that was just free and
// where nothing listens, so connecting to it is refused.
func ClosedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("channeltest: listen: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("channeltest: close: %v", err)
	}
	return "http://" + addr
}

// Violator is a contract fake that lists the requests that broke its
// contract.
type Violator interface {
	Violations() []string
}

// NoViolations fails the test (without stopping it) when s saw any contract
// violation.
func NoViolations(t testing.TB, s Violator) {
	t.Helper()
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("contract violations:\n%s", strings.Join(v, "\n"))
	}
}

// Edit returns a copy of base with the key/value pairs kv set on top, where
// an empty value deletes its key; base is left unchanged.
func Edit(base map[string]string, kv ...string) map[string]string {
	out := With(base, kv...)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		}
	}
	return out
}

// NewViolation fails the test (without stopping it) unless s has recorded
// exactly n violations, the last containing want: for a table of bad
// requests sent one after another, each adding one.
func NewViolation(t testing.TB, s Violator, n int, want string) {
	t.Helper()
	if v := s.Violations(); len(v) != n || !strings.Contains(v[n-1], want) {
		t.Errorf("request %d: violations = %q, want a new one containing %q", n-1, v, want)
	}
}

// With returns a copy of base with the key/value pairs kv set on top; an odd
// trailing key is ignored and base is left unchanged.
func With(base map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// HungServer starts a server that never answers: each request waits until
// the test ends, when the server closes.
func HungServer(t testing.TB) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv
}

// Do sends req with the default client and returns the response, its body
// read and closed; a transport error fails the test.
func Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// listen starts a TCP listener on a free local port that hands each
// connection to serve on its own goroutine; it closes when the test ends.
func listen(t testing.TB, serve func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()
	return ln
}
