package dispatch

import (
	"slices"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Reason is why a run is pushed.
type Reason string

const (
	ReasonFailure   Reason = "failure"   // a failed or timed-out run
	ReasonSuccess   Reason = "success"   // a successful run, when successes are pushed
	ReasonRecovered Reason = "recovered" // the first success after a pushed failure
)

// Decision is what the rules decided about one run.
type Decision struct {
	Reason   Reason          // "" when nothing is pushed
	Channels []string        // channel ids; empty when nothing is pushed
	State    store.PushState // the task's new state (always returned, even with no push)
}

// taskRules is the settings that apply to one task: overrides over the
// global settings.
type taskRules struct {
	push                                                   bool
	manualSuccess, manualFailure, autoSuccess, autoFailure bool
	failuresBeforeNotify                                   int
	recovery                                               bool
}

func overrideOr[T any](override *T, global T) T {
	if override != nil {
		return *override
	}
	return global
}

func rulesFor(s Settings, o TaskOverrides) taskRules {
	return taskRules{
		push:                 s.Enabled && overrideOr(o.Push, true),
		manualSuccess:        overrideOr(o.ManualSuccess, s.ManualSuccess),
		manualFailure:        overrideOr(o.ManualFailure, s.ManualFailure),
		autoSuccess:          overrideOr(o.AutoSuccess, s.AutoSuccess),
		autoFailure:          overrideOr(o.AutoFailure, s.AutoFailure),
		failuresBeforeNotify: overrideOr(o.FailuresBeforeNotify, s.FailuresBeforeNotify),
		recovery:             overrideOr(o.Recovery, s.Recovery),
	}
}

// Decide is pure: which channels get a push for run r of a task, given global
// settings, the task's overrides, the task's push state, and every
// registered channel id (for AllChannels).
//
//   - Skipped and test runs push nothing and leave the state unchanged.
//   - AutoFailures counts consecutive automatic failures (timeouts
//     included): an automatic failure adds one, an automatic success resets
//     it. Manual runs don't touch it, neither counting nor resetting.
//   - An automatic failure pushes when auto_failure is on and either N
//     (failures_before_notify) is 0 or this is exactly the Nth failure in a
//     row: with N = 3 the 3rd pushes, the 4th and later don't until a
//     success starts a new streak. A manual failure pushes when
//     manual_failure is on.
//   - Any success (automatic or manual) after a pushed failure is a
//     recovery: with recovery on it is pushed as "recovered", instead of
//     (never besides) a plain success push. Without a pushed failure a
//     success pushes when the switch for its trigger is on. Every success
//     clears FailurePushed, so a later success is never a recovery for an
//     old failure, even if the recovery was not pushed.
//   - With the global or the task switch off nothing is pushed, but the
//     state is still tracked, so turning pushes back on continues the
//     count where it is.
//   - A push goes to the task's channels if it overrides them, else to the
//     global set, else (AllChannels) to every registered channel; ids that
//     are not registered (removed channels) are dropped, duplicates too,
//     order kept. With no channel left nothing is pushed, and a failure is
//     not marked as pushed (no recovery notice for a failure nobody saw).
func Decide(s Settings, o TaskOverrides, st store.PushState, r task.Run, allChannels []string) Decision {
	auto := r.Trigger == task.TriggerAuto
	if !auto && r.Trigger != task.TriggerManual {
		return Decision{State: st}
	}
	var failed bool
	switch {
	case r.Status.Failed():
		failed = true
	case r.Status == task.StatusSuccess:
	default: // skipped, or a status this version does not know
		return Decision{State: st}
	}

	e := rulesFor(s, o)
	next := st
	var reason Reason
	if failed {
		wanted := e.manualFailure
		if auto {
			next.AutoFailures++
			n := e.failuresBeforeNotify
			wanted = e.autoFailure && (n <= 0 || next.AutoFailures == n)
		}
		if wanted {
			reason = ReasonFailure
		}
	} else {
		if auto {
			next.AutoFailures = 0
		}
		switch {
		case st.FailurePushed && e.recovery:
			reason = ReasonRecovered
		case auto && e.autoSuccess, !auto && e.manualSuccess:
			reason = ReasonSuccess
		}
		next.FailurePushed = false
	}
	if reason == "" || !e.push {
		return Decision{State: next}
	}
	channels := channelsFor(s, o, allChannels)
	if len(channels) == 0 {
		return Decision{State: next}
	}
	if reason == ReasonFailure {
		next.FailurePushed = true
	}
	return Decision{Reason: reason, Channels: channels, State: next}
}

// channelsFor lists the registered channel ids a push of this task goes
// to, in order, without duplicates.
func channelsFor(s Settings, o TaskOverrides, allChannels []string) []string {
	want := o.Channels
	switch {
	case len(want) > 0:
	case s.AllChannels:
		want = allChannels
	default:
		want = s.Channels
	}
	var out []string
	for _, id := range want {
		if slices.Contains(allChannels, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
