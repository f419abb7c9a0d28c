package wheel

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// page is a tall form in a 300×200 window: a single-line entry, a select, a
// multi-line entry, then filler that makes the page scroll.
type page struct {
	scroll *container.Scroll
	entry  *widget.Entry
	sel    *widget.Select
	multi  *widget.Entry
	w      fyne.Window
}

func newPage(t *testing.T, multiText string) *page {
	t.Helper()
	test.NewTempApp(t)
	p := &page{entry: widget.NewEntry(), sel: widget.NewSelect([]string{"a", "b"}, nil), multi: widget.NewMultiLineEntry()}
	p.entry.SetText(strings.Repeat("a long single line ", 20))
	p.multi.SetMinRowsVisible(3)
	p.multi.SetText(multiText)
	filler := widget.NewLabel(strings.Repeat("filler\n", 40))
	// The multi-line entry sits in a card, as in the task form.
	p.scroll = NewVScroll(container.NewVBox(p.entry, p.sel, widget.NewCard("", "", p.multi), filler))
	p.w = test.NewWindow(p.scroll)
	t.Cleanup(p.w.Close)
	p.w.Resize(fyne.NewSize(300, 200))
	return p
}

// wheel turns the wheel by dy over the middle of o, as the desktop driver
// does: the event goes to the last scroller found under the pointer, with
// the pointer's position relative to it.
func (p *page) wheel(t *testing.T, o fyne.CanvasObject, dy float32) {
	t.Helper()
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
	catcher := p.scroll.Content.(*fyne.Container).Objects[1].(*catcher)
	at := abs.Subtract(fyne.CurrentApp().Driver().AbsolutePositionForObject(catcher))
	catcher.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: at, AbsolutePosition: abs}, Scrolled: fyne.NewDelta(0, dy)})
}

func TestWheelOverInputsScrollsThePage(t *testing.T) {
	for _, name := range []string{"entry", "select", "short multi-line entry"} {
		t.Run(name, func(t *testing.T) {
			p := newPage(t, "one line")
			o := map[string]fyne.CanvasObject{"entry": p.entry, "select": p.sel, "short multi-line entry": p.multi}[name]
			p.wheel(t, o, -30)
			if p.scroll.Offset.Y != 30 {
				t.Errorf("page offset = %v after wheeling down 30 over the %s, want 30", p.scroll.Offset.Y, name)
			}
		})
	}
}

// The test driver finds the scroller under the pointer as the desktop one
// does: the catcher, not the entry's own scroller.
func TestDriverFindsTheCatcher(t *testing.T) {
	p := newPage(t, "")
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(p.entry).AddXY(10, 10)
	test.Scroll(p.w.Canvas(), abs, 0, -30)
	if p.scroll.Offset.Y != 30 {
		t.Errorf("page offset = %v, want 30", p.scroll.Offset.Y)
	}
}

func TestOverflowingMultiLineEntryKeepsTheWheel(t *testing.T) {
	p := newPage(t, strings.Repeat("line\n", 30))
	inner := entryScroller(p.multi)
	if inner == nil {
		t.Fatal("found no scroller inside the entry: has Fyne renamed Entry.scroll?")
	}
	p.wheel(t, p.multi, -30)
	if p.scroll.Offset.Y != 0 || inner.Offset.Y != 30 {
		t.Errorf("page offset %v, entry offset %v; want the entry to scroll by 30 and the page to stay", p.scroll.Offset.Y, inner.Offset.Y)
	}
	// At the entry's top, wheeling up again moves the page (already at its
	// top: nothing moves, and the entry does not swallow a no-op either).
	p.wheel(t, p.multi, 30)
	if inner.Offset.Y != 0 {
		t.Errorf("entry offset = %v after wheeling back up, want 0", inner.Offset.Y)
	}
}

// The package reaches into a Fyne field; without it every entry would
// swallow the wheel again, so this fails loudly when Fyne changes.
func TestEntryScrollerFound(t *testing.T) {
	test.NewTempApp(t)
	e := widget.NewEntry()
	w := test.NewWindow(e)
	defer w.Close()
	if entryScroller(e) == nil {
		t.Fatal("entryScroller = nil")
	}
	// Without the catcher the entry's own scroller takes the event: the
	// reason this package exists.
	s := container.NewVScroll(container.NewVBox(e, widget.NewLabel(strings.Repeat("x\n", 50))))
	w.SetContent(s)
	w.Resize(fyne.NewSize(200, 100))
	test.Scroll(w.Canvas(), fyne.NewPos(20, 10), 0, -30)
	if s.Offset.Y != 0 {
		t.Errorf("a plain scroll moved by %v over an entry; Fyne now passes the wheel on and this package may go", s.Offset.Y)
	}
}
