package look

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	_ "github.com/heraldpush/herald/ui/cleanlocale" // before Fyne's locale lookup
)

// Each theme hands out its own icon values, stable while it is in use, so
// widget.Icon redraws after a theme change (see Theme.Icon).
func TestIconValuesPerTheme(t *testing.T) {
	light, dark := New(Light, false), New(Dark, false)
	n := theme.IconNameArrowDropDown
	if light.Icon(n) == dark.Icon(n) {
		t.Error("light and dark themes share the ▼ resource: icons keep the old colour after a switch")
	}
	if light.Icon(n) != light.Icon(n) {
		t.Error("one theme hands out a new ▼ each time: every refresh would redraw it")
	}
	if light.Icon(n).Name() != theme.DefaultTheme().Icon(n).Name() {
		t.Errorf("▼ named %q, want Fyne's %q", light.Icon(n).Name(), theme.DefaultTheme().Icon(n).Name())
	}
}

// Switching from dark to light while the Select is on a hidden tab must
// leave its ▼ dark on the light input background once the tab shows (it
// stayed white: widget.Icon kept its old raster).
func TestSelectArrowAfterSwitch(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(New(Dark, false))
	sel := widget.NewSelect([]string{"one"}, nil)
	tabs := container.NewAppTabs(container.NewTabItem("A", widget.NewLabel("a")), container.NewTabItem("B", sel))
	w := test.NewTempWindow(t, tabs)
	w.Resize(fyne.NewSize(200, 100))
	tabs.SelectIndex(1)
	w.Canvas().Capture()
	tabs.SelectIndex(0)

	a.Settings().SetTheme(New(Light, false))
	tabs.SelectIndex(1)
	img := w.Canvas().Capture()
	b := img.Bounds()
	if dark := darkPixels(img, image.Rect(b.Dx()*3/4, b.Dy()/3, b.Dx(), b.Dy())); dark < 10 {
		t.Errorf("%d dark pixels where the ▼ is: it is not drawn in the light foreground", dark)
	}
}

func darkPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			if c.Y < 0x80 {
				n++
			}
		}
	}
	return n
}
