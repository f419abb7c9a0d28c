// Package app is Herald's composition root: it reads the global flags, opens
// the data folder and hands over to the desktop app or a CLI verb.
package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/host"
)

// Build information, set with -ldflags at build time.
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// Main runs Herald with args (without the program name) and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("herald", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "data folder (default: $"+host.EnvDataDir+" or the OS config folder)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	minimized := fs.Bool("minimized", false, "start in the tray without opening the window")
	cycleTabs := fs.String("cycle-tabs", "", "show each tab in turn, signalling through files in `DIR`, then quit (smoke tests)")
	if err := fs.Parse(args); err != nil {
		return cli.ExitBadArgs
	}
	if *showVersion {
		fmt.Fprintf(stdout, "herald %s (commit %s, built %s)\n", Version, Commit, Date)
		return cli.ExitOK
	}
	dir, err := host.DataDir(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "herald:", err)
		return cli.ExitFailed
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if fs.NArg() == 0 {
		return runWindow(ctx, dir, windowOptions{minimized: *minimized, cycleTabs: *cycleTabs}, stdout, stderr)
	}
	open := func(ctx context.Context) (*host.Env, error) { return host.Open(ctx, dir, host.Options{}) }
	return cli.Run(ctx, fs.Args(), cli.IO{In: stdin, Out: stdout, Err: stderr}, open)
}
