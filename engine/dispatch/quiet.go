package dispatch

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/task"
)

// Quiet hours: weekly windows in local time during which pushes are held
// (outbox rows with a hold) and sent, when the window ends, as one summary
// per channel.
//
// Syntax of quiet.windows (QuietWindows.String writes the same form):
//
//	windows = window { ";" window }        "" / "off" / "none": no quiet hours
//	window  = [days] range | range [days]
//	range   = HH:MM[:SS] "-" HH:MM[:SS]    end ≤ start: ends the next day; 24:00 = midnight
//	        | "all day"
//	days    = "daily" | "every day" | "weekdays" | "weekends" | day { "," day }
//	day     = mon | tue | wed | thu | fri | sat | sun (or full names) | day "-" day
//
// Examples: "23:00-07:30" (every night), "23:00-07:30 daily; sat,sun all
// day", "mon-fri 12:00-13:00". A window belongs to the day it starts on:
// "fri 23:00-07:30" ends on Saturday morning. Adjacent or overlapping
// windows merge: held pushes go out when no window covers the time any
// more.
//
// DST: a window starts and ends at the wall-clock times, whatever the
// offset: a night across a DST change is an hour shorter or longer. A time
// the clocks skip (spring forward) is moved forward by the gap, as digests
// do (02:30 becomes 03:30); a time the clocks show twice (fall back) means
// its first occurrence.

// QuietWindow is one weekly quiet window.
type QuietWindow struct {
	Days   [7]bool // by time.Weekday: the days the window starts on
	AllDay bool
	Start  int // seconds after midnight (not AllDay)
	End    int // seconds after midnight, up to 86400; End <= Start: the next day
}

// QuietWindows are the quiet hours; empty: none.
type QuietWindows []QuietWindow

var (
	quietRange = regexp.MustCompile(`(\d{1,2}:\d{2}(?::\d{2})?)\s*[-–~]\s*(\d{1,2}:\d{2}(?::\d{2})?)`)
	quietAll   = regexp.MustCompile(`\ball[\s-]?day\b`)
	dayNames   = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
)

// QuietOff reports whether v says "no quiet hours".
func quietOff(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "off", "none":
		return true
	}
	return false
}

// ParseQuietWindows reads the quiet.windows syntax (see the top of this
// file). Its errors are i18n errors naming the part that is wrong.
func ParseQuietWindows(v string) (QuietWindows, error) {
	if quietOff(v) {
		return nil, nil
	}
	var ws QuietWindows
	for part := range strings.SplitSeq(v, ";") {
		p := strings.ToLower(strings.TrimSpace(part))
		if p == "" {
			continue
		}
		w, err := parseQuietWindow(p)
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	if len(ws) == 0 {
		return nil, nil
	}
	if ws.always() {
		return nil, i18n.New("quiet.err.always")
	}
	return ws, nil
}

func parseQuietWindow(p string) (QuietWindow, error) {
	var w QuietWindow
	rest := p
	if m := quietRange.FindStringSubmatchIndex(p); m != nil {
		start, err := quietClock(p[m[2]:m[3]], false)
		if err != nil {
			return w, err
		}
		end, err := quietClock(p[m[4]:m[5]], true)
		if err != nil {
			return w, err
		}
		if start == end%86400 {
			return w, i18n.New("quiet.err.same", "Value", strconv.Quote(strings.TrimSpace(p[m[0]:m[1]])))
		}
		w.Start, w.End = start, end
		rest = p[:m[0]] + " " + p[m[1]:]
	} else if m := quietAll.FindStringIndex(p); m != nil {
		w.AllDay = true
		rest = p[:m[0]] + " " + p[m[1]:]
	} else {
		return w, i18n.New("quiet.err.range", "Value", strconv.Quote(p))
	}
	days, err := parseQuietDays(strings.TrimSpace(rest))
	if err != nil {
		return w, err
	}
	w.Days = days
	return w, nil
}

// quietClock reads HH:MM[:SS] as seconds after midnight; 24:00 only as an
// end.
func quietClock(v string, end bool) (int, error) {
	if end && (v == "24:00" || v == "24:00:00") {
		return 86400, nil
	}
	h, m, s, err := task.ParseClock(v)
	if err != nil {
		return 0, i18n.New("quiet.err.clock", "Value", strconv.Quote(v))
	}
	return h*3600 + m*60 + s, nil
}

func parseQuietDays(v string) ([7]bool, error) {
	var days [7]bool
	switch v {
	case "", "daily", "every day", "everyday":
		return [7]bool{true, true, true, true, true, true, true}, nil
	case "weekdays":
		return [7]bool{false, true, true, true, true, true, false}, nil
	case "weekends", "weekend":
		return [7]bool{true, false, false, false, false, false, true}, nil
	}
	items := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	for _, item := range items {
		from, to, isRange := strings.Cut(item, "-")
		a, ok1 := quietDay(from)
		b, ok2 := a, true
		if isRange {
			b, ok2 = quietDay(to)
		}
		if !ok1 || !ok2 {
			return days, i18n.New("quiet.err.day", "Value", strconv.Quote(item))
		}
		for d := a; ; d = (d + 1) % 7 {
			days[d] = true
			if d == b {
				break
			}
		}
	}
	return days, nil
}

func quietDay(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 3 {
		return 0, false
	}
	for i, name := range dayNames {
		full := strings.ToLower(time.Weekday(i).String())
		if v == name || v == full || (strings.HasPrefix(full, v) && len(v) >= 3) {
			return i, true
		}
	}
	return 0, false
}

// always reports whether the windows cover every second of the week
// (ignoring DST): nothing would ever be sent.
func (ws QuietWindows) always() bool {
	const week = 7 * 86400
	type span struct{ from, to int }
	var spans []span
	for _, w := range ws {
		for d, on := range w.Days {
			if !on {
				continue
			}
			base := d * 86400
			from, to := base+w.Start, base+w.End
			if w.AllDay {
				from, to = base, base+86400
			} else if w.End <= w.Start {
				to += 86400
			}
			spans = append(spans, span{from, to})
			if to > week {
				spans = append(spans, span{0, to - week})
			}
		}
	}
	// Walk from 0: extend as long as some span starts at or before the end.
	end := 0
	for grew := true; grew; {
		grew = false
		for _, s := range spans {
			if s.from <= end && s.to > end {
				end, grew = s.to, true
			}
		}
	}
	return end >= week
}

// String writes the windows in the syntax ParseQuietWindows reads; "" for
// none.
func (ws QuietWindows) String() string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		if w.AllDay {
			parts[i] = daysText(w.Days) + " all day"
			continue
		}
		parts[i] = clockText(w.Start) + "-" + clockText(w.End) + " " + daysText(w.Days)
	}
	return strings.Join(parts, "; ")
}

