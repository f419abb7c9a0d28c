package dispatch

import (
	"fmt"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel/kinds"
)

// Rate is a send limit: at most N messages in any window of length Per.
// N <= 0 or Per <= 0 means unlimited.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string {
	if r.unlimited() {
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

func (r Rate) unlimited() bool { return r.N <= 0 || r.Per <= 0 }

// Limit is every window a channel must keep at once: Feishu allows 5 a
// second and 100 a minute, and keeping only the minute lets 10 queued
// pushes out within 0.2 s, half of them refused. No windows: unlimited.
type Limit []Rate

func (l Limit) String() string {
	var parts []string
	for _, r := range l {
		if !r.unlimited() {
			parts = append(parts, r.String())
		}
	}
	if len(parts) == 0 {
		return "unlimited"
	}
	return strings.Join(parts, ", ")
}

// DefaultRates are the services' documented per-robot / per-bot limits,
// as each kind declares them (channel.Kind.Rates). Kinds without one get
// FallbackRate.
func DefaultRates() map[string]Limit {
	out := map[string]Limit{}
	for _, k := range kinds.All() {
		if len(k.Rates) == 0 {
			continue
		}
		l := make(Limit, len(k.Rates))
		for i, r := range k.Rates {
			l[i] = Rate{N: r.N, Per: r.Per}
		}
		out[k.ID] = l
	}
	return out
}

// FallbackRate bounds kinds without a documented limit, so a burst of
// pushes (a digest to every channel, a backlog after an outage) does not
// look like abuse to the service.
var FallbackRate = Limit{{N: 10, Per: time.Second}}

// RatesFrom turns the settings' rate_limits ("20/min" or "5/s, 100/min" by
// kind) into Params.RateLimits. Settings.Validate rejects unreadable
// values; one that slipped through is left out, so the kind keeps its
// default.
func RatesFrom(s Settings) map[string]Limit {
	out := make(map[string]Limit, len(s.RateLimits))
	for kind, v := range s.RateLimits {
		if l, err := ParseLimit(v); err == nil {
			out[kind] = l
		}
	}
	return out
}

// maxWindow bounds the send times a limiter remembers; a larger configured
// rate is scaled down to the same ratio (10000/h behaves as 1000/6min).
const maxWindow = 1000

// margin is added to each window: the limit is kept at the service, where
// a request that left first may arrive after one that left later.
func margin(per time.Duration) time.Duration {
	return min(max(per/100, 20*time.Millisecond), time.Second)
}

// limiter is a sliding-window limiter over one channel's recent send times:
// for each window it lets the next send go once the Nth latest is Per old.
// Unlike a token bucket refilling continuously, it never allows more than N
// sends in any interval of Per: a bucket holding 20 tokens and refilling
// 20/min lets 39 messages through in the first minute, which DingTalk
// punishes with a 10-minute ban. Sends are recorded when they start, not
// when they are planned, so the window is the one the service sees. Not
// safe for concurrent use: the Dispatcher guards it with its mutex.
type limiter struct {
	kind  string // the channel's kind, whose limit applies
	limit Limit  // scaled to maxWindow
	keep  int    // how many send times the largest window needs
	sent  []time.Time
}

func newLimiter(kind string, l Limit) *limiter {
	w := &limiter{kind: kind}
	w.setLimit(l)
	return w
}

// setLimit changes the windows, keeping the most recent send times.
func (w *limiter) setLimit(l Limit) {
	w.limit = w.limit[:0]
	w.keep = 0
	for _, r := range l {
		if r.unlimited() {
			continue
		}
		if r.N > maxWindow {
			r.Per = time.Duration(float64(r.Per) * maxWindow / float64(r.N))
			r.N = maxWindow
		}
		w.limit = append(w.limit, r)
		w.keep = max(w.keep, r.N)
	}
	w.trim()
}

func (w *limiter) trim() {
	if len(w.sent) > w.keep {
		w.sent = append(w.sent[:0], w.sent[len(w.sent)-w.keep:]...)
	}
}

// readyAt is the earliest time from now on at which a send may go.
func (w *limiter) readyAt(now time.Time) time.Time {
	at := now
	for _, r := range w.limit {
		if len(w.sent) < r.N {
			continue
		}
		if t := w.sent[len(w.sent)-r.N].Add(r.Per + margin(r.Per)); t.After(at) {
			at = t
		}
	}
	return at
}

// record counts a send that started at t.
func (w *limiter) record(t time.Time) {
	if w.keep == 0 {
		return
	}
	i := len(w.sent)
	for i > 0 && w.sent[i-1].After(t) {
		i--
	}
	w.sent = append(w.sent, time.Time{})
	copy(w.sent[i+1:], w.sent[i:])
	w.sent[i] = t
	if len(w.sent) > 2*w.keep {
		w.trim()
	}
}

// longestWindow is how far back send times matter for any limit in use.
func longestWindow(limits ...map[string]Limit) time.Duration {
	var longest time.Duration
	for _, m := range limits {
		for _, l := range m {
			for _, r := range l {
				if !r.unlimited() {
					longest = max(longest, r.Per+margin(r.Per))
				}
			}
		}
	}
	return longest
}
