package ui

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/ui/loader"
	"github.com/heraldpush/herald/ui/localize"
)

// trayState is everything the tray shows; the menu is rebuilt only when it
// changes, because a refresh is a full rebuild of the native menu.
type trayState struct {
	Tasks    []trayItem // id, name
	Channels []trayItem
	Paused   bool
	Failures []trayItem // the last three failed runs: id, "task — error"
	Failing  bool       // some task's last run failed
}

type trayItem struct {
	ID   string
	Text string
}

// key identifies the state for change detection.
func (s trayState) key() string { return fmt.Sprintf("%v", s) }

// trayActions are what the menu items do.
type trayActions struct {
	Open        func()
	RunTask     func(id string)
	TestChannel func(id string)
	Pause       func(paused bool)
	ShowRun     func(id string)
	Quit        func()
}

// buildTrayMenu lays out: Open Herald · Run task ▸ · Test channel ▸ ·
// Pause all / Resume · last 3 failures · Quit.
func buildTrayMenu(s trayState, a trayActions) *fyne.Menu {
	items := []*fyne.MenuItem{fyne.NewMenuItem(lang.L("tray.open"), a.Open), fyne.NewMenuItemSeparator()}

	run := fyne.NewMenuItem(lang.L("tray.run_task"), nil)
	for _, t := range s.Tasks {
		id := t.ID
		run.ChildMenu = appendItem(run.ChildMenu, fyne.NewMenuItem(t.Text, func() { a.RunTask(id) }))
	}
	if run.ChildMenu == nil {
		run.Disabled = true
	}
	test := fyne.NewMenuItem(lang.L("tray.test_channel"), nil)
	for _, c := range s.Channels {
		id := c.ID
		test.ChildMenu = appendItem(test.ChildMenu, fyne.NewMenuItem(c.Text, func() { a.TestChannel(id) }))
	}
	if test.ChildMenu == nil {
		test.Disabled = true
	}
	items = append(items, run, test)

	pause := fyne.NewMenuItem(lang.L("tray.pause"), func() { a.Pause(true) })
	if s.Paused {
		pause = fyne.NewMenuItem(lang.L("tray.resume"), func() { a.Pause(false) })
	}
	items = append(items, pause)

	if len(s.Failures) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
		header := fyne.NewMenuItem(lang.L("tray.recent_failures"), nil)
		header.Disabled = true
		items = append(items, header)
		for _, f := range s.Failures {
			id := f.ID
			items = append(items, fyne.NewMenuItem(f.Text, func() { a.ShowRun(id) }))
		}
	}
	items = append(items, fyne.NewMenuItemSeparator())
	quit := fyne.NewMenuItem(lang.L("tray.quit"), a.Quit)
	quit.IsQuit = true
	items = append(items, quit)
	return fyne.NewMenu(lang.L("app.name"), items...)
}

func appendItem(m *fyne.Menu, it *fyne.MenuItem) *fyne.Menu {
	if m == nil {
		return fyne.NewMenu("", it)
	}
	m.Items = append(m.Items, it)
	return m
}

// trayIcon picks the icon for the state.
func trayIcon(s trayState) fyne.Resource {
	switch {
	case s.Paused:
		return fyne.NewStaticResource("tray-paused.png", assets.TrayPaused)
	case s.Failing:
		return fyne.NewStaticResource("tray-failing.png", assets.TrayFailing)
	}
	return fyne.NewStaticResource("tray-ok.png", assets.TrayOK)
}

// tray owns the system tray of a desktop app.
type tray struct {
	app     desktop.App
	actions trayActions
	paused  atomic.Bool
	refresh *loader.Loader // reads the state and updates the tray

	// On the UI goroutine:
	state  trayState // as last shown
	last   string
	builds int // how many times the menu was rebuilt (tests)
}

// update applies s, rebuilding the menu and icon only when s changed.
// Call on the UI goroutine.
func (t *tray) update(s trayState) {
	k := s.key()
	if k == t.last {
		return
	}
	t.last = k
	t.state = s
	t.builds++
	// Order matters since Fyne 2.7: menu first, then the icon.
	t.app.SetSystemTrayMenu(buildTrayMenu(s, t.actions))
	t.app.SetSystemTrayIcon(trayIcon(s))
}

// failureText renders a failed run for the tray: "task — what went
// wrong", preferring the output's last meaningful line ("disk 97% full")
// over the outcome in the window's language ("exit code 3").
func failureText(r task.Run) string {
	line := lastMeaningfulLine(r.Output)
	if line == "" {
		line, _, _ = strings.Cut(localize.Text(task.Outcome(r)), "\n")
	}
	if len([]rune(line)) > failureRunes {
		line = string([]rune(line)[:failureRunes-1]) + "…"
	}
	return r.TaskName + " — " + line
}

