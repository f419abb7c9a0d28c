package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func secs(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, s := range v {
		out[i] = time.Duration(s * float64(time.Second))
	}
	return out
}

func TestDurationAnomaly(t *testing.T) {
	steady := secs(60, 61, 59, 60, 62, 58, 60, 61, 59, 60) // median 60 s, MAD 1 s → floor 3 s (median/20)
	cases := []struct {
		name        string
		history     []time.Duration
		d           time.Duration
		k           float64
		min         int
		odd, short  bool
		median, mad time.Duration
	}{
		{"usual run", steady, 61 * time.Second, 3, 10, false, false, 60 * time.Second, time.Second},
		{"at the upper edge: not yet", steady, 69 * time.Second, 3, 10, false, false, 60 * time.Second, time.Second},
		{"just past the upper edge", steady, 69*time.Second + time.Millisecond, 3, 10, true, false, 60 * time.Second, time.Second},
		{"much longer", steady, 10 * time.Minute, 3, 10, true, false, 60 * time.Second, time.Second},
		{"too fast (healthchecks #236)", steady, 2 * time.Second, 3, 10, true, true, 60 * time.Second, time.Second},
		{"narrower k flags less deviation", steady, 65 * time.Second, 1, 10, true, false, 60 * time.Second, time.Second},
		{"too little history", steady[:9], 10 * time.Minute, 3, 10, false, false, 0, 0},
		{"no history", nil, time.Second, 3, 0, false, false, 0, 0},
		{"even count: median between the middle two", secs(10, 20, 30, 40), 100 * time.Second, 3, 3, true, false, 25 * time.Second, 10 * time.Second},
		{"outlier in the history does not move the band", secs(10, 10, 10, 10, 10, 10, 10, 10, 10, 900), 13 * time.Second, 3, 10, true, false, 10 * time.Second, 0},
		{"identical history: jitter is not an anomaly", secs(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), 2200 * time.Millisecond, 3, 10, false, false, 2 * time.Second, 0},
		{"sub-second task: 100 ms floor", secs(0.05, 0.05, 0.05), 400 * time.Millisecond, 3, 3, true, false, 50 * time.Millisecond, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, odd := DurationAnomaly(c.history, c.d, c.k, c.min)
			if odd != c.odd || a.Shorter != c.short {
				t.Errorf("anomaly %v shorter %v, want %v %v (band %v–%v)", odd, a.Shorter, c.odd, c.short, a.Low, a.High)
			}
			if a.Median != c.median || a.MAD != c.mad {
				t.Errorf("median %v MAD %v, want %v %v", a.Median, a.MAD, c.median, c.mad)
			}
		})
	}
}

func TestParseDeadman(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		out  string
		bad  bool
	}{
		{"26h", 26 * time.Hour, "26h", false},
		{"2d", 48 * time.Hour, "2d", false},
		{"1d12h", 36 * time.Hour, "36h", false},
		{"90m", 90 * time.Minute, "1h30m", false},
		{" 5s ", 5 * time.Second, "5s", false},
		{"24h", 24 * time.Hour, "1d", false},
		{"4s", 0, "", true},
		{"367d", 0, "", true},
		{"soon", 0, "", true},
		{"xd", 0, "", true},
		{"", 0, "", true},
	}
	for _, c := range cases {
		d, err := ParseDeadman(c.in)
		if (err != nil) != c.bad || d != c.want {
			t.Errorf("ParseDeadman(%q) = %v, %v; want %v, bad %v", c.in, d, err, c.want, c.bad)
			continue
		}
		if !c.bad {
			if got := FormatDeadman(d); got != c.out {
				t.Errorf("FormatDeadman(%v) = %q, want %q", d, got, c.out)
			}
		}
	}
}

