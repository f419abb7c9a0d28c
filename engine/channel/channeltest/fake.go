package channeltest

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Fake is the recorder every contract fake embeds: the messages it
// accepted (T), the contract violations it saw, the requests it served and
// the answers scripted with FailNext (A). Only the contract itself (the
// service's checks and answers) differs between fakes. All methods are safe
// for concurrent use; none holds the lock while a handler runs.
type Fake[T, A any] struct {
	// Server is the fake's HTTP server; nil for fakes that are not HTTP.
	*httptest.Server

	mu         sync.Mutex
	accepted   []T
	violations []string
	requests   int
	script     []A
}

// Serve starts the fake's HTTP server with h, counting every request; it is
// closed when the test ends.
func (f *Fake[T, A]) Serve(t testing.TB, h http.HandlerFunc) {
	t.Helper()
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.Count()
		h(w, r)
	}))
	t.Cleanup(f.Server.Close)
}

// Count records one request (HTTP fakes count in Serve).
func (f *Fake[T, A]) Count() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
}

// Requests counts every request that reached the fake.
func (f *Fake[T, A]) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Accept records a message the fake took and returns how many it has taken
// (a service's message id, say).
func (f *Fake[T, A]) Accept(v T) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, v)
	return len(f.accepted)
}

// Accepted returns the messages accepted so far, in order.
func (f *Fake[T, A]) Accepted() []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.accepted)
}

// Violate records a contract break.
func (f *Fake[T, A]) Violate(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
}

// Violations returns the contract breaks seen so far.
func (f *Fake[T, A]) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.violations)
}

// FailNext makes the next valid requests get these answers instead of the
// contract's own, in order. A zero answer lets its request through to the
// contract's own answer, in every fake alike.
func (f *Fake[T, A]) FailNext(answers ...A) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, answers...)
}

// Next takes the next scripted answer; false when there is none or it is
// zero, and the contract answers.
func (f *Fake[T, A]) Next() (A, bool) {
	return f.NextFor(func(A) bool { return true })
}

// NextFor takes the first scripted answer for which match holds (a stage
// or an endpoint of its own), like Next.
func (f *Fake[T, A]) NextFor(match func(A) bool) (A, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var zero A
	i := slices.IndexFunc(f.script, match)
	if i < 0 {
		return zero, false
	}
	a := f.script[i]
	f.script = slices.Delete(f.script, i, i+1)
	return a, !reflect.ValueOf(&a).Elem().IsZero()
}

// Fixture aims config at this HTTP fake for the contract suite.
func (f *Fake[T, A]) Fixture(config map[string]string) Fixture {
	return Fixture{Config: config, Fake: f, Addr: f.Listener.Addr().String()}
}

// AcceptedCount counts the messages accepted so far.
func (f *Fake[T, A]) AcceptedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.accepted)
}

// Start serves fake s's HTTP contract with its handler method h (like
// (*Server).handle) and returns s; the server closes when the test ends.
func Start[S interface {
	Serve(testing.TB, http.HandlerFunc)
}](t testing.TB, s S, h func(S, http.ResponseWriter, *http.Request)) S {
	t.Helper()
	s.Serve(t, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
	return s
}

// IsJSON reports whether r declares a JSON body: Content-Type
// application/json, with no charset or UTF-8.
func IsJSON(r *http.Request) bool {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json" && (params["charset"] == "" || strings.EqualFold(params["charset"], "utf-8"))
}

// ReadBody reads r's body; when it cannot, it answers 400 and ok is false.
func ReadBody(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// Refuse records a contract break (format, args) and answers it with
// status and the service's own text.
func (f *Fake[T, A]) Refuse(w http.ResponseWriter, status int, answer, format string, args ...any) {
	f.Violate(format, args...)
	http.Error(w, answer, status)
}
