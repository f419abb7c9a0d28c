package task

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	// Schedules are computed in named zones (the tasks' own and the
	// machine's): embedding the zone database makes them load on machines
	// without one (Windows, slim containers).
	_ "time/tzdata"

	"github.com/robfig/cron/v3"

	"github.com/heraldpush/herald/engine/i18n"
)

var (
	cron5 = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	cron6 = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
)

// CronHasSeconds reports whether expr has six fields (seconds first).
func CronHasSeconds(expr string) bool { return len(strings.Fields(expr)) == 6 }

// ParseCron reads a 5-field (minute first) or 6-field (second first) cron
// expression, or a descriptor such as @daily.
func ParseCron(expr string) (cron.Schedule, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, i18n.New("cron.empty")
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return nil, i18n.New("cron.zone")
	}
	p := cron5
	switch n := len(strings.Fields(expr)); {
	case strings.HasPrefix(expr, "@"):
	case n == 6:
		p = cron6
	case n != 5:
		return nil, i18n.New("cron.count", "Expr", strconv.Quote(expr), "N", n)
	}
	s, err := p.Parse(expr)
	if err != nil {
		if p := cronProblem(expr); p != nil {
			return nil, p
		}
		return nil, i18n.Wrap(err, "cron.invalid", "Expr", strconv.Quote(expr))
	}
	return s, nil
}

// Next returns the first fire time strictly after t in loc, or the zero
// time when the schedule never fires again. Random delay is not included.
func (s Schedule) Next(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc)
	switch s.Kind {
	case ScheduleCron:
		cs, err := ParseCron(s.Cron)
		if err != nil {
			return time.Time{}
		}
		return cs.Next(t)
	case ScheduleEvery:
		if s.Every <= 0 {
			return time.Time{}
		}
		return t.Add(s.Every)
	case ScheduleDaily:
		var best time.Time
		for _, d := range s.Daily {
			h, m, sec, err := ParseClock(d)
			if err != nil {
				continue
			}
			for day := 0; day <= 2; day++ {
				c := wallClock(t.Year(), t.Month(), t.Day()+day, h, m, sec, loc)
				if c.After(t) {
					if best.IsZero() || c.Before(best) {
						best = c
					}
					break
				}
			}
		}
		return best
	case ScheduleAt:
		if s.At.After(t) {
			return s.At.In(loc)
		}
	}
	return time.Time{}
}

// wallClock is time.Date, except that a clock time skipped by a DST jump
// (02:30 on spring-forward day) lands after the jump (03:30), never before it:
// time.Date would pick 01:30, an hour early.
func wallClock(y int, mo time.Month, d, h, m, s int, loc *time.Location) time.Time {
	c := time.Date(y, mo, d, h, m, s, 0, loc)
	if c.Hour() != h || c.Minute() != m {
		_, before := c.Zone()
		_, after := c.Add(3 * time.Hour).Zone()
		if after > before {
			c = c.Add(time.Duration(after-before) * time.Second)
		}
	}
	return c
}

// NextN returns up to n fire times after t (for previews).
func (s Schedule) NextN(t time.Time, n int, loc *time.Location) []time.Time {
	var out []time.Time
	for len(out) < n {
		t = s.Next(t, loc)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// Describe renders the schedule in English words for the CLI ("every 5m",
// "daily at 08:00, 20:30").
func (s Schedule) Describe() string {
	var d string
	switch s.Kind {
	case ScheduleNone:
		return "manual only"
	case ScheduleCron:
		d = "cron " + s.Cron
	case ScheduleEvery:
		d = "every " + s.Every.String()
	case ScheduleDaily:
		d = "daily at " + strings.Join(s.Daily, ", ")
	case ScheduleAt:
		d = "once at " + s.At.Local().Format("2006-01-02 15:04:05")
	}
	if s.RandomDelay > 0 {
		d += fmt.Sprintf(" (+ up to %v random delay)", s.RandomDelay)
	}
	return d
}
