package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
)

func (c *cmd) channel(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return badArgs("channel: missing subcommand (kinds, add, import, list, show, edit, rm, test)")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "kinds":
		return c.channelKinds(args)
	case "add":
		return c.channelAdd(ctx, args)
	case "import":
		return c.channelImport(ctx, args)
	case "list", "ls":
		return c.channelList(ctx, args)
	case "show":
		return c.channelShow(ctx, args)
	case "edit":
		return c.channelEdit(ctx, args)
	case "rm", "remove", "delete":
		return c.channelRemove(ctx, args)
	case "test":
		return c.channelTest(ctx, args)
	}
	return badArgs("channel: unknown subcommand %q (kinds, add, import, list, show, edit, rm, test)", sub)
}

func (c *cmd) channelKinds(args []string) error {
	fs := newFlags("channel kinds", c.std.Err)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *asJSON {
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
			Help     string   `json:"help,omitempty"`
		}
		type kind struct {
			ID     string  `json:"id"`
			Name   string  `json:"name"`
			DocURL string  `json:"doc_url,omitempty"`
			Fields []field `json:"fields"`
		}
		var out []kind
		for _, k := range kinds.All() {
			kd := kind{ID: k.ID, Name: k.Name, DocURL: k.DocURL}
			for i, f := range k.Fields {
				fd := field{Key: f.Key, Aliases: f.Aliases, Label: f.Label, Type: string(f.Type), Required: f.Required,
					Secret: f.Secret, Default: f.Default, Choices: f.Choices, Help: f.Help}
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
	for _, k := range kinds.All() {
		fmt.Fprintf(c.std.Out, "%s — %s\n", k.ID, k.Name)
		if k.QDFields > 0 {
			keys := make([]string, k.QDFields)
			for i, f := range k.Fields[:k.QDFields] {
				keys[i] = f.Key
			}
			fmt.Fprintf(c.std.Out, "  QD string: %s\n", strings.Join(keys, ";"))
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
	return nil
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

func (c *cmd) channelList(ctx context.Context, args []string) error {
	fs := newFlags("channel list", c.std.Err)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	list, err := reg.List(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
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
	return tw.Flush()
}

func (c *cmd) channelEdit(ctx context.Context, args []string) error {
	fs := newFlags("channel edit", c.std.Err)
	rename := fs.String("rename", "", "new name")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || (len(pos) == 1 && *rename == "") {
		return badArgs("usage: herald channel edit NAME key=value… [--rename NEW] (an empty value resets a field to its default)")
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
	if *rename != "" {
		if err := reg.Rename(ctx, name, *rename); err != nil {
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

func (c *cmd) send(ctx context.Context, args []string) error {
	fs := newFlags("send", c.std.Err)
	var names multiFlag
	fs.Var(&names, "channel", "channel name (repeatable)")
	all := fs.Bool("all", false, "send to every channel")
	title := fs.String("title", "", "title")
	markdown := fs.Bool("markdown", false, "BODY is Markdown")
	queue := fs.Bool("queue", false, "only queue in the outbox; the running app or daemon delivers")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badArgs("usage: herald send [--channel NAME]… [--all] [--title T] [--markdown] BODY (BODY '-' reads stdin)")
	}
	if len(names) == 0 && !*all {
		return badArgs("send: name a --channel or give --all")
	}
	body := pos[0]
	if body == "-" {
		data, err := io.ReadAll(io.LimitReader(c.std.In, 16<<20))
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		body = string(data)
	}
	if strings.TrimSpace(body) == "" && *title == "" {
		return badArgs("send: the message is empty")
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	var targets []registry.Channel
	if *all {
		if targets, err = reg.List(ctx); err != nil {
			return err
		}
		if len(targets) == 0 {
			return badArgs("send: no channels registered (see `herald channel add`)")
		}
	} else {
		for _, n := range names {
			ch, err := reg.Get(ctx, n)
			if err != nil {
				return err
			}
			targets = append(targets, ch)
		}
	}
	var k *courier
	if !*queue {
		if k, err = c.courier(ctx); err != nil {
			return err
		}
	}
	m := message.Message{Title: *title, Body: body, Markdown: *markdown, Level: message.LevelInfo}
	failed := 0
	for _, ch := range targets {
		item, err := c.env.Dispatcher.Push(ctx, ch, "send", m)
		if err != nil {
			return err
		}
		if *queue {
			fmt.Fprintf(c.std.Out, "%s: queued (outbox %d)\n", ch.Name, item.ID)
			continue
		}
		// Deliver now and wait; a transient failure stays queued and the
		// running app or daemon retries it.
		text, ok := c.outcome(k.deliver(ctx, item.ID, 0))
		if !ok {
			failed++
			text += fmt.Sprintf(" (outbox %d)", item.ID)
		}
		fmt.Fprintf(c.std.Out, "%s: %s\n", ch.Name, text)
	}
	if failed > 0 {
		return errFailed
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
