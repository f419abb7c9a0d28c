// Package trayowner is the tray process of the desktop app: the data
// folder's delivery owner (engine, local API, owner socket) with Herald in
// the system tray, and no Fyne: the window is a process of its own (the
// herald binary with --window-only), started and raised from here. So the
// tray idles without a GL driver, as light as `herald daemon`.
package trayowner

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/app/ownerstart"
	"github.com/heraldpush/herald/engine/host"
)

// Options start the tray process.
type Options struct {
	Dir       string // the data folder
	Minimized bool   // tray only; else the window opens at start
	// WindowBin is the herald binary that runs the window (--window-only).
	WindowBin string
}

// Main runs the tray process until Quit, the owner's "quit" request or
// ctx's end, and returns the exit code.
func Main(ctx context.Context, o Options, stdout, stderr io.Writer) int {
	if !HasDisplay() {
		fmt.Fprintln(stderr, NoDisplay)
		return cli.ExitFailed
	}
	lock, code, done := Lock(ctx, o.Dir, stdout, stderr)
	if done {
		return code
	}
	defer lock.Release()
	env, srv, stop, err := ownerstart.Start(ctx, lock, host.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "herald:", err)
		return cli.ExitFailed
	}
	defer stop()
	defer stdLogTo(env.Log)()
	win := &windowProcess{bin: o.WindowBin, dir: o.Dir, log: env.Log}
	// The window goes first: it reads the store the engine still holds.
	defer win.closeWait(10 * time.Second)
	app := newTrayApp(ctx, env, win)
	srv.OnShow(func() { win.open("") })
	srv.OnQuit(app.quit)
	srv.OnEngine(env) // the window process runs no scheduler
	if !o.Minimized {
		win.open("")
	}
	env.Log.Info("tray started", "data", o.Dir)
	app.run()
	return cli.ExitOK
}
