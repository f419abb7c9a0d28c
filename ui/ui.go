// Package ui is Herald's desktop face: the main window (Channels, Push
// settings, Tasks, History, Settings tabs) and the tray. It only draws and
// forwards; the engine decides.
package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"image/color"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/ui/channels"
	_ "github.com/heraldpush/herald/ui/cleanlocale" // must initialise before Fyne
	"github.com/heraldpush/herald/ui/history"
	"github.com/heraldpush/herald/ui/pushsettings"
	"github.com/heraldpush/herald/ui/settings"
	tasksview "github.com/heraldpush/herald/ui/tasks"
)

// AppID is Herald's application id (also in FyneApp.toml).
const AppID = "io.github.heraldpush.herald"

// Params are what the window needs from the composition root.
type Params struct {
	Env       *host.Env
	Minimized bool
	Version   string
	// SetStartAtLogin toggles autostart; nil hides the setting's effect.
	SetStartAtLogin func(bool) error
	// Instance receives "show yourself" from a second start; may be nil.
	Instance interface{ OnShow(func()) }
	// CycleTabs, when set, shows each tab in turn for an outside observer
	// and quits (the smoke test's screenshots; see cycleTabs).
	CycleTabs string
}

// loadTranslations registers Herald's strings in the chosen language
// ("" = the system's). Fyne picks the language when translations are added,
// from LANGUAGE among others; it is set only for that call so programs
// Herald starts keep the user's environment.
func loadTranslations(language string) error {
	old, had := os.LookupEnv("LANGUAGE")
	switch language {
	case "en":
		os.Setenv("LANGUAGE", "en")
	case "zh":
		os.Setenv("LANGUAGE", "zh_CN")
	}
	err := lang.AddTranslationsFS(assets.Translations, "translations")
	if had {
		os.Setenv("LANGUAGE", old)
	} else {
		os.Unsetenv("LANGUAGE")
	}
	return err
}

