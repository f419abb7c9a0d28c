package channels

import (
	"context"
	"fmt"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/testenv"
	_ "github.com/heraldpush/herald/ui/cleanlocale" // before Fyne's lang init, as in the app
)

const partsDir = "../../assets/translations/"

func TestMain(m *testing.M) {
	// Tests assert on English text: pick English whatever the machine's
	// locale, and load this tab's strings as the app would.
	os.Setenv("LC_ALL", "en_US.UTF-8")
	os.Setenv("LANGUAGE", "en")
	for _, name := range []string{"en.json", "chform.en.json", "remind.en.json"} {
		data, err := os.ReadFile(partsDir + name)
		if err == nil {
			err = lang.AddTranslations(fyne.NewStaticResource(name, data))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "load translations:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// fixture is the tab in a test window over a real data folder.
type fixture struct {
	t   *testing.T
	ctx context.Context
	env *host.Env
	win fyne.Window
	v   *View
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.NeedKeyring(t)
	test.NewTempApp(t)
	env, err := host.Open(context.Background(), t.TempDir(), host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	// Channels left by a test would leave their secrets in the keyring.
	t.Cleanup(func() {
		cs, _ := env.Registry.List(context.Background())
		for _, c := range cs {
			_ = env.Registry.Remove(context.Background(), c.Name)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	f := &fixture{t: t, ctx: ctx, env: env}
	f.win = test.NewWindow(nil)
	f.v = New(ctx, env.Registry, env, f.win)
	f.v.Wait() // the first load, before the test touches the window
	t.Cleanup(func() {
		cancel()
		f.v.Wait()
		f.win.Close()
	})
	f.win.SetContent(f.v.Object())
	f.win.Resize(fyne.NewSize(1100, 760))
	return f
}

// wait lets the tab's background work finish and reach the screen.
func (f *fixture) wait() { f.v.Wait() }

// add registers a channel straight through the registry and shows it.
func (f *fixture) add(kind, name string, raw map[string]string) registry.Channel {
	f.t.Helper()
	c, err := f.env.Registry.Add(f.ctx, kind, name, raw)
	if err != nil {
		f.t.Fatal(err)
	}
	f.v.Refresh()
	f.wait()
	return c
}

// selectChannel taps the channel's row in the list.
func (f *fixture) selectChannel(name string) {
	f.t.Helper()
	for i, c := range f.v.items {
		if c.Name == name {
			f.v.list.Select(i)
			if f.v.selected != c.ID {
				f.t.Fatalf("selecting row %d did not show %q", i, name)
			}
			return
		}
	}
	f.t.Fatalf("no row for %q in %v", name, f.rowNames())
}

func (f *fixture) rowNames() []string {
	var names []string
	for _, c := range f.v.items {
		names = append(names, c.Name)
	}
	return names
}

// rowStatus is the second line of the channel's row as the list draws it.
func (f *fixture) rowStatus(name string) string {
	f.t.Helper()
	status, found := "", false
	walk(f.v.list, func(o fyne.CanvasObject) {
		row, ok := o.(*fyne.Container)
		if !ok || len(row.Objects) != 2 {
			return
		}
		texts, ok := row.Objects[0].(*fyne.Container)
		if !ok || len(texts.Objects) != 2 {
			return
		}
		n, ok1 := texts.Objects[0].(*widget.Label)
		s, ok2 := texts.Objects[1].(*widget.Label)
		if ok1 && ok2 && n.Text == name && row.Visible() {
			status, found = s.Text, true
		}
	})
	if !found {
		f.t.Fatalf("the list draws no row for %q", name)
	}
	return status
}

// openAdd taps "Add channel" and chooses the kind by its shown name.
func (f *fixture) openAdd(kindID string) *channelForm {
	f.t.Helper()
	test.Tap(f.v.addBtn)
	if f.v.form == nil || f.v.form.kindSel == nil {
		f.t.Fatal("Add channel did not open the add pane")
	}
	all, names := kindOptions()
	for i, k := range all {
		if k.ID == kindID {
			f.v.form.kindSel.SetSelected(names[i])
			if f.v.form.form == nil || f.v.form.form.kind.ID != kindID {
				f.t.Fatalf("choosing %q did not show its form", names[i])
			}
			return f.v.form.form
		}
	}
	f.t.Fatalf("kind %q not offered", kindID)
	return nil
}

// overlayButton finds a button by its text in the dialog on top.
func (f *fixture) overlayButton(text string) *widget.Button {
	f.t.Helper()
	top := f.win.Canvas().Overlays().Top()
	if top == nil {
		f.t.Fatalf("no dialog shown (looking for %q)", text)
	}
	var found *widget.Button
	walk(top, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		f.t.Fatalf("dialog has no %q button", text)
	}
	return found
}

// overlayEntry finds the first entry in the dialog on top.
func (f *fixture) overlayEntry() *widget.Entry {
	f.t.Helper()
	var found *widget.Entry
	walk(f.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && found == nil {
			found = e
		}
	})
	if found == nil {
		f.t.Fatal("dialog has no entry")
	}
	return found
}

// overlayTexts lists the labels' texts in the dialog on top.
func (f *fixture) overlayTexts() []string {
	var out []string
	walk(f.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && l.Text != "" {
			out = append(out, l.Text)
		}
	})
	return out
}

// walk visits o and everything drawn inside it.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil {
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

// prevRow is one line of the stored values (前值).
type prevRow struct {
	value  *widget.Label
	toggle *widget.Button // nil for fields that are not stored secrets
}

// prevRows reads the stored-values grid by field label.
func (f *fixture) prevRows() map[string]prevRow {
	f.t.Helper()
	d := f.v.detail
	if !d.prevCard.Visible() || len(d.prevBox.Objects) == 0 {
		f.t.Fatal("stored values are not shown")
	}
	grid := d.prevBox.Objects[0].(*fyne.Container).Objects
	rows := map[string]prevRow{}
	for i := 0; i+1 < len(grid); i += 2 {
		label := grid[i].(*widget.Label).Text
		switch cell := grid[i+1].(type) {
		case *widget.Label:
			rows[label] = prevRow{value: cell}
		case *fyne.Container: // value with its reveal toggle
			rows[label] = prevRow{value: cell.Objects[0].(*widget.Label), toggle: cell.Objects[1].(*widget.Button)}
		}
	}
	return rows
}
