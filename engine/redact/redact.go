// Package redact removes secrets from text before it is logged, stored or
// shown: every secret value Herald loads is registered here, and a
// log/slog handler passes each record through it.
package redact

import (
	"context"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask replaces a secret in output.
const Mask = "[REDACTED]"

// minLen is the shortest value worth redacting: masking "1" or "on" would
// garble every message without protecting anything.
const minLen = 4

// Patterns that look like credentials even when Herald never registered them,
// e.g. a Telegram bot token inside a URL quoted by a net/http error.
var patterns = []*regexp.Regexp{
	regexp.MustCompile(`\d{5,}:[A-Za-z0-9_-]{30,}`),                                                                   // Telegram bot token
	regexp.MustCompile(`(?i)((?:access_token|key|token|sendkey|corpsecret|sign|secret|apptoken|password)=)[^&\s"']+`), // credentials in query strings
	regexp.MustCompile(`(?i)(//[^/\s:@]+:)[^@/\s]+@`),                                                                 // user:password@ in URLs
}

// maxRecent bounds the values registered per request (signatures,
// timestamps, tokens fetched at run time): they only need hiding until the
// answer to their request has been redacted, and a long-running daemon must
// not grow without end.
const maxRecent = 1024

// Redactor holds the secret values to hide. The zero value is ready to use.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]struct{}
	recent  map[string]int // value → its slot in ring
	ring    []string       // recent values, oldest overwritten first
	next    int
	sorted  []string // longest first, so a secret containing another is masked whole

	// expanded caches Expand for AddRecent: a channel sends the same
	// credential with every request, and expanding it again each time
	// cost more than the request's own encoding.
	expandMu sync.Mutex
	expanded map[string][]string
}

// maxExpanded bounds the cache of expansions.
const maxExpanded = 256

// expand is Expand(v), cached. The result must not be modified.
func (r *Redactor) expand(v string) []string {
	r.expandMu.Lock()
	defer r.expandMu.Unlock()
	if forms, ok := r.expanded[v]; ok {
		return forms
	}
	forms := Expand(v)
	if r.expanded == nil || len(r.expanded) >= maxExpanded {
		r.expanded = map[string][]string{}
	}
	r.expanded[v] = forms
	return forms
}

// Add registers secret values with every form they may travel in (see
// Forms) and, for a JSON object, a URL or an Authorization value, each
// secret part of them too. Short and empty values are ignored.
func (r *Redactor) Add(values ...string) {
	var all []string
	for _, v := range values {
		all = append(all, Expand(v)...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = map[string]struct{}{}
	}
	changed := false
	for _, v := range all {
		if _, ok := r.secrets[v]; !ok {
			r.secrets[v] = struct{}{}
			changed = true
		}
	}
	if changed {
		r.resort()
	}
}

// AddRecent registers values derived from a secret for one request (an
// HMAC signature, a Basic credential, a fetched access token). They are
// kept among the last maxRecent such values, long enough for the answer to
// that request to be redacted.
func (r *Redactor) AddRecent(values ...string) {
	var all []string
	for _, v := range values {
		all = append(all, r.expand(v)...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.recent == nil {
		r.recent = map[string]int{}
		r.ring = make([]string, maxRecent)
	}
	changed := false
	for _, v := range all {
		if _, ok := r.secrets[v]; ok {
			continue
		}
		if _, ok := r.recent[v]; ok {
			continue
		}
		if old := r.ring[r.next]; old != "" {
			delete(r.recent, old)
		}
		r.ring[r.next] = v
		r.recent[v] = r.next
		r.next = (r.next + 1) % maxRecent
		changed = true
	}
	if changed {
		r.resort()
	}
}

func (r *Redactor) resort() {
	r.sorted = r.sorted[:0]
	for v := range r.secrets {
		r.sorted = append(r.sorted, v)
	}
	for v := range r.recent {
		r.sorted = append(r.sorted, v)
	}
	sort.Slice(r.sorted, func(i, j int) bool { return len(r.sorted[i]) > len(r.sorted[j]) })
}

// String returns s with every registered secret and credential-looking
// pattern masked.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	r.mu.RLock()
	for _, v := range r.sorted {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	s = maskCut(s, r.sorted)
	r.mu.RUnlock()
	s = patterns[0].ReplaceAllString(s, Mask)
	s = patterns[1].ReplaceAllString(s, "${1}"+Mask)
	s = patterns[2].ReplaceAllString(s, "${1}"+Mask+"@")
	return s
}

// maskCut masks the start of a secret left just before an ellipsis, where
// an answer was cut short in the middle of a secret.
func maskCut(s string, secrets []string) string {
	const ellipsis = "…"
	if !strings.Contains(s, ellipsis) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, ellipsis)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(cutTail(s[:i], secrets))
		b.WriteString(ellipsis)
		s = s[i+len(ellipsis):]
	}
}

// cutTail masks the longest tail of head that begins one of secrets.
func cutTail(head string, secrets []string) string {
	if head == "" {
		return head
	}
	last, best := head[len(head)-1], 0
	for _, v := range secrets {
		for n := min(len(v)-1, len(head)); n >= minLen && n > best; n-- {
			if v[n-1] == last && strings.HasSuffix(head, v[:n]) {
				best = n
				break
			}
		}
	}
	if best == 0 {
		return head
	}
	return head[:len(head)-best] + Mask
}

// Error returns err's text redacted, or "" for nil.
func (r *Redactor) Error(err error) string {
	if err == nil {
		return ""
	}
	return r.String(err.Error())
}

// Handler is a slog.Handler that redacts the message and every string-like
// attribute before passing the record on.
type Handler struct {
	next slog.Handler
	r    *Redactor
}

// NewHandler wraps next.
func NewHandler(next slog.Handler, r *Redactor) *Handler {
	return &Handler{next: next, r: r}
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(clean), r: h.r}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), r: h.r}
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		// Errors, Stringers and anything else are rendered to text first so
		// their secrets can be found.
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.String(err.Error()))
		}
		return slog.String(a.Key, h.r.String(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
