package dispatch

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// The four "when" switches, in the order the issue lists them.
const (
	whenManualSuccess = iota
	whenManualFailure
	whenAutoSuccess
	whenAutoFailure
)

// ruleCase is one point of the combination space, described plainly
// rather than as Settings and TaskOverrides.
type ruleCase struct {
	trigger task.Trigger
	status  task.Status

	globalOn   bool
	taskSwitch string // "unset", "on", "off"

	when         [4]bool // the effective value of each switch
	whenOverride bool    // the task overrides all four (the global ones say the opposite)

	n         int  // effective failures_before_notify
	nOverride bool // the task overrides it (the global one differs)

	recovery         bool
	recoveryOverride bool

	prior store.PushState

	channels channelCase
}

// channelCase is a channel configuration and the channels it means.
type channelCase struct {
	name        string
	allChannels bool
	global      []string
	task        []string
	want        []string
}

var ruleRegistered = []string{"c1", "c2", "c3"}

var ruleChannelCases = []channelCase{
	{name: "all registered", allChannels: true, want: []string{"c1", "c2", "c3"}},
	{name: "global set", global: []string{"c3", "gone", "c1"}, want: []string{"c3", "c1"}},
	{name: "task set", allChannels: true, global: []string{"c1"}, task: []string{"c2"}, want: []string{"c2"}},
	{name: "none", global: nil, want: nil},
}

func (c ruleCase) String() string {
	return fmt.Sprintf("%s %s global=%v task=%s when=%v(override %v) N=%d(override %v) recovery=%v(override %v) prior=%+v channels=%s",
		c.trigger, c.status, c.globalOn, c.taskSwitch, c.when, c.whenOverride, c.n, c.nOverride, c.recovery,
		c.recoveryOverride, c.prior, c.channels.name)
}

// inputs turns the case into Decide's arguments.
func (c ruleCase) inputs() (Settings, TaskOverrides, task.Run) {
	s := DefaultSettings()
	var o TaskOverrides
	s.Enabled = c.globalOn
	switch c.taskSwitch {
	case "on":
		o.Push = rulesPtr(true)
	case "off":
		o.Push = rulesPtr(false)
	}
	globalWhen := c.when
	if c.whenOverride {
		for i := range globalWhen {
			globalWhen[i] = !globalWhen[i]
		}
		o.ManualSuccess, o.ManualFailure = rulesPtr(c.when[0]), rulesPtr(c.when[1])
		o.AutoSuccess, o.AutoFailure = rulesPtr(c.when[2]), rulesPtr(c.when[3])
	}
	s.ManualSuccess, s.ManualFailure, s.AutoSuccess, s.AutoFailure = globalWhen[0], globalWhen[1], globalWhen[2], globalWhen[3]
	s.FailuresBeforeNotify = c.n
	if c.nOverride {
		s.FailuresBeforeNotify = map[int]int{0: 3, 1: 0, 3: 1}[c.n]
		o.FailuresBeforeNotify = rulesPtr(c.n)
	}
	s.Recovery = c.recovery
	if c.recoveryOverride {
		s.Recovery = !c.recovery
		o.Recovery = rulesPtr(c.recovery)
	}
	s.AllChannels, s.Channels, o.Channels = c.channels.allChannels, c.channels.global, c.channels.task
	r := task.Run{ID: 7, TaskID: 1, TaskName: "t", Trigger: c.trigger, Status: c.status}
	return s, o, r
}

