package dispatch_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook/wecomwebhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/jonboulle/clockwork"
)

// digestSettings hands the timer settings that the test can change, and
// counts how often the timer read them.
type digestSettings struct {
	mu    sync.Mutex
	s     dispatch.Settings
	reads atomic.Int32
}

func newDigestSettings(first string, interval int) *digestSettings {
	s := dispatch.DefaultSettings()
	s.Language = "en"
	s.Batch = dispatch.BatchSettings{Enabled: true, First: first, Interval: interval, SkipEmpty: true}
	return &digestSettings{s: s}
}

func (ds *digestSettings) get() dispatch.Settings {
	ds.reads.Add(1)
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.s
}

func (ds *digestSettings) change(fn func(*dispatch.Settings)) {
	ds.mu.Lock()
	fn(&ds.s)
	ds.mu.Unlock()
}

// finishedRun records a failed automatic run of a new task called name
// that finished at fin.
func (e *deliveryEnv) finishedRun(name string, fin time.Time) {
	e.t.Helper()
	ctx := context.Background()
	tk := &task.Task{Name: name, Kind: task.KindCommand, Command: &task.Command{Line: "true"}, Enabled: true}
	if err := e.st.CreateTask(ctx, tk); err != nil {
		e.t.Fatal(err)
	}
	r := &task.Run{TaskID: tk.ID, Trigger: task.TriggerAuto, Status: task.StatusFailure, Started: fin.Add(-time.Second), Finished: fin,
		Error: name + " broke"}
	if err := e.st.InsertRun(ctx, r); err != nil {
		e.t.Fatal(err)
	}
}

// digests lists the digest rows queued so far, oldest first.
func (e *deliveryEnv) digests() []store.OutboxItem {
	e.t.Helper()
	items, err := e.st.OutboxItems(context.Background(), store.OutboxFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.OutboxItem
	for _, it := range slices.Backward(items) {
		if it.Source == store.SourceDigest {
			out = append(out, it)
		}
	}
	return out
}

func (e *deliveryEnv) lastDigest() time.Time {
	e.t.Helper()
	var at time.Time
	if _, err := e.st.Setting(context.Background(), dispatch.LastDigestKey, &at); err != nil {
		e.t.Fatal(err)
	}
	return at
}

// timerSet waits until the digest timer sleeps on the fake clock.
func timerSet(t *testing.T, clock *clockwork.FakeClock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal("the digest timer is not waiting:", err)
	}
}

func checkBody(t *testing.T, it store.OutboxItem, has, hasNot []string) {
	t.Helper()
	for _, s := range has {
		if !strings.Contains(it.Body, s) {
			t.Errorf("digest for %s lacks %q:\n%s", it.ChannelID, s, it.Body)
		}
	}
	for _, s := range hasNot {
		if strings.Contains(it.Body, s) {
			t.Errorf("digest for %s has %q, outside its window:\n%s", it.ChannelID, s, it.Body)
		}
	}
}

