package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/app/endsession"
	"github.com/heraldpush/herald/app/owner"
)

// shutdownGrace is how long running tasks and pushes may finish after
// SIGINT/SIGTERM before they are cancelled.
const shutdownGrace = 20 * time.Second

func (c *cmd) daemonCommand() *cobra.Command {
	d := verb("daemon", "Run the scheduler and deliver pushes without a window, until SIGINT/SIGTERM",
		"  herald daemon\n  herald --data-dir /srv/herald daemon", c.daemon)
	d.Long = `Run the scheduler and deliver pushes without a window, until SIGINT/SIGTERM.

The daemon becomes the data folder's one delivery owner: it does not start while a
window or another daemon owns the folder. CLI verbs run beside it hand it their pushes.`
	return d
}

func (c *cmd) daemon(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return badArgs("usage: herald daemon")
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	env := c.env
	lock, err := c.ownerLock(ctx)
	if err != nil {
		return err
	}
	defer lock.Release()
	// Only now, as the owner, may rows left in flight be requeued.
	if err := env.StartEngine(ctx); err != nil {
		return err
	}
	srv, err := owner.Listen(lock, env.DeliverRequested)
	if err != nil {
		env.StopEngine(shutdownGrace)
		return err
	}
	list, _ := env.Tasks.List(ctx)
	env.Log.Info("daemon started", "tasks", len(list), "data", env.DataDir)
	fmt.Fprintf(c.std.Err, "herald daemon: %d tasks scheduled; stop with Ctrl+C or SIGTERM\n", len(list))
	<-ctx.Done()
	env.Log.Info("daemon stopping", "running", len(env.Tasks.Running()))
	// Stop answering first: deliveries made for commands are cancelled
	// back to pending before the engine stops.
	srv.Close()
	env.StopEngine(endsession.Grace(ctx, shutdownGrace))
	env.Log.Info("daemon stopped")
	fmt.Fprintln(c.std.Err, "herald daemon: stopped")
	return nil
}

// ownerLock makes the daemon the data folder's delivery owner, waiting for
// a command that holds the lock for a moment; a window or daemon that owns
// the folder is an error naming it.
func (c *cmd) ownerLock(ctx context.Context) (*owner.Lock, error) {
	wait, cancel := context.WithTimeout(ctx, ownerWait)
	defer cancel()
	lock, err := owner.Acquire(wait, c.env.DataDir, owner.RoleDaemon, func(h owner.Holder) {
		fmt.Fprintf(c.std.Err, "herald daemon: waiting for %s to finish with the data folder…\n", h)
	})
	var held *owner.HeldError
	if errors.As(err, &held) && !held.Holder.Role.Transient() {
		return nil, fmt.Errorf("%w; only one window or daemon may deliver for a data folder (use the CLI beside it, or stop it first)", err)
	}
	return lock, err
}
