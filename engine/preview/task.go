package preview

import (
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Push is what the push rules make of one run of a task: the reason, the
// channels and the message, or why nothing is pushed.
type Push struct {
	Run      task.Run
	Reason   dispatch.Reason // "" when nothing is pushed
	Channels []string        // channel ids, in order
	Message  message.Message
	// Why says, in the user's words, why these channels get this (or why
	// none does).
	Why []i18n.Text
}

// SampleRun is a run of t ending with status at now, for when the task
// has no such run yet: a failed command exits 1 with an error.
func SampleRun(t task.Task, status task.Status, now time.Time) task.Run {
	r := task.Run{TaskID: t.ID, TaskName: t.Name, Trigger: task.TriggerAuto, Status: status,
		Started: now.Add(-83 * time.Second), Finished: now}
	code := 0
	switch {
	case status.Failed() && t.HTTP != nil:
		r.HTTPStatus, r.Output, r.Error = 503, "HTTP 503 Service Unavailable", "HTTP 503"
	case status.Failed():
		code = 1
		r.ExitCode, r.Output, r.Error = &code, "(sample output)\nerror: something went wrong", "exit status 1"
	case t.HTTP != nil:
		r.HTTPStatus, r.Output = 200, "HTTP 200 OK"
	default:
		r.ExitCode, r.Output = &code, "(sample output)"
	}
	return r
}

// TaskPush runs the push rules on run r of a task as if it were recorded
// now with the task's push state st: no state changes and nothing is
// queued. all lists every registered channel id.
func TaskPush(s dispatch.Settings, o dispatch.TaskOverrides, st store.PushState, r task.Run, all []string, loc *time.Location) (Push, error) {
	d := dispatch.Decide(s, o, st, r, all)
	p := Push{Run: r, Reason: d.Reason, Channels: d.Channels}
	p.Why = explain(s, o, st, r, d)
	if d.Reason == "" {
		return p, nil
	}
	m, err := dispatch.Render(s, r, d.Reason, loc)
	if err != nil {
		return p, err
	}
	p.Message = m
	return p, nil
}

func or[T any](override *T, global T) T {
	if override != nil {
		return *override
	}
	return global
}

// explain retraces Decide's steps in words.
func explain(s dispatch.Settings, o dispatch.TaskOverrides, st store.PushState, r task.Run, d dispatch.Decision) []i18n.Text {
	auto := r.Trigger == task.TriggerAuto
	trigger := i18n.T("preview.why.manual")
	if auto {
		trigger = i18n.T("preview.why.auto")
	}
	var why []i18n.Text
	switch {
	case !s.Enabled:
		return []i18n.Text{i18n.T("preview.why.off")}
	case !or(o.Push, true):
		return []i18n.Text{i18n.T("preview.why.task_off", "Task", r.TaskName)}
	}
	if r.Status.Failed() {
		n := or(o.FailuresBeforeNotify, s.FailuresBeforeNotify)
		switch {
		case auto && !or(o.AutoFailure, s.AutoFailure), !auto && !or(o.ManualFailure, s.ManualFailure):
			return []i18n.Text{i18n.T("preview.why.failure_off", "Trigger", trigger)}
		case auto && n > 0 && d.Reason == "":
			return []i18n.Text{i18n.T("preview.why.streak_wait", "N", n, "K", st.AutoFailures+1)}
		case auto && n > 0:
			why = append(why, i18n.T("preview.why.streak_now", "N", n))
		default:
			why = append(why, i18n.T("preview.why.failure", "Trigger", trigger))
		}
	} else if r.Status == task.StatusSuccess {
		switch d.Reason {
		case dispatch.ReasonRecovered:
			why = append(why, i18n.T("preview.why.recovered"))
		case dispatch.ReasonSuccess:
			why = append(why, i18n.T("preview.why.success", "Trigger", trigger))
		default:
			return []i18n.Text{i18n.T("preview.why.success_off", "Trigger", trigger)}
		}
	}
	switch {
	case d.Reason == "":
		return append(why, i18n.T("preview.why.no_channel"))
	case len(o.Channels) > 0:
		why = append(why, i18n.T("preview.why.task_channels", "N", len(d.Channels)))
	case s.AllChannels:
		why = append(why, i18n.T("preview.why.all_channels", "N", len(d.Channels)))
	default:
		why = append(why, i18n.T("preview.why.chosen_channels", "N", len(d.Channels)))
	}
	if s.Batch.Enabled {
		why = append(why, i18n.T("preview.why.batch"))
	}
	return why
}