func TestWatchSettingsSet(t *testing.T) {
	cases := []struct {
		key, value string
		bad        bool
		check      func(Settings) bool
	}{
		{"anomaly.enabled", "on", false, func(s Settings) bool { return s.Anomaly.Enabled }},
		{"anomaly.k", "2.5", false, func(s Settings) bool { return s.Anomaly.K == 2.5 }},
		{"anomaly.k", "default", false, func(s Settings) bool { return s.Anomaly.K == 3 }},
		{"anomaly.k", "0.1", true, nil},
		{"anomaly.k", "NaN", true, nil},
		{"anomaly.k", "wide", true, nil},
		{"anomaly.min_runs", "20", false, func(s Settings) bool { return s.Anomaly.MinRuns == 20 }},
		{"anomaly.min_runs", "2", true, nil},
		{"anomaly.min_runs", "x", true, nil},
		{"heartbeat.interval", "300", false, func(s Settings) bool { return s.Heartbeat.Interval == 300 }},
		{"heartbeat.interval", "1", true, nil},
		{"heartbeat.interval", "x", true, nil},
		{"heartbeat.url", "https://hc-ping.com/secret", true, nil},
		{"away_summary", "off", false, func(s Settings) bool { return !s.AwaySummary }},
		{"away_summary", "default", false, func(s Settings) bool { return s.AwaySummary }},
	}
	for _, c := range cases {
		s := DefaultSettings()
		s.AwaySummary = false
		err := s.Set(c.key, c.value, nil)
		if (err != nil) != c.bad {
			t.Errorf("Set %s=%s: %v, want bad %v", c.key, c.value, err, c.bad)
			continue
		}
		if c.check != nil && !c.check(s) {
			t.Errorf("Set %s=%s: settings %+v", c.key, c.value, s)
		}
		if err == nil {
			if err := s.Validate(); err != nil {
				t.Errorf("Set %s=%s: Validate: %v", c.key, c.value, err)
			}
		}
	}
	var o TaskOverrides
	for _, kv := range [][2]string{{"deadman", "1d"}, {"anomaly", "on"}} {
		if err := o.Set(kv[0], kv[1], nil); err != nil {
			t.Fatal(err)
		}
	}
	if o.Deadman != "1d" || o.DeadmanPeriod() != 24*time.Hour || o.Anomaly == nil || !*o.Anomaly || o.Validate() != nil {
		t.Errorf("overrides %+v", o)
	}
	if err := o.Set("deadman", "sometimes", nil); err == nil || o.Deadman != "1d" {
		t.Errorf("bad deadman: %v, kept %q", err, o.Deadman)
	}
	for _, off := range []string{"off", "default", ""} {
		o2 := o
		if err := o2.Set("deadman", off, nil); err != nil || o2.Deadman != "" || o2.DeadmanPeriod() != 0 {
			t.Errorf("deadman=%q: %v, %+v", off, err, o2)
		}
	}
}

