package ui

import (
	"testing"

	"fyne.io/fyne/v2"
)

func TestFitWithin(t *testing.T) {
	want := fyne.NewSize(960, 640)
	tests := []struct {
		name  string
		w, h  int
		scale float32
		out   fyne.Size
	}{
		{"large screen keeps the size", 1920, 1080, 1, want},
		{"800x600 shrinks", 800, 600, 1, fyne.NewSize(780, 560)},
		{"hidpi counts in device-independent units", 1600, 1200, 2, fyne.NewSize(790, 580)},
		{"no work area", 0, 0, 1, want},
		{"unknown scale", 800, 600, 0, fyne.NewSize(780, 560)},
	}
	for _, tt := range tests {
		if got := fitWithin(want, tt.w, tt.h, tt.scale); got != tt.out {
			t.Errorf("%s: fitWithin = %v, want %v", tt.name, got, tt.out)
		}
	}
}
