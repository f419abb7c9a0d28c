package ui

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// windowSize is the size a window opens at: want, shrunk to the primary
// screen's work area (less a margin for the window frame) so that a small
// screen (800×600) shows the whole window. Fyne has no screen query of its
// own; GLFW is the driver's, initialised by then, on this (main) thread.
// Anything unexpected (another driver, no monitor) leaves want.
func windowSize(want fyne.Size, scale float32) (size fyne.Size) {
	size = want
	defer func() {
		if recover() != nil {
			size = want
		}
	}()
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return want
	}
	_, _, w, h := m.GetWorkarea()
	return fitWithin(want, w, h, scale)
}

// frameMargin is room for the window manager's title bar and borders.
const frameMargin = 40

// fitWithin shrinks want to a work area of w×h screen pixels at scale.
func fitWithin(want fyne.Size, w, h int, scale float32) fyne.Size {
	if w <= 0 || h <= 0 {
		return want
	}
	if scale <= 0 {
		scale = 1
	}
	maxW := float32(w-frameMargin/2) / scale
	maxH := float32(h-frameMargin) / scale
	return fyne.NewSize(min(want.Width, maxW), min(want.Height, maxH))
}