// clockText is HH:MM, or HH:MM:SS when there are seconds.
func clockText(sec int) string {
	if sec%60 != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%02d:%02d", sec/3600, sec/60%60)
}

func daysText(days [7]bool) string {
	switch days {
	case [7]bool{true, true, true, true, true, true, true}:
		return "daily"
	case [7]bool{false, true, true, true, true, true, false}:
		return "weekdays"
	case [7]bool{true, false, false, false, false, false, true}:
		return "sat,sun"
	}
	var names []string
	for _, d := range []int{1, 2, 3, 4, 5, 6, 0} { // Monday first
		if days[d] {
			names = append(names, dayNames[d])
		}
	}
	return strings.Join(names, ",")
}

// firstWallClock is wallClock, but a time the clocks show twice (fall
// back) is its first occurrence, still in summer time: quiet hours ending
// at 02:30 end the first time the clocks read 02:30.
func firstWallClock(y int, mo time.Month, d, h, m, s int, loc *time.Location) time.Time {
	t := wallClock(y, mo, d, h, m, s, loc)
	_, now := t.Zone()
	_, before := t.Add(-24 * time.Hour).Zone()
	if before <= now {
		return t
	}
	earlier := t.Add(-time.Duration(before-now) * time.Second)
	if e := earlier.In(loc); e.Hour() == h && e.Minute() == m && e.Second() == s && e.Day() == t.Day() {
		return earlier
	}
	return t
}

// span is the occurrence of w that starts on the local day y-mo-d.
func (w QuietWindow) span(y int, mo time.Month, d int, loc *time.Location) (from, to time.Time) {
	if w.AllDay {
		return firstWallClock(y, mo, d, 0, 0, 0, loc), firstWallClock(y, mo, d+1, 0, 0, 0, loc)
	}
	from = firstWallClock(y, mo, d, w.Start/3600, w.Start/60%60, w.Start%60, loc)
	endDay, end := d, w.End
	if end <= w.Start {
		endDay++
	}
	if end == 86400 {
		endDay, end = endDay+1, 0
	}
	to = firstWallClock(y, mo, endDay, end/3600, end/60%60, end%60, loc)
	return from, to
}

// covering is the latest end of the occurrences that cover t; false when
// none does. A window lasts at most a day, so the occurrences that start
// on t's local day and the day before are all that can cover it.
func (ws QuietWindows) covering(t time.Time, loc *time.Location) (end time.Time, ok bool) {
	lt := t.In(loc)
	y, mo, d := lt.Date()
	for off := -1; off <= 0; off++ {
		wd := time.Date(y, mo, d+off, 12, 0, 0, 0, time.UTC).Weekday()
		for _, w := range ws {
			if !w.Days[wd] {
				continue
			}
			from, to := w.span(y, mo, d+off, loc)
			if !t.Before(from) && t.Before(to) {
				if !ok || to.After(end) {
					end = to
				}
				ok = true
			}
		}
	}
	return end, ok
}

// Until reports whether t lies in quiet hours and, if so, when they end:
// the first instant no window covers (adjacent and overlapping windows
// merge).
func (ws QuietWindows) Until(t time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.Local
	}
	end, ok := ws.covering(t, loc)
	if !ok {
		return time.Time{}, false
	}
	// Validate rejects windows covering the whole week; 15 steps cross any
	// chain of daily windows.
	for range 15 {
		next, more := ws.covering(end, loc)
		if !more {
			break
		}
		end = next
	}
	return end, true
}

// QuietUntil is when the quiet hours that apply to a task's push of reason
// at t end; false when the push is not held: no quiet hours, t outside
// them, or news of a failure (breaksThrough) of a task that breaks
// through. Bad windows (never stored: Validate) hold nothing.
func QuietUntil(s Settings, o TaskOverrides, reason Reason, t time.Time, loc *time.Location) (time.Time, bool) {
	v := overrideOr(o.QuietWindows, s.Quiet.Windows)
	breaks := overrideOr(o.QuietBreakThrough, s.Quiet.BreakThrough)
	if breaks && reason.breaksThrough() {
		return time.Time{}, false
	}
	ws, err := ParseQuietWindows(v)
	if err != nil || len(ws) == 0 {
		return time.Time{}, false
	}
	return ws.Until(t, loc)
}

// breaksThrough: the reasons that tell of a failure, which "failures break
// through quiet hours" lets out: the failure itself, the recovery that
// ends it, its reminders and escalation, and a task gone missing.
func (r Reason) breaksThrough() bool {
	switch r {
	case ReasonFailure, ReasonRecovered, ReasonReminder, ReasonEscalation, ReasonMissing:
		return true
	}
	return false
}