// ruleSpec is the reference: the rules read one sentence at a
// time, written without Decide's structure.
func ruleSpec(c ruleCase) Decision {
	// "Skipped and test runs push nothing and leave the state unchanged."
	if c.trigger == task.TriggerTest || c.status == task.StatusSkipped {
		return Decision{State: c.prior}
	}
	failed := c.status == task.StatusFailure || c.status == task.StatusTimeout
	auto := c.trigger == task.TriggerAuto

	// The counter of consecutive automatic failures; manual runs leave it.
	count := c.prior.AutoFailures
	if auto && failed {
		count = c.prior.AutoFailures + 1
	}
	if auto && !failed {
		count = 0
	}

	// Which when-switch speaks for this run.
	var switchOn bool
	switch {
	case !auto && !failed:
		switchOn = c.when[whenManualSuccess]
	case !auto && failed:
		switchOn = c.when[whenManualFailure]
	case auto && !failed:
		switchOn = c.when[whenAutoSuccess]
	default:
		switchOn = c.when[whenAutoFailure]
	}

	// What the rules would like to say.
	var reason Reason
	if failed && switchOn && !auto {
		reason = ReasonFailure
	}
	if failed && switchOn && auto && c.n == 0 {
		reason = ReasonFailure
	}
	if failed && switchOn && auto && c.n > 0 && count == c.n {
		reason = ReasonFailure
	}
	if !failed && c.prior.FailurePushed && c.recovery {
		reason = ReasonRecovered
	}
	if !failed && !(c.prior.FailurePushed && c.recovery) && switchOn {
		reason = ReasonSuccess
	}

	// Whether anything can be said at all.
	pushesOn := c.globalOn && c.taskSwitch != "off"
	if !pushesOn || len(c.channels.want) == 0 {
		reason = ""
	}

	pushed := c.prior.FailurePushed
	if !failed {
		pushed = false
	}
	if reason == ReasonFailure {
		pushed = true
	}
	d := Decision{Reason: reason, State: store.PushState{AutoFailures: count, FailurePushed: pushed}}
	if reason != "" {
		d.Channels = c.channels.want
	}
	return d
}

