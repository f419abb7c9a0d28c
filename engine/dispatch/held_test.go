package dispatch

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/jonboulle/clockwork"
)

// heldEnv records runs through the planner's transaction step (writePlan)
// and releases held rows as the claim loop does, on a fake clock.
type heldEnv struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	clock *clockwork.FakeClock
	loc   *time.Location
	d     *Dispatcher
	tasks map[string]int64
}

func newHeldEnv(t *testing.T, s Settings, start time.Time) *heldEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := SaveSettings(ctx, st, s); err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(start)
	loc := berlin(t)
	return &heldEnv{t: t, ctx: ctx, st: st, clock: clock, loc: loc, tasks: map[string]int64{},
		d: New(Params{Store: st, Clock: clock, Location: loc})}
}

// run records a finished automatic run of task name now, planned for the
// channels as the planner does.
func (e *heldEnv) run(name string, status task.Status, channels ...string) {
	e.t.Helper()
	id, ok := e.tasks[name]
	if !ok {
		tk := task.Task{Name: name, Kind: task.KindCommand, Command: &task.Command{Line: "true"}}
		if err := e.st.CreateTask(e.ctx, &tk); err != nil {
			e.t.Fatal(err)
		}
		id, e.tasks[name] = tk.ID, tk.ID
	}
	s, err := LoadSettings(e.ctx, e.st)
	if err != nil {
		e.t.Fatal(err)
	}
	o, err := LoadOverrides(e.ctx, e.st, id)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	r := task.Run{TaskID: id, TaskName: name, Trigger: task.TriggerAuto, Status: status, Started: now, Finished: now}
	if status.Failed() {
		r.Error = name + " broke"
	}
	msgs := map[Reason]message.Message{}
	for _, reason := range reasonsFor(r) {
		if msgs[reason], err = Render(s, r, reason, e.loc); err != nil {
			e.t.Fatal(err)
		}
	}
	err = e.st.InsertRunTx(e.ctx, &r, func(tx *store.RunTx) error { return writePlan(tx, r, s, o, channels, msgs, e.loc) })
	if err != nil {
		e.t.Fatal(err)
	}
}

// release is one turn of the claim loop's release step.
func (e *heldEnv) release() (time.Time, bool) { return e.d.releaseHeld(e.ctx, e.clock.Now()) }

