package trayowner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/app/owner"
)

// ownerWait bounds the wait for a command holding the data folder's lock
// for a moment, or for a starting tray to answer "show".
const ownerWait = 2 * time.Minute

// HasDisplay reports whether a window can open: on X11/Wayland systems
// one of DISPLAY and WAYLAND_DISPLAY must be set (Fyne would panic).
func HasDisplay() bool {
	switch runtime.GOOS {
	case "windows", "darwin", "android", "ios", "js":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// NoDisplay is what a desktop start without a display says.
const NoDisplay = `herald: no display — run "herald daemon" to deliver without a window`

// Lock makes this desktop app the owner of dir. When it is not to start
// (the running one was asked to show its window, a daemon owns the
// folder), done is true with the exit code.
func Lock(ctx context.Context, dir string, stdout, stderr io.Writer) (lock *owner.Lock, code int, done bool) {
	// Created before the lock, so that the very first start is guarded too.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintf(stderr, "herald: create data folder %s: %v\n", dir, err)
		return nil, cli.ExitFailed, true
	}
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

// showOther asks the app that owns dir to show its window, retrying while
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
