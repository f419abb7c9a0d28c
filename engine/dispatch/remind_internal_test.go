package dispatch

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/jonboulle/clockwork"
)

// remindStep is a run that finished at at, or (status "") a turn of the
// reminder timer at at; want labels the rows it queued, "kind:channel" in
// order, kind one of failure, recovered, reminder, escalation.
type remindStep struct {
	at     time.Time
	status task.Status
	want   []string
}

// remindEnv is a real store with channels c1 (the task's) and e1 (the
// escalation set), registered without secrets, and one task.
type remindEnv struct {
	t      *testing.T
	st     *store.Store
	d      *Dispatcher
	planer *Planner
	task   task.Task
	lastID int64
}

// newRemindEnv's rules judge times in the clock's location.
func newRemindEnv(t *testing.T, clock clockwork.Clock) *remindEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, c := range []store.Channel{{ID: "c1", Name: "one", Kind: "webhook"}, {ID: "e1", Name: "pager", Kind: "webhook"}} {
		c.Config = map[string]string{"method": "POST"}
		if err := st.CreateChannel(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	reg := &registry.Registry{Store: st, Redactor: &redact.Redactor{}}
	tk := task.Task{Name: "backup", Kind: task.KindCommand, Command: &task.Command{Line: "true"}}
	if err := st.CreateTask(ctx, &tk); err != nil {
		t.Fatal(err)
	}
	loc := clock.Now().Location()
	d := New(Params{Store: st, Registry: reg, Clock: clock, Location: loc})
	return &remindEnv{t: t, st: st, d: d, planer: &Planner{Registry: reg, Location: loc}, task: tk}
}

// run records an automatic run of the task that ended at at, through the
// run hook as the tasks service does.
func (e *remindEnv) run(at time.Time, status task.Status) {
	e.t.Helper()
	ctx := context.Background()
	r := task.Run{TaskID: e.task.ID, TaskName: e.task.Name, Trigger: task.TriggerAuto, Status: status,
		Started: at.Add(-time.Second), Finished: at}
	if status.Failed() {
		r.Error = "exit status 1"
	}
	step, err := e.planer.PlanRun(ctx, e.st, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.InsertRunTx(ctx, &r, step); err != nil {
		e.t.Fatal(err)
	}
}

// newRows labels the rows queued since the last call.
func (e *remindEnv) newRows() (labels []string, rows []store.OutboxItem) {
	e.t.Helper()
	all, err := e.st.OutboxItems(context.Background(), store.OutboxFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Reverse(all) // oldest first
	for _, it := range all {
		if it.ID <= e.lastID {
			continue
		}
		e.lastID = it.ID
		kind := "?"
		switch {
		case strings.HasPrefix(it.Title, "❌"):
			kind = "failure"
		case strings.HasPrefix(it.Title, "⏰"):
			kind = "reminder"
		case strings.HasPrefix(it.Title, "🚨"):
			kind = "escalation"
		case strings.HasPrefix(it.Title, "🔁"):
			kind = "recovered"
		}
		label := kind + ":" + it.ChannelID
		if it.Hold != "" {
			label += " held until " + it.NextAt.In(e.d.p.Location).Format("15:04")
		}
		labels = append(labels, label)
		rows = append(rows, it)
	}
	return labels, rows
}

// Reminders and escalation on Europe/Berlin's spring DST day (02:00 CET
// becomes 03:00 CEST on 2026-03-29): intervals are elapsed time, so a 4 h
// reminder after a failure at 00:30 CET is due at 05:30 CEST.
func TestRemindersAndEscalation(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 29, h, m, 0, 0, berlin) }
	fail, ok, tick := task.StatusFailure, task.StatusSuccess, task.Status("")
	tests := []struct {
		name  string
		set   func(s *Settings, o *TaskOverrides)
		steps []remindStep
	}{
		{"every 4 h, at most 2, across the DST change", func(s *Settings, _ *TaskOverrides) {
			s.Reminder = ReminderSettings{Interval: 4 * 3600, Max: 2}
			s.FailuresBeforeNotify = 1 // only a streak's first failure is pushed
		},
			[]remindStep{
				{at(0, 30), fail, []string{"failure:c1"}},
				{at(5, 29), tick, nil},
				{at(5, 30), tick, []string{"reminder:c1"}},
				{at(7, 0), fail, nil}, // not pushed: the reminders keep their time
				{at(9, 30), tick, []string{"reminder:c1"}},
				{at(13, 30), tick, nil}, // the limit
				{at(14, 0), ok, []string{"recovered:c1"}},
				{at(23, 0), tick, nil},
			}},
		{"recovery stops reminders", func(s *Settings, _ *TaskOverrides) { s.Reminder = ReminderSettings{Interval: 3600, Max: 5} },
			[]remindStep{
				{at(0, 0), fail, []string{"failure:c1"}},
				{at(1, 0), tick, []string{"reminder:c1"}},
				{at(1, 45), ok, []string{"recovered:c1"}},
				{at(3, 45), tick, nil},
				{at(9, 0), tick, nil},
			}},
		{"a reminder missed while down is sent once", func(s *Settings, _ *TaskOverrides) { s.Reminder = ReminderSettings{Interval: 3600, Max: 9} },
			[]remindStep{
				{at(0, 0), fail, []string{"failure:c1"}},
				{at(6, 0), tick, []string{"reminder:c1"}},
				{at(6, 59), tick, nil},
				{at(7, 0), tick, []string{"reminder:c1"}},
			}},
		{"a pushed failure restarts the interval", func(s *Settings, _ *TaskOverrides) { s.Reminder = ReminderSettings{Interval: 3600, Max: 9} },
			[]remindStep{
				{at(0, 0), fail, []string{"failure:c1"}},
				{at(0, 50), fail, []string{"failure:c1"}},
				{at(1, 0), tick, nil},
				{at(1, 50), tick, []string{"reminder:c1"}},
			}},
		{"only once something was pushed", func(s *Settings, _ *TaskOverrides) {
			s.Reminder = ReminderSettings{Interval: 3600, Max: 9}
			s.FailuresBeforeNotify = 3
		}, []remindStep{
			{at(0, 0), fail, nil},
			{at(1, 30), tick, nil},
			{at(1, 40), fail, nil},
			{at(1, 50), fail, []string{"failure:c1"}},
			{at(3, 49), tick, nil}, // 01:50 CET + 1 h is 03:50 CEST
			{at(3, 50), tick, []string{"reminder:c1"}},
		}},
		{"escalation after K pushed failures, once per streak", func(s *Settings, _ *TaskOverrides) {
			s.Escalation = EscalationSettings{Failures: 2, Channels: []string{"e1"}}
		}, []remindStep{
			{at(0, 0), fail, []string{"failure:c1"}},
			{at(1, 0), fail, []string{"failure:c1", "escalation:e1"}},
			{at(4, 0), fail, []string{"failure:c1"}},
			{at(5, 0), tick, nil},
			{at(6, 0), ok, []string{"recovered:c1"}},
			{at(7, 0), fail, []string{"failure:c1"}},
			{at(8, 0), fail, []string{"failure:c1", "escalation:e1"}},
		}},
		{"escalation after Y, by the timer, once", func(s *Settings, _ *TaskOverrides) {
			s.Escalation = EscalationSettings{After: 3 * 3600, Channels: []string{"e1"}}
		}, []remindStep{
			{at(0, 30), fail, []string{"failure:c1"}},
			{at(4, 29), tick, nil},
			{at(4, 30), tick, []string{"escalation:e1"}},
			{at(5, 0), fail, []string{"failure:c1"}},
			{at(9, 0), tick, nil},
		}},
		{"per-task overrides", func(s *Settings, o *TaskOverrides) {
			o.ReminderInterval, o.ReminderMax = ptr(1800), ptr(1)
			o.EscalationAfter, o.EscalationChannels = ptr(1800), []string{"e1"}
		}, []remindStep{
			{at(0, 0), fail, []string{"failure:c1"}},
			{at(0, 30), tick, []string{"escalation:e1", "reminder:c1"}},
			{at(1, 0), tick, nil},
		}},
		{"quiet hours hold reminders and escalation, sent when they end", func(s *Settings, _ *TaskOverrides) {
			s.Quiet.Windows = "22:00-07:30"
			s.Reminder = ReminderSettings{Interval: 2 * 3600, Max: 9}
			s.Escalation = EscalationSettings{After: 3 * 3600, Channels: []string{"e1"}}
		}, []remindStep{
			{at(21, 0), fail, []string{"failure:c1"}},
			{at(23, 0), tick, []string{"reminder:c1 held until 07:30"}},
			{at(24, 0), tick, []string{"escalation:e1 held until 07:30"}},
		}},
		{"a task whose failures break through is reminded at night", func(s *Settings, o *TaskOverrides) {
			s.Quiet.Windows = "22:00-07:30"
			s.Reminder = ReminderSettings{Interval: 2 * 3600, Max: 9}
			o.QuietBreakThrough = ptr(true)
		}, []remindStep{
			{at(21, 0), fail, []string{"failure:c1"}},
			{at(23, 0), tick, []string{"reminder:c1"}},
		}},
		{"no reminders for a task whose pushes are off", func(s *Settings, o *TaskOverrides) {
			s.Reminder = ReminderSettings{Interval: 3600, Max: 9}
			s.Escalation = EscalationSettings{After: 60, Channels: []string{"e1"}}
			o.Push = ptr(false)
		}, []remindStep{
			{at(0, 0), fail, nil},
			{at(5, 0), tick, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newRemindEnv(t, clockwork.NewFakeClockAt(at(0, 0)))
			s, o := DefaultSettings(), TaskOverrides{}
			s.Language = "en"
			s.AllChannels, s.Channels = false, []string{"c1"}
			tt.set(&s, &o)
			if err := SaveSettings(ctx, e.st, s); err != nil {
				t.Fatal(err)
			}
			if err := SaveOverrides(ctx, e.st, e.task.ID, o); err != nil {
				t.Fatal(err)
			}
			for i, step := range tt.steps {
				if step.status == "" {
					if _, err := e.d.remindTick(ctx, s, step.at); err != nil {
						t.Fatal(err)
					}
				} else {
					e.run(step.at, step.status)
				}
				if got, _ := e.newRows(); !slices.Equal(got, step.want) {
					t.Fatalf("step %d (%s at %s): queued %v, want %v", i, step.status, step.at.Format("15:04 MST"), got, step.want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// A reminder says how long the task has been failing and how many runs
// failed, in the message language.
func TestReminderText(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 30, 0, 0, time.UTC)
	st := Streak{Task: "backup", Since: since, Failures: 7, Pushed: 1, Reminders: 1}
	rr := remindRules{maxReminders: 3}
	for _, tt := range []struct {
		lang, reason string
		want         []string
	}{
		{"en", "reminder", []string{"⏰ Still failing: backup", "failing for 5 h 30 min", "Failed runs so far: 7", "Reminder 2 of 3"}},
		{"zh", "reminder", []string{"⏰ 仍在失败：backup", "已持续失败 5 小时 30 分钟", "至今失败次数：7", "第 2 次提醒（共 3 次）"}},
		{"en", "escalation", []string{"🚨 Escalation: backup keeps failing", "failing for 5 h 30 min", "failures pushed: 1"}},
	} {
		s := DefaultSettings()
		s.Language = tt.lang
		m := streakMessage(s, st, Reason(tt.reason), rr, since.Add(5*time.Hour+30*time.Minute))
		for _, w := range tt.want {
			if !strings.Contains(m.Title+"\n"+m.Body, w) {
				t.Errorf("%s %s: %q / %q lacks %q", tt.lang, tt.reason, m.Title, m.Body, w)
			}
		}
	}
}

// The timer itself, on a fake clock: it wakes at the due time, and after
// Shutdown it stops.
func TestReminderTimerOnFakeClock(t *testing.T) {
	start := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC) // New York and Berlin change on other days; UTC has none
	clock := clockwork.NewFakeClockAt(start)
	e := newRemindEnv(t, clock)
	ctx := context.Background()
	s := DefaultSettings()
	s.Reminder = ReminderSettings{Interval: 600, Max: 2}
	s.AllChannels, s.Channels = false, []string{"c1"}
	if err := SaveSettings(ctx, e.st, s); err != nil {
		t.Fatal(err)
	}
	e.run(start, task.StatusFailure)
	e.newRows()
	e.d.StartReminders(ctx, func() Settings { return s })
	defer func() { _ = e.d.Shutdown(ctx) }()
	for i := range 2 {
		if err := clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Minute)
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, _ := e.newRows()
			if len(got) > 0 {
				if !slices.Equal(got, []string{"reminder:c1", "reminder:c1"}[:len(got)]) || len(got) != 1 {
					t.Fatalf("reminder %d: queued %v", i+1, got)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("reminder %d not queued", i+1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// On New York's fall-back day (01:00–02:00 happens twice on 2026-11-01)
// reminder and escalation due times are elapsed time from the streak, so
// a 1 h reminder after a failure at 01:30 EDT falls at 01:30 EST.
func TestRemindDueOnFallBackDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	edt := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC).In(ny) // 01:30 EDT
	st := Streak{Since: edt, Pushed: 1, LastNotice: edt}
	tests := []struct {
		name         string
		rr           remindRules
		st           Streak
		wantRemind   string // "15:04 MST" in New York, "" for none
		wantEscalate string
	}{
		{"1 h reminder", remindRules{interval: time.Hour, maxReminders: 3}, st, "01:30 EST", ""},
		{"limit reached", remindRules{interval: time.Hour, maxReminders: 1}, Streak{Since: edt, Pushed: 1, LastNotice: edt, Reminders: 1}, "", ""},
		{"nothing pushed yet", remindRules{interval: time.Hour, maxReminders: 3}, Streak{Since: edt}, "", ""},
		{"escalate after 2 h", remindRules{escalateAfter: 2 * time.Hour, escalationChannel: []string{"e1"}}, st, "", "02:30 EST"},
		{"escalate after K=1 at once", remindRules{escalateFailures: 1, escalationChannel: []string{"e1"}}, st, "", "01:30 EDT"},
		{"escalated already", remindRules{escalateAfter: time.Hour, escalationChannel: []string{"e1"}}, Streak{Since: edt, Pushed: 1, Escalated: true}, "", ""},
		{"no escalation channel", remindRules{escalateAfter: time.Hour}, st, "", ""},
	}
	show := func(at time.Time, ok bool) string {
		if !ok {
			return ""
		}
		return at.In(ny).Format("15:04 MST")
	}
	for _, tt := range tests {
		if got := show(reminderDue(tt.st, tt.rr)); got != tt.wantRemind {
			t.Errorf("%s: reminder due %q, want %q", tt.name, got, tt.wantRemind)
		}
		if got := show(escalationDue(tt.st, tt.rr)); got != tt.wantEscalate {
			t.Errorf("%s: escalation due %q, want %q", tt.name, got, tt.wantEscalate)
		}
	}
}
