// Package ui is Herald's desktop face: the main window (Channels, Push
// settings, Tasks, History, Settings tabs). It only draws and forwards;
// the engine decides. The tray is not here: it is a process of its own
// without Fyne (app/trayowner), which starts the window as another.
package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/ui/channels"
	_ "github.com/heraldpush/herald/ui/cleanlocale" // must initialise before Fyne
	"github.com/heraldpush/herald/ui/history"
	"github.com/heraldpush/herald/ui/look"
	"github.com/heraldpush/herald/ui/pushsettings"
	"github.com/heraldpush/herald/ui/settings"
	tasksview "github.com/heraldpush/herald/ui/tasks"
	"github.com/heraldpush/herald/ui/toast"
)

// AppID is Herald's application id (also in FyneApp.toml).
const AppID = "io.github.heraldpush.herald"

// Params are what the window needs from the composition root.
type Params struct {
	Env     *host.Env
	Version string
	// Client: the window is a process of its own beside the tray, which
	// owns the data folder, runs the engine and notifies failed runs.
	Client bool
	// Engine is what the Tasks, Channels and Settings tabs use of the
	// engine; nil for Env. A client's runs tasks, tests channels and
	// reads the API's address through the tray.
	Engine Engine
	// OnClose runs when the person closes the window, with the "close to
	// tray" preference; the window quits after it.
	OnClose func(closeToTray bool)
	// Tab selects a tab at start: "history", or "" for the first.
	Tab string
	// SetStartAtLogin toggles autostart; nil hides the setting's effect.
	SetStartAtLogin func(bool) error
	// StartAtLoginState reads whether the OS starts Herald at login (the
	// setting shows it); nil shows the stored preference.
	StartAtLoginState func() (bool, error)
	// OnShowRequest registers the function to call when a second start
	// or the tray asks this window to show itself, on a tab ("history",
	// "" for where it is); nil when nobody can ask.
	OnShowRequest func(show func(tab string))
	// CycleTabs, when set, shows each tab in turn for an outside observer
	// and quits (the smoke test's screenshots; see cycleTabs).
	CycleTabs string
}

// Engine is what the Tasks, Channels and Settings tabs use of the engine.
type Engine interface {
	tasksview.Engine
	channels.Engine
	settings.Engine
}

// applyTheme paints the app with Herald's theme in the chosen variant
// ("light", "dark", else the system's); chinese drops bold (see ui/look).
func applyTheme(a fyne.App, name string, chinese bool) {
	a.Settings().SetTheme(look.New(look.ModeNamed(name), chinese))
}

// uiChinese reports whether the window speaks Chinese: chosen, or the
// system's language when none is chosen (the only other one is English).
func uiChinese(language string) bool {
	switch language {
	case settings.LanguageChinese:
		return true
	case settings.LanguageEnglish:
		return false
	}
	return strings.HasPrefix(string(lang.SystemLocale()), "zh")
}

// window is the running desktop app: the Fyne app, its window and tabs,
// and the preferences in force.
type window struct {
	ctx  context.Context
	env  *host.Env
	app  fyne.App
	win  fyne.Window
	tabs *container.AppTabs

	channels   *channels.View
	pushView   *pushsettings.View
	taskView   *tasksview.View
	histView   *history.View
	historyTab *container.TabItem

	// settle waits until every tab has applied the loads asked of it (tests
	// read the widgets after it: Fyne's test driver applies on the loaders'
	// goroutines).
	settle []func()

	mu    sync.Mutex
	prefs settings.Prefs

	chinese bool // the UI language at start is Chinese (no bold, see ui/look)
}

func (w *window) prefsNow() settings.Prefs {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.prefs
}

// Run shows the window and blocks until the app quits or ctx ends.
func Run(ctx context.Context, p Params) error {
	env := p.Env
	prefs, err := settings.Load(ctx, env)
	if err != nil {
		env.Log.Warn("read window preferences", "error", err)
	}
	if err := loadTranslations(prefs.Language); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	if err := toast.Register(toast.App{ID: AppID, Name: lang.L("app.name"), Icon: assets.Icon}); err != nil {
		env.Log.Warn("register for desktop notifications", "error", err)
	}
	w := newWindow(ctx, env, prefs)
	if !p.Client {
		// The owner's desktop channels notify through this window.
		env.SetDesktopNotifier(w.notify)
		defer env.SetDesktopNotifier(nil)
	}

	w.buildTabs(p)
	w.followEngine(!p.Client)
	if p.Client {
		stop := w.followOwner()
		defer stop()
	}
	w.selectTab(p.Tab)
	if p.OnShowRequest != nil {
		p.OnShowRequest(func(tab string) { fyne.Do(func() { w.selectTab(tab); w.show() }) })
	}
	w.win.SetCloseIntercept(func() {
		if p.OnClose != nil {
			p.OnClose(w.prefsNow().CloseToTray)
		}
		w.app.Quit()
	})
	go func() {
		<-ctx.Done()
		fyne.Do(w.quitOnce)
	}()
	w.greet(prefs, p.CycleTabs != "")
	if p.CycleTabs != "" {
		go cycleTabs(w.app, w.tabs, p.CycleTabs)
	}
	w.win.ShowAndRun()
	return nil
}

