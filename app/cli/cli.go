// Package cli implements Herald's command-line verbs on cobra. Other tools
// and tests drive Herald through it, so its commands, output shapes and exit
// codes are stable: 0 success, 1 the operation failed (a service refused a
// push), 2 bad input (nothing was saved).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/heraldpush/herald/engine/backup"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/tasks"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitBadArgs = 2
)

// IO are the standard streams.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Opener opens the data folder; verbs call it only when they need data.
type Opener func(ctx context.Context) (*host.Env, error)

// Params wire the command line to the data folder.
type Params struct {
	IO
	Open Opener
	// DataDir names the data folder for shell completion, which reads
	// names from it without opening it; nil completes no names.
	DataDir func() (string, error)
}

// Command is the "herald" command with every verb, help and completion.
// The caller may add flags and a RunE for the bare command (the window).
type Command struct {
	Root *cobra.Command
	c    *cmd
}

// New builds the command line.
func New(p Params) *Command {
	c := &cmd{std: p.IO, open: p.Open, dataDir: p.DataDir}
	return &Command{Root: c.root(), c: c}
}

// Run executes one verb (args without the program name and global flags).
func Run(ctx context.Context, args []string, std IO, open Opener) int {
	return New(Params{IO: std, Open: open}).Run(ctx, args)
}

// Run executes the command line args and returns the exit code.
func (x *Command) Run(ctx context.Context, args []string) int {
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	x.Root.SetArgs(args)
	x.Root.SetIn(x.c.std.In)
	x.Root.SetOut(x.c.std.Out)
	x.Root.SetErr(x.c.std.Err)
	err := x.Root.ExecuteContext(ctx)
	if err != nil && !x.c.started {
		// Cobra refused the line before any verb ran.
		err = asBadArgs(err)
	}
	return x.c.report(err)
}

// Exit ends a command with code after it printed its own output.
func Exit(code int) error {
	if code == ExitOK {
		return nil
	}
	return exitCode(code)
}

type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit code %d", int(e)) }

func (c *cmd) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "herald",
		Short: "Run scheduled tasks and push their results to your channels",
		Long: `Herald runs scheduled tasks and pushes each result to the channels you registered.
Without a command it starts the desktop app; with one it is the command line.

Exit codes: 0 success, 1 the service refused or could not be reached (its answer
is printed), 2 bad input (the message names the field; nothing is saved).`,
		Args:              unknownCommand,
		SilenceErrors:     true,
		SilenceUsage:      true,
		PersistentPreRun:  func(*cobra.Command, []string) { c.started = true },
		ValidArgsFunction: cobra.NoFileCompletions,
	}
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(c.channelCommand(), c.sendCommand(), c.taskCommand(), c.settingsCommand(),
		c.outboxCommand(), c.apiCommand(), c.daemonCommand())
	root.AddCommand(c.backupCommands()...)
	return root
}

// unknownCommand refuses arguments to the bare command, suggesting a verb.
func unknownCommand(cc *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return badArgs("unknown command %q%s", args[0], suggest(cc, args[0]))
}

func suggest(cc *cobra.Command, typo string) string {
	if cc.SuggestionsMinimumDistance <= 0 {
		cc.SuggestionsMinimumDistance = 2 // cobra's own default, set only on its paths
	}
	s := cc.SuggestionsFor(typo)
	if len(s) == 0 {
		return fmt.Sprintf(" (see `%s --help`)", cc.CommandPath())
	}
	return fmt.Sprintf(" (did you mean %s?)", strings.Join(s, ", "))
}

// flagError keeps the wording of Herald's earlier flag parser for unknown
// flags, which scripts may match, and makes every flag error bad input.
func flagError(cc *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		return badArgs("flag provided but not defined: -%s (see `%s --help`)", ne.GetSpecifiedName(), cc.CommandPath())
	}
	return badArgs("%v (see `%s --help`)", err, cc.CommandPath())
}

func asBadArgs(err error) error {
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	return badArgs("%v", err)
}

// verb is a leaf command running fn with the command's context and its
// positional arguments.
func verb(use, short, example string, fn func(ctx context.Context, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:               use,
		Short:             short,
		Example:           example,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              func(cc *cobra.Command, args []string) error { return fn(cc.Context(), args) },
	}
}

// group is a command holding verbs; without one, or with an unknown one,
// it is bad input.
func group(use, short string, verbs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{Use: use, Short: short, ValidArgsFunction: cobra.NoFileCompletions}
	g.AddCommand(verbs...)
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.Name()
	}
	list := strings.Join(names, ", ")
	g.RunE = func(cc *cobra.Command, args []string) error {
		if len(args) == 0 {
			return badArgs("%s: missing subcommand (%s; see `%s --help`)", use, list, cc.CommandPath())
		}
		return badArgs("%s: unknown subcommand %q (%s)%s", use, args[0], list, suggest(cc, args[0]))
	}
	return g
}

type cmd struct {
	std     IO
	open    Opener
	dataDir func() (string, error)
	env     *host.Env
	// deliverer is set once a verb routed its deliveries (see courier).
	deliverer *courier
	// started is set once cobra accepted the command line and runs a verb.
	started bool
}

// usageError is bad input on the command line.
type usageError struct {
	msg string
	err error // the bad input, when it reads in the user's language (a settings FieldError)
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.err }

// badInput is a usage error that keeps err for the user's language.
func badInput(err error) error { return &usageError{msg: err.Error(), err: err} }

func badArgs(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// failed is an operation that ran and failed; its message was already printed.
var errFailed = errors.New("failed")

func (c *cmd) report(err error) int {
	if c.deliverer != nil {
		c.deliverer.release()
	}
	if c.env != nil {
		c.env.Close()
	}
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, errFailed) {
		return ExitFailed
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	msg := err.Error()
	if l := i18n.FromEnv(os.Getenv); l != i18n.English {
		// English keeps the program's context ("bad input: …") scripts may match.
		msg = i18n.Localize(l, err)
	}
	if c.env != nil {
		msg = c.env.Redactor.String(msg)
	}
	fmt.Fprintln(c.std.Err, "herald:", msg)
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, registry.ErrBadInput) || errors.Is(err, tasks.ErrBadInput) || errors.Is(err, backup.ErrBadInput) {
		return ExitBadArgs
	}
	return ExitFailed
}

func (c *cmd) registry(ctx context.Context) (*registry.Registry, error) {
	if c.env == nil {
		env, err := c.open(ctx)
		if err != nil {
			return nil, err
		}
		c.env = env
	}
	return c.env.Registry, nil
}

// keyValues parses key=value arguments.
func keyValues(args []string) (map[string]string, error) {
	kv := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, badArgs("%q: settings are key=value (see `herald channel kinds`)", a)
		}
		kv[strings.TrimSpace(k)] = v
	}
	return kv, nil
}
