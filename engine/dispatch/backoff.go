package dispatch

import (
	"fmt"
	"strings"
	"time"
)

// Backoff is how transient failures are retried: the wait after the n-th
// failed attempt is Min·2^(n−1), capped at Max, spread by ±Jitter, and never
// shorter than the service's own Retry-After; a row still failing once
// GiveUpAfter has passed since it was queued is marked failed.
type Backoff struct {
	Min         time.Duration // first wait, default 5 s
	Max         time.Duration // longest wait, default 1 h
	GiveUpAfter time.Duration // measured from the row's creation, default 24 h
	// Jitter spreads each wait uniformly over ±Jitter of itself (0.2 = ±20 %)
	// so rows that failed together do not all retry in the same second.
	// 0 means none; the zero Backoff gets the default 0.2.
	Jitter float64
}

// DefaultBackoff is 5 s doubling to 1 h, ±20 %, for up to 24 h.
func DefaultBackoff() Backoff {
	return Backoff{Min: 5 * time.Second, Max: time.Hour, GiveUpAfter: 24 * time.Hour, Jitter: 0.2}
}

// withDefaults fills unset durations. Jitter is kept as given unless the
// whole Backoff is zero, so tests can ask for exact waits with Jitter 0.
func (b Backoff) withDefaults() Backoff {
	def := DefaultBackoff()
	if b == (Backoff{}) {
		return def
	}
	if b.Min <= 0 {
		b.Min = def.Min
	}
	if b.Max <= 0 {
		b.Max = def.Max
	}
	if b.Max < b.Min {
		b.Max = b.Min
	}
	if b.GiveUpAfter <= 0 {
		b.GiveUpAfter = def.GiveUpAfter
	}
	b.Jitter = min(max(b.Jitter, 0), 1)
	return b
}

// Delay is the wait after the attempt-th failed attempt (1-based). rnd
// returns a uniform number in [0, 1); it is only called when Jitter > 0.
func (b Backoff) Delay(attempt int, rnd func() float64) time.Duration {
	d := b.Min
	// Doubling step by step cannot overflow: it stops at Max.
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if b.Jitter > 0 && rnd != nil {
		d = time.Duration(float64(d) * (1 + b.Jitter*(2*rnd()-1)))
		d = min(d, b.Max)
	}
	return max(d, 0)
}

// shortDuration prints a duration without zero units: 24h, 90m, 1h30m, 5s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// giveUpText is the row's last error once retrying stopped.
func giveUpText(after time.Duration, answer string) string {
	return fmt.Sprintf("gave up after %s: %s", shortDuration(after), answer)
}
