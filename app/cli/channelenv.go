package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/channel/qinglong"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
)

// envCommands are the qinglong (青龙) verbs: import-env and export-env.
func (c *cmd) envCommands() []*cobra.Command {
	var dryRun bool
	var prefix string
	imp := verb("import-env [--dry-run] [--prefix NAME] FILE|-",
		"Register a channel per service configured in a qinglong config.sh or .env file",
		"  herald channel import-env /ql/data/config/config.sh\n  herald channel import-env --dry-run - < .env",
		func(ctx context.Context, args []string) error { return c.importEnv(ctx, args, dryRun, prefix) })
	imp.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be created, create nothing")
	imp.Flags().StringVar(&prefix, "prefix", "", "name the channels `NAME`-kind")
	imp.ValidArgsFunction = nil // files

	var all, withSecrets bool
	exp := verb("export-env NAME…|--all [--with-secrets]",
		"Write channels as qinglong notify variables (a config.sh fragment); secrets only with --with-secrets",
		"  herald channel export-env team\n  herald channel export-env --all --with-secrets > notify.sh",
		func(ctx context.Context, args []string) error { return c.exportEnv(ctx, args, all, withSecrets) })
	exp.Flags().BoolVar(&all, "all", false, "every channel")
	exp.Flags().BoolVar(&withSecrets, "with-secrets", false, "include secrets (tokens, keys) in the output")
	exp.ValidArgsFunction = c.completeFirst(channelNames)
	return []*cobra.Command{imp, exp}
}

// say prints a text in the terminal's language, secrets masked.
func (c *cmd) say(w io.Writer, t i18n.Text) {
	s := t.In(i18n.FromEnv(os.Getenv))
	if c.env != nil {
		s = c.env.Redactor.String(s)
	}
	fmt.Fprintln(w, s)
}

// learnSecrets tells the redactor the secret values of an import, so no
// message quoting one shows it.
func (c *cmd) learnSecrets(plan qinglong.Plan) {
	for _, cand := range plan.Candidates {
		for _, f := range cand.Kind.Fields {
			if f.Secret {
				c.env.Redactor.Add(cand.Config[f.Key])
			}
		}
		for name, v := range cand.Raw {
			if f, ok := cand.Kind.Field(name); !ok || f.Secret {
				c.env.Redactor.Add(v) // packed variables may hold secrets
			}
		}
	}
}

