package trayowner

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/heraldpush/herald/app/desktopnotify"
	"github.com/heraldpush/herald/app/tray"
	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// appID is Herald's application id (ui.AppID, FyneApp.toml).
const appID = "io.github.heraldpush.herald"

// trayApp is Herald in the system tray: the menu over the engine, failure
// notifications, and the window process behind "Open Herald".
type trayApp struct {
	ctx     context.Context
	env     *host.Env
	win     *windowProcess
	lang    string
	tray    *tray.Tray
	notify  *desktopnotify.Notifier
	paused  atomic.Bool
	refresh chan struct{} // a pending request to read the state again
}

func newTrayApp(ctx context.Context, env *host.Env, win *windowProcess) *trayApp {
	a := &trayApp{ctx: ctx, env: env, win: win, lang: language(loadPrefs(ctx, env).Language), refresh: make(chan struct{}, 1)}
	n, err := desktopnotify.New(desktopnotify.App{ID: appID, Name: a.text("app.name"), Icon: assets.Icon})
	if err != nil {
		env.Log.Warn("register for desktop notifications", "error", err)
	}
	a.notify = n
	a.tray = tray.New(tray.Actions{
		Open:        func() { win.open("") },
		RunTask:     a.runTask,
		TestChannel: a.testChannel,
		Pause:       a.pause,
		ShowRun:     func(string) { win.open("history") },
		Quit:        a.quit,
	}, a.text)
	return a
}

func (a *trayApp) text(key string) string { return i18n.T(key).In(a.lang) }

// run shows the tray until quit or the context's end.
func (a *trayApp) run() {
	a.env.SetDesktopNotifier(a.show)
	defer a.env.SetDesktopNotifier(nil)
	stop := context.AfterFunc(a.ctx, a.quit)
	defer stop()
	tray.Run(a.text("app.name"), a.ready, func() { a.win.open("") })
}

func (a *trayApp) quit() { tray.Quit() }

// ready fills the tray and follows the engine.
func (a *trayApp) ready() {
	a.readState()
	// After the first icon and menu went to the system tray: what systray
	// could not show is logged before this (stdLogTo).
	a.env.Log.Info("tray shown")
	go a.refresher()
	a.env.OnRun(a.onRun)
	a.env.OnConfigChange(a.requestRefresh)
}

// onRun notifies a failed run (a preference; not in quiet hours, whose
// summary tells) and has the tray follow the runs.
func (a *trayApp) onRun(e tasks.Event) {
	if e.Type == tasks.RunFinished && e.Run.Status.Failed() && e.Run.Trigger != task.TriggerTest &&
		loadPrefs(a.ctx, a.env).NotifyOnFailure && !dispatch.QuietNow(a.ctx, a.env.Store, e.Run, time.Local) {
		title := i18n.T("notify.task_failed", "Task", e.Run.TaskName).In(a.lang)
		if err := a.show(title, e.Run.Error); err != nil {
			a.env.Log.Warn("notify a failed run", "error", err)
		}
	}
	a.requestRefresh()
}

// show shows a desktop notification.
func (a *trayApp) show(title, body string) error { return a.notify.Show(title, body) }

// requestRefresh asks for the state to be read again; requests close
// together are read once.
func (a *trayApp) requestRefresh() {
	select {
	case a.refresh <- struct{}{}:
	default:
	}
}

func (a *trayApp) refresher() {
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-a.refresh:
			a.readState()
		}
	}
}

// readState reads the engine in one call and shows it; a failed read
// leaves its part empty.
func (a *trayApp) readState() {
	o, _ := a.env.Overview(a.ctx, time.Now().AddDate(0, 0, -tray.FailuresDays), tray.FailuresShown)
	a.tray.Show(tray.StateOf(o, a.paused.Load(), a.lang))
}

func (a *trayApp) pause(p bool) {
	a.paused.Store(p)
	a.env.PauseTasks(p)
	a.requestRefresh()
}

// runTask starts task id (a menu item) in the background.
func (a *trayApp) runTask(id string) {
	for _, it := range a.tray.Shown().Tasks {
		if it.ID == id {
			go func() {
				if err := a.env.RunTask(a.ctx, it.Text); err != nil {
					a.env.Log.Warn("run a task from the tray", "task", it.Text, "error", err)
				}
			}()
			return
		}
	}
}

// testChannel sends channel id a test push and notifies how it went.
func (a *trayApp) testChannel(id string) {
	go func() {
		c, err := a.env.Registry.Get(a.ctx, id)
		if err != nil {
			return
		}
		d, err := a.env.Test(a.ctx, c)
		msg := i18n.T("tray.test_ok", "Channel", c.Name).In(a.lang)
		if err != nil || !d.OK {
			answer := dispatch.AnswerText(d.Answer).In(a.lang)
			if err != nil {
				answer = i18n.Localize(a.lang, err)
			}
			msg = i18n.T("tray.test_failed", "Channel", c.Name, "Answer", answer).In(a.lang)
		}
		if err := a.show(a.text("app.name"), msg); err != nil {
			a.env.Log.Warn("notify a channel test", "error", err)
		}
	}()
}
