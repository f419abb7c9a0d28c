package dispatch

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/task"
)

// Digest limits: a digest is read on a phone; the full history is in the UI.
const (
	maxDigestFailures  = 50  // failures listed one by one; the rest are counted
	maxDigestErrorLine = 200 // characters of each failure's error line
)

// digestWords are a digest's texts in one language.
type digestWords struct {
	title       string // %s: due time, %s: summary
	noRuns      string
	failures    func(n int) string
	noFailures  string
	header      func(n int, from, to string) string
	empty       string // %s from, %s to
	counts      map[task.Status]string
	failureHead string
	more        string // %d more failures
	lastHead    string
	lastLine    string // %s task, %s status, %s time
	sep         string // between a task's name and its error
}

var digestWordsByLang = map[string]digestWords{
	"en": {
		title:  "Herald digest %s — %s",
		noRuns: "no runs",
		failures: func(n int) string {
			if n == 1 {
				return "1 failure"
			}
			return fmt.Sprintf("%d failures", n)
		},
		noFailures: "no failures",
		header: func(n int, from, to string) string {
			if n == 1 {
				return fmt.Sprintf("1 run from %s to %s", from, to)
			}
			return fmt.Sprintf("%d runs from %s to %s", n, from, to)
		},
		empty: "No runs from %s to %s.",
		counts: map[task.Status]string{
			task.StatusSuccess: "Succeeded", task.StatusFailure: "Failed",
			task.StatusTimeout: "Timed out", task.StatusSkipped: "Skipped",
		},
		failureHead: "Failures:",
		more:        "… and %d more",
		lastHead:    "Last status:",
		lastLine:    "%s: %s (%s)",
		sep:         ": ",
	},
	"zh": {
		title:      "批量推送 %s — %s",
		noRuns:     "无执行记录",
		failures:   func(n int) string { return fmt.Sprintf("%d 次失败", n) },
		noFailures: "无失败",
		header: func(n int, from, to string) string {
			return fmt.Sprintf("共 %d 次执行（%s 至 %s）", n, from, to)
		},
		empty: "%s 至 %s 无执行记录。",
		counts: map[task.Status]string{
			task.StatusSuccess: "执行成功", task.StatusFailure: "执行失败",
			task.StatusTimeout: "超时", task.StatusSkipped: "已跳过",
		},
		failureHead: "失败：",
		more:        "…另有 %d 次失败",
		lastHead:    "各任务最新状态：",
		lastLine:    "%s：%s（%s）",
		sep:         "：",
	},
}

// Digest builds the one message that summarises runs finished in
// (from, to]: how many ended how, each failure (and timeout) with its time,
// task and the first line of its error, and each task's last status. Runs
// outside the interval and test runs are ignored, so overlapping input is
// harmless. With no runs it reports false when s.Batch.SkipEmpty (nothing
// to send), else a "no runs" digest. Times are shown in loc.
func Digest(s Settings, runs []task.Run, from, to time.Time, loc *time.Location) (message.Message, bool) {
	if loc == nil {
		loc = time.Local
	}
	lang := messageLanguage(s.Language)
	w := digestWordsByLang[lang]
	st := wordsByLang[lang].status
	at := func(t time.Time) string { return t.In(loc).Format(timeLayout) }

	var in []task.Run
	for _, r := range runs {
		if r.Trigger != task.TriggerTest && r.Finished.After(from) && !r.Finished.After(to) {
			in = append(in, r)
		}
	}
	slices.SortStableFunc(in, func(a, b task.Run) int {
		return cmp.Or(a.Finished.Compare(b.Finished), cmp.Compare(a.ID, b.ID))
	})

	due := to.In(loc).Format("15:04")
	if to.In(loc).Second() != 0 {
		due = to.In(loc).Format("15:04:05")
	}
	if len(in) == 0 {
		if s.Batch.SkipEmpty {
			return message.Message{}, false
		}
		return message.Message{
			Title: fmt.Sprintf(w.title, due, w.noRuns),
			Body:  fmt.Sprintf(w.empty, at(from), at(to)),
			Level: message.LevelInfo,
		}, true
	}

	counts := map[task.Status]int{}
	var failures []task.Run
	last := map[string]task.Run{} // by task
	for _, r := range in {
		counts[r.Status]++
		if r.Status.Failed() {
			failures = append(failures, r)
		}
		last[digestTaskKey(r)] = r // in is sorted: the later run wins
	}

	var b strings.Builder
	b.WriteString(w.header(len(in), at(from), at(to)))
	var parts []string
	for _, status := range []task.Status{task.StatusSuccess, task.StatusFailure, task.StatusTimeout, task.StatusSkipped} {
		if n := counts[status]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", w.counts[status], n))
		}
	}
	if len(parts) > 0 {
		b.WriteString("\n" + strings.Join(parts, " · "))
	}

	if len(failures) > 0 {
		b.WriteString("\n\n" + w.failureHead)
		for i, r := range failures {
			if i == maxDigestFailures {
				b.WriteString("\n" + fmt.Sprintf(w.more, len(failures)-i))
				break
			}
			line := message.FirstLine(runError(r, lang))
			if line == "" {
				line = st[r.Status]
			}
			fmt.Fprintf(&b, "\n%s %s%s%s", at(r.Finished), r.TaskName, w.sep, clipRunes(line, maxDigestErrorLine))
		}
	}

	lastRuns := make([]task.Run, 0, len(last))
	for _, r := range last {
		lastRuns = append(lastRuns, r)
	}
	slices.SortFunc(lastRuns, func(a, b task.Run) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.TaskName), strings.ToLower(b.TaskName)), cmp.Compare(a.TaskID, b.TaskID))
	})
	b.WriteString("\n\n" + w.lastHead)
	for _, r := range lastRuns {
		text := st[r.Status]
		if text == "" {
			text = string(r.Status)
		}
		b.WriteString("\n" + fmt.Sprintf(w.lastLine, r.TaskName, text, at(r.Finished)))
	}

	summary := w.noFailures
	level := message.LevelInfo
	if len(failures) > 0 {
		summary = w.failures(len(failures))
		level = message.LevelError
	}
	return message.Message{Title: fmt.Sprintf(w.title, due, summary), Body: b.String(), Level: level}, true
}

