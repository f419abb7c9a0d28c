package history

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/testenv"
	_ "github.com/heraldpush/herald/ui/cleanlocale" // LANG=C.UTF-8 without Fyne's locale error
)

var english sync.Once

// loadEnglish loads this tab's English strings, so tests read what a
// person reads.
func loadEnglish(t *testing.T) {
	t.Helper()
	english.Do(func() {
		for _, name := range []string{"en.json", "views.en.json"} {
			data, err := os.ReadFile("../../assets/translations/" + name)
			if err != nil {
				t.Fatal(err)
			}
			if err := lang.AddTranslationsForLocale(data, fyne.Locale("en")); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func newEnv(t *testing.T) (context.Context, *host.Env) {
	t.Helper()
	testenv.NeedKeyring(t)
	loadEnglish(t)
	ctx, cancel := context.WithCancel(context.Background())
	env, err := host.Open(ctx, t.TempDir(), host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	t.Cleanup(cancel) // runs first: events after the test are ignored
	return ctx, env
}

func newView(t *testing.T, ctx context.Context, env *host.Env) (*View, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	v := New(ctx, env, w)
	v.Wait() // the first load, before the test touches the window
	w.SetContent(v.Object())
	w.Resize(fyne.NewSize(1400, 1000))
	v.Wait()
	return v, w
}

func addCommand(t *testing.T, ctx context.Context, env *host.Env, name, line string) task.Task {
	t.Helper()
	tk, err := env.Tasks.Add(ctx, task.Task{Name: name, Kind: task.KindCommand, Command: &task.Command{Line: line}})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func runTask(t *testing.T, ctx context.Context, env *host.Env, name string, trigger task.Trigger) task.Run {
	t.Helper()
	r, err := env.Tasks.RunForeground(ctx, name, trigger)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 {
		t.Fatalf("run of %s was not recorded", name)
	}
	return r
}

// listed is the ids of the runs the list shows, top first.
func listed(v *View) []int64 {
	ids := make([]int64, len(v.runs))
	for i, r := range v.runs {
		ids[i] = r.ID
	}
	return ids
}

// want is the ids of runs (recorded oldest first) that keep says belong,
// newest first as the list shows them.
func want(runs []task.Run, keep func(task.Run) bool) []int64 {
	var ids []int64
	for i := len(runs) - 1; i >= 0; i-- {
		if keep(runs[i]) {
			ids = append(ids, runs[i].ID)
		}
	}
	return ids
}

// texts collects the visible text under o: labels, buttons, canvas texts.
func texts(o fyne.CanvasObject) []string {
	if o == nil || !o.Visible() {
		return nil
	}
	var out []string
	switch x := o.(type) {
	case *widget.Label:
		out = append(out, x.Text)
	case *widget.Button:
		out = append(out, x.Text)
	case *canvas.Text:
		out = append(out, x.Text)
	}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, texts(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, texts(c)...)
		}
	}
	return out
}

func showsText(o fyne.CanvasObject, sub string) bool {
	return slices.ContainsFunc(texts(o), func(s string) bool { return strings.Contains(s, sub) })
}

func TestRunsAppearAndFiltersNarrowTheList(t *testing.T) {
	ctx, env := newEnv(t)
	addCommand(t, ctx, env, "greet", "echo hello from greet")
	addCommand(t, ctx, env, "broken", "echo broken output; echo disk full >&2; exit 1")
	v, w := newView(t, ctx, env)
	if len(v.runs) != 0 || !v.empty.Visible() {
		t.Fatalf("fresh data folder: %d runs listed, empty note visible %v", len(v.runs), v.empty.Visible())
	}

	// Recorded after the view exists: its RunFinished subscription must
	// bring them in without a Refresh.
	var runs []task.Run
	for _, r := range []struct {
		name    string
		trigger task.Trigger
	}{
		{"greet", task.TriggerManual}, {"broken", task.TriggerAuto}, {"greet", task.TriggerAuto},
		{"broken", task.TriggerManual}, {"greet", task.TriggerManual}, {"broken", task.TriggerAuto},
	} {
		runs = append(runs, runTask(t, ctx, env, r.name, r.trigger))
	}
	v.Wait()
	if got, w := listed(v), want(runs, func(task.Run) bool { return true }); !slices.Equal(got, w) {
		t.Fatalf("listed %v, want every run newest first %v", got, w)
	}
	if v.empty.Visible() || v.loadMore.Visible() {
		t.Errorf("empty note visible %v, load more visible %v with 6 runs", v.empty.Visible(), v.loadMore.Visible())
	}
	for _, s := range []string{"greet", "broken", "Failure · Scheduled", "Success · Manual", "exit code 1"} {
		if !showsText(w.Content(), s) {
			t.Errorf("window does not show %q; it shows %q", s, texts(w.Content()))
		}
	}
	if !strings.Contains(v.chartTitle.Text, "All tasks: 3 succeeded, 3 failed") {
		t.Errorf("chart title %q, want today's 3 successes and 3 failures", v.chartTitle.Text)
	}

	steps := []struct {
		name                 string
		task, status, reason string
		keep                 func(task.Run) bool
	}{
		{"task", "broken", "Any status", "Any trigger", func(r task.Run) bool { return r.TaskName == "broken" }},
		{"status failure", "All tasks", "Failure", "Any trigger", func(r task.Run) bool { return r.Status == task.StatusFailure }},
		{"trigger manual", "All tasks", "Any status", "Manual", func(r task.Run) bool { return r.Trigger == task.TriggerManual }},
		{"task and trigger", "greet", "Any status", "Manual", func(r task.Run) bool {
			return r.TaskName == "greet" && r.Trigger == task.TriggerManual
		}},
		{"all three", "broken", "Failure", "Scheduled", func(r task.Run) bool {
			return r.TaskName == "broken" && r.Status == task.StatusFailure && r.Trigger == task.TriggerAuto
		}},
		{"nothing matches", "greet", "Failure", "Any trigger", func(task.Run) bool { return false }},
	}
	for _, s := range steps {
		v.taskSel.SetSelected(s.task)
		v.statusSel.SetSelected(s.status)
		v.triggerSel.SetSelected(s.reason)
		v.Wait()
		got, wantIDs := listed(v), want(runs, s.keep)
		if !slices.Equal(got, wantIDs) {
			t.Errorf("%s: listed %v, want %v", s.name, got, wantIDs)
		}
		if v.empty.Visible() != (len(wantIDs) == 0) {
			t.Errorf("%s: empty note visible %v with %d runs", s.name, v.empty.Visible(), len(wantIDs))
		}
	}
	// The chart follows the task filter.
	if !strings.Contains(v.chartTitle.Text, "greet: 3 succeeded, 0 failed") {
		t.Errorf("chart title %q for task greet", v.chartTitle.Text)
	}
	test.Tap(v.clear)
	v.Wait()
	if got, wantIDs := listed(v), want(runs, func(task.Run) bool { return true }); !slices.Equal(got, wantIDs) {
		t.Errorf("after Clear filters: listed %v, want %v", got, wantIDs)
	}
}

func TestDateFilterSelectsWholeDays(t *testing.T) {
	ctx, env := newEnv(t)
	greet := addCommand(t, ctx, env, "greet", "echo hello")
	today := runTask(t, ctx, env, "greet", task.TriggerManual)
	y, m, d := time.Now().Date()
	old := task.Run{TaskID: greet.ID, Trigger: task.TriggerAuto, Status: task.StatusSuccess,
		Started: time.Date(y, m, d-10, 23, 30, 0, 0, time.Local), Finished: time.Date(y, m, d-10, 23, 31, 0, 0, time.Local)}
	if err := env.Store.InsertRun(ctx, &old); err != nil {
		t.Fatal(err)
	}
	v, _ := newView(t, ctx, env)
	if got := listed(v); !slices.Equal(got, []int64{old.ID, today.ID}) {
		t.Fatalf("listed %v, want %v", got, []int64{old.ID, today.ID})
	}
	// The date entry gives the picked day as UTC midnight.
	day := func(offset int) *time.Time {
		t := time.Date(y, m, d+offset, 0, 0, 0, 0, time.UTC)
		return &t
	}
	v.from.SetDate(day(-10))
	v.Wait() // its load is shown before the next change (the loader applies on its own goroutine)
	v.to.SetDate(day(-10))
	v.Wait()
	if got := listed(v); !slices.Equal(got, []int64{old.ID}) {
		t.Errorf("from = to = 10 days ago (a run at 23:30 that day): listed %v, want %v", got, []int64{old.ID})
	}
	v.to.SetDate(day(-11))
	v.Wait()
	if got := listed(v); len(got) != 0 {
		t.Errorf("to before from: listed %v, want none", got)
	}
	v.to.SetDate(nil)
	v.Wait()
	v.from.SetDate(day(-9))
	v.Wait()
	if got := listed(v); !slices.Equal(got, []int64{today.ID}) {
		t.Errorf("from 9 days ago: listed %v, want %v", got, []int64{today.ID})
	}
	v.from.SetDate(nil)
	v.Wait()
	v.to.SetDate(day(0))
	v.Wait()
	if got := listed(v); !slices.Equal(got, []int64{old.ID, today.ID}) {
		t.Errorf("to today: listed %v, want both", got)
	}
}

func TestLoadMorePagesByRunID(t *testing.T) {
	ctx, env := newEnv(t)
	greet := addCommand(t, ctx, env, "greet", "echo hello")
	start := time.Now().Add(-time.Hour)
	total := 2*pageSize + 7
	for i := range total {
		r := task.Run{TaskID: greet.ID, Trigger: task.TriggerAuto, Status: task.StatusSuccess,
			Started: start.Add(time.Duration(i) * time.Second), Finished: start.Add(time.Duration(i)*time.Second + time.Millisecond)}
		if err := env.Store.InsertRun(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	v, _ := newView(t, ctx, env)
	for page, n := range []int{pageSize, 2 * pageSize, total} {
		if len(v.runs) != n {
			t.Fatalf("page %d: %d runs listed, want %d", page+1, len(v.runs), n)
		}
		if v.loadMore.Visible() != (n%pageSize == 0) {
			t.Fatalf("page %d: Load more visible %v with %d of %d runs", page+1, v.loadMore.Visible(), n, total)
		}
		if n < total {
			test.Tap(v.loadMore)
			v.Wait()
		}
	}
	ids := listed(v)
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Fatalf("ids not strictly newest first at %d: %v", i, ids[i-1:i+1])
		}
	}
	// A new run arrives: the list keeps what was loaded and adds it on top.
	r := runTask(t, ctx, env, "greet", task.TriggerManual)
	v.Wait()
	if len(v.runs) != total+1 || v.runs[0].ID != r.ID || v.loadMore.Visible() {
		t.Errorf("after a new run: %d runs, first %d, Load more %v; want %d, first %d, no Load more",
			len(v.runs), v.runs[0].ID, v.loadMore.Visible(), total+1, r.ID)
	}

	// With only the first page loaded, a new run joins it and the older
	// runs stay behind Load more.
	v.statusSel.SetSelected("Success")
	v.Wait()
	if len(v.runs) != pageSize || !v.loadMore.Visible() {
		t.Fatalf("new filter: %d runs, Load more %v; want the first page", len(v.runs), v.loadMore.Visible())
	}
	oldest := v.runs[pageSize-1].ID
	r = runTask(t, ctx, env, "greet", task.TriggerManual)
	v.Wait()
	if len(v.runs) != pageSize+1 || v.runs[0].ID != r.ID || v.runs[pageSize].ID != oldest || !v.loadMore.Visible() {
		t.Errorf("after a new run: %d runs from %d to %d, Load more %v; want %d from %d to %d with Load more",
			len(v.runs), v.runs[0].ID, v.runs[len(v.runs)-1].ID, v.loadMore.Visible(), pageSize+1, r.ID, oldest)
	}
	test.Tap(v.loadMore)
	v.Wait()
	if len(v.runs) != 2*pageSize+1 || v.runs[pageSize+1].ID != oldest-1 {
		t.Errorf("Load more after the refresh: %d runs, the page starting at %d; want %d starting at %d",
			len(v.runs), v.runs[pageSize+1].ID, 2*pageSize+1, oldest-1)
	}
}

func TestDetailShowsOutputErrorAndFailedPushWithRetry(t *testing.T) {
	ctx, env := newEnv(t)
	robot := dingtalktest.NewServer(t)
	cfg := robot.Config()
	cfg["secret"] = "SEC" + strings.Repeat("0", 64) // not the robot's secret
	if _, err := env.Registry.Add(ctx, "dingtalk", "team robot", cfg); err != nil {
		t.Fatal(err)
	}
	addCommand(t, ctx, env, "greet", "echo hello")
	addCommand(t, ctx, env, "broken", "echo broken output; echo disk full >&2; exit 1")
	v, w := newView(t, ctx, env)

	// Default push settings push manual failures, not successes.
	ok := runTask(t, ctx, env, "greet", task.TriggerManual)
	failed := runTask(t, ctx, env, "broken", task.TriggerManual)
	v.Wait()
	if failed.Status != task.StatusFailure {
		t.Fatalf("broken run: %s, want failure", failed.Status)
	}

	if !showsText(w.Content(), "Select a run") {
		t.Errorf("no hint before a run is selected")
	}
	v.list.Select(slices.Index(listed(v), ok.ID))
	v.Wait()
	if v.detail.run.ID != ok.ID || v.detail.errText != nil || len(v.detail.pushes) != 0 {
		t.Fatalf("detail of the successful run: id %d, error label %v, %d pushes", v.detail.run.ID, v.detail.errText != nil, len(v.detail.pushes))
	}
	if !strings.Contains(v.detail.output.Text, "hello") || !showsText(w.Content(), "This run sent no pushes") {
		t.Errorf("successful run: output %q, no-push note shown %v", v.detail.output.Text, showsText(w.Content(), "This run sent no pushes"))
	}

	v.list.Select(slices.Index(listed(v), failed.ID))
	v.Wait()
	d := v.detail
	if d.run.ID != failed.ID {
		t.Fatalf("detail shows run %d, want %d", d.run.ID, failed.ID)
	}
	if !strings.Contains(d.output.Text, "broken output") || !strings.Contains(d.output.Text, "disk full") {
		t.Errorf("output label %q, want the run's stdout and stderr", d.output.Text)
	}
	if !d.output.TextStyle.Monospace {
		t.Errorf("output is not monospace")
	}
	if d.errText == nil || d.errText.Text != "exit code 1" {
		t.Fatalf("error label %v, want exit code 1", d.errText)
	}
	for _, s := range []string{"Exit code", "Duration", "Manual", "team robot · Waiting to send · attempts: 0"} {
		if !showsText(w.Content(), s) {
			t.Errorf("detail does not show %q; it shows %q", s, texts(d.object()))
		}
	}
	if len(d.pushes) != 1 || d.pushes[0].retry != nil {
		t.Fatalf("%d pushes (want 1, pending, without Retry)", len(d.pushes))
	}
	id := d.pushes[0].item.ID

	// The dispatcher's attempt fails for good: DingTalk refuses the
	// signature. Its Failed event redraws the detail.
	del, err := env.Dispatcher.DeliverNow(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if del.OK || !strings.Contains(del.Answer, "310000") {
		t.Fatalf("delivery %+v, want DingTalk's 310000 refusal", del)
	}
	if len(robot.Accepted()) != 0 {
		t.Fatalf("the robot accepted a message signed with the wrong secret")
	}
	v.Wait() // the Failed event redraws the detail
	row := d.pushes[0]
	if row.item.State != store.OutboxFailed || len(row.attempts) != 1 || row.retry == nil {
		t.Fatalf("after the attempt: state %s, %d attempts, Retry %v", row.item.State, len(row.attempts), row.retry != nil)
	}
	if !strings.Contains(row.lines[0].Text, "310000") || !strings.Contains(row.lines[0].Text, "sign not match") {
		t.Errorf("attempt line %q, want the service's answer", row.lines[0].Text)
	}
	for _, s := range []string{"team robot · Failed · attempts: 1", "failed: ", "310000", "Retry"} {
		if !showsText(w.Content(), s) {
			t.Errorf("detail does not show %q; it shows %q", s, texts(d.object()))
		}
	}

	test.Tap(row.retry)
	v.Wait()
	it, err := env.Store.OutboxItemByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if it.State != store.OutboxPending || it.Attempts != 1 || it.NextAt.After(time.Now()) {
		t.Errorf("after Retry the row is %s with %d attempts, due %s; want pending now, attempts kept", it.State, it.Attempts, it.NextAt)
	}
	row = d.pushes[0]
	if row.item.State != store.OutboxPending || row.retry != nil {
		t.Errorf("after Retry the detail shows %s, Retry button %v", row.item.State, row.retry != nil)
	}
	if !showsText(w.Content(), "team robot · Waiting to send · attempts: 1") {
		t.Errorf("detail does not show the row waiting again: %q", texts(d.object()))
	}
	// Retrying a row that is not failed is refused and said so.
	d.retryPush(row)
	v.Wait()
	if !row.problem.Visible() || !strings.Contains(row.problem.Text, "pending") {
		t.Errorf("retrying a pending row: problem %q (visible %v)", row.problem.Text, row.problem.Visible())
	}

	// A filter that excludes the run clears the detail.
	v.statusSel.SetSelected("Success")
	v.Wait()
	if v.detail.run.ID != 0 || !showsText(d.object(), "Select a run") {
		t.Errorf("detail still shows run %d after the filter dropped it", v.detail.run.ID)
	}
}
