package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	enginetasks "github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/engine/testenv"
	_ "github.com/heraldpush/herald/ui/cleanlocale" // before Fyne reads the locale, as in the app
)

const partsDir = "../../assets/translations"

func TestMain(m *testing.M) {
	// The tests read English text: LANGUAGE wins over LANG for Fyne's
	// locale lookup (unless the locale is C, which falls back to English).
	os.Setenv("LANGUAGE", "en")
	os.Exit(m.Run())
}

var loadEnglish sync.Once

// english loads this tab's English strings (the lead merges them into
// assets/translations/en.json; the tests use the part they own).
func english(t *testing.T) {
	t.Helper()
	var err error
	loadEnglish.Do(func() {
		for _, name := range []string{"en.json", "views.en.json", "wtask.en.json", "deadman.en.json", "quiet.en.json", "remindform.en.json"} {
			var data []byte
			if data, err = os.ReadFile(filepath.Join(partsDir, name)); err != nil {
				return
			}
			if err = lang.AddTranslationsForLocale(data, fyne.Locale("en")); err != nil {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fixture is the Tasks tab on a real data folder (SQLite file, OS keyring)
// in a test window.
type fixture struct {
	t   *testing.T
	ctx context.Context
	env *host.Env
	w   fyne.Window
	v   *View
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.NeedKeyring(t)
	english(t)
	test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	env, err := host.Open(ctx, t.TempDir(), host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, env: env}
	t.Cleanup(func() {
		f.v.Wait()
		// Removing the tasks removes their keyring entries too.
		list, _ := env.Tasks.List(context.Background())
		for _, tk := range list {
			_ = env.Tasks.Remove(context.Background(), tk.Name)
		}
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = env.Tasks.Shutdown(sctx)
		cancel()
		env.Close()
	})
	f.w = test.NewWindow(nil)
	t.Cleanup(f.w.Close)
	f.v = New(ctx, env, f.w)
	f.v.Wait() // the first load, before the test touches the window
	f.w.SetContent(f.v.Object())
	f.w.Resize(fyne.NewSize(1000, 700))
	return f
}

// tap taps o as the user would, once what was asked before is shown (the
// test driver runs the view's updates on the loader's goroutine).
func (f *fixture) tap(o fyne.Tappable) {
	f.v.Wait()
	test.Tap(o)
}

// wait lets the view's work (reading the list, saving, starting runs,
// keyring reads) finish, with its UI updates.
func (f *fixture) wait() { f.v.Wait() }

// openAdd taps Add task and returns the form.
func (f *fixture) openAdd() *editor {
	f.t.Helper()
	f.tap(f.v.add)
	f.wait()
	if f.v.editor == nil {
		f.t.Fatal("Add task did not open the form")
	}
	return f.v.editor
}

// addTask saves a task through the engine, as the CLI would.
func (f *fixture) addTask(tk task.Task) task.Task {
	f.t.Helper()
	tk, err := f.env.Tasks.Add(f.ctx, tk)
	if err != nil {
		f.t.Fatal(err)
	}
	f.v.Refresh()
	f.wait()
	return tk
}

func (f *fixture) row(id int64) *row {
	f.t.Helper()
	r := f.v.rows[id]
	if r == nil {
		f.t.Fatalf("no row for task %d in the list", id)
	}
	return r
}

func commandTask(name, line string) task.Task {
	return task.Task{Name: name, Kind: task.KindCommand, Command: &task.Command{Line: line}, Enabled: true}
}

// runGate holds a task's run at its RunStarted event until release is
// closed, so the test can look at the "running" row while nothing else
// touches it. It subscribes after the view, so the view has handled each
// event when the gate sees it.
type runGate struct {
	started  chan task.Run
	finished chan task.Run
	release  chan struct{}
}

func (f *fixture) gate() *runGate {
	g := &runGate{started: make(chan task.Run, 4), finished: make(chan task.Run, 4), release: make(chan struct{})}
	f.env.Tasks.Subscribe(func(e enginetasks.Event) {
		switch e.Type {
		case enginetasks.RunStarted:
			g.started <- e.Run
			<-g.release
		case enginetasks.RunFinished:
			g.finished <- e.Run
		}
	})
	return g
}

func receive(t *testing.T, ch chan task.Run, what string) task.Run {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s event within 30s", what)
	}
	return task.Run{}
}

// findButton finds the button labelled text under o (dialogs included).
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == text {
			return x
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}

func (f *fixture) tapDialogButton(text string) {
	f.t.Helper()
	top := f.w.Canvas().Overlays().Top()
	if top == nil {
		f.t.Fatal("no dialog is showing")
	}
	b := findButton(top, text)
	if b == nil {
		f.t.Fatalf("the dialog has no %q button", text)
	}
	f.tap(b)
}

// shownErrors lists the form's visible error labels.
func shownErrors(e *editor) map[string]string {
	out := map[string]string{}
	for k, l := range e.errs {
		if l.Visible() {
			out[k] = l.Text
		}
	}
	return out
}

func fieldMsg(t *testing.T, err error) string {
	t.Helper()
	var te *task.FieldError
	var de *dispatch.FieldError
	switch {
	case errors.As(err, &te):
		return te.Msg
	case errors.As(err, &de):
		return de.Msg
	}
	t.Fatalf("%v is not a field error", err)
	return ""
}

func TestAddFormMarkup(t *testing.T) {
	f := newFixture(t)
	f.w.Resize(fyne.NewSize(1000, 2300))
	f.openAdd()
	test.AssertRendersToMarkup(t, "add_form.xml", f.w.Canvas())
}

// Validation comes from the engine (task.Validate, TaskOverrides.Validate)
// and shows next to the field it names; nothing is saved on error.
func TestFormValidation(t *testing.T) {
	cases := []struct {
		name  string
		fill  func(e *editor)
		field string
		want  func(t *testing.T) string // the message next to the field
	}{{
		name: "bad cron",
		fill: func(e *editor) {
			test.Type(e.name, "nightly")
			test.Type(e.cmdLine, "echo hi")
			e.schedKind.SetSelected(lang.L("tasks.schedule.kind.cron"))
			test.Type(e.cron, "61 * * * *")
		},
		field: "cron",
		want: func(t *testing.T) string {
			return fieldMsg(t, task.Schedule{Kind: task.ScheduleCron, Cron: "61 * * * *"}.Validate())
		},
	}, {
		name:  "command and program both empty",
		fill:  func(e *editor) { test.Type(e.name, "nightly") },
		field: "command",
		want: func(t *testing.T) string {
			return fieldMsg(t, task.Task{Name: "x", Kind: task.KindCommand, Command: &task.Command{}}.Validate())
		},
	}, {
		name:  "no name",
		fill:  func(e *editor) { test.Type(e.cmdLine, "echo hi") },
		field: "name",
		want: func(t *testing.T) string {
			return fieldMsg(t, task.Task{Kind: task.KindCommand, Command: &task.Command{Line: "echo hi"}}.Validate())
		},
	}, {
		name: "bad URL",
		fill: func(e *editor) {
			test.Type(e.name, "health")
			e.kind.SetSelected(lang.L("tasks.kind.http"))
			test.Type(e.url, "example.com/health")
		},
		field: "url",
		want: func(t *testing.T) string {
			return fieldMsg(t, task.Task{Name: "x", Kind: task.KindHTTP, HTTP: &task.HTTPCheck{URL: "example.com/health"}}.Validate())
		},
	}, {
		name: "interval that is no duration",
		fill: func(e *editor) {
			test.Type(e.name, "poll")
			test.Type(e.cmdLine, "true")
			e.schedKind.SetSelected(lang.L("tasks.schedule.kind.every"))
			test.Type(e.every, "5 minutes")
		},
		field: "every",
		want: func(t *testing.T) string {
			return "“5 minutes” is not a duration: write e.g. 30s, 5m, 2h or 1h30m."
		},
	}, {
		name: "N out of range",
		fill: func(e *editor) {
			test.Type(e.name, "poll")
			test.Type(e.cmdLine, "true")
			test.Type(e.failures, "150")
		},
		field: "failures_before_notify",
		want: func(t *testing.T) string {
			n := 150
			return fieldMsg(t, dispatch.TaskOverrides{FailuresBeforeNotify: &n}.Validate())
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			e := f.openAdd()
			c.fill(e)
			f.tap(e.save)
			f.wait()

			want := c.want(t)
			if got := shownErrors(e); len(got) != 1 || got[c.field] != want {
				t.Errorf("errors shown = %q, want only %s: %q", got, c.field, want)
			}
			if !e.general.Visible() || e.general.Text != lang.L("tasks.form.fix") {
				t.Errorf("under the form: %q (visible %v)", e.general.Text, e.general.Visible())
			}
			if f.v.editor != e {
				t.Error("the form closed although nothing was saved")
			}
			if list, err := f.env.Tasks.List(f.ctx); err != nil || len(list) != 0 {
				t.Errorf("tasks saved despite the error: %v %v", list, err)
			}

			// Saving again replaces the error rather than adding to it.
			f.tap(e.save)
			if got := shownErrors(e); len(got) != 1 {
				t.Errorf("the same input again: errors %q", got)
			}
		})
	}
}

func TestSaveCommandTaskKeepsEnvInKeyring(t *testing.T) {
	const canary = "canary-env-secret-4711"
	f := newFixture(t)
	e := f.openAdd()
	test.Type(e.name, "greet")
	test.Type(e.cmdLine, "echo hello $GREETING")
	f.tap(findButton(e.env.obj, lang.L("tasks.form.env.add")))
	if len(e.env.rows) != 1 {
		t.Fatalf("Add variable made %d rows", len(e.env.rows))
	}
	row := e.env.rows[0]
	if !row.value.Password {
		t.Error("the environment value is not a masked entry")
	}
	test.Type(row.key, "GREETING")
	test.Type(row.value, canary)
	e.schedKind.SetSelected(lang.L("tasks.schedule.kind.every"))
	test.Type(e.every, "1h")
	test.Type(e.timeout, "30s")
	e.overlap.SetSelected(lang.L("tasks.form.overlap.queue"))
	e.encoding.SetSelected("gbk")
	f.tap(e.save)
	f.wait()

	if f.v.editor != nil {
		t.Fatalf("the form stayed open: %q %q", shownErrors(e), e.general.Text)
	}
	got, err := f.env.Tasks.Get(f.ctx, "greet")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != task.KindCommand || got.Command.Line != "echo hello $GREETING" ||
		!slices.Equal(got.Command.Env, []string{"GREETING=" + canary}) ||
		got.Schedule.Kind != task.ScheduleEvery || got.Schedule.Every != time.Hour ||
		got.Timeout != 30*time.Second || got.Overlap != task.OverlapQueue || !got.Enabled || got.Command.OutputEncoding != "gbk" {
		t.Errorf("saved task = %+v, command %+v", got, got.Command)
	}

	// The value is in the keyring under the task's entry...
	inst, err := f.env.Store.InstanceID(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := secret.Keyring{}.Get("task-"+inst+"-"+strconv.FormatInt(got.ID, 10), "env")
	if err != nil || !strings.Contains(stored, canary) {
		t.Errorf("keyring entry = %q, %v", stored, err)
	}
	// ...and nowhere in the data folder (database, its WAL, the log).
	files, _ := filepath.Glob(filepath.Join(f.env.DataDir, "*"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err == nil && bytes.Contains(data, []byte(canary)) {
			t.Errorf("%s holds the environment value", filepath.Base(p))
		}
	}

	r := f.row(got.ID)
	if !strings.Contains(r.detail.Text, "Every 1 h") || strings.Contains(r.detail.Text, canary) {
		t.Errorf("row detail = %q", r.detail.Text)
	}

	// Editing shows the variable masked, and a rename keeps it.
	f.tap(r.edit)
	f.wait()
	e = f.v.editor
	if e == nil || len(e.env.rows) != 1 || e.env.rows[0].key.Text != "GREETING" || e.env.rows[0].value.Text != canary || !e.env.rows[0].value.Password {
		t.Fatalf("edit form environment wrong: %+v", e)
	}
	if e.every.Text != "1h" || e.timeout.Text != "30s" || e.encoding.Selected != "gbk" {
		t.Errorf("edit form shows every %q timeout %q encoding %q", e.every.Text, e.timeout.Text, e.encoding.Selected)
	}
	e.name.SetText("greeting")
	f.tap(e.save)
	f.wait()
	if f.v.editor != nil {
		t.Fatalf("edit not saved: %q %q", shownErrors(e), e.general.Text)
	}
	renamed, err := f.env.Tasks.Get(f.ctx, "greeting")
	if err != nil || renamed.ID != got.ID || !slices.Equal(renamed.Command.Env, got.Command.Env) {
		t.Errorf("after rename: %+v %v", renamed, err)
	}
}

func TestPreviewShowsNextRuns(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local)
	f.v.now = func() time.Time { return now }
	e := f.openAdd()
	if e.preview.Text != lang.L("tasks.preview.manual") {
		t.Errorf("manual schedule preview = %q", e.preview.Text)
	}
	e.schedKind.SetSelected(lang.L("tasks.schedule.kind.daily"))
	if !strings.HasPrefix(e.preview.Text, "No preview yet: ") {
		t.Errorf("empty daily preview = %q", e.preview.Text)
	}
	test.Type(e.daily, "08:00,20:30")

	s := task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"08:00", "20:30"}}
	next := s.NextN(now, 3, time.Local)
	var want []string
	for _, at := range next {
		want = append(want, at.Format("2006-01-02 15:04"))
	}
	if strings.Join(want, "\n") != "2026-03-10 20:30\n2026-03-11 08:00\n2026-03-11 20:30" {
		t.Fatalf("Schedule.NextN gave %q", want)
	}
	if e.preview.Text != strings.Join(want, "\n") {
		t.Errorf("preview = %q, want %q", e.preview.Text, want)
	}

	// Random delay is noted; an edit updates the preview at once.
	test.Type(e.delay, "5m")
	if !strings.HasSuffix(e.preview.Text, "(each may start up to 5m later: random delay)") {
		t.Errorf("preview with delay = %q", e.preview.Text)
	}
	test.Type(e.daily, ",07:15")
	if !strings.HasPrefix(e.preview.Text, "2026-03-10 20:30\n2026-03-11 07:15\n2026-03-11 08:00") {
		t.Errorf("preview after adding 07:15 = %q", e.preview.Text)
	}
	e.schedKind.SetSelected(lang.L("tasks.schedule.kind.every"))
	test.Type(e.every, "90m")
	if !strings.HasPrefix(e.preview.Text, "2026-03-10 13:30\n2026-03-10 15:00\n2026-03-10 16:30") {
		t.Errorf("interval preview = %q", e.preview.Text)
	}
	e.schedKind.SetSelected(lang.L("tasks.schedule.kind.at"))
	test.Type(e.at, "2026-03-09 08:00")
	if e.preview.Text != lang.L("tasks.preview.none") {
		t.Errorf("past one-shot preview = %q", e.preview.Text)
	}
}

func TestRunNowShowsRunningThenSuccess(t *testing.T) {
	f := newFixture(t)
	tk := f.addTask(commandTask("hello", "echo hi"))
	if r := f.row(tk.ID); r.state != dotNever || r.dot.FillColor != theme.Color(theme.ColorNameDisabled) {
		t.Errorf("a task that never ran shows %s", r.state)
	}
	g := f.gate()

	f.tap(f.row(tk.ID).run)
	receive(t, g.started, "RunStarted")
	f.wait()
	r := f.row(tk.ID)
	if r.state != dotRunning || r.dot.FillColor != theme.Color(theme.ColorNamePrimary) || r.run.Text != lang.L("tasks.cancel_run") {
		t.Errorf("while running: dot %s, button %q", r.state, r.run.Text)
	}
	close(g.release)

	run := receive(t, g.finished, "RunFinished")
	f.wait()
	if run.Status != task.StatusSuccess || run.Output != "hi\n" || run.Trigger != task.TriggerManual {
		t.Fatalf("run = %+v", run)
	}
	r = f.row(tk.ID)
	if r.state != dotSuccess || r.dot.FillColor != theme.Color(theme.ColorNameSuccess) {
		t.Errorf("after the run: dot %s", r.state)
	}
	if r.run.Text != lang.L("tasks.run_now") {
		t.Errorf("button after the run = %q", r.run.Text)
	}
	if want := "Last run: success at " + formatTime(run.Started) + " (manual)"; !strings.Contains(r.detail.Text, want) {
		t.Errorf("detail = %q, want %q", r.detail.Text, want)
	}
}

func TestCancelRunningTask(t *testing.T) {
	f := newFixture(t)
	tk := f.addTask(commandTask("slow", "sleep 30"))
	g := f.gate()
	f.tap(f.row(tk.ID).run)
	receive(t, g.started, "RunStarted")
	f.wait()
	close(g.release)

	f.tap(f.row(tk.ID).run) // Cancel
	run := receive(t, g.finished, "RunFinished")
	f.wait()
	if run.Status != task.StatusFailure || run.Error != "cancelled" {
		t.Fatalf("cancelled run = %+v", run)
	}
	r := f.row(tk.ID)
	if r.state != dotFailure || r.dot.FillColor != theme.Color(theme.ColorNameError) {
		t.Errorf("after cancel: dot %s", r.state)
	}
	if !strings.Contains(r.detail.Text, "failure") || !strings.Contains(r.detail.Text, "cancelled") {
		t.Errorf("detail = %q", r.detail.Text)
	}
}

func TestEnableDisable(t *testing.T) {
	f := newFixture(t)
	if err := f.env.Tasks.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	tk := commandTask("hourly", "true")
	tk.Schedule = task.Schedule{Kind: task.ScheduleEvery, Every: time.Hour}
	tk = f.addTask(tk)

	next, ok := f.env.Tasks.NextRun(tk.ID)
	if !ok {
		t.Fatal("no next run for an enabled hourly task")
	}
	r := f.row(tk.ID)
	if !r.enabled.Checked || !strings.Contains(r.detail.Text, "Every 1 h · next run "+formatTime(next)) {
		t.Errorf("enabled row: checked %v, detail %q", r.enabled.Checked, r.detail.Text)
	}

	f.tap(r.enabled)
	f.wait()
	got, err := f.env.Tasks.Get(f.ctx, "hourly")
	if err != nil || got.Enabled {
		t.Fatalf("after unticking: enabled %v, %v", got.Enabled, err)
	}
	if _, ok := f.env.Tasks.NextRun(tk.ID); ok {
		t.Error("a disabled task still has a next run")
	}
	r = f.row(tk.ID)
	if r.enabled.Checked || !strings.Contains(r.title.Text, "(disabled)") || !strings.Contains(r.detail.Text, "disabled: no automatic runs") {
		t.Errorf("disabled row: checked %v, title %q, detail %q", r.enabled.Checked, r.title.Text, r.detail.Text)
	}

	f.tap(r.enabled)
	f.wait()
	if got, _ := f.env.Tasks.Get(f.ctx, "hourly"); !got.Enabled {
		t.Fatal("ticking again did not enable the task")
	}
	if _, ok := f.env.Tasks.NextRun(tk.ID); !ok {
		t.Error("re-enabled task has no next run")
	}
	if r = f.row(tk.ID); !r.enabled.Checked || strings.Contains(r.title.Text, "(disabled)") {
		t.Errorf("re-enabled row: checked %v, title %q", r.enabled.Checked, r.title.Text)
	}
}

func TestDeleteAsksAndKeepsHistory(t *testing.T) {
	f := newFixture(t)
	tk := f.addTask(commandTask("old", "echo bye"))
	if _, err := f.env.Tasks.RunForeground(f.ctx, "old", task.TriggerManual); err != nil {
		t.Fatal(err)
	}
	f.wait()

	f.tap(f.row(tk.ID).del)
	f.tapDialogButton(lang.L("tasks.delete.keep"))
	f.wait()
	if list, _ := f.env.Tasks.List(f.ctx); len(list) != 1 {
		t.Fatalf("the task went although the user kept it: %v", list)
	}

	f.tap(f.row(tk.ID).del)
	f.tapDialogButton(lang.L("tasks.delete.confirm"))
	f.wait()
	if list, _ := f.env.Tasks.List(f.ctx); len(list) != 0 {
		t.Fatalf("tasks after delete: %v", list)
	}
	if len(f.v.rows) != 0 || !f.v.empty.Visible() {
		t.Errorf("list after delete: %d rows, empty note visible %v", len(f.v.rows), f.v.empty.Visible())
	}
	runs, err := f.env.Store.Runs(f.ctx, store.RunFilter{TaskID: tk.ID})
	if err != nil || len(runs) != 1 || runs[0].TaskName != "old" {
		t.Errorf("history after delete: %+v %v", runs, err)
	}
}

func TestPushOverridesPersist(t *testing.T) {
	f := newFixture(t)
	hook, err := f.env.Registry.Add(f.ctx, "webhook", "hook", webhooktest.NewServer(t).Config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Registry.Add(f.ctx, "webhook", "other", webhooktest.NewServer(t).Config()); err != nil {
		t.Fatal(err)
	}
	on, off := lang.L("tasks.form.on"), lang.L("tasks.form.off")

	e := f.openAdd()
	test.Type(e.name, "checkin")
	test.Type(e.cmdLine, "true")
	e.push.SetSelected(on)
	e.channels.SetSelected([]string{"hook"})
	e.manualSuccess.SetSelected(on)
	e.autoFailure.SetSelected(off)
	test.Type(e.failures, "3")
	e.recovery.SetSelected(off)
	f.tap(e.save)
	f.wait()
	if f.v.editor != nil {
		t.Fatalf("not saved: %q %q", shownErrors(e), e.general.Text)
	}

	tk, err := f.env.Tasks.Get(f.ctx, "checkin")
	if err != nil {
		t.Fatal(err)
	}
	o, err := dispatch.LoadOverrides(f.ctx, f.env.Store, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"push":true,"channels":["` + hook.ID + `"],"manual_success":true,"auto_failure":false,"failures_before_notify":3,"recovery":false}`
	if got, _ := json.Marshal(o); string(got) != want {
		t.Errorf("overrides = %s, want %s", got, want)
	}

	// The edit form shows them; setting them back to global clears them.
	f.tap(f.row(tk.ID).edit)
	f.wait()
	e = f.v.editor
	if e == nil {
		t.Fatal("Edit did not open the form")
	}
	global := lang.L("tasks.form.global")
	if e.push.Selected != on || !slices.Equal(e.channels.Selected, []string{"hook"}) || e.manualSuccess.Selected != on ||
		e.manualFailure.Selected != global || e.autoFailure.Selected != off || e.failures.Text != "3" || e.recovery.Selected != off {
		t.Errorf("edit form: push %q channels %q manual success %q manual failure %q auto failure %q N %q recovery %q",
			e.push.Selected, e.channels.Selected, e.manualSuccess.Selected, e.manualFailure.Selected, e.autoFailure.Selected, e.failures.Text, e.recovery.Selected)
	}
	e.push.SetSelected(global)
	e.channels.SetSelected(nil)
	e.failures.SetText("")
	f.tap(e.save)
	f.wait()
	o, _ = dispatch.LoadOverrides(f.ctx, f.env.Store, tk.ID)
	want = `{"manual_success":true,"auto_failure":false,"recovery":false}`
	if got, _ := json.Marshal(o); string(got) != want {
		t.Errorf("overrides after edit = %s, want %s", got, want)
	}
}

func TestDescribeSchedule(t *testing.T) {
	english(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.Local)
	for _, c := range []struct {
		s    task.Schedule
		want string
	}{
		{task.Schedule{}, "Manual only"},
		{task.Schedule{Kind: task.ScheduleCron, Cron: "0 8 * * 1-5"}, "Cron 0 8 * * 1-5"},
		{task.Schedule{Kind: task.ScheduleEvery, Every: 90 * time.Minute}, "Every 1 h 30 min"},
		{task.Schedule{Kind: task.ScheduleEvery, Every: 5 * time.Minute, RandomDelay: 30 * time.Second}, "Every 5 min (+ up to 30 s random delay)"},
		{task.Schedule{Kind: task.ScheduleDaily, Daily: []string{"08:00", "20:30:15"}}, "Daily at 08:00, 20:30:15"},
		{task.Schedule{Kind: task.ScheduleAt, At: at}, "Once at 2026-12-01 09:00"},
	} {
		if got := describeSchedule(c.s); got != c.want {
			t.Errorf("describeSchedule(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}

// Every key is in both languages with the same template fields, and every
// key the code names exists.
func TestTranslationsComplete(t *testing.T) {
	// read merges LANG.json and the area files AREA.LANG.json.
	read := func(name string) map[string]string {
		areas, _ := filepath.Glob(filepath.Join(partsDir, "*."+name))
		all := map[string]string{}
		for _, p := range append([]string{filepath.Join(partsDir, name)}, areas...) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &all); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		// Only this tab's strings: the files hold every part of the app.
		m := map[string]string{}
		for k, v := range all {
			if strings.HasPrefix(k, "tasks.") {
				m[k] = v
			}
		}
		return m
	}
	en, zh := read("en.json"), read("zh_Hans.json")
	fields := regexp.MustCompile(`\{\{\.\w+\}\}`)
	for k, v := range en {
		z, ok := zh[k]
		if !ok {
			t.Errorf("zh lacks %s", k)
			continue
		}
		a, b := fields.FindAllString(v, -1), fields.FindAllString(z, -1)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("%s: en uses %v, zh %v", k, a, b)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %s", k)
		}
	}
	src, _ := filepath.Glob("*.go")
	used := regexp.MustCompile(`"(tasks\.[a-z_.]+[a-z_])"`)
	for _, p := range src {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		data, _ := os.ReadFile(p)
		for _, m := range used.FindAllStringSubmatch(string(data), -1) {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s uses %s, which has no translation", p, m[1])
			}
		}
	}
	for _, s := range []string{"success", "failure", "timeout", "skipped"} {
		if _, ok := en["tasks.status."+s]; !ok {
			t.Errorf("no words for status %s", s)
		}
	}
}

func TestSaveHTTPCheck(t *testing.T) {
	f := newFixture(t)
	e := f.openAdd()
	test.Type(e.name, "health")
	e.kind.SetSelected(lang.L("tasks.kind.http"))
	if e.cmdCard.Visible() || !e.httpCard.Visible() {
		t.Fatal("choosing HTTP check did not swap the command fields for the HTTP ones")
	}
	e.method.SetSelected("POST")
	test.Type(e.url, "https://example.com/health")
	e.headers.SetText("Authorization: Bearer tok-123\nX-Probe: herald")
	e.body.SetText(`{"ping":true}`)
	test.Type(e.expectStatus, "200,204")
	test.Type(e.expectBody, "ready")
	test.Type(e.expectRegex, `^ok`)
	e.schedKind.SetSelected(lang.L("tasks.schedule.kind.cron"))
	test.Type(e.cron, "*/5 * * * *")
	f.tap(e.save)
	f.wait()
	if f.v.editor != nil {
		t.Fatalf("not saved: %q %q", shownErrors(e), e.general.Text)
	}
	got, err := f.env.Tasks.Get(f.ctx, "health")
	if err != nil {
		t.Fatal(err)
	}
	h := got.HTTP
	if got.Kind != task.KindHTTP || got.Command != nil || h == nil || h.Method != "POST" || h.URL != "https://example.com/health" ||
		h.Headers["Authorization"] != "Bearer tok-123" || h.Headers["X-Probe"] != "herald" || len(h.Headers) != 2 ||
		h.Body != `{"ping":true}` || h.ExpectStatus != "200,204" || h.ExpectBody != "ready" || h.ExpectRegex != "^ok" ||
		got.Schedule.Kind != task.ScheduleCron || got.Schedule.Cron != "*/5 * * * *" {
		t.Errorf("saved = %+v, HTTP %+v", got, h)
	}
	if d := f.row(got.ID).detail.Text; !strings.HasPrefix(d, "Cron */5 * * * *") {
		t.Errorf("row detail = %q", d)
	}

	// The edit form shows it back.
	f.tap(f.row(got.ID).edit)
	f.wait()
	e = f.v.editor
	if e == nil || e.kind.Selected != lang.L("tasks.kind.http") || !e.httpCard.Visible() || e.method.Selected != "POST" ||
		e.headers.Text != "Authorization: Bearer tok-123\nX-Probe: herald" || e.cron.Text != "*/5 * * * *" || !e.cron.Visible() {
		t.Fatalf("edit form = %+v", e)
	}

	// A second task of the same name is refused at the name field.
	f.tap(e.cancel)
	e = f.openAdd()
	test.Type(e.name, "HEALTH")
	test.Type(e.cmdLine, "true")
	f.tap(e.save)
	f.wait()
	if msg := shownErrors(e)["name"]; !strings.Contains(msg, "already exists") {
		t.Errorf("duplicate name: errors %q, under the form %q", shownErrors(e), e.general.Text)
	}
	if list, _ := f.env.Tasks.List(f.ctx); len(list) != 1 {
		t.Errorf("%d tasks after a refused duplicate", len(list))
	}
}
