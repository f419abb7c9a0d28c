package tasks

import (
	"fmt"
	"time"

	"github.com/heraldpush/herald/engine/task"
)

// skipGroup counts the fires skipped during one run of a task after the
// first: a task on a 1 s schedule whose run takes a minute would otherwise
// cost a write transaction and log lines every second.
type skipGroup struct {
	task        task.Task
	trigger     task.Trigger
	first, last time.Time // of the fires counted
	n           int
}

// skip is the scheduler's Skip callback: the fire found the task busy. The
// first skip of a run is recorded at once, so History shows it while the
// run goes on; later ones are counted and recorded as one run when the run
// ends (flushSkips).
func (s *Service) skip(t task.Task, trigger task.Trigger, at time.Time) {
	s.mu.Lock()
	g, counting := s.skips[t.ID]
	if counting {
		if g.n == 0 {
			g.task, g.trigger, g.first = t, trigger, at
		}
		g.n++
		g.last = at
	} else {
		s.skips[t.ID] = &skipGroup{}
	}
	s.mu.Unlock()
	if !counting {
		s.record(skippedRun(t, trigger, at, at, 1), t)
	}
}

// skippedRun is the run recorded for n skipped fires between first and
// last; its Error is read back by task.Outcome.
func skippedRun(t task.Task, trigger task.Trigger, first, last time.Time, n int) task.Run {
	msg := task.SkippedError
	if n > 1 {
		msg = fmt.Sprintf(task.SkippedManyError, n)
	}
	return task.Run{TaskID: t.ID, TaskName: t.Name, Trigger: trigger, Status: task.StatusSkipped,
		Started: first, Finished: last, Error: msg}
}

// flushSkips records the fires counted during t's run that just ended, as
// one run.
func (s *Service) flushSkips(t task.Task) {
	s.mu.Lock()
	g := s.skips[t.ID]
	delete(s.skips, t.ID)
	s.mu.Unlock()
	if g != nil && g.n > 0 {
		s.record(skippedRun(g.task, g.trigger, g.first, g.last, g.n), g.task)
	}
}

// flushAllSkips records every count still held, at shutdown.
func (s *Service) flushAllSkips() {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.skips))
	for id := range s.skips {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.flushSkips(task.Task{ID: id})
	}
}
