package look

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// palette returns the colours of one variant. Every text colour reaches
// 4.5:1 and every control outline 3:1 against the surfaces it is drawn on
// (look_test.go checks each pair).
func palette(v fyne.ThemeVariant) map[fyne.ThemeColorName]color.Color {
	if v == theme.VariantLight {
		return lightPalette
	}
	return darkPalette
}

func rgb(hex uint32) color.NRGBA {
	return color.NRGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

func rgba(hex uint32, a uint8) color.NRGBA {
	c := rgb(hex)
	c.A = a
	return c
}

var lightPalette = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameBackground:          rgb(0xffffff),
	theme.ColorNameForeground:          rgb(0x1f1f1f),
	theme.ColorNameButton:              rgb(0xeeeeee),
	theme.ColorNameDisabledButton:      rgb(0xf2f2f2),
	theme.ColorNameDisabled:            rgb(0x5c5c5c), // also Low-importance (help) text, so readable
	theme.ColorNamePlaceHolder:         rgb(0x5c5c5c),
	theme.ColorNameInputBackground:     rgb(0xf4f4f4),
	theme.ColorNameInputBorder:         rgb(0x808080), // unticked checkbox and radio outline
	theme.ColorNameHeaderBackground:    rgb(0xf7f7f7),
	theme.ColorNameMenuBackground:      rgb(0xf5f5f5),
	theme.ColorNameOverlayBackground:   rgb(0xffffff),
	theme.ColorNamePrimary:             rgb(0x1757c2),
	theme.ColorNameHyperlink:           rgb(0x1757c2),
	theme.ColorNameForegroundOnPrimary: rgb(0xffffff),
	// Success, warning and error are used as text colours (label
	// importance) as well as backgrounds, so they are dark enough for both.
	theme.ColorNameSuccess:             rgb(0x176b28),
	theme.ColorNameForegroundOnSuccess: rgb(0xffffff),
	theme.ColorNameWarning:             rgb(0x8c4a00),
	theme.ColorNameForegroundOnWarning: rgb(0xffffff),
	theme.ColorNameError:               rgb(0xb3261e),
	theme.ColorNameForegroundOnError:   rgb(0xffffff),
	theme.ColorNameFocus:               rgba(0x1757c2, 0x1f),
	theme.ColorNameSelection:           rgba(0x1757c2, 0x29),
	theme.ColorNameHover:               rgba(0x000000, 0x0f),
	theme.ColorNamePressed:             rgba(0x000000, 0x19),
	theme.ColorNameSeparator:           rgb(0xdcdcdc),
	theme.ColorNameShadow:              rgba(0x000000, 0x33),
	theme.ColorNameScrollBar:           rgba(0x000000, 0x99),
	theme.ColorNameScrollBarBackground: rgb(0xdbdbdb),
}

var darkPalette = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameBackground:        rgb(0x171718),
	theme.ColorNameForeground:        rgb(0xf3f3f3),
	theme.ColorNameButton:            rgb(0x2c2d32),
	theme.ColorNameDisabledButton:    rgb(0x26272b),
	theme.ColorNameDisabled:          rgb(0x9c9c9c), // also Low-importance (help) text, so readable
	theme.ColorNamePlaceHolder:       rgb(0xa8a8a8),
	theme.ColorNameInputBackground:   rgb(0x202023),
	theme.ColorNameInputBorder:       rgb(0x7c7c7c), // unticked checkbox and radio outline
	theme.ColorNameHeaderBackground:  rgb(0x1e1e20),
	theme.ColorNameMenuBackground:    rgb(0x2c2d32),
	theme.ColorNameOverlayBackground: rgb(0x1f2329),
	// A light primary reads as text on the dark background (selected tab,
	// High-importance labels); buttons on it take dark text.
	theme.ColorNamePrimary:             rgb(0x6ea8fe),
	theme.ColorNameHyperlink:           rgb(0x6ea8fe),
	theme.ColorNameForegroundOnPrimary: rgb(0x0b0b0c),
	theme.ColorNameSuccess:             rgb(0x5cd66c),
	theme.ColorNameForegroundOnSuccess: rgb(0x0b0b0c),
	theme.ColorNameWarning:             rgb(0xffa726),
	theme.ColorNameForegroundOnWarning: rgb(0x0b0b0c),
	theme.ColorNameError:               rgb(0xff6b6b),
	theme.ColorNameForegroundOnError:   rgb(0x0b0b0c),
	theme.ColorNameFocus:               rgba(0x6ea8fe, 0x33),
	theme.ColorNameSelection:           rgba(0x6ea8fe, 0x33),
	theme.ColorNameHover:               rgba(0xffffff, 0x0f),
	theme.ColorNamePressed:             rgba(0xffffff, 0x66),
	theme.ColorNameSeparator:           rgb(0x000000),
	theme.ColorNameShadow:              rgba(0x000000, 0x66),
	theme.ColorNameScrollBar:           rgba(0xffffff, 0x99),
	theme.ColorNameScrollBarBackground: rgb(0x202023),
}
