// Package api is Herald's local HTTP API: other programs on this machine
// test notification settings (POST /api/v1/notifications/test, in the body
// other notification modules already send),
// send messages through the outbox, follow a push, list tasks, start a run
// and read run history.
//
// The server listens on a loopback address only and every request, the
// OpenAPI document included, needs "Authorization: Bearer <token>" and a
// Host header naming the loopback address and port it listens on. The
// token is 32 random bytes (base64url), made on first start and kept in the
// OS keyring as secret "api", field "token".
package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/tasks"
)

// DefaultPort is where the API listens unless configured otherwise.
const DefaultPort = 7787

// DefaultAddr is the address used when Params.Addr is empty.
const DefaultAddr = "127.0.0.1:7787"

// The keyring entry of the token.
const (
	TokenSecretID    = "api"
	TokenSecretField = "token"
)

// MaxBodyBytes is the largest request body accepted (413 beyond).
const MaxBodyBytes = 1 << 20

// tokenReloadEvery throttles re-reading the token from the keyring after a
// mismatch, which picks up a token another Herald process (the CLI)
// regenerated without letting bad requests hammer the keyring.
const tokenReloadEvery = 2 * time.Second

// refusedLogEvery throttles the log line about refused requests, so a
// client hammering with a wrong token cannot flood herald.log.
const refusedLogEvery = time.Minute

//go:embed openapi.json
var openAPI []byte

// Secrets is where the token lives: the OS keyring in production
// (secret.Keyring). A missing entry is reported as secret.ErrNotFound.
type Secrets interface {
	Set(id, field, value string) error
	Get(id, field string) (string, error)
	Delete(id, field string) error
}

// Params configure a Server.
type Params struct {
	Registry   *registry.Registry
	Tasks      *tasks.Service
	Dispatcher *dispatch.Dispatcher
	Store      *store.Store
	Redactor   *redact.Redactor
	Log        *slog.Logger // nil: no logging
	Secrets    Secrets
	// Send queues a message once per channel and announces the rows (the
	// host's Send use case, shared with the CLI and the window); POST
	// /api/v1/send needs it.
	Send func(ctx context.Context, targets []registry.Channel, m message.Message) ([]*store.OutboxItem, error)
	// SavePushSettings stores push settings and has the running engine
	// apply them (the host's); nil: stored, and the dispatcher told.
	SavePushSettings func(ctx context.Context, s dispatch.Settings) error
	// Addr is host:port on a loopback address; "" means DefaultAddr, an
	// empty host 127.0.0.1, and port 0 any free port.
	Addr string
}

// Server is the local API.
type Server struct {
	p   Params
	log *slog.Logger

	mu       sync.Mutex
	token    string
	loadedAt time.Time
	srv      *http.Server
	ln       net.Listener

	refusedMu     sync.Mutex
	refused       int // since refusedLogged
	refusedLogged time.Time
}

// New builds a server; Start makes it listen.
func New(p Params) *Server {
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Redactor == nil {
		p.Redactor = &redact.Redactor{}
	}
	return &Server{p: p, log: p.Log}
}

// loopbackAddr checks addr names a loopback address and returns what to
// bind. Host names other than localhost are refused rather than resolved:
// a name may point anywhere.
func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("api address %q: want host:port, e.g. 127.0.0.1:%d: %w", addr, DefaultPort, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("api address %q: port must be a number from 0 to 65535", addr)
	}
	switch {
	case host == "" || strings.EqualFold(host, "localhost"):
		host = "127.0.0.1"
	default:
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return "", fmt.Errorf("api address %q is not a loopback address: the API only listens on 127.0.0.1 (or ::1) so that no other machine can reach it", addr)
		}
	}
	return net.JoinHostPort(host, port), nil
}

// Start loads (or on first start makes) the token and starts serving on the
// loopback address; it returns the address it listens on. ctx bounds only
// the start-up.
func (s *Server) Start(ctx context.Context) (string, error) {
	addr, err := loopbackAddr(s.p.Addr)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	started := s.srv != nil
	s.mu.Unlock()
	if started {
		return "", errors.New("api: already started")
	}
	if _, err := s.Token(ctx); err != nil {
		return "", err
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("api: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		// A notification test waits for every service's answer.
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	if s.srv != nil {
		s.mu.Unlock()
		l.Close()
		return "", errors.New("api: already started")
	}
	s.srv = srv
	s.ln = l
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("api server stopped", "error", err)
		}
	}()
	s.log.Info("api listening", "addr", l.Addr().String())
	return l.Addr().String(), nil
}

// Shutdown stops accepting requests and waits for those in progress until
// ctx ends. Start may be called again afterwards (the API turned back on).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	// Serve runs on its own goroutine and may not have taken the listener
	// yet, in which case Shutdown did not close it: close it here so the
	// port is free when Shutdown returns.
	ln.Close()
	return err
}

// Token returns the API token, reading it from the keyring or, when there
// is none yet, making and storing a new one.
func (s *Server) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" {
		return s.token, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	tok, err := s.p.Secrets.Get(TokenSecretID, TokenSecretField)
	switch {
	case errors.Is(err, secret.ErrNotFound):
		if tok, err = newToken(); err != nil {
			return "", err
		}
		if err := s.p.Secrets.Set(TokenSecretID, TokenSecretField, tok); err != nil {
			return "", fmt.Errorf("api: save the token: %w", err)
		}
		s.log.Info("api token created")
	case err != nil:
		return "", fmt.Errorf("api: read the token: %w", err)
	}
	s.setTokenLocked(tok)
	return tok, nil
}