// selectTab shows the tab named ("history"); "" leaves the selection.
func (w *window) selectTab(tab string) {
	if tab == "history" {
		w.tabs.Select(w.historyTab)
	}
}

// quitOnce quits the app for a cancelled context. Fyne's own SIGINT/SIGTERM
// handler ends the loop too, and when it won the race GLFW is already
// terminated: the app's Quit then runs here directly and closing a window
// panics inside GLFW. The app is quitting either way, so that panic is
// dropped rather than turned into a crash on the way out.
func (w *window) quitOnce() {
	defer func() { _ = recover() }()
	w.app.Quit()
}

// newWindow makes the Fyne app and its (empty) window, themed.
func newWindow(ctx context.Context, env *host.Env, prefs settings.Prefs) *window {
	a := fyneapp.NewWithID(AppID)
	applyTheme(a, prefs.Theme, uiChinese(prefs.Language))
	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	a.SetIcon(icon)
	win := a.NewWindow(lang.L("app.name"))
	win.SetIcon(icon)
	win.Resize(windowSize(fyne.NewSize(960, 640), win.Canvas().Scale()))
	return &window{ctx: ctx, env: env, app: a, win: win, prefs: prefs, chinese: uiChinese(prefs.Language)}
}

// notify shows a desktop notification; any goroutine may call it. On
// Windows it goes through ui/toast: Fyne v2.7.1 runs the text there as
// PowerShell.
func (w *window) notify(title, body string) error {
	if toast.Available {
		return toast.Show(title, body)
	}
	fyne.Do(func() { w.app.SendNotification(fyne.NewNotification(title, body)) })
	return nil
}

func (w *window) show() { w.win.Show(); w.win.RequestFocus() }

// buildTabs makes the five tabs, each over the part of the engine it uses.
func (w *window) buildTabs(p Params) {
	ctx, env, win := w.ctx, w.env, w.win
	var eng Engine = env
	if p.Engine != nil {
		eng = p.Engine
	}
	w.channels = channels.New(ctx, env.Registry, eng, win)
	w.pushView = pushsettings.New(ctx, env, win)
	w.taskView = tasksview.New(ctx, eng, win)
	w.histView = history.New(ctx, env, win)
	setView := settings.New(ctx, eng, win, settings.Options{
		Version:           p.Version,
		SetStartAtLogin:   p.SetStartAtLogin,
		StartAtLoginState: p.StartAtLoginState,
		OnPrefsChanged:    w.prefsChanged,
	})
	w.histView.SetChartShown(!w.prefs.HideHistoryChart, w.rememberChart)
	w.settle = []func(){w.channels.Wait, w.taskView.Wait, w.histView.Wait, setView.Wait}
	w.historyTab = container.NewTabItemWithIcon(lang.L("tab.history"), theme.HistoryIcon(), w.histView.Object())
	w.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("tab.channels"), theme.MailSendIcon(), w.channels.Object()),
		container.NewTabItemWithIcon(lang.L("tab.push"), theme.VolumeUpIcon(), w.pushView.Object()),
		container.NewTabItemWithIcon(lang.L("tab.tasks"), theme.ListIcon(), w.taskView.Object()),
		w.historyTab,
		container.NewTabItemWithIcon(lang.L("tab.settings"), theme.SettingsIcon(), setView.Object()),
	)
	win.SetContent(w.tabs)
}

// rememberChart stores whether History's chart is shown, that field only.
func (w *window) rememberChart(shown bool) {
	go func() {
		p, err := settings.Update(w.ctx, w.env, func(p *settings.Prefs) { p.HideHistoryChart = !shown })
		if err != nil {
			w.env.Log.Warn("save window preferences", "error", err)
			return
		}
		w.mu.Lock()
		w.prefs.HideHistoryChart = p.HideHistoryChart
		w.mu.Unlock()
	}()
}