// failureRunes is how long a failure's line may be in the tray menu.
const failureRunes = 60

var (
	ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)
	// noiseLine is what says nothing about the failure: the outcome the
	// run records anyway, or a line of punctuation.
	noiseLine = regexp.MustCompile(`^(?i:exit (status|code) -?\d+|[-=*#_.~\s]+)$`)
)

// lastMeaningfulLine is output's last line that says something, without
// terminal colours and surrounding space; "" when none does.
func lastMeaningfulLine(output string) string {
	lines := strings.Split(ansiEscape.ReplaceAllString(output, ""), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(strings.TrimSuffix(lines[i], "\r"))
		if line != "" && !noiseLine.MatchString(line) {
			return line
		}
	}
	return ""
}

// failuresShown is how many recent failures the tray lists, and from how
// far back.
const (
	failuresShown = 3
	failuresDays  = 7
)

// trayStateOf is what the tray shows of o.
func trayStateOf(o host.Overview, paused bool) trayState {
	s := trayState{Paused: paused}
	for _, t := range o.Tasks {
		s.Tasks = append(s.Tasks, trayItem{strconv.FormatInt(t.ID, 10), t.Name})
		if t.LastStatus.Failed() {
			s.Failing = true
		}
	}
	for _, c := range o.Channels {
		s.Channels = append(s.Channels, trayItem{c.ID, c.Name})
	}
	for _, r := range o.Failures {
		s.Failures = append(s.Failures, trayItem{strconv.FormatInt(r.ID, 10), failureText(r)})
	}
	sort.SliceStable(s.Tasks, func(i, j int) bool { return s.Tasks[i].Text < s.Tasks[j].Text })
	return s
}

// startTray puts Herald in the system tray when there is one. Its state is
// read off the UI goroutine, in one engine call, whenever a run ends.
func (w *window) startTray() {
	desk, ok := w.app.(desktop.App)
	// Without a session bus, fyne v2.7.1's tray panics on quit (fyne #6403).
	if !ok || !sessionBusAvailable() {
		return
	}
	w.trayOn(desk)
}

// trayOn puts Herald in desk's tray.
func (w *window) trayOn(desk desktop.App) {
	t := &tray{app: desk}
	t.actions = trayActions{
		Open:        w.show,
		RunTask:     func(id string) { w.runTask(t, id) },
		TestChannel: w.testChannel,
		Pause: func(p bool) {
			t.paused.Store(p)
			w.env.PauseTasks(p)
			t.refresh.Request()
		},
		ShowRun: func(string) { w.show(); w.tabs.Select(w.historyTab) },
		Quit:    w.app.Quit,
	}
	load := func(ctx context.Context) func() {
		// Partial answers still show: a failed read leaves its part empty.
		o, _ := w.env.Overview(ctx, time.Now().AddDate(0, 0, -failuresDays), failuresShown)
		s := trayStateOf(o, t.paused.Load())
		return func() { t.update(s) }
	}
	// Order matters since Fyne 2.7: menu, icon, window, then our close
	// intercept; the first state is read before the window is set.
	o, _ := w.env.Overview(w.ctx, time.Now().AddDate(0, 0, -failuresDays), failuresShown)
	t.update(trayStateOf(o, false))
	desk.SetSystemTrayWindow(w.win)
	t.refresh = loader.New(w.ctx, load)
	w.tray = t
}

// runTask starts task id (a tray item) in the background.
func (w *window) runTask(t *tray, id string) {
	for _, it := range t.state.Tasks {
		if it.ID == id {
			go w.env.RunTask(w.ctx, it.Text)
			return
		}
	}
}

// testChannel sends channel id a test push and notifies how it went.
func (w *window) testChannel(id string) {
	go func() {
		c, err := w.env.Registry.Get(w.ctx, id)
		if err != nil {
			return
		}
		d, err := w.env.Test(w.ctx, c)
		msg := lang.L("tray.test_ok", map[string]any{"Channel": c.Name})
		if err != nil || !d.OK {
			answer := localize.Text(dispatch.AnswerText(d.Answer))
			if err != nil {
				answer = localize.Error(err)
			}
			msg = lang.L("tray.test_failed", map[string]any{"Channel": c.Name, "Answer": answer})
		}
		fyne.Do(func() {
			w.app.SendNotification(fyne.NewNotification(lang.L("app.name"), msg))
			w.channels.Refresh()
		})
	}()
}
