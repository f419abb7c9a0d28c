// Package app is Herald's composition root: it reads the global flags, opens
// the data folder and hands over to the desktop app or a CLI verb.
package app

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/app/endsession"
	"github.com/heraldpush/herald/app/trayowner"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/i18n"
)

// Build information, set with -ldflags at build time.
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// Main runs Herald with args (without the program name) and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	x := command(cli.IO{In: stdin, Out: stdout, Err: stderr})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, endSession := context.WithCancelCause(ctx)
	defer endSession(nil)
	// Runs after the verb or the window returned, so after their own
	// deferred shutdown: the engine stopped, the store closed. Without the
	// watch (no window could be created) logoff just ends the process.
	if finished, err := endsession.Watch(func() { endSession(endsession.ErrSessionEnding) }, i18n.T("app.session_ending")); err == nil {
		defer finished()
	}
	return x.Run(ctx, args)
}

// command is Herald's command line: every verb, the global flags, and the
// bare command that opens the window.
func command(std cli.IO) *cli.Command {
	// Cobra would refuse to start when launched from Explorer; here that
	// is how the window opens.
	cobra.MousetrapHelpText = ""
	var dataDir string
	var window windowOptions
	dir := func() (string, error) { return host.DataDir(dataDir) }
	open := func(ctx context.Context) (*host.Env, error) {
		d, err := dir()
		if err != nil {
			return nil, err
		}
		return host.Open(ctx, d, host.Options{})
	}
	x := cli.New(cli.Params{IO: std, Open: open, DataDir: dir})
	root := x.Root
	root.Version = Version + " (commit " + Commit + ", built " + Date + ")"
	root.SetVersionTemplate("herald {{.Version}}\n")
	root.PersistentFlags().StringVar(&dataDir, "data-dir", "", "data folder `DIR` (default: $"+host.EnvDataDir+" or the OS config folder)")
	root.Flags().BoolVar(&window.minimized, "minimized", false, "start in the tray without opening the window")
	root.Flags().StringVar(&window.cycleTabs, "cycle-tabs", "", "show each tab in turn, signalling through files in `DIR`, then quit (smoke tests)")
	root.Flags().BoolVar(&window.windowOnly, strings.TrimPrefix(trayowner.WindowOnlyFlag, "--"), false, "run the window only, beside the tray that owns the data folder (the tray starts it)")
	root.Flags().StringVar(&window.tab, strings.TrimPrefix(trayowner.TabFlag, "--"), "", "with --window-only: the tab to start on (history)")
	root.Flags().MarkHidden(strings.TrimPrefix(trayowner.WindowOnlyFlag, "--"))
	root.Flags().MarkHidden(strings.TrimPrefix(trayowner.TabFlag, "--"))
	root.MarkPersistentFlagDirname("data-dir")
	root.RunE = func(cc *cobra.Command, _ []string) error {
		d, err := dir()
		if err != nil {
			return err
		}
		return cli.Exit(runWindow(cc.Context(), d, window, std.Out, std.Err))
	}
	return x
}

// OpensWindow reports whether args open the desktop window, rather than run
// a verb or print help, the version or a usage error. Windows' GUI build
// attaches to the console it was typed in only for the others.
func OpensWindow(args []string) bool {
	root := command(cli.IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}).Root
	c, rest, err := root.Find(args)
	if err != nil || c != root {
		return false
	}
	// Cobra adds these two only when it executes.
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	if err := root.ParseFlags(rest); err != nil || len(root.Flags().Args()) > 0 {
		return false
	}
	help, _ := root.Flags().GetBool("help")
	version, _ := root.Flags().GetBool("version")
	return !help && !version
}
