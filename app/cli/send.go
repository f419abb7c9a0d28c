package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
)

type sendOptions struct {
	channels        []string
	all             bool
	title           string
	markdown, queue bool
	dryRun          bool
}

func (c *cmd) sendCommand() *cobra.Command {
	var o sendOptions
	send := verb("send [--channel NAME]… [--all] [--title T] [--markdown] [--queue] BODY",
		"Push a message through registered channels (BODY '-' reads stdin)",
		"  herald send --channel team --title 'Backup' --markdown '**done**'\n"+
			"  echo 'log text' | herald send --all -\n"+
			"  herald send --channel team --queue 'delivered by the running app or daemon'",
		func(ctx context.Context, args []string) error { return c.send(ctx, args, o) })
	f := send.Flags()
	f.StringArrayVar(&o.channels, "channel", nil, "channel `NAME` (repeatable; a channel named twice is sent to once)")
	f.BoolVar(&o.all, "all", false, "send to every channel")
	f.StringVar(&o.title, "title", "", "title")
	f.BoolVar(&o.markdown, "markdown", false, "BODY is Markdown")
	f.BoolVar(&o.queue, "queue", false, "only queue in the outbox; the running app or daemon delivers")
	f.BoolVar(&o.dryRun, "dry-run", false, "print each channel's requests, secrets masked, and send nothing")
	send.RegisterFlagCompletionFunc("channel", c.completeNames(channelNames))
	return send
}

func (c *cmd) send(ctx context.Context, args []string, o sendOptions) error {
	if len(args) != 1 {
		return badArgs("usage: herald send [--channel NAME]… [--all] [--title T] [--markdown] BODY (BODY '-' reads stdin)")
	}
	if len(o.channels) == 0 && !o.all {
		return badArgs("send: name a --channel or give --all")
	}
	body, err := c.sendBody(args[0])
	if err != nil {
		return err
	}
	if strings.TrimSpace(body) == "" && o.title == "" {
		return badArgs("send: the message is empty")
	}
	targets, err := c.sendTargets(ctx, o)
	if err != nil {
		return err
	}
	if o.dryRun {
		return c.dryRun(ctx, targets, message.Message{Title: o.title, Body: body, Markdown: o.markdown, Level: message.LevelInfo})
	}
	var k *courier
	if !o.queue {
		if k, err = c.courier(ctx); err != nil {
			return err
		}
	}
	m := message.Message{Title: o.title, Body: body, Markdown: o.markdown, Level: message.LevelInfo}
	// The rows queued before a failure to queue are still delivered and
	// reported; then the failure is.
	items, queueErr := c.env.Send(ctx, targets, m)
	names := map[string]string{}
	for _, ch := range targets {
		names[ch.ID] = ch.Name
	}
	failed := 0
	for _, it := range items {
		if !c.sendOne(ctx, k, names[it.ChannelID], it.ID) {
			failed++
		}
	}
	if queueErr != nil {
		return queueErr
	}
	if failed > 0 {
		return errFailed
	}
	return nil
}

// sendBody is the BODY argument, or stdin for "-".
func (c *cmd) sendBody(arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	data, err := io.ReadAll(io.LimitReader(c.std.In, 16<<20))
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	return string(data), nil
}

// sendTargets resolves --channel names (a channel named twice, by name or
// id, is sent to once) or every channel for --all.
func (c *cmd) sendTargets(ctx context.Context, o sendOptions) ([]registry.Channel, error) {
	reg, err := c.registry(ctx)
	if err != nil {
		return nil, err
	}
	if o.all {
		targets, err := reg.List(ctx)
		if err == nil && len(targets) == 0 {
			err = badArgs("send: no channels registered (see `herald channel add`)")
		}
		return targets, err
	}
	var targets []registry.Channel
	seen := map[string]bool{}
	for _, n := range o.channels {
		ch, err := reg.Get(ctx, n)
		if err != nil {
			return nil, err
		}
		if !seen[ch.ID] {
			seen[ch.ID] = true
			targets = append(targets, ch)
		}
	}
	return targets, nil
}

// sendOne delivers queued row id to channel name now, unless k is nil
// (--queue), and prints the outcome; false when it was not delivered.
func (c *cmd) sendOne(ctx context.Context, k *courier, name string, id int64) bool {
	if k == nil {
		fmt.Fprintf(c.std.Out, "%s: queued (outbox %d)\n", name, id)
		return true
	}
	// A transient failure stays queued and the running app or daemon
	// retries it.
	text, ok := c.outcome(k.deliver(ctx, id, 0))
	if !ok {
		text += fmt.Sprintf(" (outbox %d)", id)
	}
	fmt.Fprintf(c.std.Out, "%s: %s\n", name, text)
	return ok
}
