// Package tray is Herald's system tray without Fyne: what the menu holds
// for a state, the icon for it, and the native tray (fyne.io/systray: a
// StatusNotifierItem over D-Bus on Linux) that shows them. The tray process
// loads no GL driver, so it idles as light as `herald daemon`.
package tray

import "fmt"

// State is everything the tray shows; the native menu is rebuilt only when
// it changes, because a refresh is a full rebuild of the menu.
type State struct {
	Tasks    []Item // id, name
	Channels []Item
	Paused   bool
	Failures []Item // the last failed runs: id, "task — error"
	Failing  bool   // some task's last run failed
}

// Item is a task, channel or failed run as a menu line.
type Item struct {
	ID   string
	Text string
}

// key identifies the state for change detection.
func (s State) key() string { return fmt.Sprintf("%v", s) }

// Actions are what the menu items do.
type Actions struct {
	Open        func()
	RunTask     func(id string)
	TestChannel func(id string)
	Pause       func(paused bool)
	ShowRun     func(id string)
	Quit        func()
}

// Entry is one line of the menu: a separator, a disabled header, an
// action, or a submenu (Children).
type Entry struct {
	Label     string
	Separator bool
	Disabled  bool
	Children  []Entry
	Action    func()
}

var separator = Entry{Separator: true}

// Texts renders a translation key in the tray's language.
type Texts func(key string) string

// BuildMenu lays out: Open Herald · Run task ▸ · Test channel ▸ ·
// Pause all / Resume · last failures · Quit.
func BuildMenu(s State, a Actions, t Texts) []Entry {
	menu := []Entry{{Label: t("tray.open"), Action: a.Open}, separator}
	menu = append(menu, submenu(t("tray.run_task"), s.Tasks, a.RunTask))
	menu = append(menu, submenu(t("tray.test_channel"), s.Channels, a.TestChannel))
	if s.Paused {
		menu = append(menu, Entry{Label: t("tray.resume"), Action: func() { a.Pause(false) }})
	} else {
		menu = append(menu, Entry{Label: t("tray.pause"), Action: func() { a.Pause(true) }})
	}
	if len(s.Failures) > 0 {
		menu = append(menu, separator, Entry{Label: t("tray.recent_failures"), Disabled: true})
		for _, f := range s.Failures {
			id := f.ID
			menu = append(menu, Entry{Label: f.Text, Action: func() { a.ShowRun(id) }})
		}
	}
	return append(menu, separator, Entry{Label: t("tray.quit"), Action: a.Quit})
}

// submenu lists items under label, each doing do(id); disabled, not
// empty, without items.
func submenu(label string, items []Item, do func(id string)) Entry {
	e := Entry{Label: label, Disabled: len(items) == 0}
	for _, it := range items {
		id := it.ID
		e.Children = append(e.Children, Entry{Label: it.Text, Action: func() { do(id) }})
	}
	return e
}
