package tray

import (
	"context"
	"sync"

	"fyne.io/systray"
)

// Tray shows states in the system tray, rebuilding the native menu only
// when the state changed. Any goroutine may call its methods.
type Tray struct {
	actions Actions
	texts   Texts
	render  func(menu []Entry, icon []byte)

	mu     sync.Mutex
	last   string
	state  State
	builds int
}

// New is a tray doing a when its items are chosen, its texts from t. It
// shows nothing until Run's onReady calls Show.
func New(a Actions, t Texts) *Tray {
	n := &native{}
	return &Tray{actions: a, texts: t, render: n.render}
}

// Show applies s when it differs from what is shown.
func (t *Tray) Show(s State) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if k := s.key(); k != t.last {
		t.last, t.state = k, s
		t.builds++
		_, icon := Icon(s)
		t.render(BuildMenu(s, t.actions, t.texts), icon)
	}
}

// Shown is the state last shown.
func (t *Tray) Shown() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// Run shows the tray and blocks until Quit; onReady runs on its own
// goroutine once the tray is up. On macOS it must run on the main thread
// (systray locks the main goroutine to it at init).
func Run(title string, onReady func(), onClick func()) {
	systray.Run(func() {
		systray.SetTitle(title)
		systray.SetTooltip(title)
		systray.SetOnTapped(onClick)
		onReady()
	}, nil)
}

// Quit ends Run.
func Quit() { systray.Quit() }

// native is the systray menu being shown and its click listeners.
type native struct {
	mu   sync.Mutex
	stop context.CancelFunc // ends the listeners of the menu shown
}

func (n *native) render(menu []Entry, icon []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stop != nil {
		n.stop()
	}
	ctx, stop := context.WithCancel(context.Background())
	n.stop = stop
	// Order matters on some hosts: the menu first, then the icon.
	systray.ResetMenu()
	for _, e := range menu {
		if e.Separator {
			systray.AddSeparator()
			continue
		}
		item := systray.AddMenuItem(e.Label, "")
		addEntry(ctx, item, e)
	}
	systray.SetIcon(nativeIcon(icon))
}

// addEntry completes item as e: disabled, its submenu, its action.
func addEntry(ctx context.Context, item *systray.MenuItem, e Entry) {
	if e.Disabled {
		item.Disable()
	}
	for _, c := range e.Children {
		if c.Separator {
			item.AddSeparator()
			continue
		}
		addEntry(ctx, item.AddSubMenuItem(c.Label, ""), c)
	}
	if e.Action != nil {
		go listen(ctx, item.ClickedCh, e.Action)
	}
}

// listen runs do for each click until ctx ends (the menu was replaced).
func listen(ctx context.Context, clicks <-chan struct{}, do func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-clicks:
			do()
		}
	}
}
