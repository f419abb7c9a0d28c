package look

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// WCAG 2 AA: text up to 14 px needs 4.5:1, controls and icons 3:1.
const (
	textContrast    = 4.5
	controlContrast = 3.0
)

// surfaces text is drawn on; translucent states (hover, focus, selection)
// are blended over the background as Fyne paints them.
var textSurfaces = []fyne.ThemeColorName{
	theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameHeaderBackground,
	theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground, theme.ColorNameButton,
	theme.ColorNameDisabledButton, theme.ColorNameHover, theme.ColorNameFocus, theme.ColorNameSelection,
}

func TestContrast(t *testing.T) {
	texts := []fyne.ThemeColorName{
		theme.ColorNameForeground, theme.ColorNameDisabled, theme.ColorNamePlaceHolder,
		theme.ColorNamePrimary, theme.ColorNameHyperlink,
		theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError,
	}
	type pair struct {
		fg, bg fyne.ThemeColorName
		min    float64
		state  fyne.ThemeColorName // hover or pressed blended over bg, if any
	}
	var pairs []pair
	for _, fg := range texts {
		for _, bg := range textSurfaces {
			pairs = append(pairs, pair{fg, bg, textContrast, ""})
		}
	}
	pairs = append(pairs,
		// button labels on coloured buttons
		pair{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, textContrast, ""},
		pair{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess, textContrast, ""},
		pair{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning, textContrast, ""},
		pair{theme.ColorNameForegroundOnError, theme.ColorNameError, textContrast, ""},
		// hovered buttons
		pair{theme.ColorNameForeground, theme.ColorNameButton, textContrast, theme.ColorNameHover},
		pair{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, textContrast, theme.ColorNameHover},
		pair{theme.ColorNameForegroundOnError, theme.ColorNameError, textContrast, theme.ColorNameHover},
		pair{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning, textContrast, theme.ColorNameHover},
		// unticked checkbox and radio outlines, entry borders
		pair{theme.ColorNameInputBorder, theme.ColorNameBackground, controlContrast, ""},
		pair{theme.ColorNameInputBorder, theme.ColorNameInputBackground, controlContrast, ""},
		pair{theme.ColorNameInputBorder, theme.ColorNameOverlayBackground, controlContrast, ""},
		// ticked boxes, the selected tab's underline
		pair{theme.ColorNamePrimary, theme.ColorNameBackground, controlContrast, ""},
		pair{theme.ColorNamePrimary, theme.ColorNameInputBackground, controlContrast, ""},
		// the chart's bars
		pair{theme.ColorNameSuccess, theme.ColorNameBackground, controlContrast, ""},
		pair{theme.ColorNameError, theme.ColorNameBackground, controlContrast, ""},
		// scroll bars over content
		pair{theme.ColorNameScrollBar, theme.ColorNameBackground, controlContrast, ""},
	)
	for _, mode := range []Mode{Light, Dark} {
		th := New(mode, false)
		for _, p := range pairs {
			name := fmt.Sprintf("%v/%s on %s%s", mode, p.fg, p.bg, p.state)
			t.Run(name, func(t *testing.T) {
				bg := onBackground(th, p.bg)
				if p.state != "" {
					bg = over(th.Color(p.state, theme.VariantDark), bg)
				}
				fg := over(th.Color(p.fg, theme.VariantDark), bg)
				if r := Contrast(fg, bg); r < p.min {
					t.Errorf("contrast %.2f:1, want ≥ %.1f:1 (%v on %v)", r, p.min, fg, bg)
				}
			})
		}
	}
}

// Every colour the palettes set is used, and Fyne's names are all set, so
// no colour falls back to Fyne's palette unchecked.
func TestPalettesComplete(t *testing.T) {
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		p := palette(v)
		for _, n := range []fyne.ThemeColorName{
			theme.ColorNameBackground, theme.ColorNameButton, theme.ColorNameDisabledButton,
			theme.ColorNameDisabled, theme.ColorNameError, theme.ColorNameFocus, theme.ColorNameForeground,
			theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnSuccess,
			theme.ColorNameForegroundOnWarning, theme.ColorNameHeaderBackground, theme.ColorNameHover,
			theme.ColorNameHyperlink, theme.ColorNameInputBackground, theme.ColorNameInputBorder,
			theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground, theme.ColorNamePlaceHolder,
			theme.ColorNamePressed, theme.ColorNamePrimary, theme.ColorNameScrollBar,
			theme.ColorNameScrollBarBackground, theme.ColorNameSelection, theme.ColorNameSeparator,
			theme.ColorNameShadow, theme.ColorNameSuccess, theme.ColorNameWarning,
		} {
			if _, ok := p[n]; !ok {
				t.Errorf("variant %d: %s not in the palette", v, n)
			}
		}
	}
}

