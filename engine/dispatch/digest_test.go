package dispatch

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/task"
)

// digestRuns is a day of runs in UTC+8 ending at 12:00: successes,
// failures with multi-line errors, a timeout, a skipped run, a test run
// (ignored), one run exactly at the end (included) and one after it.
func digestRuns() (runs []task.Run, from, to time.Time, loc *time.Location) {
	loc = time.FixedZone("CST", 8*3600)
	to = time.Date(2026, 3, 2, 12, 0, 0, 0, loc)
	from = to.Add(-24 * time.Hour)
	at := func(h int) time.Time { return from.Add(time.Duration(h) * time.Hour) }
	runs = []task.Run{ // deliberately not in time order
		{ID: 5, TaskID: 2, TaskName: "Sync", Trigger: task.TriggerAuto, Status: task.StatusTimeout, Finished: at(15), Error: "timed out after 10m0s"},
		{ID: 1, TaskID: 1, TaskName: "backup", Trigger: task.TriggerAuto, Status: task.StatusSuccess, Finished: at(1)},
		{ID: 2, TaskID: 1, TaskName: "backup", Trigger: task.TriggerAuto, Status: task.StatusFailure, Finished: at(2), Error: "\nrsync: write failed: disk full\nexit 23"},
		{ID: 3, TaskID: 3, TaskName: "Web", Trigger: task.TriggerManual, Status: task.StatusSuccess, Finished: at(3)},
		{ID: 4, TaskID: 3, TaskName: "Web", Trigger: task.TriggerAuto, Status: task.StatusSkipped, Finished: at(4)},
		{ID: 6, TaskID: 4, TaskName: "Trial", Trigger: task.TriggerTest, Status: task.StatusFailure, Finished: at(5), Error: "x"},
		{ID: 7, TaskID: 5, TaskName: "Old", Trigger: task.TriggerAuto, Status: task.StatusFailure, Finished: at(24)},
		{ID: 8, TaskID: 5, TaskName: "Old", Trigger: task.TriggerAuto, Status: task.StatusSuccess, Finished: at(25)},
	}
	return runs, from, to, loc
}

func TestDigestContent(t *testing.T) {
	runs, from, to, loc := digestRuns()
	tests := []struct {
		lang, title, body string
	}{
		{"en", "Herald digest 12:00 — 3 failures", `6 runs from 2026-03-01 12:00:00 to 2026-03-02 12:00:00
Succeeded 2 · Failed 2 · Timed out 1 · Skipped 1

Failures:
2026-03-01 14:00:00 backup: rsync: write failed: disk full
2026-03-02 03:00:00 Sync: timed out after 10m0s
2026-03-02 12:00:00 Old: failed

Last status:
backup: failed (2026-03-01 14:00:00)
Old: failed (2026-03-02 12:00:00)
Sync: timed out (2026-03-02 03:00:00)
Web: skipped (2026-03-01 16:00:00)`},
		{"zh", "批量推送 12:00 — 3 次失败", `共 6 次执行（2026-03-01 12:00:00 至 2026-03-02 12:00:00）
执行成功 2 · 执行失败 2 · 超时 1 · 已跳过 1

失败：
2026-03-01 14:00:00 backup：rsync: write failed: disk full
2026-03-02 03:00:00 Sync：超时（10 分钟）
2026-03-02 12:00:00 Old：执行失败

各任务最新状态：
backup：执行失败（2026-03-01 14:00:00）
Old：执行失败（2026-03-02 12:00:00）
Sync：超时（2026-03-02 03:00:00）
Web：已跳过（2026-03-01 16:00:00）`},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			s := DefaultSettings()
			s.Language = tt.lang
			m, ok := Digest(s, runs, from, to, loc)
			if !ok || m.Title != tt.title || m.Body != tt.body || m.Level != message.LevelError || m.Markdown {
				t.Errorf("got %v %q %s\n%s\nwant %q\n%s", ok, m.Title, m.Level, m.Body, tt.title, tt.body)
			}
		})
	}

	// Only successes: no failures section, info level, singular run.
	s := DefaultSettings()
	s.Language = "en"
	m, ok := Digest(s, runs[1:2], from, to, loc)
	want := "1 run from 2026-03-01 12:00:00 to 2026-03-02 12:00:00\nSucceeded 1\n\nLast status:\nbackup: succeeded (2026-03-01 13:00:00)"
	if !ok || m.Title != "Herald digest 12:00 — no failures" || m.Body != want || m.Level != message.LevelInfo {
		t.Errorf("successes only: %v %q %s\n%s", ok, m.Title, m.Level, m.Body)
	}
	// One failure: singular; the due time shows seconds when it has them.
	m, _ = Digest(s, runs[2:3], from, to.Add(30*time.Second), loc)
	if m.Title != "Herald digest 12:00:30 — 1 failure" {
		t.Errorf("one failure: %q", m.Title)
	}
}

