package dispatch

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Min: 5 * time.Second, Max: time.Hour}.withDefaults()
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 320 * time.Second, 640 * time.Second, 1280 * time.Second, 2560 * time.Second, time.Hour, time.Hour}
	for i, w := range want {
		if got := b.Delay(i+1, nil); got != w {
			t.Errorf("Delay(%d) = %s, want %s", i+1, got, w)
		}
	}
	if got := b.Delay(1000, nil); got != time.Hour {
		t.Errorf("Delay(1000) = %s, want the cap", got)
	}
}

func TestBackoffJitterStaysWithinBounds(t *testing.T) {
	b := DefaultBackoff()
	for _, r := range []float64{0, 0.25, 0.5, 0.999} {
		got := b.Delay(2, func() float64 { return r })
		if got < 8*time.Second || got > 12*time.Second {
			t.Errorf("Delay(2) with rnd %v = %s, want 10 s ± 20 %%", r, got)
		}
	}
	if got := b.Delay(20, func() float64 { return 0.999 }); got > time.Hour {
		t.Errorf("jitter pushed the wait past the cap: %s", got)
	}
}

func TestBackoffDefaults(t *testing.T) {
	if got := (Backoff{}).withDefaults(); got != DefaultBackoff() {
		t.Errorf("zero Backoff = %+v, want the defaults", got)
	}
	got := Backoff{Min: time.Second}.withDefaults()
	if got.Max != time.Hour || got.GiveUpAfter != 24*time.Hour || got.Jitter != 0 {
		t.Errorf("partial Backoff = %+v: want default durations and no jitter", got)
	}
	if s := giveUpText(24*time.Hour, "x"); s != "gave up after 24h: x" {
		t.Errorf("giveUpText = %q", s)
	}
	for d, want := range map[time.Duration]string{90 * time.Minute: "1h30m", 5 * time.Second: "5s", 1500 * time.Millisecond: "1.5s", 2 * time.Minute: "2m"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
