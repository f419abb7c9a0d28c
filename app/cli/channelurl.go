package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/channel/serviceurl"
	"github.com/heraldpush/herald/engine/registry"
)

// urlFlags are show's --url, --shoutrrr and --with-secrets.
type urlFlags struct{ url, shoutrrr, withSecrets bool }

// channelAddURLCommand is "channel add-url NAME URL": a channel from an
// Apprise or shoutrrr URL, through the same registry path as "channel add".
func (c *cmd) channelAddURLCommand() *cobra.Command {
	var shoutrrr bool
	addURL := verb("add-url NAME URL", "Register a channel from an Apprise or shoutrrr URL (secrets go to the OS keyring)",
		"  herald channel add-url phone 'tgram://123456:ABC…/222222222'\n"+
			"  herald channel add-url alerts 'ntfys://ntfy.example.com/alerts?priority=high'\n"+
			"  herald channel add-url chat 'discord://WEBHOOK_ID/WEBHOOK_TOKEN'\n"+
			"  herald channel add-url ops - < url.txt   # - reads the URL from stdin, out of the shell's history",
		func(ctx context.Context, args []string) error { return c.channelAddURL(ctx, args, shoutrrr) })
	addURL.Flags().BoolVar(&shoutrrr, "shoutrrr", false, "read a scheme both use (gotify://, ntfy://, signal://, matrix://…) as shoutrrr does (https) rather than as Apprise (http)")
	return addURL
}

// showURLFlags adds --url, --shoutrrr and --with-secrets to "channel show".
func showURLFlags(show *cobra.Command, f *urlFlags) {
	show.Flags().BoolVar(&f.url, "url", false, "print the channel as an Apprise URL")
	show.Flags().BoolVar(&f.shoutrrr, "shoutrrr", false, "with --url: a shoutrrr URL instead")
	show.Flags().BoolVar(&f.withSecrets, "with-secrets", false, "with --url: include the secrets (read from the keyring)")
}

func (c *cmd) channelAddURL(ctx context.Context, args []string, shoutrrr bool) error {
	if len(args) != 2 {
		return badArgs("usage: herald channel add-url NAME URL (quote the URL: & and ? mean something to the shell)")
	}
	u := args[1]
	if u == "-" {
		line, err := bufio.NewReader(c.std.In).ReadString('\n')
		if err != nil && line == "" {
			return badArgs("no URL on stdin")
		}
		u = strings.TrimSpace(line)
	}
	style := serviceurl.Auto
	if shoutrrr {
		style = serviceurl.Shoutrrr
	}
	kind, raw, err := serviceurl.ParseStyle(u, style)
	if err != nil {
		return fmt.Errorf("%w: %w", registry.ErrBadInput, err)
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	ch, err := reg.Add(ctx, kind, args[0], raw)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.std.Out, "%s (%s)\n", ch.ID, kind)
	return nil
}

// channelShowOrURL is "channel show", or with --url channelShowURL.
func (c *cmd) channelShowOrURL(ctx context.Context, args []string, f urlFlags) error {
	if f.url {
		return c.channelShowURL(ctx, args, f)
	}
	if f.shoutrrr || f.withSecrets {
		return badArgs("--shoutrrr and --with-secrets go with --url")
	}
	return c.channelShow(ctx, args)
}

// channelShowURL prints the channel as a URL; secret parts are masked
// unless withSecrets.
func (c *cmd) channelShowURL(ctx context.Context, args []string, f urlFlags) error {
	if len(args) != 1 {
		return badArgs("usage: herald channel show NAME --url [--shoutrrr] [--with-secrets]")
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	ch, err := reg.Get(ctx, args[0])
	if err != nil {
		return err
	}
	// The secrets are read even when masked: a URL's shape can hang on them
	// (a Bark URL's server, a Lark webhook).
	settings, err := reg.Settings(ctx, ch)
	if err != nil {
		return err
	}
	cfg, err := ch.Kind.Parse(settings)
	if err != nil {
		return err
	}
	style := serviceurl.Apprise
	if f.shoutrrr {
		style = serviceurl.Shoutrrr
	}
	u, err := serviceurl.Format(ch.Kind.ID, cfg, style, f.withSecrets)
	if err != nil {
		return fmt.Errorf("%w: %w", registry.ErrBadInput, err)
	}
	fmt.Fprintln(c.std.Out, u)
	return nil
}
