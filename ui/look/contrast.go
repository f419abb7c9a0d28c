package look

import (
	"image/color"
	"math"
)

// Contrast is WCAG 2's contrast ratio of two opaque colours, from 1 to 21.
func Contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// TextOn returns white or black, whichever reads better on bg (for
// text on a coloured disc or badge).
func TextOn(bg color.Color) color.Color {
	light, dark := color.NRGBA{0xff, 0xff, 0xff, 0xff}, color.NRGBA{0x00, 0x00, 0x00, 0xff}
	if Contrast(light, bg) >= Contrast(dark, bg) {
		return light
	}
	return dark
}
