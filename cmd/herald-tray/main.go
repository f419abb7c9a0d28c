// Command herald-tray is the desktop app's tray process without Fyne
// linked in: `herald` hands over to it when it lies beside it (Unix: exec,
// same process; Windows: a new process, herald exits), so that the tray
// process maps no GL library at all. It takes the flags herald passes:
// --data-dir DIR and --minimized. The window runs as `herald
// --window-only`: $HERALD_WINDOW_BIN, else the binary beside this one
// (herald-tray → herald, Herald-tray.exe → Herald.exe).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/heraldpush/herald/app/console"
	"github.com/heraldpush/herald/app/trayowner"
)

func main() {
	fs := flag.NewFlagSet("herald-tray", flag.ContinueOnError)
	var o trayowner.Options
	fs.StringVar(&o.Dir, "data-dir", "", "data folder `DIR`")
	fs.BoolVar(&o.Minimized, "minimized", false, "start in the tray without opening the window")
	if err := fs.Parse(os.Args[1:]); err != nil || o.Dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: herald-tray --data-dir DIR [--minimized] (herald starts it)")
		os.Exit(2)
	}
	// Started by a herald.exe in a console (Windows), share it: Ctrl+C
	// then ends the tray, and its messages show there. Elsewhere a no-op.
	console.Attach(true)
	o.WindowBin = windowBin()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(trayowner.Main(ctx, o, os.Stdout, os.Stderr))
}

// windowBin is the full herald binary, which runs the window.
func windowBin() string {
	if bin := os.Getenv(trayowner.EnvWindowBin); bin != "" {
		return bin
	}
	me, err := os.Executable()
	if err != nil {
		return "herald"
	}
	return trayowner.WindowBinBeside(me)
}
