package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
)

func (c *cmd) channelCommand() *cobra.Command {
	var asJSON bool
	kindsCmd := verb("kinds", "List the channel kinds and their fields (QD order first)",
		"  herald channel kinds\n  herald channel kinds --json",
		func(context.Context, []string) error { return c.channelKinds(asJSON) })
	kindsCmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	add := verb("add KIND NAME key=value…", "Register a channel (secrets go to the OS keyring)",
		"  herald channel add dingtalk team token=https://oapi.dingtalk.com/robot/send?access_token=… secret=SEC…\n"+
			"  herald channel add ntfy phone topic=my-alerts priority=4",
		c.channelAdd)
	add.ValidArgsFunction = c.completeKindThenFields(2)

	imp := verb("import KIND NAME 'a;b;c' [key=value…]", "Register a channel from a QD registration string",
		"  herald channel import telegram phone '123456:ABC…;222222222;tg.example.com'   # quote it: ';' ends a shell command",
		c.channelImport)
	imp.ValidArgsFunction = c.completeKindThenFields(3)

	var listJSON bool
	list := verb("list", "List channels with their last test", "  herald channel list\n  herald channel list --json",
		func(ctx context.Context, _ []string) error { return c.channelList(ctx, listJSON) })
	list.Aliases = []string{"ls"}
	list.Flags().BoolVar(&listJSON, "json", false, "print JSON")

	var showURL urlFlags
	show := verb("show NAME", "Show a channel's settings, secrets masked (••••last4)", "  herald channel show team\n  herald channel show team --url [--shoutrrr] [--with-secrets]",
		func(ctx context.Context, args []string) error { return c.channelShowOrURL(ctx, args, showURL) })
	showURLFlags(show, &showURL)
	show.ValidArgsFunction = c.completeFirst(channelNames)

	var rename, fallback string
	edit := verb("edit NAME key=value… [--rename NEW] [--fallback NAMES]", "Change a channel's settings; an empty value resets a field to its default",
		"  herald channel edit team at_all=true\n  herald channel edit team --rename ops\n  herald channel edit team --fallback phone,mail   # --fallback none removes them",
		func(ctx context.Context, args []string) error { return c.channelEdit(ctx, args, rename, fallback) })
	edit.Flags().StringVar(&rename, "rename", "", "`NEW` name")
	edit.Flags().StringVar(&fallback, "fallback", "", "channel `NAMES` (comma-separated) that get a push this channel fails for good; none removes them")
	edit.ValidArgsFunction = c.completeChannelThenFields

	rm := verb("rm NAME", "Remove a channel and its secrets", "  herald channel rm team", c.channelRemove)
	rm.Aliases = []string{"remove", "delete"}
	rm.ValidArgsFunction = c.completeFirst(channelNames)

	test := verb("test NAME", "Send a test push; exit 0 when the service accepted it", "  herald channel test team", c.channelTest)
	test.ValidArgsFunction = c.completeFirst(channelNames)

	return group("channel", "Register, inspect and test push channels",
		append([]*cobra.Command{kindsCmd, add, c.channelAddURLCommand(), imp, list, show, edit, rm, test}, c.envCommands()...)...)
}

func (c *cmd) channelKinds(asJSON bool) error {
	if asJSON {
		return c.kindsJSON()
	}
	for _, k := range kinds.All() {
		c.printKind(k)
	}
	return nil
}

