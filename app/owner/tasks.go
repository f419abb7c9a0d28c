package owner

import (
	"context"
	"errors"
	"time"

	"github.com/heraldpush/herald/engine/task"
)

// EngineControl is the owner's engine as a window process beside the
// tray uses it (*host.Env): the window runs no engine of its own.
type EngineControl interface {
	ListTasks(ctx context.Context) ([]task.Task, error)
	RunTask(ctx context.Context, name string) error
	CancelRun(taskID int64) bool
	RunningTasks() []int64
	NextRun(taskID int64) (time.Time, bool)
	// APIListening is where the local API listens, "" when it does not.
	APIListening() string
}

// TaskStatus is the owner's scheduler at a glance.
type TaskStatus struct {
	Running []int64             `json:"running"`
	Next    map[int64]time.Time `json:"next"` // tasks with a next run
}

// Requests of a window process.
const (
	opRun    = "run"
	opCancel = "cancel"
	opTasks  = "tasks"
	opAPI    = "api"
)

// OnEngine lets window processes run, cancel and watch tasks through ctl,
// and ask where its API listens.
func (s *Server) OnEngine(ctl EngineControl) {
	s.mu.Lock()
	s.tasks = ctl
	s.mu.Unlock()
}

// engineAnswer serves the requests of window processes.
func (s *Server) engineAnswer(ctx context.Context, req request) answer {
	s.mu.Lock()
	ctl := s.tasks
	s.mu.Unlock()
	if ctl == nil {
		return answer{Error: s.holder.String() + " does not run tasks for other processes"}
	}
	switch req.Op {
	case opRun:
		if err := ctl.RunTask(ctx, req.Name); err != nil {
			return answer{Error: err.Error()}
		}
		return answer{}
	case opCancel:
		ok := ctl.CancelRun(req.ID)
		return answer{Cancelled: &ok}
	case opAPI:
		addr := ctl.APIListening()
		return answer{API: &addr}
	}
	st, err := taskStatus(ctx, ctl)
	if err != nil {
		return answer{Error: err.Error()}
	}
	return answer{Tasks: &st}
}

func taskStatus(ctx context.Context, ctl EngineControl) (TaskStatus, error) {
	list, err := ctl.ListTasks(ctx)
	if err != nil {
		return TaskStatus{}, err
	}
	st := TaskStatus{Running: ctl.RunningTasks(), Next: map[int64]time.Time{}}
	for _, t := range list {
		if at, ok := ctl.NextRun(t.ID); ok {
			st.Next[t.ID] = at
		}
	}
	return st, nil
}

// RunTask asks the owner of dataDir to run task name now.
func RunTask(ctx context.Context, dataDir, name string) error {
	_, err := call(ctx, dataDir, request{Op: opRun, Name: name}, requestTimeout)
	return err
}

// CancelRun asks the owner of dataDir to cancel the running run of task id;
// false when none ran.
func CancelRun(ctx context.Context, dataDir string, id int64) (bool, error) {
	a, err := call(ctx, dataDir, request{Op: opCancel, ID: id}, requestTimeout)
	if err != nil {
		return false, err
	}
	if a.Cancelled == nil {
		return false, errors.New("the owner's answer to cancel says nothing")
	}
	return *a.Cancelled, nil
}

// APIListening asks the owner of dataDir where its local API listens; ""
// when it does not.
func APIListening(ctx context.Context, dataDir string) (string, error) {
	a, err := call(ctx, dataDir, request{Op: opAPI}, requestTimeout)
	if err != nil {
		return "", err
	}
	if a.API == nil {
		return "", errors.New("the owner's answer to api says nothing")
	}
	return *a.API, nil
}

// Tasks asks the owner of dataDir which tasks run and when each runs next.
func Tasks(ctx context.Context, dataDir string) (TaskStatus, error) {
	a, err := call(ctx, dataDir, request{Op: opTasks}, requestTimeout)
	if err != nil {
		return TaskStatus{}, err
	}
	if a.Tasks == nil {
		return TaskStatus{}, errors.New("the owner's answer to tasks has no status")
	}
	return *a.Tasks, nil
}
