package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/preview"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/task"
)

// dryRun prints, per target, the requests a send of m would make, without
// sending or queueing anything.
func (c *cmd) dryRun(ctx context.Context, targets []registry.Channel, m message.Message) error {
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	for i, ch := range targets {
		if i > 0 {
			fmt.Fprintln(c.std.Out)
		}
		if err := c.printPreview(ctx, reg, ch, m); err != nil {
			return err
		}
	}
	return nil
}

// printPreview prints what channel ch would be sent for m.
func (c *cmd) printPreview(ctx context.Context, reg *registry.Registry, ch registry.Channel, m message.Message) error {
	raw, err := reg.Settings(ctx, ch)
	if err != nil {
		return err
	}
	res, err := preview.Channel(ctx, ch.Kind, raw, m, preview.Options{})
	if err != nil {
		return fmt.Errorf("channel %q: %w", ch.Name, err)
	}
	out := c.std.Out
	fmt.Fprintf(out, "=== %s (%s): %d request(s), not sent\n", ch.Name, ch.Kind.ID, len(res.Requests))
	for i, r := range res.Requests {
		fmt.Fprintf(out, "--- request %d\n", i+1)
		// Wire text as is (CRLF line ends included), then a line end.
		fmt.Fprint(out, c.env.Redactor.String(r))
		if !strings.HasSuffix(r, "\n") {
			fmt.Fprintln(out)
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	if res.Err != "" {
		fmt.Fprintf(out, "note: on the canned answers the kind reported: %s\n", c.env.Redactor.String(res.Err))
	}
	return nil
}

func (c *cmd) taskPushPreviewCommand() *cobra.Command {
	var status string
	v := verb("push-preview NAME [--status failure|success]",
		"Show what a run of a task would push, to which channels and why, without sending",
		"  herald task push-preview backup\n  herald task push-preview backup --status success",
		func(ctx context.Context, args []string) error { return c.taskPushPreview(ctx, args, status) })
	v.Flags().StringVar(&status, "status", "failure", "the run's outcome: failure, timeout or success")
	v.ValidArgsFunction = c.completeFirst(taskNames)
	return v
}

func (c *cmd) taskPushPreview(ctx context.Context, args []string, status string) error {
	if len(args) != 1 {
		return badArgs("usage: herald task push-preview NAME [--status failure|success]")
	}
	st := task.Status(status)
	if st != task.StatusFailure && st != task.StatusSuccess && st != task.StatusTimeout {
		return badArgs("push-preview: --status is failure, timeout or success, not %q", status)
	}
	if _, err := c.tasks(ctx); err != nil {
		return err
	}
	p, to, err := c.env.PreviewTaskPush(ctx, args[0], st)
	if err != nil {
		return err
	}
	reg := c.env.Registry
	lang := i18n.FromEnv(os.Getenv)
	out := c.std.Out
	fmt.Fprintf(out, "If an automatic run of %s ended now with %s:\n", p.Run.TaskName, st)
	for _, w := range p.Why {
		fmt.Fprintf(out, "  - %s\n", w.In(lang))
	}
	if p.Reason == "" {
		return nil
	}
	for _, ch := range to {
		fmt.Fprintln(out)
		if err := c.printPreview(ctx, reg, ch, p.Message); err != nil {
			return err
		}
	}
	return nil
}
