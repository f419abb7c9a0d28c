package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/ui/settings"
)

// openTestEnv opens a data folder with an in-memory keyring.
func openTestEnv(t *testing.T, dir string) *host.Env {
	t.Helper()
	env, err := host.Open(context.Background(), dir, host.Options{Secrets: &secret.Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

// greet greets as Run does, in one step: the welcome, then the keyring
// check in its place when the keyring is missing.
func (w *window) greet(prefs settings.Prefs, cycling bool) {
	w.keyringChecked(w.env.Secrets.Check(), w.welcome(prefs, cycling))
}

// onUI runs fn in the UI's turn, as the person's actions run.
func onUI(fn func()) { fyne.DoAndWait(fn) }

// testWindow is the window with its five tabs on Fyne's test driver,
// greeted as at start, once every view showed its first load.
func testWindow(t *testing.T, env *host.Env) *window {
	t.Helper()
	a := serialise(t, test.NewTempApp(t))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	prefs, err := settings.Load(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	w := &window{ctx: ctx, env: env, app: a, prefs: prefs}
	onUI(func() {
		w.win = a.NewWindow("herald")
		w.buildTabs(Params{})
		w.win.Resize(fyne.NewSize(1280, 800))
		w.win.Show()
	})
	w.settleViews()
	onUI(func() { w.greet(prefs, false) })
	return w
}

// find is the first object in the window (dialogs included) that match
// accepts, nil when none.
func find[T fyne.CanvasObject](w fyne.Window, match func(T) bool) T {
	var found T
	var zero T
	visit := func(o fyne.CanvasObject) {
		if x, ok := o.(T); ok && match(x) && any(found) == any(zero) {
			found = x
		}
	}
	walk(w.Canvas().Content(), visit)
	for _, o := range w.Canvas().Overlays().List() {
		walk(o, visit)
	}
	return found
}

func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walk(c, fn)
		}
	}
}

func button(w fyne.Window, text string) *widget.Button {
	return find(w, func(b *widget.Button) bool { return b.Text == text })
}

// "Register a channel" opens the Channels tab's add form and dismisses the
// welcome for good: a restart on the same data folder does not show it.
func TestWelcomeRegistersAChannelOnce(t *testing.T) {
	dir := t.TempDir()
	env := openTestEnv(t, dir)
	w := testWindow(t, env)
	var start *widget.Button
	onUI(func() {
		w.tabs.SelectIndex(4)
		start = button(w.win, lang.L("welcome.start"))
	})
	if start == nil {
		t.Fatal("no welcome on a first start")
	}
	var tab int
	var kind *widget.Select
	onUI(func() {
		test.Tap(start)
		tab = w.tabs.SelectedIndex()
		kind = find(w.win, func(s *widget.Select) bool { return s.PlaceHolder == lang.L("channels.add.kind_placeholder") })
	})
	if tab != 0 {
		t.Fatalf("tab %d selected, want Channels", tab)
	}
	if kind == nil {
		t.Fatal("the add form is not open")
	}
	p, err := settings.Load(w.ctx, env)
	if err != nil || !p.Welcomed {
		t.Fatalf("stored prefs %+v, %v; want welcomed", p, err)
	}
	env.Close()

	again := testWindow(t, openTestEnv(t, dir))
	var shown bool
	onUI(func() { shown = button(again.win, lang.L("welcome.start")) != nil })
	if shown {
		t.Fatal("the welcome came back after a restart")
	}
}

// Collapsing History's chart is remembered, and only that field is
// written: the welcome's dismissal stays.
func TestChartChoiceRemembered(t *testing.T) {
	env := openTestEnv(t, t.TempDir())
	w := testWindow(t, env)
	var toggle *widget.Button
	onUI(func() {
		test.Tap(button(w.win, lang.L("welcome.later")))
		w.tabs.SelectIndex(3)
		toggle = find(w.win, func(b *widget.Button) bool {
			return b.Text == "" && b.Icon != nil && b.Icon.Name() == theme.MenuDropDownIcon().Name()
		})
		if toggle != nil {
			test.Tap(toggle)
		}
	})
	if toggle == nil {
		t.Fatal("no chart toggle on History")
	}
	eventually(t, "the collapsed chart is stored", func() bool {
		p, err := settings.Load(w.ctx, env)
		return err == nil && p.HideHistoryChart && p.Welcomed
	})
}

// Only the tab shown is built at start ("history" starts on History); the
// others are built when first shown, once.
func TestTabsAreBuiltWhenFirstShown(t *testing.T) {
	for _, tc := range []struct {
		tab       string
		startView func(*window) bool
	}{
		{"", func(w *window) bool { return w.channels != nil }},
		{"history", func(w *window) bool { return w.histView != nil }},
	} {
		t.Run("start on "+tc.tab, func(t *testing.T) {
			env := openTestEnv(t, t.TempDir())
			a := serialise(t, test.NewTempApp(t))
			w := &window{ctx: t.Context(), env: env, app: a}
			var built int
			onUI(func() {
				w.win = a.NewWindow("herald")
				w.buildTabs(Params{Tab: tc.tab})
				built = len(w.madeViews())
			})
			if !tc.startView(w) || built != 1 {
				t.Fatalf("at start: the shown tab's view made %v, views made %d, want 1", tc.startView(w), built)
			}
			for i := range w.lazy {
				onUI(func() { w.tabs.SelectIndex(i) })
			}
			onUI(func() { w.tabs.SelectIndex(tabChannels) })
			w.settleViews()
			if n := len(w.madeViews()); n != len(w.lazy) {
				t.Fatalf("after showing every tab: %d views made, want %d", n, len(w.lazy))
			}
			if w.channels == nil || w.pushView == nil || w.taskView == nil || w.histView == nil {
				t.Fatal("a view is missing after its tab was shown")
			}
			var content fyne.CanvasObject
			onUI(func() { content = w.lazy[tabTasks].item.Content.(*fyne.Container).Objects[0] })
			if content != w.taskView.Object() {
				t.Fatal("the Tasks tab does not show the Tasks view")
			}
		})
	}
}

// missingKeyring is a secret store that cannot be reached.
type missingKeyring struct{ secret.Memory }

func (*missingKeyring) Check() error { return errors.New("no Secret Service on the session bus") }

// The welcome is in the first frame; when the keyring check (after it)
// fails, the keyring message takes its place and the welcome is not
// counted as seen, so the next start shows it again.
func TestKeyringMissingReplacesTheWelcome(t *testing.T) {
	env, err := host.Open(context.Background(), t.TempDir(), host.Options{Secrets: &missingKeyring{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := loadTranslations("en"); err != nil {
		t.Fatal(err)
	}
	a := serialise(t, test.NewTempApp(t))
	w := &window{ctx: t.Context(), env: env, app: a}
	var welcome *welcomeDialog
	shows := func(text string) (found bool) {
		onUI(func() {
			found = find(w.win, func(l *widget.Label) bool { return l.Text == text }) != nil
		})
		return found
	}
	onUI(func() {
		w.win = a.NewWindow("herald")
		w.buildTabs(Params{})
		w.win.Resize(fyne.NewSize(1280, 800))
		w.win.Show()
		welcome = w.welcome(settings.Prefs{}, false)
	})
	if !shows(lang.L("welcome.steps")) {
		t.Fatal("no welcome in the first frame")
	}
	onUI(func() { w.keyringChecked(env.Secrets.Check(), welcome) })
	if shows(lang.L("welcome.steps")) {
		t.Fatal("the welcome stays beside the keyring message")
	}
	if !shows(lang.L("app.keyring_missing", map[string]any{"Hint": secret.Hint()})) {
		t.Fatal("no keyring message")
	}
	w.settleViews()
	if p, err := settings.Load(t.Context(), env); err != nil || p.Welcomed {
		t.Fatalf("the withdrawn welcome counts as seen: %+v %v", p, err)
	}
}