// RegenerateToken replaces the token; the old one stops working at once.
func (s *Server) RegenerateToken(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.p.Secrets.Set(TokenSecretID, TokenSecretField, tok); err != nil {
		return "", fmt.Errorf("api: save the new token: %w", err)
	}
	s.setTokenLocked(tok)
	s.log.Info("api token regenerated")
	return tok, nil
}

func (s *Server) setTokenLocked(tok string) {
	s.token = tok
	s.loadedAt = time.Now()
	s.p.Redactor.Add(tok)
}

func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("api: make a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// tokenMatches compares in constant time: both sides are hashed first so
// that neither the content nor the length of the token leaks through timing.
func tokenMatches(given, want string) bool {
	if want == "" {
		return false
	}
	g, w := sha256.Sum256([]byte(given)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// authorized checks the request's bearer token. The token is re-read from
// the keyring at most every tokenReloadEvery, so one regenerated by another
// process (the Settings tab, `herald api regenerate`) takes over and the old
// one stops working within that time. A keyring error keeps the current one.
func (s *Server) authorized(r *http.Request) bool {
	scheme, given, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	given = strings.TrimSpace(given)
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.loadedAt) >= tokenReloadEvery {
		s.loadedAt = time.Now()
		if tok, err := s.p.Secrets.Get(TokenSecretID, TokenSecretField); err == nil && tok != "" && tok != s.token {
			s.setTokenLocked(tok)
		}
	}
	return tokenMatches(given, s.token)
}

// route is one endpoint. openapi.json documents every one (a test checks).
type route struct {
	method, path string
	handle       func(*Server, http.ResponseWriter, *http.Request)
}

func routes() []route {
	return []route{
		{http.MethodGet, "/api/v1/openapi.json", (*Server).openAPI},
		{http.MethodPost, "/api/v1/notifications/test", (*Server).testNotifications},
		{http.MethodPost, "/api/v1/send", (*Server).send},
		{http.MethodPost, "/api/v1/send/preview", (*Server).sendPreview},
		{http.MethodGet, "/api/v1/outbox/{id}", (*Server).outbox},
		{http.MethodGet, "/api/v1/tasks", (*Server).listTasks},
		{http.MethodPost, "/api/v1/tasks/{name}/run", (*Server).runTask},
		{http.MethodGet, "/api/v1/runs", (*Server).listRuns},
		{http.MethodGet, "/api/v1/settings/push", (*Server).getPushSettings},     // pushsettings.go
		{http.MethodPatch, "/api/v1/settings/push", (*Server).patchPushSettings}, // pushsettings.go
		{http.MethodPatch, "/api/v1/tasks/{name}/push", (*Server).patchTaskPush}, // pushsettings.go
	}
}

// Handler is the API with authentication, body limit and logging; Start
// serves it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range routes() {
		h := rt.handle
		mux.HandleFunc(rt.method+" "+rt.path, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
		if _, ok := allowed[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	// The method-less patterns are less specific than the ones above, so
	// they only catch other methods; ServeMux's own 405 would be plain text.
	for _, p := range paths {
		allow := allowed[p]
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed here; use %s", r.Method, strings.Join(allow, " or ")), "")
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint; the endpoints are listed in /api/v1/openapi.json", "")
	})
	return s.middleware(mux)
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w}
		rec.Header().Set("Cache-Control", "no-store")
		rec.Header().Set("X-Content-Type-Options", "nosniff")
		if msg := hostProblem(r); msg != "" {
			writeError(rec, http.StatusForbidden, msg, "")
			s.logRefused(r, "wrong Host")
			return
		}
		if !s.authorized(r) {
			rec.Header().Set("WWW-Authenticate", `Bearer realm="herald"`)
			writeError(rec, http.StatusUnauthorized, "missing or wrong API token: send the header \"Authorization: Bearer <token>\" with the token shown in Herald's settings", "")
			s.logRefused(r, "no valid token")
			return
		}
		r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
		next.ServeHTTP(rec, r)
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		s.log.Log(r.Context(), level, "api request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Millisecond))
	})
}

// hostProblem says why the request's Host header does not name this API,
// or "" when it does. A web page whose own name was rebound to 127.0.0.1
// (DNS rebinding) still sends its own name as Host, so only the loopback
// names with the port the connection arrived on are accepted. A Host
// without a port means port 80 and passes only there.
func hostProblem(r *http.Request) string {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return "the request did not arrive on the API's listener"
	}
	lhost, lport, err := net.SplitHostPort(local.String())
	if err != nil {
		return "the API's own address is unknown: " + err.Error()
	}
	want := fmt.Sprintf("127.0.0.1:%s, localhost:%s or [::1]:%s", lport, lport, lport)
	if r.Host == "" {
		return "the request has no Host header; send Host: " + want
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = strings.Trim(r.Host, "[]"), "80"
	}
	loopbackName := strings.EqualFold(host, "localhost") || host == "127.0.0.1" || host == "::1" || host == lhost
	if !loopbackName || port != lport {
		return fmt.Sprintf("Host %q is not this API's address: the API answers only to Host %s, so that web pages cannot reach it through a rebound DNS name", r.Host, want)
	}
	return ""
}

// logRefused logs a refused request, at most once per refusedLogEvery with
// the number refused in between.
func (s *Server) logRefused(r *http.Request, why string) {
	s.refusedMu.Lock()
	s.refused++
	if time.Since(s.refusedLogged) < refusedLogEvery {
		s.refusedMu.Unlock()
		return
	}
	n := s.refused
	s.refused, s.refusedLogged = 0, time.Now()
	s.refusedMu.Unlock()
	s.log.Info("api requests refused", "last_reason", why, "count", n, "last_method", r.Method, "last_path", r.URL.Path, "remote", r.RemoteAddr)
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
