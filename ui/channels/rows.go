package channels

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Widths of the form's label column: a form at least wideFrom wide puts
// each label in a labelWidth column beside its input; a narrower one puts
// labels above their inputs, so inputs keep the whole width.
const (
	labelWidth float32 = 170
	wideFrom   float32 = 640
)

// rowsLayout lays out label, input pairs (objects 0 and 1 are the first
// pair) one under another, deciding from its own width whether labels go
// beside or above the inputs.
type rowsLayout struct {
	width float32
	// switched is called when the last layout changed the arrangement: the
	// height the rows need changed with it (nil: nobody to tell).
	switched func()
}

func (l *rowsLayout) wide() bool { return l.width >= wideFrom }

func (l *rowsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	was := l.wide()
	l.width = size.Width
	pad := theme.Padding()
	var y float32
	for i := 0; i+1 < len(objs); i += 2 {
		label, input := objs[i], objs[i+1]
		if !input.Visible() {
			continue
		}
		if l.wide() {
			iw := size.Width - labelWidth - pad
			// Wrapped texts know their height once they know their width.
			label.Resize(fyne.NewSize(labelWidth, label.Size().Height))
			input.Resize(fyne.NewSize(iw, input.Size().Height))
			lh, ih := label.MinSize().Height, input.MinSize().Height
			label.Move(fyne.NewPos(0, y))
			label.Resize(fyne.NewSize(labelWidth, lh))
			input.Move(fyne.NewPos(labelWidth+pad, y))
			input.Resize(fyne.NewSize(iw, ih))
			y += max(lh, ih) + pad
			continue
		}
		label.Resize(fyne.NewSize(size.Width, label.Size().Height))
		input.Resize(fyne.NewSize(size.Width, input.Size().Height))
		lh := label.MinSize().Height
		label.Move(fyne.NewPos(0, y))
		label.Resize(fyne.NewSize(size.Width, lh))
		y += lh
		ih := input.MinSize().Height
		input.Move(fyne.NewPos(0, y))
		input.Resize(fyne.NewSize(size.Width, ih))
		y += ih + pad
	}
	if was != l.wide() && l.switched != nil {
		l.switched()
	}
}

func (l *rowsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	var s fyne.Size
	for i := 0; i+1 < len(objs); i += 2 {
		label, input := objs[i].MinSize(), objs[i+1].MinSize()
		if !objs[i+1].Visible() {
			continue
		}
		if s.Height > 0 {
			s.Height += pad
		}
		if l.wide() {
			s.Width = max(s.Width, labelWidth+pad+input.Width)
			s.Height += max(label.Height, input.Height)
			continue
		}
		s.Width = max(s.Width, label.Width, input.Width)
		s.Height += label.Height + input.Height
	}
	return s
}
