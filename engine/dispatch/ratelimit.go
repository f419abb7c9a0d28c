package dispatch

import (
	"fmt"
	"time"
)

// Rate is a send limit: at most N messages in any window of length Per.
// N <= 0 or Per <= 0 means unlimited.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string {
	if r.N <= 0 || r.Per <= 0 {
		return "unlimited"
	}
	switch r.Per {
	case time.Second:
		return fmt.Sprintf("%d/s", r.N)
	case time.Minute:
		return fmt.Sprintf("%d/min", r.N)
	case time.Hour:
		return fmt.Sprintf("%d/h", r.N)
	}
	return fmt.Sprintf("%d/%s", r.N, shortDuration(r.Per))
}

// DefaultRates are the services' documented per-robot / per-bot limits.
// Kinds not listed get FallbackRate.
var DefaultRates = map[string]Rate{
	"dingtalk":      {N: 20, Per: time.Minute}, // a custom robot: 20 messages a minute, then blocked for 10 minutes
	"wecom_webhook": {N: 20, Per: time.Minute}, // a group robot: 20 messages a minute
	"telegram":      {N: 1, Per: time.Second},  // one message a second to the same chat
	"wxpusher":      {N: 2, Per: time.Second},
	"wecom_app":     {N: 30, Per: time.Minute},
	"feishu":        {N: 100, Per: time.Minute}, // a custom bot: 100 a minute and 5 a second
	"pushplus":      {N: 5, Per: time.Minute},   // PushPlus throttles bursts; the same content at most 3 an hour
	"desktop":       {N: 1, Per: time.Second},   // notifications arriving faster are unreadable
}

// FallbackRate bounds kinds without a documented limit, so a burst of
// pushes (a digest to every channel, a backlog after an outage) does not
// look like abuse to the service.
var FallbackRate = Rate{N: 10, Per: time.Second}

// RatesFrom turns the settings' rate_limits ("20/min" by kind) into
// Params.RateLimits. Settings.Validate rejects unreadable values; one that
// slipped through is left out, so the kind keeps its default.
func RatesFrom(s Settings) map[string]Rate {
	out := make(map[string]Rate, len(s.RateLimits))
	for kind, v := range s.RateLimits {
		if n, per, err := ParseRate(v); err == nil {
			out[kind] = Rate{N: n, Per: per}
		}
	}
	return out
}

// maxWindow bounds the send times a limiter remembers; a larger configured
// rate is scaled down to the same ratio (10000/h behaves as 1000/6min).
const maxWindow = 1000

// window is a sliding-window limiter: it remembers the times of the last N
// sends and lets the next one go once the oldest of them is Per old. Unlike
// a token bucket refilling continuously, it never allows more than N sends
// in any interval of Per: a bucket holding 20 tokens and refilling 20/min
// lets 39 messages through in the first minute, which DingTalk punishes
// with a 10-minute ban. Not safe for concurrent use: the Dispatcher guards
// it with its mutex.
type window struct {
	kind string // the channel's kind, whose rate applies
	rate Rate
	sent []time.Time // ring buffer of the last len(sent) send times, oldest at head once full
	head int
}

func newWindow(kind string, r Rate) *window {
	w := &window{kind: kind}
	w.setRate(r)
	return w
}

// setRate changes the limit, keeping the most recent send times.
func (w *window) setRate(r Rate) {
	if r.N > maxWindow {
		r.Per = time.Duration(float64(r.Per) * maxWindow / float64(r.N))
		r.N = maxWindow
	}
	if r == w.rate {
		return
	}
	old := w.ordered()
	w.rate = r
	w.head = 0
	w.sent = nil
	if r.N <= 0 || r.Per <= 0 {
		return
	}
	if len(old) > r.N {
		old = old[len(old)-r.N:]
	}
	w.sent = make([]time.Time, 0, r.N)
	w.sent = append(w.sent, old...)
}

// ordered returns the remembered send times, oldest first.
func (w *window) ordered() []time.Time {
	if len(w.sent) < cap(w.sent) {
		return append([]time.Time(nil), w.sent...)
	}
	return append(append([]time.Time(nil), w.sent[w.head:]...), w.sent[:w.head]...)
}

func (w *window) unlimited() bool { return w.rate.N <= 0 || w.rate.Per <= 0 }

// readyAt is the earliest time from now on at which a send may go.
func (w *window) readyAt(now time.Time) time.Time {
	if w.unlimited() || len(w.sent) < w.rate.N {
		return now
	}
	if at := w.sent[w.head].Add(w.rate.Per); at.After(now) {
		return at
	}
	return now
}

// take reserves the next send: it returns when the send may go (now, or
// later when the window is full) and counts it as sent at that time.
func (w *window) take(now time.Time) time.Time {
	at := w.readyAt(now)
	if w.unlimited() {
		return at
	}
	if len(w.sent) < w.rate.N {
		w.sent = append(w.sent, at)
		return at
	}
	w.sent[w.head] = at
	w.head = (w.head + 1) % len(w.sent)
	return at
}
