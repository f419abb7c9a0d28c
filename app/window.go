package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/heraldpush/herald/app/autostart"
	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/app/endsession"
	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/ui"
)

type windowOptions struct {
	minimized bool
	cycleTabs string
}

// ownerWait bounds the wait for a command holding the data folder's lock
// for a moment, or for a starting window to answer "show".
const ownerWait = 2 * time.Minute

// runWindow starts the desktop app as the data folder's delivery owner.
func runWindow(ctx context.Context, dir string, opts windowOptions, stdout, stderr io.Writer) int {
	if !hasDisplay() {
		fmt.Fprintln(stderr, `herald: no display — run "herald daemon" to deliver without a window`)
		return cli.ExitFailed
	}
	// Created before the lock, so that the very first start is guarded too.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintf(stderr, "herald: create data folder %s: %v\n", dir, err)
		return cli.ExitFailed
	}
	lock, code, done := windowLock(ctx, dir, stdout, stderr)
	if done {
		return code
	}
	defer lock.Release()
	env, err := host.Open(ctx, dir, host.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "herald:", err)
		return cli.ExitFailed
	}
	defer env.Close()
	if err := env.StartEngine(ctx); err != nil {
		fmt.Fprintln(stderr, "herald:", env.Redactor.Error(err))
		return cli.ExitFailed
	}
	// Shorter when the session ends: Windows ends the process soon after.
	defer func() { env.StopEngine(endsession.Grace(ctx, 20*time.Second)) }()
	srv, err := owner.Listen(lock, env.DeliverRequested)
	if err != nil {
		fmt.Fprintln(stderr, "herald:", err)
		return cli.ExitFailed
	}
	// Runs before StopEngine: deliveries made for commands are cancelled
	// back to pending while the engine still records them.
	defer srv.Close()
	p := ui.Params{Env: env, Minimized: opts.minimized, Version: displayVersion(Version, Commit), OnShowRequest: srv.OnShow,
		SetStartAtLogin: startAtLogin(dir), StartAtLoginState: autostart.Enabled, CycleTabs: opts.cycleTabs}
	if err := ui.Run(ctx, p); err != nil {
		fmt.Fprintln(stderr, "herald:", env.Redactor.Error(err))
		return cli.ExitFailed
	}
	return cli.ExitOK
}

// windowLock makes this window the owner of dir. When it is not to start
// (another window was asked to show itself, a daemon owns the folder),
// done is true with the exit code.
func windowLock(ctx context.Context, dir string, stdout, stderr io.Writer) (lock *owner.Lock, code int, done bool) {
	wait, cancel := context.WithTimeout(ctx, ownerWait)
	defer cancel()
	lock, err := owner.Acquire(wait, dir, owner.RoleWindow, func(h owner.Holder) {
		fmt.Fprintf(stderr, "herald: waiting for %s to finish with the data folder…\n", h)
	})
	var held *owner.HeldError
	switch {
	case err == nil:
		return lock, 0, false
	case errors.As(err, &held) && held.Holder.Role == owner.RoleWindow:
		if err := showOther(wait, dir); err != nil {
			fmt.Fprintf(stderr, "herald: %s runs but did not show itself: %v\n", held.Holder, err)
			return nil, cli.ExitFailed, true
		}
		fmt.Fprintln(stdout, "herald: already running; asked it to show its window")
		return nil, cli.ExitOK, true
	case errors.As(err, &held) && held.Holder.Role == owner.RoleDaemon:
		fmt.Fprintf(stderr, "herald: %s delivers for %s; stop it before opening the window (only one of them may own a data folder)\n", held.Holder, dir)
		return nil, cli.ExitFailed, true
	}
	fmt.Fprintln(stderr, "herald:", err)
	return nil, cli.ExitFailed, true
}

// showOther asks the window that owns dir to show itself, retrying while
// it is still starting (it holds the lock before it answers).
func showOther(ctx context.Context, dir string) error {
	for {
		err := owner.Show(ctx, dir)
		if !errors.Is(err, owner.ErrNoOwner) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// hasDisplay reports whether a window can open: on X11/Wayland systems
// one of DISPLAY and WAYLAND_DISPLAY must be set (Fyne would panic).
func hasDisplay() bool {
	switch runtime.GOOS {
	case "windows", "darwin", "android", "ios", "js":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
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