// The interval is (from, to]: consecutive digests count every run once.
func TestDigestBoundaries(t *testing.T) {
	from := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	run := func(name string, finished time.Time) task.Run {
		return task.Run{TaskID: int64(len(name)), TaskName: name, Trigger: task.TriggerAuto, Status: task.StatusFailure,
			Finished: finished, Error: "boom"}
	}
	runs := []task.Run{
		run("at-from", from),
		run("just-after-from", from.Add(time.Nanosecond)),
		run("at-to", to),
		run("just-after-to", to.Add(time.Nanosecond)),
		run("way-before", from.Add(-time.Hour)),
	}
	s := DefaultSettings()
	s.Language = "en"
	m, ok := Digest(s, runs, from, to, time.UTC)
	if !ok {
		t.Fatal("no digest")
	}
	for name, want := range map[string]bool{"at-from": false, "just-after-from": true, "at-to": true, "just-after-to": false, "way-before": false} {
		if got := strings.Contains(m.Body, " "+name+": boom"); got != want {
			t.Errorf("%s in the digest: %v, want %v", name, got, want)
		}
	}
	if !strings.HasPrefix(m.Body, "2 runs from") {
		t.Errorf("body: %s", m.Body)
	}
	// The next interval picks up exactly the run after the boundary.
	m, _ = Digest(s, runs, to, to.Add(time.Hour), time.UTC)
	if !strings.HasPrefix(m.Body, "1 run from") || !strings.Contains(m.Body, "just-after-to: boom") {
		t.Errorf("next interval: %s", m.Body)
	}
}

func TestDigestEmpty(t *testing.T) {
	runs, from, to, loc := digestRuns()
	outside := []task.Run{runs[7], runs[5]} // after `to`, and a test run
	s := DefaultSettings()
	s.Language = "en"
	if m, ok := Digest(s, outside, from, to, loc); ok || m != (message.Message{}) {
		t.Errorf("skip empty: sent %v %+v", ok, m)
	}
	s.Batch.SkipEmpty = false
	m, ok := Digest(s, outside, from, to, loc)
	want := message.Message{Title: "Herald digest 12:00 — no runs", Body: "No runs from 2026-03-01 12:00:00 to 2026-03-02 12:00:00.", Level: message.LevelInfo}
	if !ok || m != want {
		t.Errorf("empty digest: %v %+v, want %+v", ok, m, want)
	}
	s.Language = "zh"
	m, ok = Digest(s, nil, from, to, loc)
	want = message.Message{Title: "批量推送 12:00 — 无执行记录", Body: "2026-03-01 12:00:00 至 2026-03-02 12:00:00 无执行记录。", Level: message.LevelInfo}
	if !ok || m != want {
		t.Errorf("empty zh digest: %v %+v, want %+v", ok, m, want)
	}
}

// Many failures: the first 50 are listed, the rest counted; long error
// lines are clipped.
func TestDigestLimits(t *testing.T) {
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var runs []task.Run
	for i := range 60 {
		runs = append(runs, task.Run{ID: int64(i + 1), TaskID: 1, TaskName: "flaky", Trigger: task.TriggerAuto,
			Status: task.StatusFailure, Finished: from.Add(time.Duration(i+1) * time.Minute), Error: fmt.Sprintf("%02d ", i) + strings.Repeat("x", 300)})
	}
	s := DefaultSettings()
	s.Language = "en"
	m, _ := Digest(s, runs, from, from.Add(2*time.Hour), time.UTC)
	if m.Title != "Herald digest 02:00 — 60 failures" {
		t.Errorf("title %q", m.Title)
	}
	lines := strings.Split(m.Body, "\n")
	var listed int
	for _, l := range lines {
		if strings.Contains(l, " flaky: ") {
			listed++
			if n := len([]rune(strings.SplitN(l, ": ", 2)[1])); n != maxDigestErrorLine || !strings.HasSuffix(l, "x…") {
				t.Errorf("error line of %d characters: %q", n, l)
			}
		}
	}
	if listed != 50 || !strings.Contains(m.Body, "\n… and 10 more\n") || !strings.Contains(m.Body, " flaky: 49 x") || strings.Contains(m.Body, " flaky: 50 x") {
		t.Errorf("%d failures listed:\n%s", listed, m.Body)
	}
}

