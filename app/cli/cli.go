// Package cli implements Herald's command-line verbs. Other tools and tests
// drive Herald through it, so its commands, output shapes and exit codes
// are stable: 0 success, 1 the operation failed (a service refused a push),
// 2 bad input (nothing was saved).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/heraldpush/herald/engine/host"
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

// Run executes one verb (args without the program name and global flags).
func Run(ctx context.Context, args []string, std IO, open Opener) int {
	if len(args) == 0 {
		usage(std.Err)
		return ExitBadArgs
	}
	c := &cmd{std: std, open: open}
	var err error
	switch args[0] {
	case "channel":
		err = c.channel(ctx, args[1:])
	case "send":
		err = c.send(ctx, args[1:])
	case "task":
		err = c.task(ctx, args[1:])
	case "settings":
		err = c.settings(ctx, args[1:])
	case "outbox":
		err = c.outbox(ctx, args[1:])
	case "api":
		err = c.api(ctx, args[1:])
	case "daemon":
		err = c.daemon(ctx, args[1:])
	case "help", "-h", "--help":
		usage(std.Out)
		return ExitOK
	default:
		err = badArgs("unknown command %q", args[0])
	}
	return c.report(err)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: herald [--data-dir DIR] [COMMAND]

Without a command Herald starts the desktop app.

  channel kinds                     list kinds and their fields
  channel add KIND NAME key=value…  register a channel (secrets go to the OS keyring)
  channel import KIND NAME 'a;b;c' [key=value…]
                                    register from a QD registration string
  channel list                      list channels
  channel show NAME                 show a channel's settings, secrets masked
  channel edit NAME key=value… [--rename NEW]
  channel rm NAME
  channel test NAME                 send a test push; exit 0 when the service accepted it
  send [--channel NAME]… [--all] [--title T] [--markdown] [--queue] BODY   (BODY '-' reads stdin)
`)
}

type cmd struct {
	std  IO
	open Opener
	env  *host.Env
	// deliverer is set once a verb routed its deliveries (see courier).
	deliverer *courier
}

// usageError is bad input on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func badArgs(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

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
	msg := err.Error()
	if c.env != nil {
		msg = c.env.Redactor.String(msg)
	}
	fmt.Fprintln(c.std.Err, "herald:", msg)
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, registry.ErrBadInput) || errors.Is(err, tasks.ErrBadInput) {
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

// newFlags returns a FlagSet whose errors are returned, not printed twice.
func newFlags(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

// parseInterspersed parses flags that may appear after positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, badArgs("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
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