// prefsChanged applies changed preferences (on the UI goroutine).
func (w *window) prefsChanged(np settings.Prefs) {
	w.mu.Lock()
	old := w.prefs
	w.prefs = np
	w.mu.Unlock()
	if np.Theme != old.Theme {
		// The language in force is the one at start (a change needs a restart).
		applyTheme(w.app, np.Theme, w.chinese)
	}
	if np.Language != old.Language {
		dialog.ShowInformation(lang.L("app.name"), lang.L("settings.language_restart"), w.win)
	}
}

// followEngine notifies failed runs (a setting; notify is false when the
// tray process does it) and has the views follow changed configuration.
func (w *window) followEngine(notify bool) {
	w.env.OnRun(func(e tasks.Event) {
		if notify && e.Type == tasks.RunFinished && e.Run.Status.Failed() && e.Run.Trigger != task.TriggerTest && w.prefsNow().NotifyOnFailure &&
			!dispatch.QuietNow(w.ctx, w.env.Store, e.Run, time.Local) { // in quiet hours the channels' summary tells
			title := lang.L("notify.task_failed", map[string]any{"Task": e.Run.TaskName})
			_ = w.notify(title, e.Run.Error)
		}
	})
	// Channels and tasks changed here or in another process (the CLI):
	// every view showing them reads them again, without a restart.
	w.env.OnConfigChange(w.configChanged)
}

// ownerPoll is how often a client window looks for what the tray's engine
// recorded (runs, deliveries): one PRAGMA data_version when nothing did.
const ownerPoll = time.Second

// followOwner has the Tasks and History tabs read again what the tray's
// engine recorded: a client window gets no engine events, so it watches
// the store's data version. stop ends the watch.
func (w *window) followOwner() (stop func()) {
	ctx, cancel := context.WithCancel(w.ctx)
	probe, err := w.env.Store.NewVersionProbe(ctx)
	if err != nil {
		w.env.Log.Warn("follow the tray's runs", "error", err)
		return cancel
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(ownerPoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if probe.Changed(ctx) && ctx.Err() == nil {
					w.taskView.Refresh()
					w.histView.Refresh()
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// configChanged has the views read the channels and tasks again; any
// goroutine may call it.
func (w *window) configChanged() {
	w.channels.Refresh()
	w.taskView.Refresh()
	w.histView.Refresh()
	fyne.Do(w.pushView.ChannelsChanged)
}

// greet tells about a missing keyring, or welcomes a first start.
func (w *window) greet(prefs settings.Prefs, cycling bool) {
	if err := w.env.Secrets.Check(); err != nil {
		dialog.ShowInformation(lang.L("app.keyring_missing.title"),
			lang.L("app.keyring_missing", map[string]any{"Hint": secret.Hint()}), w.win)
	} else if !prefs.Welcomed && !cycling {
		showWelcome(w.ctx, w.env, w.win, w.registerChannel)
	}
}

// registerChannel shows the Channels tab with its add form open.
func (w *window) registerChannel() {
	w.tabs.SelectIndex(0)
	w.channels.ShowAdd()
}

// cycleTabs shows each tab in turn for an outside observer (the smoke test
// screenshots the real window): it selects tab N, writes DIR/tab-N.ready,
// waits for DIR/tab-N.done, and quits after the last tab.
func cycleTabs(a fyne.App, tabs *container.AppTabs, dir string) {
	defer fyne.Do(a.Quit)
	time.Sleep(time.Second) // let the window map and paint
	for i := range tabs.Items {
		fyne.DoAndWait(func() { tabs.SelectIndex(i) })
		time.Sleep(500 * time.Millisecond)
		ready := filepath.Join(dir, fmt.Sprintf("tab-%d.ready", i+1))
		if err := os.WriteFile(ready, []byte(tabSlug(i)), 0o644); err != nil {
			return
		}
		done := filepath.Join(dir, fmt.Sprintf("tab-%d.done", i+1))
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, err := os.Stat(done); err == nil {
				break
			}
		}
	}
}

func tabSlug(i int) string {
	return []string{"channels", "push", "tasks", "history", "settings"}[i]
}

// showWelcome explains the three steps once: register a channel, test it,
// add a task; the channel form also imports QD registration strings.
func showWelcome(ctx context.Context, env settings.SettingStore, w fyne.Window, toChannels func()) {
	text := widget.NewLabel(lang.L("welcome.steps"))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("welcome.title"), lang.L("welcome.start"), lang.L("welcome.later"),
		container.NewPadded(text), func(start bool) {
			if start {
				toChannels()
			}
			if _, err := settings.Update(ctx, env, func(p *settings.Prefs) { p.Welcomed = true }); err != nil {
				dialog.ShowError(err, w)
			}
		}, w)
	d.Resize(fyne.NewSize(520, 300))
	d.Show()
}
