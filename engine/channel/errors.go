package channel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is a failed send, classified so the dispatcher knows whether to try
// again. Answer holds the service's own words (its error code and message),
// which the UI shows verbatim.
type Error struct {
	Kind       string        // channel kind id
	Transient  bool          // worth retrying: network, timeout, 5xx, 429, rate-limit codes
	RetryAfter time.Duration // the service's own wait hint, 0 if none
	Status     int           // HTTP status, 0 if none
	Code       string        // the service's error code, "" if none
	Msg        string        // what went wrong, in the service's words where it gave any
	Err        error         // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind)
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code)
		b.WriteString(" ")
	} else if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d ", e.Status)
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		if e.Msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return strings.TrimSpace(b.String())
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports a failure that retrying will not fix (bad token, bad
// chat id, rejected content).
func Permanent(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Transient reports a failure that may pass if retried later.
func Transient(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Transient: true, Msg: fmt.Sprintf(format, args...)}
}

// ServiceError reports a business error code in a 2xx answer. transient marks
// the service's rate-limit / busy codes.
func ServiceError(kind string, code any, msg string, transient bool) *Error {
	return &Error{Kind: kind, Code: fmt.Sprint(code), Msg: msg, Transient: transient}
}

// IsTransient says whether err is worth retrying. Unclassified errors count
// as transient except context cancellation, which the caller asked for.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Transient
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	return true
}

// TimedOut says whether ctx ended by a deadline or was cancelled with a
// cause (the dispatcher's send timeout) rather than plainly cancelled (by
// shutdown or the user): a send cut off so is worth retrying.
func TimedOut(ctx context.Context) bool {
	return ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.Canceled)
}

// RetryAfter returns the service's wait hint carried by err, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// StatusError classifies a non-2xx HTTP answer that the kind could not read
// as its own error format: 408, 425, 429 and 5xx are transient (429 and 503
// with the Retry-After header's wait), everything else permanent.
func StatusError(kind string, resp *http.Response, body []byte) *Error {
	e := &Error{Kind: kind, Status: resp.StatusCode, Msg: Excerpt(body)}
	if e.Msg == "" {
		e.Msg = http.StatusText(resp.StatusCode)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooEarly, resp.StatusCode >= 500:
		e.Transient = true
		e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// WaitHint reads resp's Retry-After on the channel's clock (Deps.Clock),
// so an HTTP-date hint is tested without sleeping.
func WaitHint(resp *http.Response, now func() time.Time) time.Duration {
	return ParseRetryAfter(resp.Header.Get("Retry-After"), now())
}

// ParseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Excerpt trims a service answer for display: whitespace collapsed, at most
// 500 bytes.
func Excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 500 {
		cut := 500
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