// rows are channel's outbox rows, oldest first.
func (e *heldEnv) rows(channel string) []store.OutboxItem {
	e.t.Helper()
	items, err := e.st.OutboxItems(e.ctx, store.OutboxFilter{ChannelID: channel, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	return items
}

// sendable are the rows the claim loop may send: pending and not held.
func sendable(items []store.OutboxItem) []store.OutboxItem {
	var out []store.OutboxItem
	for _, it := range items {
		if it.State == store.OutboxPending && it.Hold == "" {
			out = append(out, it)
		}
	}
	return out
}

func TestQuietHoursHoldAndSummarize(t *testing.T) {
	s := DefaultSettings()
	s.Language = "en"
	s.AutoSuccess = true
	s.Quiet.Windows = "23:00-07:30"
	ber := berlin(t)
	// The night Berlin springs forward: the window still ends at 07:30 local.
	e := newHeldEnv(t, s, time.Date(2026, 3, 28, 22, 50, 0, 0, ber))
	e.run("before", task.StatusFailure, "a", "b")
	e.clock.Advance(15 * time.Minute) // 23:05
	e.run("backup", task.StatusFailure, "a", "b")
	e.clock.Advance(time.Hour)
	e.run("sync", task.StatusTimeout, "a", "b")
	e.clock.Advance(time.Hour)
	e.run("mail", task.StatusFailure, "a", "b")
	e.clock.Advance(time.Hour)
	e.run("backup", task.StatusSuccess, "a", "b")

	release := time.Date(2026, 3, 29, 7, 30, 0, 0, ber)
	for _, ch := range []string{"a", "b"} {
		rows := e.rows(ch)
		if len(rows) != 5 || len(sendable(rows)) != 1 || rows[0].Hold != "" {
			t.Fatalf("channel %s: %d rows, %d sendable, want 5 and only the one before 23:00", ch, len(rows), len(sendable(rows)))
		}
		for _, it := range rows[1:] {
			if !strings.HasPrefix(it.Hold, "quiet:") || !it.NextAt.Equal(release) {
				t.Errorf("row %q: hold %q until %v, want quiet until %v", it.Title, it.Hold, it.NextAt, release)
			}
		}
	}
	if next, ok := e.release(); !ok || !next.Equal(release) {
		t.Fatalf("next release %v %v, want %v", next, ok, release)
	}
	e.clock.Advance(release.Sub(e.clock.Now()) - time.Second)
	e.release()
	if n := len(sendable(e.rows("a"))); n != 1 {
		t.Fatalf("%d sendable rows a second before the window ends", n)
	}
	e.clock.Advance(time.Second)
	if _, ok := e.release(); ok {
		t.Error("rows still held after the release")
	}
	e.release() // twice: nothing more
	for _, ch := range []string{"a", "b"} {
		rows := e.rows(ch)
		out := sendable(rows)
		if len(out) != 2 {
			t.Fatalf("channel %s: %d sendable rows, want the early one and one summary", ch, len(out))
		}
		sum := out[1]
		if sum.Source != store.SourceDigest || sum.Level != string(message.LevelError) {
			t.Errorf("summary source %q level %q", sum.Source, sum.Level)
		}
		if want := "During quiet hours: 3 failures, 1 recovery"; sum.Title != want {
			t.Errorf("title %q, want %q", sum.Title, want)
		}
		for _, want := range []string{"4 pushes held during quiet hours (03-28 23:05 to 03-29 03:05)",
			"• 23:05 ❌ backup failed\n  Error: backup broke", "• 00:05 ⌛ sync timed out", "• 01:05 ❌ mail failed",
			// 02:05 does not exist that night: the clocks jump to 03:00.
			"• 03:05 🔁 backup recovered"} {
			if !strings.Contains(sum.Body, want) {
				t.Errorf("summary body lacks %q:\n%s", want, sum.Body)
			}
		}
		for _, it := range rows[1:5] {
			if it.State != store.OutboxSent {
				t.Errorf("held row %q is %s after the summary, want sent", it.Title, it.State)
			}
		}
	}
}

func TestQuietHoursSummaryInChinese(t *testing.T) {
	s := DefaultSettings()
	s.Language = "zh"
	s.Quiet.Windows = "all day sun"
	ber := berlin(t)
	e := newHeldEnv(t, s, time.Date(2026, 12, 13, 10, 0, 0, 0, ber))
	e.run("备份", task.StatusFailure, "a")
	e.clock.Advance(time.Minute)
	e.run("同步", task.StatusFailure, "a")
	e.clock.Advance(14 * time.Hour)
	e.release()
	out := sendable(e.rows("a"))
	if len(out) != 1 || out[0].Title != "免打扰期间：2 次失败" {
		t.Fatalf("rows %+v", out)
	}
}

// A lone held push goes out as itself, its retries timed from the release.
func TestQuietHoursLonePush(t *testing.T) {
	s := DefaultSettings()
	s.Quiet.Windows = "23:00-07:30"
	ber := berlin(t)
	e := newHeldEnv(t, s, time.Date(2026, 12, 7, 23, 30, 0, 0, ber))
	e.run("backup", task.StatusFailure, "a")
	e.clock.Advance(8 * time.Hour)
	e.release()
	out := sendable(e.rows("a"))
	if len(out) != 1 || out[0].Source != store.SourceRun || !out[0].CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("rows %+v, want the run's own push, created at the release", out)
	}
}

func TestBurstCoalescing(t *testing.T) {
	s := DefaultSettings()
	s.Language = "en"
	s.Burst = BurstSettings{Max: 3, Window: 60}
	e := newHeldEnv(t, s, time.Date(2026, 12, 7, 12, 0, 0, 0, berlin(t)))
	// The network came back: 10 tasks fail within 20 s.
	for i := range 10 {
		e.run("task"+string(rune('a'+i)), task.StatusFailure, "a")
		e.clock.Advance(2 * time.Second)
	}
	rows := e.rows("a")
	if n := len(sendable(rows)); n != 3 {
		t.Fatalf("%d rows sent at once, want 3", n)
	}
	first := rows[3].CreatedAt
	for _, it := range rows[3:] {
		if it.Hold != "burst:failure" || !it.NextAt.Equal(first.Add(time.Minute)) {
			t.Errorf("row %q: hold %q until %v, want burst until %v", it.Title, it.Hold, it.NextAt, first.Add(time.Minute))
		}
	}
	e.clock.Advance(first.Add(time.Minute).Sub(e.clock.Now()))
	e.release()
	out := sendable(e.rows("a"))
	if len(out) != 4 {
		t.Fatalf("%d sendable rows, want 3 and one grouped message", len(out))
	}
	if want := "7 pushes at once: 7 failures"; out[3].Title != want {
		t.Errorf("grouped title %q, want %q", out[3].Title, want)
	}
	// A quiet minute later pushes go out one by one again.
	e.clock.Advance(2 * time.Minute)
	e.run("later", task.StatusFailure, "a")
	if n := len(sendable(e.rows("a"))); n != 5 {
		t.Errorf("%d sendable rows after the burst, want 5", n)
	}
}

// Quiet hours win over the burst rule: a night's burst is one summary.
func TestBurstInsideQuietHours(t *testing.T) {
	s := DefaultSettings()
	s.Quiet.Windows = "23:00-07:30"
	s.Burst = BurstSettings{Max: 1}
	e := newHeldEnv(t, s, time.Date(2026, 12, 7, 23, 30, 0, 0, berlin(t)))
	for range 5 {
		e.run("t", task.StatusFailure, "a")
	}
	e.clock.Advance(8 * time.Hour)
	e.release()
	if out := sendable(e.rows("a")); len(out) != 1 || out[0].Source != store.SourceDigest {
		t.Fatalf("rows %+v, want one summary", out)
	}
}

// Desktop notifications of failures follow the same windows.
func TestQuietNow(t *testing.T) {
	s := DefaultSettings()
	s.Quiet.Windows = "23:00-07:30"
	ber := berlin(t)
	e := newHeldEnv(t, s, time.Date(2026, 12, 7, 23, 30, 0, 0, ber))
	e.run("t", task.StatusFailure, "a")
	r := task.Run{TaskID: e.tasks["t"], Status: task.StatusFailure, Finished: e.clock.Now()}
	if !QuietNow(e.ctx, e.st, r, ber) {
		t.Error("a failure at 23:30 notified")
	}
	r.Finished = time.Date(2026, 12, 8, 8, 0, 0, 0, ber)
	if QuietNow(e.ctx, e.st, r, ber) {
		t.Error("a failure at 08:00 held")
	}
	if err := SaveOverrides(e.ctx, e.st, r.TaskID, TaskOverrides{QuietBreakThrough: new(true)}); err != nil {
		t.Fatal(err)
	}
	r.Finished = e.clock.Now()
	if QuietNow(e.ctx, e.st, r, ber) {
		t.Error("a failure of a task that breaks through held")
	}
}

// The summary's title counts each kind of held push by name.
func TestHeldSummaryCountsEveryReason(t *testing.T) {
	at := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	var items []store.OutboxItem
	for i, r := range []Reason{ReasonFailure, ReasonFailure, ReasonMissing, ReasonReminder, ReasonEscalation,
		ReasonAnomaly, ReasonRecovered, ReasonSuccess, ReasonDigest} {
		items = append(items, store.OutboxItem{Hold: HoldQuiet + ":" + string(r), Title: string(r),
			CreatedAt: at.Add(time.Duration(i) * time.Minute)})
	}
	for _, c := range []struct{ lang, want string }{
		{"en", "During quiet hours: 2 failures, 1 missing, 2 reminders, 1 duration warning, 1 recovery, 1 success, 1 other"},
		{"zh", "免打扰期间：2 次失败，1 个任务未按时成功，2 条提醒，1 条耗时异常，1 次恢复，1 次成功，1 条其他"},
	} {
		s := DefaultSettings()
		s.Language = c.lang
		if got := HeldSummary(s, HoldQuiet, items, time.UTC); got.Title != c.want || got.Level != message.LevelError {
			t.Errorf("%s: %q (%s), want %q (error)", c.lang, got.Title, got.Level, c.want)
		}
	}
}
