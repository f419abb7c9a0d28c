package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/api"
)

func (c *cmd) apiCommand() *cobra.Command {
	token := func(regenerate bool) func(context.Context, []string) error {
		return func(ctx context.Context, _ []string) error { return c.apiToken(ctx, regenerate) }
	}
	enable := func(on bool) func(context.Context, []string) error {
		return func(ctx context.Context, _ []string) error {
			return c.apiChange(ctx, func(s *api.Settings) { s.Enabled = on })
		}
	}
	return group("api", "Show and change the local HTTP API (127.0.0.1, bearer token)",
		verb("show", "Show whether the API is enabled and where it listens", "  herald api show",
			func(ctx context.Context, _ []string) error { return c.apiShow(ctx) }),
		verb("token", "Print the API's bearer token (kept in the OS keyring)", "  TOKEN=$(herald api token)", token(false)),
		verb("regenerate", "Replace the API's token and print the new one", "  herald api regenerate", token(true)),
		verb("enable", "Enable the API (a running Herald applies it when restarted)", "  herald api enable", enable(true)),
		verb("disable", "Disable the API (a running Herald applies it when restarted)", "  herald api disable", enable(false)),
		verb("port N", "Listen on port N of 127.0.0.1 (default 7787)", "  herald api port 7788", c.apiPort))
}

func (c *cmd) apiSettings(ctx context.Context) (api.Settings, error) {
	if _, err := c.registry(ctx); err != nil {
		return api.Settings{}, err
	}
	return c.env.LoadAPISettings(ctx)
}

func (c *cmd) apiShow(ctx context.Context) error {
	s, err := c.apiSettings(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.std.Out, "enabled: %v\naddress: 127.0.0.1:%d\n", s.Enabled, s.Port)
	return nil
}

func (c *cmd) apiToken(ctx context.Context, regenerate bool) error {
	s, err := c.apiSettings(ctx)
	if err != nil {
		return err
	}
	srv, err := c.env.API(ctx, s.Port)
	if err != nil {
		return err
	}
	tok, err := srv.Token(ctx)
	if regenerate {
		tok, err = srv.RegenerateToken(ctx)
	}
	if err != nil {
		return err
	}
	// The one place the token is printed on purpose: scripts need it.
	fmt.Fprintln(c.std.Out, tok)
	return nil
}

func (c *cmd) apiPort(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return badArgs("usage: herald api port N")
	}
	p, err := strconv.Atoi(args[0])
	if err != nil {
		return badArgs("port %q: a number between 1 and 65535", args[0])
	}
	return c.apiChange(ctx, func(s *api.Settings) { s.Port = p })
}

// apiChange saves the API settings as change leaves them.
func (c *cmd) apiChange(ctx context.Context, change func(*api.Settings)) error {
	s, err := c.apiSettings(ctx)
	if err != nil {
		return err
	}
	change(&s)
	if err := c.env.SaveAPISettings(ctx, s); err != nil {
		return badArgs("%v", err)
	}
	fmt.Fprintln(c.std.Err, "saved; a running Herald applies it when restarted")
	return nil
}
