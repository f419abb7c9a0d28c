package cli

import (
	"context"
	"fmt"
	"time"
)

// shutdownGrace is how long running tasks and pushes may finish after
// SIGINT/SIGTERM before they are cancelled.
const shutdownGrace = 20 * time.Second

func (c *cmd) daemon(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return badArgs("usage: herald daemon")
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	env := c.env
	if err := env.StartEngine(ctx); err != nil {
		return err
	}
	list, _ := env.Tasks.List(ctx)
	env.Log.Info("daemon started", "tasks", len(list), "data", env.DataDir)
	fmt.Fprintf(c.std.Err, "herald daemon: %d tasks scheduled; stop with Ctrl+C or SIGTERM\n", len(list))
	<-ctx.Done()
	env.Log.Info("daemon stopping", "running", len(env.Tasks.Running()))
	env.StopEngine(shutdownGrace)
	env.Log.Info("daemon stopped")
	fmt.Fprintln(c.std.Err, "herald daemon: stopped")
	return nil
}
