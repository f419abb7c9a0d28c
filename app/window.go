package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/heraldpush/herald/app/autostart"
	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/app/ownerclient"
	"github.com/heraldpush/herald/app/ownerstart"
	"github.com/heraldpush/herald/app/trayowner"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/ui"
)

type windowOptions struct {
	minimized bool
	cycleTabs string
	// windowOnly runs the window as a process of its own, a client of
	// the tray that owns the data folder (trayowner.WindowOnlyFlag).
	windowOnly bool
	tab        string // the tab a window-only process starts on
}

// runWindow starts the desktop app: the tray process, which owns the data
// folder and opens the window as a process of its own; or that window
// process; or, without a tray to show (no D-Bus session bus), a window
// that owns the folder itself while it is open.
func runWindow(ctx context.Context, dir string, opts windowOptions, stdout, stderr io.Writer) int {
	if !trayowner.HasDisplay() {
		fmt.Fprintln(stderr, trayowner.NoDisplay)
		return cli.ExitFailed
	}
	if opts.windowOnly || opts.cycleTabs != "" {
		return runWindowOnly(ctx, dir, opts, stderr)
	}
	if !trayowner.TrayAvailable() {
		return runOwnerWindow(ctx, dir, stdout, stderr)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "herald:", err)
		return cli.ExitFailed
	}
	handOverToTray(exe, dir, opts.minimized) // returns when there is no slim tray binary
	return trayowner.Main(ctx, trayowner.Options{Dir: dir, Minimized: opts.minimized, WindowBin: exe}, stdout, stderr)
}

// runWindowOnly shows the window as a client of the data folder: the tray
// process owns it. The tray controls it through standard input (a pipe):
// "show [tab]" lines raise it, the end of input closes it.
func runWindowOnly(ctx context.Context, dir string, opts windowOptions, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	env, err := host.Open(ctx, dir, host.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "herald:", err)
		return cli.ExitFailed
	}
	defer env.Close()
	p := ui.Params{Env: env, Client: true, Engine: ownerclient.New(ctx, env), Version: displayVersion(Version, Commit), Tab: opts.tab, CycleTabs: opts.cycleTabs,
		SetStartAtLogin: startAtLogin(dir), StartAtLoginState: autostart.Enabled,
		OnClose: func(closeToTray bool) {
			if !closeToTray {
				quitTray(ctx, dir, env)
			}
		}}
	if stdinIsPipe() {
		p.OnShowRequest = followTray(os.Stdin, cancel)
	}
	if err := ui.Run(ctx, p); err != nil {
		fmt.Fprintln(stderr, "herald:", env.Redactor.Error(err))
		return cli.ExitFailed
	}
	return cli.ExitOK
}

// quitTray asks the tray that owns dir to quit: the window closed and
// does not close to the tray.
func quitTray(ctx context.Context, dir string, env *host.Env) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := owner.Quit(ctx, dir); err != nil {
		env.Log.Warn("ask the tray to quit", "error", err)
	}
}

// followTray reads the tray's lines on in for the window's OnShowRequest;
// at the end of input (the tray quit or closed the window) it calls
// closed.
func followTray(in io.Reader, closed func()) func(show func(tab string)) {
	var shown atomic.Pointer[func(string)]
	go func() {
		defer closed()
		lines := bufio.NewScanner(in)
		for lines.Scan() {
			cmd, tab, _ := strings.Cut(strings.TrimSpace(lines.Text()), " ")
			if fn := shown.Load(); fn != nil && cmd == trayowner.ShowLine {
				(*fn)(tab)
			}
		}
	}()
	return func(show func(string)) { shown.Store(&show) }
}

func stdinIsPipe() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}

// runOwnerWindow is the desktop app in one process, without a tray: the
// window owns the data folder while it is open.
func runOwnerWindow(ctx context.Context, dir string, stdout, stderr io.Writer) int {
	lock, code, done := trayowner.Lock(ctx, dir, stdout, stderr)
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
	env.Log.Warn("no D-Bus session bus, so no tray: the window delivers for the data folder while it is open")
	p := ui.Params{Env: env, Version: displayVersion(Version, Commit),
		OnShowRequest:   func(show func(string)) { srv.OnShow(func() { show("") }) },
		SetStartAtLogin: startAtLogin(dir), StartAtLoginState: autostart.Enabled}
	if err := ui.Run(ctx, p); err != nil {
		fmt.Fprintln(stderr, "herald:", env.Redactor.Error(err))
		return cli.ExitFailed
	}
	return cli.ExitOK
}

// startAtLogin toggles starting this binary, for dir, at login.
func startAtLogin(dir string) func(bool) error {
	defaultDir, _ := host.DataDir("")
	return func(on bool) error {
		if !on {
			return autostart.Disable()
		}
		e, err := autostart.ForThisBinary(dir, defaultDir)
		if err != nil {
			return err
		}
		return autostart.Enable(e)
	}
}
