package pushsettings

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/dispatch"
)

// shownWatch adds what the Watch card shows to s.
func shownWatch(t *testing.T, v *View, s *dispatch.Settings) {
	t.Helper()
	w := v.watch
	k, err := strconv.ParseFloat(w.k.Text, 64)
	if err != nil {
		t.Fatalf("k entry shows %q", w.k.Text)
	}
	runs, err := strconv.Atoi(w.runs.Text)
	if err != nil {
		t.Fatalf("runs entry shows %q", w.runs.Text)
	}
	interval, err := strconv.Atoi(w.interval.Text)
	if err != nil {
		t.Fatalf("interval entry shows %q", w.interval.Text)
	}
	s.Anomaly = dispatch.AnomalySettings{Enabled: w.anomaly.Checked, K: k, MinRuns: runs}
	s.Heartbeat = dispatch.HeartbeatSettings{Interval: interval}
	s.AwaySummary = w.away.Checked
}

// Each Watch control writes through, shows again after reopening, and the
// preview sentence follows; the heartbeat URL goes to the keyring, is
// never shown again, and a bad one is refused.
func TestWatchControlsPersist(t *testing.T) {
	env := newEnv(t)
	v, _ := open(t, env)
	w := v.watch
	if p := w.preview.Text; !strings.Contains(p, "not judged") || !strings.Contains(p, "as one message") || strings.Contains(p, "heartbeat") {
		t.Errorf("fresh preview %q", p)
	}
	test.Tap(w.anomaly)
	w.k.SetText("2.5")
	w.runs.SetText("20")
	w.interval.SetText("30")
	test.Tap(w.away)
	want := dispatch.DefaultSettings()
	want.Anomaly = dispatch.AnomalySettings{Enabled: true, K: 2.5, MinRuns: 20}
	want.Heartbeat.Interval = 30
	want.AwaySummary = false
	if got := stored(t, env); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, want)
	}
	if want := "A successful run outside its median ± 2.5 × MAD (after 20 successful runs) is pushed as a warning."; w.preview.Text != want {
		t.Errorf("preview %q, want %q", w.preview.Text, want)
	}

	w.url.SetText("ftp://example.com/x")
	test.Tap(w.urlSave)
	if l := v.errs[keyHeartbeat]; !l.Visible() || !strings.Contains(l.Text, "http") {
		t.Errorf("bad URL: error %q", l.Text)
	}
	w.url.SetText("https://hc-ping.com/secret-token")
	test.Tap(w.urlSave)
	if u, err := env.HeartbeatURL(t.Context()); err != nil || u != "https://hc-ping.com/secret-token" {
		t.Errorf("keyring holds %q, %v", u, err)
	}
	if !strings.Contains(w.preview.Text, "at most every 30 s") {
		t.Errorf("preview with a heartbeat %q", w.preview.Text)
	}

	v2, _ := open(t, env)
	if got := shown(t, v2); !reflect.DeepEqual(got, want) {
		t.Fatalf("reopened tab shows\n%+v\nwant\n%+v", got, want)
	}
	if v2.watch.url.Text != "" || !strings.Contains(v2.watch.url.PlaceHolder, "set") {
		t.Errorf("reopened URL field %q / %q", v2.watch.url.Text, v2.watch.url.PlaceHolder)
	}

	for _, bad := range [][2]string{{"k", "0"}, {"runs", "x"}, {"interval", "1"}} {
		entry := map[string]func() (string, func(string)){
			"k":        func() (string, func(string)) { return keyAnomalyK, v2.watch.k.SetText },
			"runs":     func() (string, func(string)) { return keyAnomalyRuns, v2.watch.runs.SetText },
			"interval": func() (string, func(string)) { return keyHBInterval, v2.watch.interval.SetText },
		}[bad[0]]
		key, set := entry()
		set(bad[1])
		if !v2.errs[key].Visible() {
			t.Errorf("%s=%s: no error", key, bad[1])
		}
	}
	if got := stored(t, env); !reflect.DeepEqual(got, want) {
		t.Errorf("bad values were stored: %+v", got)
	}
}
