// Command hello is the yardstick of Herald's idle CPU figure (scripts/bench):
// the smallest Fyne window, built with the same Fyne and tags. It lives
// under testdata so `go build ./...` does not make it a binary of Herald.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.github.heraldpush.hello")
	w := a.NewWindow("Hello")
	w.SetContent(widget.NewLabel("Hello, world"))
	w.Resize(fyne.NewSize(960, 640)) // the size Herald's window opens at
	w.ShowAndRun()
}