func TestCountMissedRuns(t *testing.T) {
	loc := berlin(t)
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, loc) }
	daily := task.Task{Schedule: task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"02:30", "08:00"}}}
	hourly := task.Task{Schedule: task.Schedule{Kind: task.ScheduleEvery, Every: time.Hour}}
	cases := []struct {
		name     string
		t        task.Task
		from, to time.Time
		want     int
	}{
		{"manual only", task.Task{}, at(1, 0, 0), at(9, 0, 0), 0},
		{"daily over two days", daily, at(1, 9, 0), at(3, 9, 0), 4},
		{"spring DST day: 02:30 does not exist, 08:00 does", daily, at(29, 0, 0), at(29, 9, 0), 2},
		{"up to and including to", daily, at(1, 9, 0), at(2, 8, 0), 2},
		{"nothing due", daily, at(1, 9, 0), at(1, 10, 0), 0},
		{"every hour across the DST night: 23 real hours", hourly, at(29, 0, 0), at(30, 0, 0), 23},
	}
	for _, c := range cases {
		if got := countMissed(c.t, c.from, c.to, loc); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

type watchRig struct {
	t      *testing.T
	st     *store.Store
	clock  *clockwork.FakeClock
	loc    *time.Location
	s      Settings
	queued []*store.OutboxItem
	pings  []time.Time
}

func newWatchRig(t *testing.T, path string, now time.Time) *watchRig {
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := DefaultSettings()
	s.Language = "en"
	return &watchRig{t: t, st: st, clock: clockwork.NewFakeClockAt(now), loc: berlin(t), s: s}
}

// watcher is a fresh watcher on the rig's store, as after a start.
func (r *watchRig) watcher() *watcher {
	w := &watcher{clock: r.clock, loc: r.loc, store: r.st, settings: func() Settings { return r.s },
		channels: func(context.Context) ([]string, error) { return []string{"ch-a", "ch-b"}, nil },
		queued:   func(items ...*store.OutboxItem) { r.queued = append(r.queued, items...) },
		ping:     func(_ context.Context, _ Settings) { r.pings = append(r.pings, r.clock.Now()) },
		log:      slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := r.st.Setting(context.Background(), AliveKey, &w.alive); err != nil {
		r.t.Fatal(err)
	}
	return w
}

func (r *watchRig) task(name string, deadman string, sched task.Schedule) task.Task {
	ctx := context.Background()
	tk := task.Task{Name: name, Kind: task.KindCommand, Command: &task.Command{Line: "true"}, Enabled: true, Schedule: sched}
	if err := r.st.CreateTask(ctx, &tk); err != nil {
		r.t.Fatal(err)
	}
	if deadman != "" {
		if err := SaveOverrides(ctx, r.st, tk.ID, TaskOverrides{Deadman: deadman}); err != nil {
			r.t.Fatal(err)
		}
	}
	return tk
}

func (r *watchRig) success(tk task.Task, end time.Time) {
	run := task.Run{TaskID: tk.ID, Trigger: task.TriggerAuto, Status: task.StatusSuccess, Started: end.Add(-time.Second), Finished: end}
	if err := r.st.InsertRun(context.Background(), &run); err != nil {
		r.t.Fatal(err)
	}
}

func (r *watchRig) check(w *watcher, at time.Time) (time.Time, int) {
	r.t.Helper()
	r.clock.Advance(at.Sub(r.clock.Now()))
	before := len(r.queued)
	next, err := w.check(context.Background(), at)
	if err != nil {
		r.t.Fatal(err)
	}
	return next, len(r.queued) - before
}

// A task that must succeed every 24 h pushes "missing" once per miss, on
// both channels, at the first check at or after last success + 24 h
// (absolute hours: across the spring DST change that is 10:00, not
// 09:00), never again for the same miss, also from a watcher started
// anew on the same database, and again after a new success is missed.
func TestDeadmanPushesOncePerMiss(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	loc := berlin(t)
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, loc) }
	r := newWatchRig(t, path, at(28, 9, 0))
	tk := r.task("backup", "24h", task.Schedule{})
	r.task("no switch", "", task.Schedule{})
	r.success(tk, at(28, 9, 0))
	w := r.watcher()

	steps := []struct {
		name string
		at   time.Time
		rows int
		next time.Time
	}{
		{"fresh success", at(28, 9, 0), 0, at(28, 9, 0).Add(watchEvery)},
		{"the evening before", at(28, 22, 0), 0, at(28, 22, 0).Add(watchEvery)},
		{"an hour before 24 real hours", at(29, 9, 0), 0, at(29, 9, 0).Add(watchEvery)},
		{"due soon: wakes at the due time", at(29, 9, 59).Add(45 * time.Second), 0, at(29, 10, 0)},
		{"24 real hours later", at(29, 10, 0), 2, at(29, 10, 0).Add(watchEvery)},
		{"still missing: no repeat", at(29, 10, 1), 0, at(29, 10, 1).Add(watchEvery)},
		{"a day later: no repeat", at(30, 10, 1), 0, at(30, 10, 1).Add(watchEvery)},
	}
	for _, s := range steps {
		next, n := r.check(w, s.at)
		if n != s.rows || !next.Equal(s.next) {
			t.Fatalf("%s: %d rows, next %v; want %d, %v", s.name, n, next, s.rows, s.next)
		}
	}
	first := r.queued[0]
	if first.ChannelID != "ch-a" || r.queued[1].ChannelID != "ch-b" || first.Source != store.SourceDigest {
		t.Errorf("rows %+v / %+v", *first, *r.queued[1])
	}
	if want := "⏰ backup is missing"; first.Title != want {
		t.Errorf("title %q, want %q", first.Title, want)
	}
	if want := "backup has not succeeded since 2026-03-28 09:00:00; it should succeed at least every 1 d."; first.Body != want {
		t.Errorf("body %q, want %q", first.Body, want)
	}
	items, err := r.st.OutboxItems(context.Background(), store.OutboxFilter{})
	if err != nil || len(items) != 2 {
		t.Fatalf("outbox holds %d rows (%v), want 2", len(items), err)
	}

	// A restart: a new watcher, the same database, shortly after.
	if _, n := r.check(r.watcher(), at(30, 10, 2)); n != 0 {
		t.Errorf("after a restart: %d rows, want none", n)
	}
	// A success, then its miss: one more push.
	r.success(tk, at(30, 12, 0))
	w = r.watcher()
	if _, n := r.check(w, at(31, 11, 59)); n != 0 {
		t.Errorf("before the new due time: %d rows", n)
	}
	if _, n := r.check(w, at(31, 12, 0)); n != 2 {
		t.Errorf("new miss: %d rows, want 2", n)
	}
	if _, n := r.check(w, at(31, 12, 1)); n != 0 {
		t.Errorf("new miss repeated: %d rows", n)
	}
}

