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
	"runtime/debug"
	"slices"
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

	lazy []*lazyTab
	// The views, nil until their tab is first shown; set and read on the
	// UI goroutine.
	channels *channels.View
	pushView *pushsettings.View
	taskView *tasksview.View
	histView *history.View

	mu    sync.Mutex
	prefs settings.Prefs
	views []tabView // the views made so far

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
	// What the first paint does not need starts once the loop runs.
	welcome := w.welcome(prefs, p.CycleTabs != "")
	w.app.Lifecycle().SetOnStarted(func() { go w.afterStart(p, welcome) })
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
	if p.CycleTabs != "" {
		go cycleTabs(w.app, w.tabs, p.CycleTabs)
	}
	w.win.ShowAndRun()
	return nil
}

// afterStart follows the engine, or the owner for a client, and checks
// the keyring (a D-Bus call): the window is showing meanwhile.
func (w *window) afterStart(p Params, welcome *welcomeDialog) {
	w.followEngine(!p.Client)
	if p.Client {
		w.followOwner()
	}
	keyring := w.env.Secrets.Check()
	fyne.Do(func() { w.keyringChecked(keyring, welcome) })
	// Starting leaves much garbage (translation files, font tables read
	// whole): once the first tab shows its data, the memory it held goes
	// back to the system instead of waiting for the scavenger's pace.
	w.settleViews()
	time.Sleep(startSettled)
	debug.FreeOSMemory()
}

// startSettled is how long after the first tab's data is shown the window
// is taken to have painted it.
const startSettled = time.Second

