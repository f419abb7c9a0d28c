package cli

import (
	"context"
	"fmt"
	"time"
)

// shutdownGrace is how long running tasks may finish after SIGINT/SIGTERM
// before they are cancelled.
const shutdownGrace = 20 * time.Second

// syncEvery is how often the daemon looks for tasks changed by another
// herald process (the CLI) in the store.
const syncEvery = 2 * time.Second

func (c *cmd) daemon(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return badArgs("usage: herald daemon")
	}
	svc, err := c.tasks(ctx)
	if err != nil {
		return err
	}
	log := c.env.Log
	if err := svc.Start(ctx); err != nil {
		return err
	}
	list, _ := svc.List(ctx)
	log.Info("daemon started", "tasks", len(list), "data", c.env.DataDir)
	fmt.Fprintf(c.std.Err, "herald daemon: %d tasks scheduled; stop with Ctrl+C or SIGTERM\n", len(list))
	tick := time.NewTicker(syncEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Info("daemon stopping", "running", len(svc.Running()))
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if err := svc.Shutdown(sctx); err != nil {
				log.Warn("shutdown", "error", err)
			}
			log.Info("daemon stopped")
			fmt.Fprintln(c.std.Err, "herald daemon: stopped")
			return nil
		case <-tick.C:
			if err := svc.Sync(ctx); err != nil {
				log.Warn("sync tasks", "error", err)
			}
		}
	}
}