func (c *cmd) importEnv(ctx context.Context, args []string, dryRun bool, prefix string) error {
	if len(args) != 1 {
		return badArgs("usage: herald channel import-env [--dry-run] [--prefix NAME] FILE|-")
	}
	text, err := c.readInput(args[0])
	if err != nil {
		return err
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	vars, warnings := qinglong.Parse(text)
	plan := qinglong.MakePlan(vars, kinds.All(), prefix)
	c.learnSecrets(plan)
	for _, w := range warnings {
		c.say(c.std.Err, i18n.T("qinglong.cli.warning", "Problem", w))
	}
	if len(plan.Unknown) > 0 {
		c.say(c.std.Err, qinglong.UnknownText(plan.Unknown))
	}
	done := 0
	for _, cand := range plan.Candidates {
		if c.importCandidate(ctx, reg, cand, dryRun) {
			done++
		}
	}
	if done == 0 && len(plan.Candidates) == 0 {
		c.say(c.std.Err, i18n.T("qinglong.cli.nothing"))
		return Exit(ExitBadArgs)
	}
	if done == 0 {
		c.say(c.std.Err, i18n.T("qinglong.cli.none"))
		return Exit(ExitBadArgs)
	}
	return nil
}

// readInput reads a file, or standard input for "-".
func (c *cmd) readInput(name string) (string, error) {
	if name == "-" {
		data, err := io.ReadAll(c.std.In)
		return string(data), err
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return "", badArgs("%v", err)
	}
	return string(data), nil
}

// importCandidate creates one channel (or shows it, dry) and reports why
// not; it says whether the channel was (or would be) created.
func (c *cmd) importCandidate(ctx context.Context, reg *registry.Registry, cand qinglong.Candidate, dryRun bool) bool {
	if cand.Err != nil {
		c.say(c.std.Err, i18n.T("qinglong.cli.skipped", "Name", cand.Name, "Problem", userText(cand.Err)))
		return false
	}
	if _, err := reg.Store.ChannelByName(ctx, cand.Name); !errors.Is(err, store.ErrNotFound) {
		problem := i18n.T("qinglong.cli.exists")
		if err != nil {
			problem = i18n.Plain(err.Error())
		}
		c.say(c.std.Err, i18n.T("qinglong.cli.skipped", "Name", cand.Name, "Problem", problem))
		return false
	}
	if dryRun {
		c.say(c.std.Out, i18n.T("qinglong.cli.would", "Name", cand.Name, "Kind", cand.Kind.ID))
		c.printCandidate(cand)
		return true
	}
	// Add checks and stores the whole channel or nothing.
	ch, err := reg.Add(ctx, cand.Kind.ID, cand.Name, cand.Raw)
	if err != nil {
		c.say(c.std.Err, i18n.T("qinglong.cli.skipped", "Name", cand.Name, "Problem", userText(err)))
		return false
	}
	c.say(c.std.Out, i18n.T("qinglong.cli.created", "Name", ch.Name, "Kind", ch.Kind.ID, "ID", ch.ID))
	return true
}

// userText is err in the terminal's language, fields named.
func userText(err error) i18n.Text {
	var fes channel.FieldErrors
	if errors.As(err, &fes) {
		return fes.UserText()
	}
	return i18n.Problem(err, err.Error())
}

// printCandidate lists the settings a channel would have, secrets masked
// as `channel show` masks them.
func (c *cmd) printCandidate(cand qinglong.Candidate) {
	for _, f := range cand.Kind.Fields {
		v, ok := cand.Config[f.Key]
		if !ok || (v == f.Default && cand.From[f.Key] == "") {
			continue
		}
		if f.Secret {
			v = mask(f, v)
		}
		from := ""
		if cand.From[f.Key] != "" {
			from = "  ← " + cand.From[f.Key]
		}
		fmt.Fprintf(c.std.Out, "  %s: %s%s\n", f.Key, v, from)
	}
}

// mask hides a secret as the registry's Reveal does.
func mask(f channel.Field, v string) string {
	if f.Mask != nil {
		return f.Mask(v)
	}
	return registry.Mask(v)
}

func (c *cmd) exportEnv(ctx context.Context, names []string, all, withSecrets bool) error {
	if all == (len(names) > 0) {
		return badArgs("usage: herald channel export-env NAME…|--all [--with-secrets]")
	}
	reg, err := c.registry(ctx)
	if err != nil {
		return err
	}
	chans, err := exportChannels(ctx, reg, names, all)
	if err != nil {
		return err
	}
	if withSecrets {
		c.say(c.std.Err, i18n.T("qinglong.cli.secrets_warning"))
	}
	seen := map[string]string{}
	for _, ch := range chans {
		if other, dup := seen[ch.Kind.ID]; dup {
			c.say(c.std.Err, i18n.T("qinglong.cli.same_kind", "Name", ch.Name, "Other", other, "Kind", ch.Kind.ID))
		}
		seen[ch.Kind.ID] = ch.Name
		if err := c.exportChannel(ctx, reg, ch, withSecrets); err != nil {
			return err
		}
	}
	return nil
}

// exportChannels are the named channels, or every one.
func exportChannels(ctx context.Context, reg *registry.Registry, names []string, all bool) ([]registry.Channel, error) {
	if all {
		list, err := reg.List(ctx)
		return slices.DeleteFunc(list, func(ch registry.Channel) bool { return ch.Kind == nil }), err
	}
	var out []registry.Channel
	for _, name := range names {
		ch, err := reg.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// exportChannel writes one channel's variables under a comment naming it;
// the keyring is read only with secrets.
func (c *cmd) exportChannel(ctx context.Context, reg *registry.Registry, ch registry.Channel, withSecrets bool) error {
	cfg := channel.Config{}
	for key, v := range ch.Config {
		cfg[key] = v
	}
	if withSecrets {
		raw, err := reg.Settings(ctx, ch)
		if err != nil {
			return err
		}
		cfg = raw
	}
	vars, dropped := qinglong.Export(ch.Kind, cfg, withSecrets)
	if len(dropped) > 0 {
		c.say(c.std.Err, i18n.T("qinglong.cli.dropped", "Name", ch.Name, "Fields", strings.Join(dropped, ", ")))
	}
	fmt.Fprintf(c.std.Out, "# herald channel %s (%s)\n%s\n", ch.Name, ch.Kind.ID, qinglong.Format(vars))
	return nil
}