// selectTab shows the tab named ("history"); "" leaves the selection.
func (w *window) selectTab(tab string) {
	if tab == "history" {
		w.tabs.SelectIndex(tabHistory)
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
	// The first layout spends most of its time loading each text style's
	// fonts: bold's load on another core meanwhile.
	go fyne.MeasureText(lang.L("app.name"), theme.TextSize(), fyne.TextStyle{Bold: true})
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

// tabView is what the window keeps of a tab's view once it is made.
type tabView struct {
	// wait returns once what the view was asked to load is shown (tests).
	wait func()
	// config has it read channels and tasks again; runs, the runs and
	// deliveries. Any goroutine may call them; nil when it shows neither.
	config, runs func()
}

// lazyTab is a tab whose view is built the first time it is shown: the
// window paints sooner and holds only what was looked at.
type lazyTab struct {
	item  *container.TabItem
	build func() (fyne.CanvasObject, tabView)
	made  bool
}

// Tab indexes, in the order the window shows them.
const (
	tabChannels = iota
	tabPush
	tabTasks
	tabHistory
	tabSettings
)

// buildTabs makes the five tabs, each over the part of the engine it uses,
// and the view of the one shown first (History for "history").
func (w *window) buildTabs(p Params) {
	var eng Engine = w.env
	if p.Engine != nil {
		eng = p.Engine
	}
	w.lazy = []*lazyTab{
		tabChannels: w.newLazyTab("tab.channels", theme.MailSendIcon(), func() (fyne.CanvasObject, tabView) {
			w.channels = channels.New(w.ctx, w.env.Registry, eng, w.win)
			return w.channels.Object(), tabView{wait: w.channels.Wait, config: w.channels.Refresh}
		}),
		tabPush: w.newLazyTab("tab.push", theme.VolumeUpIcon(), func() (fyne.CanvasObject, tabView) {
			w.pushView = pushsettings.New(w.ctx, w.env, w.win)
			pv := w.pushView
			return pv.Object(), tabView{config: func() { fyne.Do(pv.ChannelsChanged) }}
		}),
		tabTasks: w.newLazyTab("tab.tasks", theme.ListIcon(), func() (fyne.CanvasObject, tabView) {
			w.taskView = tasksview.New(w.ctx, eng, w.win)
			tv := w.taskView
			return tv.Object(), tabView{wait: tv.Wait, config: tv.Refresh, runs: tv.Refresh}
		}),
		tabHistory: w.newLazyTab("tab.history", theme.HistoryIcon(), func() (fyne.CanvasObject, tabView) {
			w.histView = history.New(w.ctx, w.env, w.win)
			hv := w.histView
			hv.SetChartShown(!w.prefs.HideHistoryChart, w.rememberChart)
			return hv.Object(), tabView{wait: hv.Wait, config: hv.Refresh, runs: hv.Refresh}
		}),
		tabSettings: w.newLazyTab("tab.settings", theme.SettingsIcon(), func() (fyne.CanvasObject, tabView) {
			sv := settings.New(w.ctx, eng, w.win, settings.Options{
				Version:           p.Version,
				SetStartAtLogin:   p.SetStartAtLogin,
				StartAtLoginState: p.StartAtLoginState,
				OnPrefsChanged:    w.prefsChanged,
			})
			return sv.Object(), tabView{wait: sv.Wait}
		}),
	}
	items := make([]*container.TabItem, len(w.lazy))
	for i, t := range w.lazy {
		items[i] = t.item
	}
	first := tabChannels
	if p.Tab == "history" {
		first = tabHistory
	}
	w.makeTab(first)
	w.tabs = container.NewAppTabs(items...)
	w.tabs.SelectIndex(first)
	w.tabs.OnSelected = func(*container.TabItem) { w.makeTab(w.tabs.SelectedIndex()) }
	w.win.SetContent(w.tabs)
}

// newLazyTab is a tab showing an empty stack until build fills it.
func (w *window) newLazyTab(label string, icon fyne.Resource, build func() (fyne.CanvasObject, tabView)) *lazyTab {
	return &lazyTab{item: container.NewTabItemWithIcon(lang.L(label), icon, container.NewStack()), build: build}
}

// makeTab makes tab i's view unless it is made (on the UI goroutine).
func (w *window) makeTab(i int) {
	t := w.lazy[i]
	if t.made {
		return
	}
	t.made = true
	obj, view := t.build()
	slot := t.item.Content.(*fyne.Container)
	slot.Objects = []fyne.CanvasObject{obj}
	slot.Refresh()
	w.mu.Lock()
	w.views = append(w.views, view)
	w.mu.Unlock()
}

// madeViews is the views made so far; any goroutine may call it.
func (w *window) madeViews() []tabView {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.views)
}

// settleViews returns once every view made has shown what it was asked
// to load (tests read the widgets after it: Fyne's test driver applies on
// the loaders' goroutines). Not on the UI goroutine.
func (w *window) settleViews() {
	for _, v := range w.madeViews() {
		if v.wait != nil {
			v.wait()
		}
	}
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

// ownerGap is the least time between two reloads for the tray's commits:
// the first commit shows at once, a busy engine's at most once a second.
const ownerGap = time.Second

// followOwner has the Tasks and History tabs read again what the tray's
// engine recorded: a client window gets no engine events, so it follows
// the data folder's commits. It ends with w.ctx.
func (w *window) followOwner() {
	err := w.env.OnCommit(w.ctx, ownerGap, func() {
		for _, v := range w.madeViews() {
			if v.runs != nil {
				v.runs()
			}
		}
	})
	if err != nil {
		w.env.Log.Warn("follow the tray's runs", "error", err)
	}
}

// configChanged has the views read the channels and tasks again; any
// goroutine may call it.
func (w *window) configChanged() {
	for _, v := range w.madeViews() {
		if v.config != nil {
			v.config()
		}
	}
}

// welcome shows a first start's welcome (nil when there is none): it is
// in the first frame, while the keyring is still being checked.
func (w *window) welcome(prefs settings.Prefs, cycling bool) *welcomeDialog {
	if prefs.Welcomed || cycling {
		return nil
	}
	return showWelcome(w.ctx, w.env, w.win, w.registerChannel)
}

// keyringChecked tells about a missing keyring, in place of the welcome
// (shown again at the next start).
func (w *window) keyringChecked(keyring error, welcome *welcomeDialog) {
	if keyring == nil {
		return
	}
	welcome.withdraw()
	dialog.ShowInformation(lang.L("app.keyring_missing.title"),
		lang.L("app.keyring_missing", map[string]any{"Hint": secret.Hint()}), w.win)
}

// registerChannel shows the Channels tab with its add form open.
func (w *window) registerChannel() {
	w.tabs.SelectIndex(tabChannels)
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

// welcomeDialog is the welcome on screen.
type welcomeDialog struct {
	d         dialog.Dialog
	withdrawn bool
}

// withdraw hides the welcome without counting it as seen; nil does
// nothing.
func (wd *welcomeDialog) withdraw() {
	if wd == nil {
		return
	}
	wd.withdrawn = true
	wd.d.Hide()
}

// showWelcome explains the three steps once: register a channel, test it,
// add a task; the channel form also imports QD registration strings.
func showWelcome(ctx context.Context, env settings.SettingStore, w fyne.Window, toChannels func()) *welcomeDialog {
	text := widget.NewLabel(lang.L("welcome.steps"))
	text.Wrapping = fyne.TextWrapWord
	wd := &welcomeDialog{}
	wd.d = dialog.NewCustomConfirm(lang.L("welcome.title"), lang.L("welcome.start"), lang.L("welcome.later"),
		container.NewPadded(text), func(start bool) {
			if wd.withdrawn {
				return
			}
			if start {
				toChannels()
			}
			if _, err := settings.Update(ctx, env, func(p *settings.Prefs) { p.Welcomed = true }); err != nil {
				dialog.ShowError(err, w)
			}
		}, w)
	wd.d.Resize(fyne.NewSize(520, 300))
	wd.d.Show()
	return wd
}
