package dispatch

import (
	"slices"
	"testing"
	"time"
)

var rateT0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// send asks when a send may go at now, then makes it then.
func send(w *limiter, now time.Time) time.Time {
	at := w.readyAt(now)
	w.record(at)
	return at
}

// At most N sends in any window of Per (plus its margin): a burst of N goes
// at once, the next waits until the oldest of them is Per old.
func TestLimiterIsSliding(t *testing.T) {
	w := newLimiter("x", Limit{{N: 3, Per: 10 * time.Second}})
	m := margin(10 * time.Second)
	at := func(s int) time.Time { return rateT0.Add(time.Duration(s) * time.Second) }
	steps := []struct {
		now  int           // seconds after rateT0
		want time.Duration // after rateT0
	}{
		{0, 0}, {4, 4 * time.Second}, {4, 4 * time.Second}, // a burst of three
		{5, 10*time.Second + m}, // the fourth waits for the first to age out…
		{6, 14*time.Second + m}, // …the fifth for the second…
		{40, 40 * time.Second},  // …and an idle window lets the next go at once
	}
	for i, s := range steps {
		if got := send(w, at(s.now)); !got.Equal(rateT0.Add(s.want)) {
			t.Fatalf("step %d: send at +%ds goes at +%s, want +%s", i, s.now, got.Sub(rateT0), s.want)
		}
	}
	if r := w.readyAt(at(41)); !r.Equal(at(41)) {
		t.Errorf("readyAt(+41s) = +%s, want now", r.Sub(rateT0))
	}
}

// Every window holds at once: 5/s and 100/min lets 5 go, then one a second
// window later, and never more than 100 in a minute.
func TestLimiterKeepsEveryWindow(t *testing.T) {
	w := newLimiter("feishu", Limit{{N: 5, Per: time.Second}, {N: 100, Per: time.Minute}})
	now := rateT0
	var sent []time.Time
	for range 250 {
		now = send(w, now)
		sent = append(sent, now)
	}
	for i := range sent {
		inSecond, inMinute := 0, 0
		for _, t2 := range sent[i:] {
			if t2.Sub(sent[i]) < time.Second {
				inSecond++
			}
			if t2.Sub(sent[i]) < time.Minute {
				inMinute++
			}
		}
		if inSecond > 5 || inMinute > 100 {
			t.Fatalf("from send %d: %d within a second, %d within a minute; want ≤ 5 and ≤ 100", i, inSecond, inMinute)
		}
	}
	if got := sent[5].Sub(sent[0]); got < time.Second {
		t.Errorf("the 6th send went %s after the first, want ≥ 1s", got)
	}
	if got := sent[100].Sub(sent[0]); got < time.Minute {
		t.Errorf("the 101st send went %s after the first, want ≥ 1m", got)
	}
}

// Sends recorded out of order (history loaded from the store while a send
// was starting) are kept in time order.
func TestLimiterRecordsInOrder(t *testing.T) {
	w := newLimiter("x", Limit{{N: 3, Per: time.Minute}})
	for _, s := range []int{5, 1, 3, 2} {
		w.record(rateT0.Add(time.Duration(s) * time.Second))
	}
	if !slices.IsSortedFunc(w.sent, func(a, b time.Time) int { return a.Compare(b) }) {
		t.Fatalf("send times out of order: %v", w.sent)
	}
	want := rateT0.Add(2*time.Second + time.Minute + margin(time.Minute))
	if r := w.readyAt(rateT0.Add(10 * time.Second)); !r.Equal(want) {
		t.Errorf("ready at +%s, want +%s (the third latest of 1,2,3,5 s is 2 s)", r.Sub(rateT0), want.Sub(rateT0))
	}
}

func TestLimiterChangeKeepsHistory(t *testing.T) {
	w := newLimiter("x", Limit{{N: 5, Per: time.Minute}})
	for range 4 {
		w.record(rateT0)
	}
	w.setLimit(Limit{{N: 2, Per: time.Minute}})
	if r := w.readyAt(rateT0); !r.Equal(rateT0.Add(time.Minute + margin(time.Minute))) {
		t.Errorf("after lowering the limit, ready at +%s, want +1m (the recent sends still count)", r.Sub(rateT0))
	}
	w.setLimit(Limit{{N: 10, Per: time.Minute}})
	if r := w.readyAt(rateT0); !r.Equal(rateT0) {
		t.Errorf("after raising the limit, ready at +%s, want now", r.Sub(rateT0))
	}
	w.setLimit(nil)
	for range 100 {
		if got := send(w, rateT0); !got.Equal(rateT0) {
			t.Fatal("an unlimited limiter made a send wait")
		}
	}
}

func TestLimiterScalesHugeRates(t *testing.T) {
	w := newLimiter("x", Limit{{N: 10000, Per: time.Hour}})
	if len(w.limit) != 1 || w.limit[0].N != maxWindow || w.limit[0].Per != 6*time.Minute {
		t.Errorf("10000/h kept as %s, want 1000 per 6m", w.limit)
	}
}

// Limits print in the form the settings accept.
func TestLimitStringParses(t *testing.T) {
	for kind, l := range DefaultRates() {
		got, err := ParseLimit(l.String())
		if err != nil || !slices.Equal(got, l) {
			t.Errorf("%s: %s parses as %v, %v", kind, l, got, err)
		}
	}
	s := DefaultSettings()
	s.RateLimits = map[string]string{"telegram": "30/min", "feishu": "5/sec, 100/min", "dingtalk": "nonsense"}
	got := RatesFrom(s)
	want := map[string]Limit{"telegram": {{N: 30, Per: time.Minute}}, "feishu": {{N: 5, Per: time.Second}, {N: 100, Per: time.Minute}}}
	if len(got) != len(want) || !slices.Equal(got["telegram"], want["telegram"]) || !slices.Equal(got["feishu"], want["feishu"]) {
		t.Errorf("RatesFrom = %v, want %v", got, want)
	}
}