// digestTaskKey groups runs by task; a run without a task id (never
// stored) is grouped by name.
func digestTaskKey(r task.Run) string {
	if r.TaskID != 0 {
		return fmt.Sprint(r.TaskID)
	}
	return "name:" + r.TaskName
}

func clipRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

// NextDigest returns the first digest due time strictly after `after`.
//
// The due times are anchored at First on the local day of `after` (never
// at `after` itself):
//
//   - An Interval of whole days (a multiple of 86400) steps in calendar
//     days: today's First if it is still ahead, else First on the day
//     Interval/86400 days later. A daily digest at 12:00:00 therefore stays
//     at 12:00 local across DST changes (a First inside a spring-forward
//     gap moves forward by the gap: 02:30 becomes 03:30). For several days,
//     pass the previous due time as `after` to keep the rhythm.
//   - Any other Interval steps in absolute seconds on the grid First ± n ×
//     Interval of that day. A grid through First, rather than a series
//     starting there, makes the dues the same every day: with First 12:00
//     and 7200 s a digest falls due at 00:00, 02:00 … 22:00, and the one
//     after 23:00 is 00:00, not the next noon. So "today's First" is the
//     next due when `after` lies less than one Interval before it. Around
//     a DST change the grid re-anchors on the new day's local First: one
//     interval is shorter, and the next ones are at the same local times
//     as before. Intervals that do not divide a day re-anchor the same way
//     at every local midnight (Validate allows no such interval above a
//     day).
//
// An invalid First or Interval is replaced by its default or limit rather
// than failing: the timer must always get a time.
func NextDigest(b BatchSettings, after time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.Local
	}
	h, m, sec, err := task.ParseClock(b.First)
	if err != nil {
		h, m, sec, _ = task.ParseClock(DefaultSettings().Batch.First)
	}
	interval := min(max(b.Interval, MinBatchInterval), MaxBatchInterval)

	a := after.In(loc)
	first := wallClock(a.Year(), a.Month(), a.Day(), h, m, sec, loc)
	if interval%86400 == 0 {
		if first.After(after) {
			return first
		}
		return wallClock(a.Year(), a.Month(), a.Day()+interval/86400, h, m, sec, loc)
	}
	step := time.Duration(interval) * time.Second
	d := after.Sub(first)
	n := int64(d / step)
	if d%step != 0 && d < 0 {
		n-- // floor, not truncation toward zero
	}
	return first.Add(time.Duration(n+1) * step)
}

// wallClock is the instant the clocks in loc show h:m:s on the given day
// (d may overflow the month, as in time.Date). A time the clocks skip (a
// spring-forward gap) is moved forward by the gap, as cron and calendar
// programs do: time.Date leaves the direction unspecified, and in practice
// moves it back, before the day's change.
func wallClock(y int, mo time.Month, d, h, m, s int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, h, m, s, 0, loc)
	want := time.Date(y, mo, d, h, m, s, 0, time.UTC) // normalises the date part alike
	if t.Year() == want.Year() && t.YearDay() == want.YearDay() && t.Hour() == h && t.Minute() == m && t.Second() == s {
		return t
	}
	// Read the wall time with the offset in force before the jump: later
	// than any reading with the offset after it, for a forward jump.
	_, before := t.Add(-24 * time.Hour).Zone()
	return want.Add(-time.Duration(before) * time.Second).In(loc)
}
