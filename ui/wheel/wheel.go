// Package wheel makes the mouse wheel scroll a page even when the pointer
// is over one of its inputs. Fyne hands a wheel event to the innermost
// scroller under the pointer, and every Entry (single-line ones too) holds a
// scroller of its own, so over most of a form's width the page did not
// move. A page made by NewVScroll takes each wheel event first and passes it
// to the input under the pointer only when that input has content of its
// own left to scroll that way (a multi-line entry whose text overflows).
package wheel

import (
	"reflect"
	"unsafe"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// NewVScroll is container.NewVScroll whose wheel events reach the page
// unless the input under the pointer can scroll itself.
func NewVScroll(content fyne.CanvasObject) *container.Scroll {
	s := container.NewVScroll(nil)
	s.Content = container.NewStack(content, newCatcher(s, content))
	return s
}

// catcher lies over the page's content. It is the last scroller the driver
// finds under the pointer, so it receives every wheel event; it is neither
// tappable nor hoverable, so clicks and hovering go to the inputs as before.
type catcher struct {
	widget.BaseWidget
	page    *container.Scroll
	content fyne.CanvasObject
}

func newCatcher(page *container.Scroll, content fyne.CanvasObject) *catcher {
	c := &catcher{page: page, content: content}
	c.ExtendBaseWidget(c)
	return c
}

func (c *catcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewWithoutLayout())
}

func (c *catcher) MinSize() fyne.Size { return fyne.Size{} }

// Scrolled gives the event to the innermost scroller under the pointer
// that can still move that way, else to the page.
func (c *catcher) Scrolled(ev *fyne.ScrollEvent) {
	if inner := innerScroller(c.content, ev.Position, ev.Scrolled); inner != nil {
		inner.Scrolled(ev)
		return
	}
	c.page.Scrolled(ev)
}

// innerScroller is the innermost scroller at pos (relative to o) that has
// room to move by d; nil when none does.
func innerScroller(o fyne.CanvasObject, pos fyne.Position, d fyne.Delta) *container.Scroll {
	if !o.Visible() || pos.X < 0 || pos.Y < 0 || pos.X >= o.Size().Width || pos.Y >= o.Size().Height {
		return nil
	}
	var found *container.Scroll
	switch x := o.(type) {
	case *container.Scroll:
		if x.Content != nil {
			found = innerScroller(x.Content, pos.Add(x.Offset).Subtract(x.Content.Position()), d)
		}
		if found == nil && canMove(x, d) {
			found = x
		}
		return found
	case *widget.Entry:
		if s := entryScroller(x); s != nil && x.MultiLine && canMove(s, d) {
			return s
		}
		return nil
	}
	for _, child := range children(o) {
		if child == nil {
			continue
		}
		if s := innerScroller(child, pos.Subtract(child.Position()), d); s != nil {
			found = s // the last one drawn is on top
		}
	}
	return found
}

// children are the objects drawn inside o that this package can see:
// a container's, and those of the widgets pages are built from that
// expose them. Inside any other widget the page scrolls.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch x := o.(type) {
	case *fyne.Container:
		return x.Objects
	case *widget.Card:
		return []fyne.CanvasObject{x.Content}
	case *widget.Accordion:
		var out []fyne.CanvasObject
		for _, item := range x.Items {
			if item.Open {
				out = append(out, item.Detail)
			}
		}
		return out
	case *widget.Form:
		var out []fyne.CanvasObject
		for _, item := range x.Items {
			out = append(out, item.Widget)
		}
		return out
	}
	return nil
}

// canMove reports whether s has room to scroll by d along the axes it
// scrolls: a vertical wheel over a long single-line entry moves the page,
// not the entry's text sideways.
func canMove(s *container.Scroll, d fyne.Delta) bool {
	if s.Content == nil {
		return false
	}
	content, size := s.Content.Size(), s.Size()
	vertical := s.Direction == container.ScrollBoth || s.Direction == container.ScrollVerticalOnly
	horizontal := s.Direction == container.ScrollBoth || s.Direction == container.ScrollHorizontalOnly
	switch {
	case d.DY > 0: // wheel up: towards the top
		return vertical && s.Offset.Y > 0
	case d.DY < 0:
		return vertical && s.Offset.Y+size.Height < content.Height-0.5
	case d.DX > 0:
		return horizontal && s.Offset.X > 0
	case d.DX < 0:
		return horizontal && s.Offset.X+size.Width < content.Width-0.5
	}
	return false
}

// entryScroller is the scroller inside e, which Fyne does not expose. It
// is read by its field name; should Fyne rename the field this yields nil
// and the page simply scrolls (the package's tests notice).
func entryScroller(e *widget.Entry) *container.Scroll {
	f := reflect.ValueOf(e).Elem().FieldByName("scroll")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*container.Scroll]() {
		return nil
	}
	return *(**container.Scroll)(unsafe.Pointer(f.UnsafeAddr()))
}
