// Package look is Herald's Fyne theme: explicit light and dark palettes
// chosen for WCAG AA contrast (see look_test.go), a readable caption size,
// and no bold in Chinese. Icons come from Fyne's default theme.
package look

import (
	"image/color"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Mode says which palette the theme paints with.
type Mode int

const (
	// FollowSystem uses the desktop's light or dark preference.
	FollowSystem Mode = iota
	// Light always paints light.
	Light
	// Dark always paints dark.
	Dark
)

// ModeNamed maps a stored preference ("light", "dark", anything else =
// the system's) to a Mode.
func ModeNamed(name string) Mode {
	switch name {
	case "light":
		return Light
	case "dark":
		return Dark
	}
	return FollowSystem
}

// captionSize is the size of help and secondary text: Fyne's 11 px is too
// small to read comfortably, especially for Chinese.
const captionSize = 12

// Theme is Herald's fyne.Theme.
type Theme struct {
	mode Mode
	// noBold: Fyne's bundled font has no CJK glyphs, so Chinese falls back
	// to a system font (WenQuanYi Micro Hei on most Linux desktops) that
	// has no bold face; a bold label would mix bold Latin with regular
	// Chinese. A CJK font with a bold face is ~16 MB per weight, too big
	// to embed, so Chinese text gets no bold at all: emphasis comes from
	// size (headings) and layout instead.
	noBold bool
	base   fyne.Theme

	mu    sync.Mutex
	icons map[iconKey]fyne.Resource
}

type iconKey struct {
	name    fyne.ThemeIconName
	variant fyne.ThemeVariant
}

// New returns the theme in the given mode; chinese when the UI language is
// Chinese (decided at start, a language change needs a restart).
func New(mode Mode, chinese bool) *Theme {
	return &Theme{mode: mode, noBold: chinese, base: theme.DefaultTheme(), icons: map[iconKey]fyne.Resource{}}
}

// Color returns the named colour of the forced variant, or of v when the
// theme follows the system. Names outside the palette come from Fyne.
func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	v = t.variant(v)
	if c, ok := palette(v)[n]; ok {
		return c
	}
	return t.base.Color(n, v)
}

func (t *Theme) variant(v fyne.ThemeVariant) fyne.ThemeVariant {
	switch t.mode {
	case Light:
		return theme.VariantLight
	case Dark:
		return theme.VariantDark
	}
	return v
}

// Font returns Fyne's bundled fonts, without bold in Chinese (see noBold).
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	if t.noBold {
		s.Bold = false
	}
	return t.base.Font(s)
}

// Icon returns Fyne's default icons, coloured from this theme's palette
// when drawn. Fyne's widget.Icon skips redrawing when its resource is the
// same value, so after a theme or variant change an icon such as the
// Select's ▼ kept the old variant's colour (white on white). Each theme
// and variant therefore hands out its own resource values.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource {
	src := t.base.Icon(n)
	themed, ok := src.(*theme.ThemedResource)
	if !ok {
		return src
	}
	key := iconKey{n, t.variant(systemVariant())}
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.icons[key]; ok {
		return r
	}
	r := theme.NewThemedResource(themed)
	r.ColorName = themed.ColorName
	t.icons[key] = r
	return r
}

// systemVariant is the desktop's light or dark preference.
func systemVariant() fyne.ThemeVariant {
	if a := fyne.CurrentApp(); a != nil {
		return a.Settings().ThemeVariant()
	}
	return theme.VariantDark
}

// Size returns Fyne's default sizes with a larger caption.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameCaptionText {
		return captionSize
	}
	return t.base.Size(n)
}