func applyTheme(a fyne.App, name string) {
	switch name {
	case "light":
		a.Settings().SetTheme(forcedVariant{theme.DefaultTheme(), theme.VariantLight})
	case "dark":
		a.Settings().SetTheme(forcedVariant{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// forcedVariant is the default theme in one variant regardless of the OS.
type forcedVariant struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (f forcedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return f.Theme.Color(n, f.v)
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
	a := fyneapp.NewWithID(AppID)
	applyTheme(a, prefs.Theme)
	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	a.SetIcon(icon)

	var mu sync.Mutex
	current := prefs
	prefsNow := func() settings.Prefs { mu.Lock(); defer mu.Unlock(); return current }

	env.SetDesktopNotifier(func(title, body string) error {
		fyne.Do(func() { a.SendNotification(fyne.NewNotification(title, body)) })
		return nil
	})
	defer env.SetDesktopNotifier(nil)

	w := a.NewWindow(lang.L("app.name"))
	w.SetIcon(icon)
	w.Resize(fyne.NewSize(960, 640))

	chView := channels.New(ctx, env, w)
	pushView := pushsettings.New(ctx, env, w)
	taskView := tasksview.New(ctx, env, w)
	histView := history.New(ctx, env, w)
	setView := settings.New(ctx, env, w, settings.Options{
		Version:         p.Version,
		SetStartAtLogin: p.SetStartAtLogin,
		OnPrefsChanged: func(np settings.Prefs) {
			mu.Lock()
			old := current
			current = np
			mu.Unlock()
			if np.Theme != old.Theme {
				applyTheme(a, np.Theme)
			}
			if np.Language != old.Language {
				dialog.ShowInformation(lang.L("app.name"), lang.L("settings.language_restart"), w)
			}
		},
	})
	historyTab := container.NewTabItem(lang.L("tab.history"), histView.Object())
	tabs := container.NewAppTabs(
		container.NewTabItem(lang.L("tab.channels"), chView.Object()),
		container.NewTabItem(lang.L("tab.push"), pushView.Object()),
		container.NewTabItem(lang.L("tab.tasks"), taskView.Object()),
		historyTab,
		container.NewTabItem(lang.L("tab.settings"), setView.Object()),
	)
	w.SetContent(tabs)

	// Failure notifications (a setting) and the tray follow engine events.
	var tr *tray
	paused := false
	refreshTray := func() {}
	env.Tasks.Subscribe(func(e tasks.Event) {
		if e.Type == tasks.RunFinished && e.Run.Status.Failed() && e.Run.Trigger != task.TriggerTest && prefsNow().NotifyOnFailure {
			title := lang.L("notify.task_failed", map[string]any{"Task": e.Run.TaskName})
			fyne.Do(func() { a.SendNotification(fyne.NewNotification(title, e.Run.Error)) })
		}
		fyne.Do(func() { refreshTray() })
	})

	if desk, ok := a.(desktop.App); ok && sessionBusAvailable() {
		// Without a session bus, fyne v2.7.1's tray panics on quit (fyne #6403).
		tr = &tray{app: desk}
		tr.actions = trayActions{
			Open: func() { w.Show(); w.RequestFocus() },
			RunTask: func(id string) {
				if t, err := taskByID(ctx, env, id); err == nil {
					go env.Tasks.RunNow(ctx, t.Name)
				}
			},
			TestChannel: func(id string) {
				go func() {
					c, err := env.Registry.Get(ctx, id)
					if err != nil {
						return
					}
					d, err := env.Dispatcher.TestChannel(ctx, c)
					msg := lang.L("tray.test_ok", map[string]any{"Channel": c.Name})
					if err != nil || !d.OK {
						answer := d.Answer
						if err != nil {
							answer = env.Redactor.Error(err)
						}
						msg = lang.L("tray.test_failed", map[string]any{"Channel": c.Name, "Answer": answer})
					}
					fyne.Do(func() {
						a.SendNotification(fyne.NewNotification(lang.L("app.name"), msg))
						chView.Refresh()
					})
				}()
			},
			Pause: func(p bool) {
				paused = p
				env.Tasks.Pause(p)
				refreshTray()
			},
			ShowRun: func(string) { w.Show(); tabs.Select(historyTab) },
			Quit:    a.Quit,
		}
		refreshTray = func() { tr.update(trayStateOf(ctx, env, paused)) }
		// Order matters since Fyne 2.7: menu, icon, window, then our close intercept.
		refreshTray()
		desk.SetSystemTrayWindow(w)
	}
	if p.Instance != nil {
		p.Instance.OnShow(func() { fyne.Do(func() { w.Show(); w.RequestFocus() }) })
	}
	w.SetCloseIntercept(func() {
		if tr != nil && prefsNow().CloseToTray {
			w.Hide()
			return
		}
		a.Quit()
	})
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	if err := env.Secrets.Check(); err != nil {
		dialog.ShowInformation(lang.L("app.keyring_missing.title"),
			lang.L("app.keyring_missing", map[string]any{"Hint": secret.Hint()}), w)
	} else if !prefs.Welcomed && p.CycleTabs == "" {
		showWelcome(ctx, env, w, func() { tabs.SelectIndex(0) })
	}
	if p.CycleTabs != "" {
		go cycleTabs(a, tabs, p.CycleTabs)
	}
	if p.Minimized && tr != nil && p.CycleTabs == "" {
		a.Run()
	} else {
		w.ShowAndRun()
	}
	return nil
}

func taskByID(ctx context.Context, env *host.Env, id string) (task.Task, error) {
	n, _ := strconv.ParseInt(id, 10, 64)
	list, err := env.Tasks.List(ctx)
	if err != nil {
		return task.Task{}, err
	}
	for _, t := range list {
		if t.ID == n {
			return t, nil
		}
	}
	return task.Task{}, fmt.Errorf("task %s not found", id)
}

// trayStateOf reads what the tray shows from the engine.
func trayStateOf(ctx context.Context, env *host.Env, paused bool) trayState {
	s := trayState{Paused: paused}
	if list, err := env.Tasks.List(ctx); err == nil {
		for _, t := range list {
			s.Tasks = append(s.Tasks, trayItem{strconv.FormatInt(t.ID, 10), t.Name})
			if runs, err := env.Store.TaskRuns(ctx, t.ID, 0, 1); err == nil && len(runs) > 0 && runs[0].Status.Failed() {
				s.Failing = true
			}
		}
	}
	if chans, err := env.Registry.List(ctx); err == nil {
		for _, c := range chans {
			s.Channels = append(s.Channels, trayItem{c.ID, c.Name})
		}
	}
	if fails, err := env.Store.Failures(ctx, time.Now().AddDate(0, 0, -7), 3); err == nil {
		for _, r := range fails {
			if t, err := env.Store.Task(ctx, r.TaskID); err == nil {
				r.TaskName = t.Name
			}
			s.Failures = append(s.Failures, trayItem{strconv.FormatInt(r.ID, 10), failureText(r)})
		}
	}
	sort.SliceStable(s.Tasks, func(i, j int) bool { return s.Tasks[i].Text < s.Tasks[j].Text })
	return s
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
func showWelcome(ctx context.Context, env *host.Env, w fyne.Window, toChannels func()) {
	text := widget.NewLabel(lang.L("welcome.steps"))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("welcome.title"), lang.L("welcome.start"), lang.L("welcome.later"),
		container.NewPadded(text), func(start bool) {
			if start {
				toChannels()
			}
			if p, err := settings.Load(ctx, env); err == nil {
				p.Welcomed = true
				_ = settings.Save(ctx, env, p)
			}
		}, w)
	d.Resize(fyne.NewSize(520, 300))
	d.Show()
}
