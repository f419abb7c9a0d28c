package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/store"
)

type outboxListOptions struct {
	state  string
	limit  int
	asJSON bool
}

var outboxStates = []string{"pending", "inflight", "sent", "failed", "dropped"}

func (c *cmd) outboxCommand() *cobra.Command {
	var o outboxListOptions
	list := verb("list [--state STATE] [--limit N] [--json]", "List outbox rows, newest first",
		"  herald outbox list\n  herald outbox list --state failed --json",
		func(ctx context.Context, _ []string) error { return c.outboxList(ctx, o) })
	list.Aliases = []string{"ls"}
	list.Flags().StringVar(&o.state, "state", "", "only rows in `STATE`: pending, inflight, sent, failed or dropped")
	list.Flags().IntVar(&o.limit, "limit", 50, "how many rows")
	list.Flags().BoolVar(&o.asJSON, "json", false, "print JSON")
	list.RegisterFlagCompletionFunc("state", completeValues(outboxStates...))
	return group("outbox", "Inspect, retry and drop queued pushes", list,
		c.outboxVerb("show", "Show a row and every attempt with the service's answer", c.outboxShow),
		c.outboxVerb("retry", "Make a failed or dropped row pending and deliver it now", c.outboxRetry),
		c.outboxVerb("drop", "Drop a row: it is not sent", func(ctx context.Context, id int64) error {
			return notFound(c.env.Store.DropOutbox(ctx, id), id)
		}))
}

// outboxVerb is a verb taking one outbox row id.
func (c *cmd) outboxVerb(name, short string, fn func(context.Context, int64) error) *cobra.Command {
	return verb(name+" ID", short, "  herald outbox "+name+" 42", func(ctx context.Context, args []string) error {
		id, err := outboxID(name, args)
		if err != nil {
			return err
		}
		if _, err := c.registry(ctx); err != nil {
			return err
		}
		return fn(ctx, id)
	})
}

func (c *cmd) outboxList(ctx context.Context, o outboxListOptions) error {
	f := store.OutboxFilter{Limit: o.limit}
	if o.state != "" {
		switch s := store.OutboxState(o.state); s {
		case "pending", "inflight", "sent", "failed", "dropped":
			f.States = []store.OutboxState{s}
		default:
			return badArgs("--state %q: pending, inflight, sent, failed or dropped", o.state)
		}
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	items, err := c.env.Store.OutboxItems(ctx, f)
	if err != nil {
		return err
	}
	if o.asJSON {
		enc := json.NewEncoder(c.std.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	tw := tabwriter.NewWriter(c.std.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tCHANNEL\tSOURCE\tATTEMPTS\tNEXT / UPDATED\tTITLE\tLAST ERROR")
	for _, it := range items {
		when := it.UpdatedAt
		if it.State == store.OutboxState("pending") {
			when = it.NextAt
		}
		state := string(it.State)
		if it.Hold != "" && it.State == store.OutboxPending {
			state += " (held: " + store.HoldKind(it.Hold) + ")" // quiet hours or a burst: released as one summary
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", it.ID, state, c.channelNames(ctx, []string{it.ChannelID}), it.Source,
			it.Attempts, when.Local().Format("2006-01-02 15:04:05"), oneLine(it.Title, 40), oneLine(it.LastError, 60))
	}
	return tw.Flush()
}

func (c *cmd) outboxShow(ctx context.Context, id int64) error {
	st := c.env.Store
	it, err := st.OutboxItemByID(ctx, id)
	if err != nil {
		return notFound(err, id)
	}
	fmt.Fprintf(c.std.Out, "id:       %d\nstate:    %s\nchannel:  %s\nsource:   %s\nattempts: %d\ntitle:    %s\n",
		it.ID, it.State, c.channelNames(ctx, []string{it.ChannelID}), it.Source, it.Attempts, it.Title)
	dels, err := st.Deliveries(ctx, id)
	if err != nil {
		return err
	}
	for _, d := range dels {
		res := "ok"
		if !d.OK {
			res = "failed"
			if d.Transient {
				res = "failed (transient)"
			}
		}
		fmt.Fprintf(c.std.Out, "attempt  %s  %v  %s: %s\n", d.At.Local().Format("2006-01-02 15:04:05"), d.Duration.Round(time.Millisecond), res, d.Answer)
	}
	return nil
}

func outboxID(verb string, args []string) (int64, error) {
	if len(args) != 1 {
		return 0, badArgs("usage: herald outbox %s ID", verb)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, badArgs("%q is not an outbox id (see `herald outbox list`)", args[0])
	}
	return id, nil
}