// eachRuleCase calls fn for every combination: trigger × result × global
// switch × task switch × the four when-switches (set globally or
// overridden) × N ∈ {0, 1, 3} (globally or overridden) × recovery (globally
// or overridden) × prior state × channel configuration.
func eachRuleCase(fn func(ruleCase)) {
	for _, trigger := range []task.Trigger{task.TriggerAuto, task.TriggerManual, task.TriggerTest} {
		for _, status := range []task.Status{task.StatusSuccess, task.StatusFailure, task.StatusTimeout, task.StatusSkipped} {
			for _, globalOn := range []bool{true, false} {
				for _, taskSwitch := range []string{"unset", "on", "off"} {
					for bits := range 16 {
						for _, whenOverride := range []bool{false, true} {
							for _, n := range []int{0, 1, 3} {
								for _, nOverride := range []bool{false, true} {
									for _, recovery := range []bool{true, false} {
										for _, recoveryOverride := range []bool{false, true} {
											for failures := range 5 {
												for _, pushed := range []bool{false, true} {
													for _, ch := range ruleChannelCases {
														fn(ruleCase{
															trigger: trigger, status: status,
															globalOn: globalOn, taskSwitch: taskSwitch,
															when:         [4]bool{bits&1 != 0, bits&2 != 0, bits&4 != 0, bits&8 != 0},
															whenOverride: whenOverride,
															n:            n, nOverride: nOverride,
															recovery: recovery, recoveryOverride: recoveryOverride,
															prior:    store.PushState{AutoFailures: failures, FailurePushed: pushed},
															channels: ch,
														})
													}
												}
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestDecideMatchesSpec(t *testing.T) {
	var total, pushes, failures int
	eachRuleCase(func(c ruleCase) {
		total++
		s, o, r := c.inputs()
		got := Decide(s, o, c.prior, r, ruleRegistered)
		want := ruleSpec(c)
		if got.Reason != want.Reason || got.State != want.State || !slices.Equal(got.Channels, want.Channels) {
			failures++
			if failures <= 20 {
				t.Errorf("%v:\n got %+v\nwant %+v", c, got, want)
			}
		}
		if got.Reason != "" {
			pushes++
		}
	})
	if failures > 20 {
		t.Errorf("… %d mismatches in all", failures)
	}
	// The space is what the comment says, and both outcomes occur in it.
	if want := 3 * 4 * 2 * 3 * 16 * 2 * 3 * 2 * 2 * 2 * 5 * 2 * len(ruleChannelCases); total != want || pushes == 0 || pushes == total {
		t.Errorf("%d cases (want %d), %d with a push", total, want, pushes)
	}
}

// ruleStep is one run in a named scenario: "aF" automatic failure, "aT"
// automatic timeout, "aS" automatic success, "mF"/"mS" manual, "tF" test
// failure, "aK" automatic skipped.
func ruleRun(step string) task.Run {
	r := task.Run{TaskID: 1, TaskName: "Backup"}
	switch step[0] {
	case 'a':
		r.Trigger = task.TriggerAuto
	case 'm':
		r.Trigger = task.TriggerManual
	case 't':
		r.Trigger = task.TriggerTest
	}
	switch step[1] {
	case 'F':
		r.Status = task.StatusFailure
	case 'T':
		r.Status = task.StatusTimeout
	case 'S':
		r.Status = task.StatusSuccess
	case 'K':
		r.Status = task.StatusSkipped
	}
	return r
}

// runScenario feeds the runs to Decide in order, carrying the state, and
// returns what each pushed: "F" failure, "S" success, "R" recovered, "-"
// nothing.
func runScenario(s Settings, o TaskOverrides, st store.PushState, steps string) (string, store.PushState) {
	var out []string
	for _, step := range strings.Fields(steps) {
		d := Decide(s, o, st, ruleRun(step), ruleRegistered)
		st = d.State
		switch d.Reason {
		case ReasonFailure:
			out = append(out, "F")
		case ReasonSuccess:
			out = append(out, "S")
		case ReasonRecovered:
			out = append(out, "R")
		default:
			out = append(out, "-")
		}
	}
	return strings.Join(out, " "), st
}

func TestDecideScenarios(t *testing.T) {
	settings := func(change func(*Settings)) Settings {
		s := DefaultSettings()
		if change != nil {
			change(&s)
		}
		return s
	}
	n3 := func(s *Settings) { s.FailuresBeforeNotify = 3 }
	tests := []struct {
		name  string
		s     Settings
		o     TaskOverrides
		steps string
		want  string
		state store.PushState // after the last step
	}{
		{"N=3 pushes the 3rd consecutive automatic failure only, a success resets",
			settings(n3), TaskOverrides{},
			"aF aF aF aF aF aS aF aF aF", "- - F - - R - - F", store.PushState{AutoFailures: 3, FailurePushed: true}},
		{"N=3 counts timeouts as failures",
			settings(n3), TaskOverrides{},
			"aT aF aT", "- - F", store.PushState{AutoFailures: 3, FailurePushed: true}},
		{"manual failures don't count toward N (manual_failure off)",
			settings(func(s *Settings) { n3(s); s.ManualFailure = false }), TaskOverrides{},
			"aF aF mF mF aF", "- - - - F", store.PushState{AutoFailures: 3, FailurePushed: true}},
		{"manual successes don't reset the count",
			settings(n3), TaskOverrides{},
			"aF aF mS aF", "- - - F", store.PushState{AutoFailures: 3, FailurePushed: true}},
		{"a manual failure pushes on its own switch, whatever N",
			settings(n3), TaskOverrides{},
			"mF aF", "F -", store.PushState{AutoFailures: 1, FailurePushed: true}},
		{"a manual success after a pushed automatic failure is a recovery but leaves the count",
			settings(n3), TaskOverrides{},
			"aF aF aF mS aF aS aF", "- - F R - - -", store.PushState{AutoFailures: 1}},
		{"N=0 pushes every automatic failure",
			settings(nil), TaskOverrides{},
			"aF aF aF aS", "F F F R", store.PushState{}},
		{"N=1 pushes the first failure of each streak",
			settings(func(s *Settings) { s.FailuresBeforeNotify = 1 }), TaskOverrides{},
			"aF aF aS aF", "F - R F", store.PushState{AutoFailures: 1, FailurePushed: true}},
		{"the task's N overrides the global one",
			settings(nil), TaskOverrides{FailuresBeforeNotify: rulesPtr(2)},
			"aF aF aF", "- F -", store.PushState{AutoFailures: 3, FailurePushed: true}},
		{"recovered replaces the success push: one message, not two",
			settings(func(s *Settings) { s.AutoSuccess = true }), TaskOverrides{},
			"aS aF aS aS", "S F R S", store.PushState{}},
		{"recovered after a pushed manual failure, by an automatic success",
			settings(nil), TaskOverrides{},
			"mF aS aS", "F R -", store.PushState{}},
		{"recovered after a pushed manual failure, by a manual success",
			settings(nil), TaskOverrides{},
			"mF mS", "F R", store.PushState{}},
		{"no recovery without a pushed failure",
			settings(n3), TaskOverrides{},
			"aF aF aS", "- - -", store.PushState{}},
		{"recovery off: the success is a plain one, pushed only by its switch",
			settings(func(s *Settings) { s.Recovery = false; s.ManualSuccess = true }), TaskOverrides{},
			"aF aS mF mS", "F - F S", store.PushState{}},
		{"the task's recovery switch overrides the global one",
			settings(func(s *Settings) { s.Recovery = false }), TaskOverrides{Recovery: rulesPtr(true)},
			"aF aS aS", "F R -", store.PushState{}},
		{"test and skipped runs neither push nor touch the state",
			settings(n3), TaskOverrides{},
			"aF tF aF aK tS aF", "- - - - - F", store.PushState{AutoFailures: 3, FailurePushed: true}},
		{"global switch off: nothing pushed, the count still tracked",
			settings(func(s *Settings) { n3(s); s.Enabled = false }), TaskOverrides{},
			"aF aF aF aF", "- - - -", store.PushState{AutoFailures: 4}},
		{"task switch off: nothing pushed, the count still tracked",
			settings(n3), TaskOverrides{Push: rulesPtr(false)},
			"aF aF aF mF", "- - - -", store.PushState{AutoFailures: 3}},
		{"task switch on does not beat the global switch",
			settings(func(s *Settings) { s.Enabled = false }), TaskOverrides{Push: rulesPtr(true)},
			"aF", "-", store.PushState{AutoFailures: 1}},
		{"no channel: a failure is not marked pushed, so no recovery follows",
			settings(func(s *Settings) { s.AllChannels = false }), TaskOverrides{},
			"aF aS", "- -", store.PushState{}},
		{"task when-switches override the global ones",
			settings(nil), TaskOverrides{AutoFailure: rulesPtr(false), ManualSuccess: rulesPtr(true)},
			"aF mS", "- S", store.PushState{AutoFailures: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st := runScenario(tt.s, tt.o, store.PushState{}, tt.steps)
			if got != tt.want || st != tt.state {
				t.Errorf("%s → %s, state %+v; want %s, state %+v", tt.steps, got, st, tt.want, tt.state)
			}
		})
	}

	// Turning pushes back on continues the count where it is: the 4th
	// failure of a streak is past N=3 and stays quiet.
	s := settings(func(s *Settings) { n3(s); s.Enabled = false })
	_, st := runScenario(s, TaskOverrides{}, store.PushState{}, "aF aF aF")
	s.Enabled = true
	if got, _ := runScenario(s, TaskOverrides{}, st, "aF aS aF aF aF"); got != "- - - - F" {
		t.Errorf("after switching on: %s", got)
	}

	// A success clears FailurePushed even when recovery is off, so turning
	// recovery on later does not announce a recovery from an old failure.
	s = settings(func(s *Settings) { s.Recovery = false })
	got, st := runScenario(s, TaskOverrides{}, store.PushState{}, "aF aS")
	s.Recovery = true
	if again, _ := runScenario(s, TaskOverrides{}, st, "aS"); got != "F -" || again != "-" {
		t.Errorf("recovery off: %s, then on: %s", got, again)
	}
}

func TestDecideChannels(t *testing.T) {
	failure := task.Run{TaskID: 1, Trigger: task.TriggerAuto, Status: task.StatusFailure}
	tests := []struct {
		name       string
		all        bool
		global     []string
		task       []string
		registered []string
		want       []string
	}{
		{"all registered, in order, without duplicates", true, nil, nil, []string{"b", "a", "b", "c"}, []string{"b", "a", "c"}},
		{"global set in its order; unknown ids dropped", false, []string{"c", "x", "a", "c"}, nil, []string{"a", "b", "c"}, []string{"c", "a"}},
		{"task set beats the global set", false, []string{"a"}, []string{"b", "c"}, []string{"a", "b", "c"}, []string{"b", "c"}},
		{"task set beats all channels", true, nil, []string{"c", "c", "a"}, []string{"a", "b", "c"}, []string{"c", "a"}},
		{"an empty task set means the global set", true, nil, []string{}, []string{"a", "b"}, []string{"a", "b"}},
		{"task set of removed channels: nothing, no fallback", true, nil, []string{"gone"}, []string{"a"}, nil},
		{"no registered channels", true, nil, nil, nil, nil},
		{"empty global set", false, nil, nil, []string{"a"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			s.AllChannels, s.Channels = tt.all, tt.global
			d := Decide(s, TaskOverrides{Channels: tt.task}, store.PushState{}, failure, tt.registered)
			if !reflect.DeepEqual(d.Channels, tt.want) {
				t.Errorf("channels %q, want %q", d.Channels, tt.want)
			}
			if wantReason := map[bool]Reason{true: ReasonFailure, false: ""}[len(tt.want) > 0]; d.Reason != wantReason {
				t.Errorf("reason %q, want %q", d.Reason, wantReason)
			}
			if d.State.AutoFailures != 1 || d.State.FailurePushed != (len(tt.want) > 0) {
				t.Errorf("state %+v", d.State)
			}
		})
	}
}
