package schedule

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/robfig/cron/v3"

	"github.com/heraldpush/herald/engine/task"
)

// oneShotLead is how far ahead an `at` time must be for gocron to be given
// it. gocron v2.21.2 spins forever in its scheduling loop when a one-time
// job's only time has passed between the job's setup and its scheduling
// (next(zero) → at → next(at) → zero → …); a second of lead makes that
// impossible. An `at` closer than that counts as past.
const oneShotLead = time.Second

// definition translates a task's schedule into a gocron job, or reports
// that the task has no automatic runs (ok false, err nil).
func (s *Scheduler) definition(t task.Task, now time.Time) (def gocron.JobDefinition, opts []gocron.JobOption, ok bool, err error) {
	if !t.Enabled {
		return nil, nil, false, nil
	}
	sc := t.Schedule
	switch sc.Kind {
	case task.ScheduleNone:
		return nil, nil, false, nil
	case task.ScheduleCron:
		// Our own Cron implementation: same parser as task.ParseCron (so
		// previews and catch-up agree with the scheduler), and it keeps
		// gocron's fall-back de-duplication from eating a real hour.
		return gocron.CronJob(sc.Cron, task.CronHasSeconds(sc.Cron)),
			[]gocron.JobOption{gocron.WithCronImplementation(&wallCron{})}, true, nil
	case task.ScheduleEvery:
		return gocron.DurationJob(sc.Every), nil, true, nil
	case task.ScheduleDaily:
		ats := make([]gocron.AtTime, 0, len(sc.Daily))
		for _, d := range sc.Daily {
			h, m, sec, err := task.ParseClock(d)
			if err != nil {
				return nil, nil, false, err
			}
			ats = append(ats, gocron.NewAtTime(uint(h), uint(m), uint(sec)))
		}
		// gocron's default puts a time that a spring-forward jump skips
		// (02:30 in New York on 2026-03-08) where Go's time.Date normalises
		// it: 01:30 EST, an hour early. Run it after the jump instead (03:30 EDT).
		return gocron.DailyJob(1, gocron.NewAtTimes(ats[0], ats[1:]...)),
			[]gocron.JobOption{gocron.WithDaylightSavingsTimePolicy(gocron.DaylightSavingsTimeRunAfterTransition)}, true, nil
	case task.ScheduleAt:
		if sc.At.Sub(now) < oneShotLead {
			return nil, nil, false, nil
		}
		return gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(sc.At)), nil, true, nil
	}
	return nil, nil, false, fmt.Errorf("unknown schedule kind %q", sc.Kind)
}

// sameTiming reports whether two versions of a task fire at the same times,
// so an edit of anything else (name, command, random delay) keeps the
// running gocron job and, for intervals, its phase.
func sameTiming(a, b task.Task) bool {
	if a.Enabled != b.Enabled {
		return false
	}
	x, y := a.Schedule, b.Schedule
	if x.Kind != y.Kind || x.Cron != y.Cron || x.Every != y.Every || !x.At.Equal(y.At) || len(x.Daily) != len(y.Daily) {
		return false
	}
	for i := range x.Daily {
		if x.Daily[i] != y.Daily[i] {
			return false
		}
	}
	return true
}

// wallCron is the gocron.Cron used for cron tasks. It parses with
// task.ParseCron and computes fire times in the scheduler's location, but
// returns them in UTC: gocron's cronJob.next drops a fire whose wall-clock
// time equals the previous fire's (meant for "30 1 * * *" on fall-back
// night), which also drops the second 01:00 of "0 * * * *" — a real hour.
// In UTC two different instants never share a wall-clock time, so gocron
// keeps every fire the cron expression matches (as task.Schedule.Next does).
type wallCron struct {
	loc   *time.Location
	sched cron.Schedule
}

var _ gocron.Cron = (*wallCron)(nil)

func (c *wallCron) IsValid(expr string, loc *time.Location, now time.Time) error {
	sched, err := task.ParseCron(expr)
	if err != nil {
		return err
	}
	c.loc, c.sched = loc, sched
	// gocron loops forever on a schedule without a next time (Feb 30).
	if c.Next(now).IsZero() {
		return fmt.Errorf("cron %q never fires", expr)
	}
	return nil
}

func (c *wallCron) Next(last time.Time) time.Time {
	next := c.sched.Next(last.In(c.loc))
	if next.IsZero() {
		return next
	}
	u := next.UTC()
	// The first call gets gocron's "now" in the scheduler's location, whose
	// wall clock could equal the UTC one by coincidence (zones east of UTC);
	// then the location's own wall clock is the one that differs.
	if sameWall(last, u) {
		return next
	}
	return u
}

func sameWall(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}

// fireTimes learns, through gocron's SchedulerMonitor, the time each fire was
// scheduled for: gocron reports it (JobSchedulingDelay) on the goroutine that
// then calls the job function, so the function can pick it up by job id.
// That gives Run the exact fire time instead of "a little after".
type fireTimes struct {
	mu sync.Mutex
	at map[uuid.UUID]time.Time
}

var _ gocron.SchedulerMonitor = (*fireTimes)(nil)

func (f *fireTimes) take(id uuid.UUID) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, ok := f.at[id]
	delete(f.at, id)
	return at, ok
}

func (f *fireTimes) JobSchedulingDelay(j gocron.Job, scheduled, _ time.Time) {
	f.mu.Lock()
	f.at[j.ID()] = scheduled
	f.mu.Unlock()
}

func (f *fireTimes) JobUnregistered(j gocron.Job) {
	f.mu.Lock()
	delete(f.at, j.ID())
	f.mu.Unlock()
}

func (f *fireTimes) SchedulerStarted()                          {}
func (f *fireTimes) SchedulerStopped()                          {}
func (f *fireTimes) SchedulerShutdown()                         {}
func (f *fireTimes) JobRegistered(gocron.Job)                   {}
func (f *fireTimes) JobStarted(gocron.Job)                      {}
func (f *fireTimes) JobRunning(gocron.Job)                      {}
func (f *fireTimes) JobFailed(gocron.Job, error)                {}
func (f *fireTimes) JobCompleted(gocron.Job)                    {}
func (f *fireTimes) JobExecutionTime(gocron.Job, time.Duration) {}
func (f *fireTimes) ConcurrencyLimitReached(string, gocron.Job) {}