// After Herald was away (not running, or the machine slept), the tasks
// whose switch tripped meanwhile come in one summary, with the runs that
// fell due, not one push each; the tasks are marked, so no "missing" push
// follows for them, and the summary is not repeated. An absence in which
// no task went missing sends no summary.
func TestAwaySummaryInsteadOfBurst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	loc := berlin(t)
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, loc) }
	r := newWatchRig(t, path, at(27, 20, 0))
	daily := task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"08:00"}}
	a := r.task("backup", "1d", daily)
	b := r.task("sync", "2h", task.Schedule{Kind: task.ScheduleEvery, Every: time.Hour})
	r.task("report", "", daily)
	r.success(a, at(27, 8, 0))
	r.success(b, at(27, 19, 30))
	if _, n := r.check(r.watcher(), at(27, 20, 0)); n != 0 {
		t.Fatalf("before the absence: %d rows", n)
	}
	// Herald stops at 20:00 on the 27th and starts again on the 29th at
	// 09:00, after the spring DST change.
	w := r.watcher()
	_, n := r.check(w, at(29, 9, 0))
	if n != 2 {
		t.Fatalf("after the absence: %d rows, want one summary per channel", n)
	}
	sum := r.queued[0]
	if want := "💤 While you were away: 2 missing, 40 runs due"; sum.Title != want {
		t.Errorf("title %q, want %q", sum.Title, want)
	}
	for _, want := range []string{
		"Herald was not running (or the computer slept) from 2026-03-27 20:00:00 to 2026-03-29 09:00:00 (1 d 12 h).",
		"• backup: no success since 2026-03-27 08:00:00 (expected every 1 d)",
		"• sync: no success since 2026-03-27 19:30:00 (expected every 2 h)",
		"• backup: 2 runs", "• sync: 36 runs", "• report: 2 runs",
	} {
		if !strings.Contains(sum.Body, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.Body)
		}
	}
	if _, n := r.check(w, at(29, 9, 1)); n != 0 {
		t.Errorf("after the summary: %d rows", n)
	}
	if _, n := r.check(r.watcher(), at(29, 9, 2)); n != 0 {
		t.Errorf("after the summary and a restart: %d rows", n)
	}

	// An absence in which runs fell due but no task went missing (a laptop
	// asleep for an hour) sends nothing: there is no burst to replace.
	r.success(a, at(29, 10, 0))
	r.success(b, at(29, 10, 0))
	if _, n := r.check(r.watcher(), at(29, 10, 0)); n != 0 {
		t.Fatalf("after the successes: %d rows", n)
	}
	if _, n := r.check(r.watcher(), at(29, 11, 30)); n != 0 {
		t.Errorf("after an absence with a run due but nothing missing: %d rows, want none", n)
	}

	// Turned off: the misses come one by one.
	r.s.AwaySummary = false
	if _, n := r.check(r.watcher(), at(31, 12, 0)); n != 4 {
		t.Errorf("without the summary: %d rows, want 2 tasks × 2 channels", n)
	}
}