// Daily digests at 12:00: the first falls due at today's First, covers
// (due − 24 h, due] (a run finished exactly at the start is out, one
// finished exactly at the due time in), goes to every channel of every
// kind, and an empty window sends nothing but still advances.
func TestDigestTimerDailyWindows(t *testing.T) {
	e := newDeliveryEnv(t)
	hook := webhooktest.NewServer(t)
	robot := wecomwebhooktest.NewServer(t)
	hc := e.addChannel("webhook", "hook", hook.Config())
	rc := e.addChannel("wecom_webhook", "robot", robot.Config())
	clock := clockwork.NewFakeClockAt(t0) // 09:00
	d := e.dispatcher(dispatch.Params{Clock: clock, Location: time.UTC})
	settings := newDigestSettings("12:00:00", 86400)

	noon := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	e.finishedRun("edge-out", noon.Add(-24*time.Hour))
	e.finishedRun("inside", t0.Add(-time.Hour))
	e.finishedRun("edge-in", noon)

	d.StartDigests(context.Background(), settings.get)
	timerSet(t, clock)
	clock.Advance(noon.Sub(clock.Now()) - time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := len(e.digests()); n != 0 {
		t.Fatalf("%d digests before the due time", n)
	}
	clock.Advance(time.Second)
	awaitCond(t, 20*time.Second, "the first digests", func() bool { return len(e.digests()) == 2 })
	first := e.digests()
	if got := []string{first[0].ChannelID, first[1].ChannelID}; !slices.Contains(got, hc.ID) || !slices.Contains(got, rc.ID) {
		t.Fatalf("digests went to %v, want one to each channel", got)
	}
	for _, it := range first {
		checkBody(t, it, []string{"inside", "edge-in", "2 runs"}, []string{"edge-out"})
		if !strings.Contains(it.Title, "12:00") {
			t.Errorf("title %q lacks the due time", it.Title)
		}
	}
	awaitCond(t, 20*time.Second, "the last due time saved", func() bool { return e.lastDigest().Equal(noon) })

	// The next day: only what finished since.
	e.finishedRun("day-two", noon.Add(22*time.Hour))
	timerSet(t, clock)
	clock.Advance(24 * time.Hour)
	awaitCond(t, 20*time.Second, "the second digests", func() bool { return len(e.digests()) == 4 })
	for _, it := range e.digests()[2:] {
		checkBody(t, it, []string{"day-two", "1 run "}, []string{"inside", "edge-in"})
	}

	// An empty day: nothing sent, the cadence goes on.
	awaitCond(t, 20*time.Second, "day two saved", func() bool { return e.lastDigest().Equal(noon.Add(24 * time.Hour)) })
	timerSet(t, clock)
	clock.Advance(24 * time.Hour)
	awaitCond(t, 20*time.Second, "day three saved", func() bool { return e.lastDigest().Equal(noon.Add(48 * time.Hour)) })
	if n := len(e.digests()); n != 4 {
		t.Fatalf("%d digests after an empty day, want still 4", n)
	}

	// The rows are real pushes: the WeCom robot gets its digest.
	for _, it := range e.digests()[2:] {
		del, err := d.DeliverNow(context.Background(), it.ID)
		if err != nil || !del.OK {
			t.Fatalf("deliver digest to %s: %+v, %v", it.ChannelID, del, err)
		}
	}
	if acc := robot.Accepted(); len(acc) != 1 || !strings.Contains(acc[0].Text, "day-two") {
		t.Errorf("robot received %+v, want the day-two digest", acc)
	}
	if v := robot.Violations(); len(v) > 0 {
		t.Errorf("WeCom contract violations: %v", v)
	}
}

// An hourly digest follows its interval; a settings change takes effect
// at once through SettingsChanged, and turning the batch off forgets the
// last due time.
func TestDigestTimerIntervalAndSettingsChange(t *testing.T) {
	e := newDeliveryEnv(t)
	hook := webhooktest.NewServer(t)
	e.addChannel("webhook", "hook", hook.Config())
	start := time.Date(2026, 3, 10, 12, 30, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(start)
	d := e.dispatcher(dispatch.Params{Clock: clock, Location: time.UTC})
	settings := newDigestSettings("12:00:00", 3600)

	e.finishedRun("a", start.Add(15*time.Minute))
	d.StartDigests(context.Background(), settings.get)
	timerSet(t, clock)
	clock.Advance(30 * time.Minute) // 13:00
	awaitCond(t, 20*time.Second, "the 13:00 digest", func() bool { return len(e.digests()) == 1 })
	checkBody(t, e.digests()[0], []string{"a"}, nil)

	e.finishedRun("b", start.Add(time.Hour)) // 13:30
	awaitCond(t, 20*time.Second, "13:00 saved", func() bool { return e.lastDigest().Equal(start.Add(30 * time.Minute)) })
	timerSet(t, clock)
	clock.Advance(30 * time.Minute) // 13:30: not due
	time.Sleep(50 * time.Millisecond)
	if n := len(e.digests()); n != 1 {
		t.Fatalf("%d digests at 13:30, want 1", n)
	}
	timerSet(t, clock)
	clock.Advance(30 * time.Minute) // 14:00
	awaitCond(t, 20*time.Second, "the 14:00 digest", func() bool { return len(e.digests()) == 2 })
	checkBody(t, e.digests()[1], []string{"b broke"}, []string{"a broke"})
	awaitCond(t, 20*time.Second, "14:00 saved", func() bool { return e.lastDigest().Equal(start.Add(90 * time.Minute)) })

	// Daily at 18:00 from now on.
	timerSet(t, clock)
	reads := settings.reads.Load()
	settings.change(func(s *dispatch.Settings) { s.Batch.First, s.Batch.Interval = "18:00:00", 86400 })
	d.SettingsChanged()
	awaitCond(t, 20*time.Second, "the settings read again", func() bool { return settings.reads.Load() > reads })
	e.finishedRun("c", start.Add(150*time.Minute)) // 15:00
	timerSet(t, clock)
	clock.Advance(3*time.Hour + 59*time.Minute) // 17:59
	time.Sleep(50 * time.Millisecond)
	if n := len(e.digests()); n != 2 {
		t.Fatalf("%d digests before 18:00, want 2 (the hourly schedule is gone)", n)
	}
	timerSet(t, clock)
	clock.Advance(time.Minute)
	awaitCond(t, 20*time.Second, "the 18:00 digest", func() bool { return len(e.digests()) == 3 })
	checkBody(t, e.digests()[2], []string{"c broke", "1 run "}, []string{"b broke"})

	// Off: the last due time is forgotten, so turning it on again later
	// does not summarise the time it was off.
	settings.change(func(s *dispatch.Settings) { s.Batch.Enabled = false })
	d.SettingsChanged()
	awaitCond(t, 20*time.Second, "the last due time forgotten", func() bool {
		ok, err := e.st.Setting(context.Background(), dispatch.LastDigestKey, new(time.Time))
		return err == nil && !ok
	})
}

// After downtime spanning several due times, exactly one catch-up digest
// covers everything since the last one, then the cadence resumes without
// repeating what the catch-up covered.
func TestDigestTimerCatchUpAfterDowntime(t *testing.T) {
	e := newDeliveryEnv(t)
	hook := webhooktest.NewServer(t)
	e.addChannel("webhook", "hook", hook.Config())
	clock := clockwork.NewFakeClockAt(t0) // 09:00
	d := e.dispatcher(dispatch.Params{Clock: clock, Location: time.UTC})
	settings := newDigestSettings("12:00:00", 86400)

	lastDue := time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC) // three due times missed
	if err := e.st.SetSetting(context.Background(), dispatch.LastDigestKey, lastDue); err != nil {
		t.Fatal(err)
	}
	e.finishedRun("before", lastDue) // covered by the last digest sent
	e.finishedRun("sat", lastDue.Add(22*time.Hour))
	e.finishedRun("sun", lastDue.Add(46*time.Hour))
	e.finishedRun("early", t0.Add(-30*time.Minute))

	d.StartDigests(context.Background(), settings.get)
	awaitCond(t, 20*time.Second, "the catch-up digest", func() bool { return len(e.digests()) == 1 })
	checkBody(t, e.digests()[0], []string{"sat broke", "sun broke", "early broke", "3 runs"}, []string{"before broke"})
	awaitCond(t, 20*time.Second, "the catch-up's end saved", func() bool { return e.lastDigest().Equal(t0) })

	e.finishedRun("late", t0.Add(time.Hour))
	timerSet(t, clock)
	if n := len(e.digests()); n != 1 {
		t.Fatalf("%d digests after the catch-up, want exactly 1", n)
	}
	clock.Advance(3 * time.Hour) // 12:00
	awaitCond(t, 20*time.Second, "the noon digest", func() bool { return len(e.digests()) == 2 })
	checkBody(t, e.digests()[1], []string{"late broke", "1 run "}, []string{"early broke", "sun broke"})
}
