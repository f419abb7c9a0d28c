package cli

import (
	"context"
	"fmt"
	"strconv"
)

func (c *cmd) api(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return badArgs("api: missing subcommand (show, token, regenerate, enable, disable, port N)")
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	env := c.env
	s, err := env.LoadAPISettings(ctx)
	if err != nil {
		return err
	}
	switch args[0] {
	case "show":
		fmt.Fprintf(c.std.Out, "enabled: %v\naddress: 127.0.0.1:%d\n", s.Enabled, s.Port)
		return nil
	case "token", "regenerate":
		srv, err := env.API(ctx, s.Port)
		if err != nil {
			return err
		}
		tok, err := srv.Token(ctx)
		if args[0] == "regenerate" {
			tok, err = srv.RegenerateToken(ctx)
		}
		if err != nil {
			return err
		}
		// The one place the token is printed on purpose: scripts need it.
		fmt.Fprintln(c.std.Out, tok)
		return nil
	case "enable", "disable":
		s.Enabled = args[0] == "enable"
	case "port":
		if len(args) != 2 {
			return badArgs("usage: herald api port N")
		}
		p, err := strconv.Atoi(args[1])
		if err != nil {
			return badArgs("port %q: a number between 1 and 65535", args[1])
		}
		s.Port = p
	default:
		return badArgs("api: unknown subcommand %q (show, token, regenerate, enable, disable, port N)", args[0])
	}
	if err := env.SaveAPISettings(ctx, s); err != nil {
		return badArgs("%v", err)
	}
	fmt.Fprintln(c.std.Err, "saved; a running Herald applies it when restarted")
	return nil
}