func TestModeForcesVariant(t *testing.T) {
	for _, tc := range []struct {
		mode  Mode
		asked fyne.ThemeVariant
		want  color.Color
	}{
		{Light, theme.VariantDark, lightPalette[theme.ColorNameBackground]},
		{Dark, theme.VariantLight, darkPalette[theme.ColorNameBackground]},
		{FollowSystem, theme.VariantLight, lightPalette[theme.ColorNameBackground]},
		{FollowSystem, theme.VariantDark, darkPalette[theme.ColorNameBackground]},
	} {
		if got := New(tc.mode, false).Color(theme.ColorNameBackground, tc.asked); got != tc.want {
			t.Errorf("mode %v asked %d: background %v, want %v", tc.mode, tc.asked, got, tc.want)
		}
	}
}

func TestModeNamed(t *testing.T) {
	for name, want := range map[string]Mode{"light": Light, "dark": Dark, "system": FollowSystem, "": FollowSystem} {
		if got := ModeNamed(name); got != want {
			t.Errorf("ModeNamed(%q) = %v, want %v", name, got, want)
		}
	}
}

// In Chinese bold must be the regular face (no CJK bold face, see noBold);
// in English bold stays bold.
func TestBoldInChinese(t *testing.T) {
	bold, regular := fyne.TextStyle{Bold: true}, fyne.TextStyle{}
	for _, tc := range []struct {
		chinese  bool
		sameFace bool
	}{{true, true}, {false, false}} {
		th := New(Light, tc.chinese)
		if same := th.Font(bold) == th.Font(regular); same != tc.sameFace {
			t.Errorf("chinese=%v: bold is the regular face: %v, want %v", tc.chinese, same, tc.sameFace)
		}
	}
	th := New(Light, true)
	if th.Font(fyne.TextStyle{Bold: true, Italic: true}) != th.Font(fyne.TextStyle{Italic: true}) {
		t.Error("chinese: bold italic is not plain italic")
	}
	if th.Font(fyne.TextStyle{Monospace: true}) == th.Font(regular) {
		t.Error("chinese: monospace lost")
	}
}

func TestCaptionReadable(t *testing.T) {
	if s := New(Light, false).Size(theme.SizeNameCaptionText); s < 12 {
		t.Errorf("caption text %v px, want ≥ 12", s)
	}
	if s, want := New(Light, false).Size(theme.SizeNameText), theme.DefaultTheme().Size(theme.SizeNameText); s != want {
		t.Errorf("text size %v, want Fyne's %v", s, want)
	}
}

// The contrast helpers themselves, on WCAG's known values.
func TestContrastFormula(t *testing.T) {
	for _, tc := range []struct {
		a, b color.Color
		want float64
	}{
		{color.White, color.Black, 21},
		{color.White, color.White, 1},
		{rgb(0x777777), color.White, 4.48},
		{rgb(0x767676), color.White, 4.54},
	} {
		if got := Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("Contrast(%v, %v) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

func (m Mode) String() string { return [...]string{"system", "light", "dark"}[m] }

// onBackground is the opaque colour a surface shows: translucent surfaces
// over the window background.
func onBackground(th fyne.Theme, n fyne.ThemeColorName) color.NRGBA {
	base := over(th.Color(theme.ColorNameBackground, theme.VariantDark), color.NRGBA{A: 0xff})
	return over(th.Color(n, theme.VariantDark), base)
}

// over composites c onto an opaque background.
func over(c color.Color, bg color.NRGBA) color.NRGBA {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	a := float64(n.A) / 255
	mix := func(f, b uint8) uint8 { return uint8(math.Round(float64(f)*a + float64(b)*(1-a))) }
	return color.NRGBA{R: mix(n.R, bg.R), G: mix(n.G, bg.G), B: mix(n.B, bg.B), A: 0xff}
}

func TestTextOn(t *testing.T) {
	for _, bg := range []color.Color{rgb(0x07c160), rgb(0xef6c00), rgb(0x229ed9), rgb(0x6a1b9a), rgb(0x2e7d32), color.White, color.Black} {
		if r := Contrast(TextOn(bg), bg); r < textContrast {
			t.Errorf("text on %v: contrast %.2f:1, want ≥ %.1f:1", bg, r, textContrast)
		}
	}
}
