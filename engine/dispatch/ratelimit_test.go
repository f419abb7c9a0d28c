package dispatch

import (
	"testing"
	"time"
)

var rateT0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// At most N sends in any window of Per: a burst of N goes at once, the next
// waits until the oldest of them is Per old.
func TestWindowIsSliding(t *testing.T) {
	w := newWindow("x", Rate{N: 3, Per: 10 * time.Second})
	at := func(s int) time.Time { return rateT0.Add(time.Duration(s) * time.Second) }
	steps := []struct {
		now, want int // seconds after rateT0
	}{
		{0, 0}, {4, 4}, {4, 4}, // a burst of three
		{5, 10},  // the fourth waits for the first to age out…
		{6, 14},  // …the fifth for the second…
		{30, 30}, // …and an idle window lets the next go at once
	}
	for i, s := range steps {
		if got := w.take(at(s.now)); !got.Equal(at(s.want)) {
			t.Fatalf("step %d: take at +%ds = +%s, want +%ds", i, s.now, got.Sub(rateT0), s.want)
		}
	}
	if r := w.readyAt(at(31)); !r.Equal(at(31)) {
		t.Errorf("readyAt(+31s) = +%s, want now", r.Sub(rateT0))
	}
}

func TestWindowRateChangeKeepsHistory(t *testing.T) {
	w := newWindow("x", Rate{N: 5, Per: time.Minute})
	for range 4 {
		w.take(rateT0)
	}
	w.setRate(Rate{N: 2, Per: time.Minute})
	if r := w.readyAt(rateT0); !r.Equal(rateT0.Add(time.Minute)) {
		t.Errorf("after lowering the limit, ready at +%s, want +1m (the recent sends still count)", r.Sub(rateT0))
	}
	w.setRate(Rate{N: 10, Per: time.Minute})
	if r := w.readyAt(rateT0); !r.Equal(rateT0) {
		t.Errorf("after raising the limit, ready at +%s, want now", r.Sub(rateT0))
	}
	w.setRate(Rate{})
	for range 100 {
		if got := w.take(rateT0); !got.Equal(rateT0) {
			t.Fatal("an unlimited window made a send wait")
		}
	}
}

func TestWindowScalesHugeRates(t *testing.T) {
	w := newWindow("x", Rate{N: 10000, Per: time.Hour})
	if w.rate.N != maxWindow || w.rate.Per != 6*time.Minute {
		t.Errorf("10000/h kept as %s, want 1000 per 6m", w.rate)
	}
}

// Rates print in the form the settings accept.
func TestRateStringParses(t *testing.T) {
	for kind, r := range DefaultRates {
		n, per, err := ParseRate(r.String())
		if err != nil || n != r.N || per != r.Per {
			t.Errorf("%s: %s parses as %d/%s, %v", kind, r, n, per, err)
		}
	}
	s := DefaultSettings()
	s.RateLimits = map[string]string{"telegram": "30/min", "dingtalk": "nonsense"}
	got := RatesFrom(s)
	if len(got) != 1 || got["telegram"] != (Rate{N: 30, Per: time.Minute}) {
		t.Errorf("RatesFrom = %v, want only telegram's 30/min", got)
	}
}