func TestNextDigest(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	nyc := func(y int, mo time.Month, d, h, mi, s int) time.Time { return time.Date(y, mo, d, h, mi, s, 0, ny) }
	tests := []struct {
		name     string
		first    string
		interval int
		loc      *time.Location
		after    time.Time
		want     time.Time
	}{
		// Daily: today's First if ahead, else tomorrow's.
		{"daily, before First", "12:00:00", 86400, time.UTC, utc(2026, 1, 10, 11, 59, 59), utc(2026, 1, 10, 12, 0, 0)},
		{"daily, at First: strictly after", "12:00:00", 86400, time.UTC, utc(2026, 1, 10, 12, 0, 0), utc(2026, 1, 11, 12, 0, 0)},
		{"daily, 1ns after First", "12:00:00", 86400, time.UTC, utc(2026, 1, 10, 12, 0, 0).Add(time.Nanosecond), utc(2026, 1, 11, 12, 0, 0)},
		{"daily, midnight", "12:00:00", 86400, time.UTC, utc(2026, 1, 10, 0, 0, 0), utc(2026, 1, 10, 12, 0, 0)},
		{"daily, end of month", "08:30:15", 86400, time.UTC, utc(2026, 1, 31, 9, 0, 0), utc(2026, 2, 1, 8, 30, 15)},
		{"daily, First in local time", "12:00:00", 86400, ny, utc(2026, 1, 10, 16, 0, 0), nyc(2026, 1, 10, 12, 0, 0)},
		{"daily, local day differs from UTC day", "12:00:00", 86400, ny, utc(2026, 1, 11, 3, 0, 0), nyc(2026, 1, 11, 12, 0, 0)},
		// Every two days, anchored at the day of `after`.
		{"2 days, before First", "12:00:00", 172800, time.UTC, utc(2026, 1, 10, 11, 0, 0), utc(2026, 1, 10, 12, 0, 0)},
		{"2 days, at First", "12:00:00", 172800, time.UTC, utc(2026, 1, 10, 12, 0, 0), utc(2026, 1, 12, 12, 0, 0)},
		// Every minute, on the grid through First.
		{"60 s, just before First", "12:00:30", 60, time.UTC, utc(2026, 1, 10, 12, 0, 29), utc(2026, 1, 10, 12, 0, 30)},
		{"60 s, at First", "12:00:30", 60, time.UTC, utc(2026, 1, 10, 12, 0, 30), utc(2026, 1, 10, 12, 1, 30)},
		{"60 s, later", "12:00:30", 60, time.UTC, utc(2026, 1, 10, 15, 5, 0), utc(2026, 1, 10, 15, 5, 30)},
		{"60 s, hours before First", "12:00:30", 60, time.UTC, utc(2026, 1, 10, 9, 0, 0), utc(2026, 1, 10, 9, 0, 30)},
		{"60 s, across midnight", "12:00:30", 60, time.UTC, utc(2026, 1, 10, 23, 59, 45), utc(2026, 1, 11, 0, 0, 30)},
		// Every two hours, on the grid through First.
		{"7200 s, an hour before First", "12:00:00", 7200, time.UTC, utc(2026, 1, 10, 11, 0, 0), utc(2026, 1, 10, 12, 0, 0)},
		{"7200 s, at First", "12:00:00", 7200, time.UTC, utc(2026, 1, 10, 12, 0, 0), utc(2026, 1, 10, 14, 0, 0)},
		{"7200 s, a second before a due", "12:00:00", 7200, time.UTC, utc(2026, 1, 10, 13, 59, 59), utc(2026, 1, 10, 14, 0, 0)},
		{"7200 s, late evening", "12:00:00", 7200, time.UTC, utc(2026, 1, 10, 23, 0, 0), utc(2026, 1, 11, 0, 0, 0)},
		{"7200 s, at midnight: continues, not the next noon", "12:00:00", 7200, time.UTC, utc(2026, 1, 11, 0, 0, 0), utc(2026, 1, 11, 2, 0, 0)},
		{"7200 s, early morning: the grid before First", "12:00:00", 7200, time.UTC, utc(2026, 1, 10, 9, 0, 0), utc(2026, 1, 10, 10, 0, 0)},
		{"7200 s, odd First", "12:34:56", 7200, time.UTC, utc(2026, 1, 10, 13, 0, 0), utc(2026, 1, 10, 14, 34, 56)},
		// DST in New York: 2026-03-08 02:00 EST → 03:00 EDT, 2026-11-01 02:00 EDT → 01:00 EST.
		{"daily over spring forward stays at 12:00 local", "12:00:00", 86400, ny, nyc(2026, 3, 7, 12, 0, 0), nyc(2026, 3, 8, 12, 0, 0)},
		{"daily after spring forward", "12:00:00", 86400, ny, nyc(2026, 3, 8, 12, 0, 0), nyc(2026, 3, 9, 12, 0, 0)},
		{"daily over fall back stays at 12:00 local", "12:00:00", 86400, ny, nyc(2026, 10, 31, 12, 0, 0), nyc(2026, 11, 1, 12, 0, 0)},
		{"daily First in the spring-forward gap moves by the gap", "02:30:00", 86400, ny, nyc(2026, 3, 8, 0, 0, 0), utc(2026, 3, 8, 7, 30, 0)},
		{"daily First in the gap, next day as usual", "02:30:00", 86400, ny, utc(2026, 3, 8, 7, 30, 0), nyc(2026, 3, 9, 2, 30, 0)},
		{"daily First skipped at midnight (São Paulo 2018) moves forward", "00:30:00", 86400, sp, time.Date(2018, 11, 3, 12, 0, 0, 0, sp), utc(2018, 11, 4, 3, 30, 0)},
		{"7200 s over spring forward: 00:00 EST", "12:00:00", 7200, ny, nyc(2026, 3, 7, 23, 0, 0), utc(2026, 3, 8, 5, 0, 0)},
		{"7200 s over spring forward: 01:00 EST, one hour later", "12:00:00", 7200, ny, utc(2026, 3, 8, 5, 0, 0), utc(2026, 3, 8, 6, 0, 0)},
		{"7200 s over spring forward: 04:00 EDT", "12:00:00", 7200, ny, utc(2026, 3, 8, 6, 0, 0), nyc(2026, 3, 8, 4, 0, 0)},
		{"7200 s after spring forward: noon local", "12:00:00", 7200, ny, nyc(2026, 3, 8, 11, 0, 0), nyc(2026, 3, 8, 12, 0, 0)},
		// Invalid settings still give a time.
		{"bad First: the default 12:00:00", "noon", 86400, time.UTC, utc(2026, 1, 10, 9, 0, 0), utc(2026, 1, 10, 12, 0, 0)},
		{"interval below the minimum: 60 s", "12:00:00", 0, time.UTC, utc(2026, 1, 10, 12, 0, 0), utc(2026, 1, 10, 12, 1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextDigest(BatchSettings{Enabled: true, First: tt.first, Interval: tt.interval}, tt.after, tt.loc)
			if !got.Equal(tt.want) || got.Location() != tt.loc {
				t.Errorf("NextDigest(%s, %d, after %s) = %s, want %s",
					tt.first, tt.interval, tt.after.In(tt.loc), got, tt.want.In(tt.loc))
			}
		})
	}
}