// The heartbeat follows healthy checks, at most every interval.
func TestHeartbeatAtMostEveryInterval(t *testing.T) {
	r := newWatchRig(t, filepath.Join(t.TempDir(), "herald.db"), time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC))
	r.s.Heartbeat.Interval = 60
	w := r.watcher()
	start := r.clock.Now()
	var nexts []time.Time
	for _, s := range []int{0, 30, 59, 60, 61, 125} {
		next, _ := r.check(w, start.Add(time.Duration(s)*time.Second))
		nexts = append(nexts, next)
	}
	want := []time.Time{start, start.Add(60 * time.Second), start.Add(125 * time.Second)}
	if len(r.pings) != len(want) {
		t.Fatalf("pings at %v, want %v", r.pings, want)
	}
	for i := range want {
		if !r.pings[i].Equal(want[i]) {
			t.Errorf("ping %d at %v, want %v", i, r.pings[i], want[i])
		}
	}
	// The watcher wakes for the next ping: 30 s after a ping at 0 s, with a
	// 20 s interval it would be sooner.
	if !nexts[0].Equal(start.Add(watchEvery)) || !nexts[1].Equal(start.Add(60*time.Second)) {
		t.Errorf("next checks %v", nexts)
	}
}

// The anomaly rule on a run being planned: only successes, only with the
// rule on (globally or for the task), judged against the task's earlier
// successes, one warning per channel.
func TestAnomalyRows(t *testing.T) {
	loc := berlin(t)
	r := newWatchRig(t, filepath.Join(t.TempDir(), "herald.db"), time.Date(2026, 10, 25, 12, 0, 0, 0, loc))
	tk := r.task("backup", "", task.Schedule{})
	start := time.Date(2026, 10, 24, 0, 0, 0, 0, loc)
	for i := range 10 {
		end := start.Add(time.Duration(i) * time.Hour)
		run := task.Run{TaskID: tk.ID, Trigger: task.TriggerAuto, Status: task.StatusSuccess,
			Started: end.Add(-time.Duration(60+i%3) * time.Second), Finished: end}
		if err := r.st.InsertRun(context.Background(), &run); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Date(2026, 10, 25, 2, 30, 0, 0, loc) // the night the clocks go back
	run := func(status task.Status, took time.Duration) task.Run {
		return task.Run{TaskID: tk.ID, TaskName: "backup", Trigger: task.TriggerAuto, Status: status, Started: end.Add(-took), Finished: end}
	}
	on, off := true, false
	cases := []struct {
		name   string
		global bool
		o      TaskOverrides
		r      task.Run
		rows   int
	}{
		{"usual success", true, TaskOverrides{}, run(task.StatusSuccess, 61*time.Second), 0},
		{"long success", true, TaskOverrides{}, run(task.StatusSuccess, 10*time.Minute), 2},
		{"too fast success", true, TaskOverrides{}, run(task.StatusSuccess, time.Second), 2},
		{"rule off", false, TaskOverrides{}, run(task.StatusSuccess, 10*time.Minute), 0},
		{"on for the task", false, TaskOverrides{Anomaly: &on}, run(task.StatusSuccess, 10*time.Minute), 2},
		{"off for the task", true, TaskOverrides{Anomaly: &off}, run(task.StatusSuccess, 10*time.Minute), 0},
		{"task's pushes off", true, TaskOverrides{Push: &off}, run(task.StatusSuccess, 10*time.Minute), 0},
		{"a failure is pushed as such", true, TaskOverrides{}, run(task.StatusFailure, time.Second), 0},
	}
	p := &Planner{Location: loc}
	for _, c := range cases {
		s := r.s
		s.Anomaly.Enabled = c.global
		items, err := p.anomalyRows(context.Background(), r.st, s, c.o, c.r, []string{"ch-a", "ch-b"})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != c.rows {
			t.Errorf("%s: %d rows, want %d", c.name, len(items), c.rows)
			continue
		}
		if c.name == "long success" {
			want := "The run of backup that ended at 2026-10-25 02:30:00 took 10 min. Its usual is 1 min 1 s (normal range 52 s to 1 min 10 s, from its last 10 successful runs)."
			if items[0].Title != "⚠️ backup took unusually long" || items[0].Body != want || items[0].Level != "warning" {
				t.Errorf("warning %q / %q", items[0].Title, items[0].Body)
			}
		}
	}
}

// A ping's failures are logged without the URL, which may hold a token.
func TestHeartbeatPingNeverLogsTheURL(t *testing.T) {
	const token = "tok-93b1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	for _, c := range []struct{ url, want string }{
		{srv.URL + "/ping/" + token, "status=503"},
		{deadURL + "/ping/" + token, "heartbeat ping failed"},
		{"http://[::1/" + token, "heartbeat URL unusable"},
	} {
		var buf bytes.Buffer
		hb := &Heartbeat{URL: func() (string, error) { return c.url, nil }, Log: slog.New(slog.NewTextHandler(&buf, nil))}
		hb.Ping(context.Background(), Settings{})
		if !strings.Contains(buf.String(), c.want) || strings.Contains(buf.String(), token) {
			t.Errorf("%s: log %q", c.want, buf.String())
		}
	}
	if err := CheckHeartbeatURL("ftp://x/" + token); err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("CheckHeartbeatURL: %v", err)
	}
	for _, ok := range []string{"https://hc-ping.com/x", "http://127.0.0.1:3001/api/push/abc?status=up"} {
		if err := CheckHeartbeatURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// Every text of the watch area reads in both languages with the same
// arguments, and the push texts render in Chinese.
func TestWatchTranslationsComplete(t *testing.T) {
	read := func(name string) map[string]string {
		data, err := os.ReadFile("../../assets/translations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	en, zh := read("deadman.en.json"), read("deadman.zh_Hans.json")
	args := regexp.MustCompile(`\{\{\.\w+\}\}`)
	for k, v := range en {
		z, ok := zh[k]
		if !ok {
			t.Errorf("zh lacks %s", k)
			continue
		}
		a, b := args.FindAllString(v, -1), args.FindAllString(z, -1)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("%s: en uses %v, zh %v", k, a, b)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %s", k)
		}
	}
	s := DefaultSettings()
	s.Language = "zh"
	loc := berlin(t)
	m := MissingMessage(s, Missing{Task: task.Task{Name: "备份"}, Since: time.Date(2026, 3, 29, 1, 30, 0, 0, loc), Every: 26 * time.Hour}, loc)
	if m.Title != "⏰ 备份 未按时成功" || m.Body != "备份 自 2026-03-29 01:30:00 起没有成功执行过，应至少每 1 天 2 小时 成功一次。" {
		t.Errorf("zh missing push %q / %q", m.Title, m.Body)
	}
}

// In quiet hours the watcher's pushes are held like any other: a task gone
// missing (and the away summary) until they end, unless the task's
// failures break through; a duration warning until they end, always.
func TestQuietHoursHoldWatcherPushes(t *testing.T) {
	loc := berlin(t)
	at := func(d, h, m int) time.Time { return time.Date(2026, 10, d, h, m, 0, 0, loc) }
	r := newWatchRig(t, filepath.Join(t.TempDir(), "herald.db"), at(24, 1, 0))
	r.s.Quiet.Windows = "22:00-07:30"
	r.s.AwaySummary = false // one push per task, below; the summary after
	quiet := r.task("quiet", "1h", task.Schedule{})
	loud := r.task("loud", "1h", task.Schedule{})
	if err := SaveOverrides(context.Background(), r.st, loud.ID, TaskOverrides{Deadman: "1h", QuietBreakThrough: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	r.success(quiet, at(24, 1, 0))
	r.success(loud, at(24, 1, 0))
	w := r.watcher()
	r.check(w, at(24, 1, 0))
	// 02:30 on the night the clocks go back: the window ends at 07:30 CET.
	if _, n := r.check(w, at(25, 2, 30)); n != 4 {
		t.Fatalf("%d rows, want 2 tasks × 2 channels", n)
	}
	end := at(25, 7, 30)
	for _, it := range r.queued {
		loudRow := strings.HasPrefix(it.Title, "⏰ loud")
		switch {
		case loudRow && it.Hold != "":
			t.Errorf("%q held (%s), but its failures break through", it.Title, it.Hold)
		case !loudRow && (it.Hold != HoldQuiet+":"+string(ReasonMissing) || !it.NextAt.Equal(end)):
			t.Errorf("%q: hold %q until %v, want held until %v", it.Title, it.Hold, it.NextAt, end)
		}
	}

	// The summary after an absence is held unless a task in it breaks
	// through.
	r.s.AwaySummary = true
	r.success(quiet, at(25, 3, 0))
	r.success(loud, at(25, 3, 0))
	w = r.watcher()
	r.check(w, at(25, 3, 0))
	before := len(r.queued)
	if _, n := r.check(w, at(25, 5, 0)); n != 2 {
		t.Fatalf("after an absence: %d rows, want a summary per channel", n)
	}
	for _, it := range r.queued[before:] {
		if it.Hold != "" {
			t.Errorf("summary %q held (%s), but it tells of a task that breaks through", it.Title, it.Hold)
		}
	}
	if err := SaveOverrides(context.Background(), r.st, loud.ID, TaskOverrides{Deadman: "1h"}); err != nil {
		t.Fatal(err)
	}
	r.success(quiet, at(25, 5, 0))
	r.success(loud, at(25, 5, 0))
	w = r.watcher()
	r.check(w, at(25, 5, 0))
	before = len(r.queued)
	if _, n := r.check(w, at(25, 7, 0)); n != 2 {
		t.Fatalf("after a second absence: %d rows, want a summary per channel", n)
	}
	for _, it := range r.queued[before:] {
		if it.Hold != HoldQuiet+":"+string(ReasonMissing) || !it.NextAt.Equal(end) {
			t.Errorf("summary %q: hold %q until %v, want held until %v", it.Title, it.Hold, it.NextAt, end)
		}
	}

	r.s.Anomaly.Enabled = true
	tk := r.task("backup", "", task.Schedule{})
	for i := range 10 {
		run := task.Run{TaskID: tk.ID, Trigger: task.TriggerAuto, Status: task.StatusSuccess,
			Started: at(23, i, 0), Finished: at(23, i, 1)}
		if err := r.st.InsertRun(context.Background(), &run); err != nil {
			t.Fatal(err)
		}
	}
	long := task.Run{TaskID: tk.ID, TaskName: "backup", Trigger: task.TriggerAuto, Status: task.StatusSuccess,
		Started: at(25, 2, 0), Finished: at(25, 2, 30)}
	p := &Planner{Location: loc}
	items, err := p.anomalyRows(context.Background(), r.st, r.s, TaskOverrides{QuietBreakThrough: ptr(true)}, long, []string{"ch-a"})
	if err != nil || len(items) != 1 {
		t.Fatalf("%d warnings (%v), want 1", len(items), err)
	}
	if it := items[0]; it.Hold != HoldQuiet+":"+string(ReasonAnomaly) || !it.NextAt.Equal(end) {
		t.Errorf("warning: hold %q until %v, want held until %v", it.Hold, it.NextAt, end)
	}
}