// kindsJSON prints every kind for tools, QD positions counted from 1.
func (c *cmd) kindsJSON() error {
	type field struct {
		Key      string   `json:"key"`
		Aliases  []string `json:"aliases,omitempty"`
		Label    string   `json:"label"`
		Type     string   `json:"type"`
		Required bool     `json:"required,omitempty"`
		Secret   bool     `json:"secret,omitempty"`
		Default  string   `json:"default,omitempty"`
		Choices  []string `json:"choices,omitempty"`
		QD       int      `json:"qd_position,omitempty"`
		Env      string   `json:"qinglong_env,omitempty"`
		Help     string   `json:"help,omitempty"`
	}
	type kind struct {
		ID     string  `json:"id"`
		Name   string  `json:"name"`
		DocURL string  `json:"doc_url,omitempty"`
		Fields []field `json:"fields"`
		// Env is every qinglong variable import-env reads for the kind,
		// the packed ones (QYWX_AM…) included.
		Env []string `json:"qinglong_env,omitempty"`
	}
	var out []kind
	for _, k := range kinds.All() {
		kd := kind{ID: k.ID, Name: k.Name, DocURL: k.DocURL, Env: k.EnvVars()}
		for i, f := range k.Fields {
			fd := field{Key: f.Key, Aliases: f.Aliases, Label: f.Label, Type: string(f.Type), Required: f.Required,
				Secret: f.Secret, Default: f.Default, Choices: f.Choices, Env: f.Env, Help: f.Help}
			if i < k.QDFields {
				fd.QD = i + 1
			}
			kd.Fields = append(kd.Fields, fd)
		}
		out = append(out, kd)
	}
	enc := json.NewEncoder(c.std.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (c *cmd) printKind(k *channel.Kind) {
	fmt.Fprintf(c.std.Out, "%s — %s\n", k.ID, k.Name)
	if k.QDFields > 0 {
		keys := make([]string, k.QDFields)
		for i, f := range k.Fields[:k.QDFields] {
			keys[i] = f.Key
		}
		fmt.Fprintf(c.std.Out, "  QD string: %s\n", strings.Join(keys, ";"))
	}
	if vars := k.EnvVars(); len(vars) > 0 {
		fmt.Fprintf(c.std.Out, "  qinglong: %s\n", strings.Join(vars, " "))
	}
	tw := tabwriter.NewWriter(c.std.Out, 0, 4, 2, ' ', 0)
	for _, f := range k.Fields {
		var flags []string
		if f.Required {
			flags = append(flags, "required")
		}
		if f.Secret {
			flags = append(flags, "secret")
		}
		if f.Default != "" {
			flags = append(flags, "default "+f.Default)
		}
		if len(f.Choices) > 0 {
			flags = append(flags, strings.Join(f.Choices, "|"))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Key, f.Label, strings.Join(flags, ", "))
	}
	tw.Flush()
	fmt.Fprintln(c.std.Out)
}

func (c *cmd) channelAdd(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return badArgs("usage: herald channel add KIND NAME key=value…")
	}
	kv, err := keyValues(args[2:])
	if err != nil {
		return err
	}
	if _, err := registry.Kind(args[0]); err != nil {
		return err
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	ch, err := reg.Add(ctx, args[0], args[1], kv)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.std.Out, ch.ID)
	return nil
}

func (c *cmd) channelImport(ctx context.Context, args []string) error {
	if len(args) < 3 {
		return badArgs("usage: herald channel import KIND NAME 'a;b;c' [key=value…] (quote the string: ';' ends a shell command)")
	}
	extra, err := keyValues(args[3:])
	if err != nil {
		return err
	}
	if _, err := registry.Kind(args[0]); err != nil {
		return err
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	ch, err := reg.Import(ctx, args[0], args[1], args[2], extra)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.std.Out, ch.ID)
	return nil
}

func (c *cmd) channelList(ctx context.Context, asJSON bool) error {
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	list, err := reg.List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		type row struct {
			ID       string     `json:"id"`
			Name     string     `json:"name"`
			Kind     string     `json:"kind"`
			TestedAt *time.Time `json:"tested_at,omitempty"`
			TestOK   *bool      `json:"test_ok,omitempty"`
			Answer   string     `json:"test_answer,omitempty"`
		}
		rows := []row{}
		for _, ch := range list {
			r := row{ID: ch.ID, Name: ch.Name, Kind: ch.Channel.Kind}
			if t := ch.LastTest; t != nil {
				r.TestedAt, r.TestOK, r.Answer = &t.At, &t.OK, t.Answer
			}
			rows = append(rows, r)
		}
		return json.NewEncoder(c.std.Out).Encode(rows)
	}
	tw := tabwriter.NewWriter(c.std.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tID\tLAST TEST")
	for _, ch := range list {
		last := "never"
		if t := ch.LastTest; t != nil {
			status := "ok"
			if !t.OK {
				status = "failed: " + t.Answer
			}
			last = t.At.Local().Format("2006-01-02 15:04") + " " + status
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ch.Name, ch.Channel.Kind, ch.ID, last)
	}
	return tw.Flush()
}

func (c *cmd) channelShow(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return badArgs("usage: herald channel show NAME")
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	ch, err := reg.Get(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.std.Out, "name: %s\nkind: %s\nid:   %s\n", ch.Name, ch.Kind.ID, ch.ID)
	tw := tabwriter.NewWriter(c.std.Out, 0, 4, 2, ' ', 0)
	for _, f := range reg.Show(ch) {
		v := f.Value
		if f.Secret && f.Set {
			// Show the last characters so a person can tell which key is
			// stored; Reveal masks them. A keyring error is shown instead.
			if masked, err := reg.Reveal(ctx, ch, f.Key, false); err == nil {
				v = masked
			} else {
				v = "•••• (" + err.Error() + ")"
			}
		}
		note := ""
		if f.Default {
			note = "(default)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Key, v, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return c.printFallback(ctx, ch.ID)
}

func (c *cmd) channelEdit(ctx context.Context, pos []string, rename, fallback string) error {
	if len(pos) < 1 || (len(pos) == 1 && rename == "" && fallback == "") {
		return badArgs("usage: herald channel edit NAME key=value… [--rename NEW] [--fallback NAMES|none] (an empty value resets a field to its default)")
	}
	kv, err := keyValues(pos[1:])
	if err != nil {
		return err
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	name := pos[0]
	if len(kv) > 0 {
		if _, err := reg.Edit(ctx, name, kv); err != nil {
			return err
		}
	}
	if fallback != "" {
		if err := c.setFallback(ctx, name, fallback); err != nil {
			return err
		}
	}
	if rename != "" {
		if err := reg.Rename(ctx, name, rename); err != nil {
			return err
		}
	}
	return nil
}

func (c *cmd) channelRemove(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return badArgs("usage: herald channel rm NAME")
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	return reg.Remove(ctx, args[0])
}

func (c *cmd) channelTest(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return badArgs("usage: herald channel test NAME")
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	ch, err := reg.Get(ctx, args[0])
	if err != nil {
		return err
	}
	k, err := c.courier(ctx)
	if err != nil {
		return err
	}
	del, err := c.env.Dispatcher.TestChannelVia(ctx, ch, func(ctx context.Context, id int64) (store.Delivery, error) {
		return k.deliver(ctx, id, 0)
	})
	if err != nil {
		return err
	}
	if !del.OK {
		fmt.Fprintf(c.std.Out, "%s: failed: %s\n", ch.Name, del.Answer)
		return errFailed
	}
	fmt.Fprintf(c.std.Out, "%s: ok\n", ch.Name)
	return nil
}