// Walking a year of dues in New York: strictly increasing, never further
// apart than the interval, on the local grid through First except for one
// short step at each DST change, and daily dues always at 12:00 local.
func TestNextDigestYear(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, ny)
	for _, interval := range []int{600, 3600, 7200, 43200, 86400, 7 * 86400} {
		t.Run(fmt.Sprint(interval), func(t *testing.T) {
			b := BatchSettings{First: "12:00:00", Interval: interval}
			step := time.Duration(interval) * time.Second
			var irregular, offGrid, n int
			prev := start
			for due := NextDigest(b, start, ny); due.Year() == 2026; due = NextDigest(b, due, ny) {
				n++
				gap := due.Sub(prev)
				if gap <= 0 {
					t.Fatalf("due %s not after %s", due, prev)
				}
				local := due.In(ny)
				secs := local.Hour()*3600 + local.Minute()*60 + local.Second()
				if interval%86400 == 0 {
					if secs != 12*3600 {
						t.Errorf("due %s not at 12:00 local", local)
					}
				} else {
					if gap > step {
						t.Errorf("gap %s after %s exceeds the interval", gap, prev.In(ny))
					}
					if prev != start && gap != step {
						irregular++
					}
					if ((secs-12*3600)%interval+interval)%interval != 0 {
						offGrid++
					}
				}
				prev = due
			}
			// Intervals that divide an hour see no change at all.
			maxIrregular := map[bool]int{true: 0, false: 2}[interval <= 3600]
			if irregular > maxIrregular || offGrid > maxIrregular {
				t.Errorf("%d irregular steps, %d dues off the local grid (at most %d)", irregular, offGrid, maxIrregular)
			}
			if want := 365 * 86400 / interval; interval%86400 != 0 && (n < want-2 || n > want+2) {
				t.Errorf("%d dues in 2026, want about %d", n, want)
			}
		})
	}
}
