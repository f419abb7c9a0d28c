package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/store"
)

// completeWait bounds a completion's read of the database: a tab press
// must not hang behind another process's write.
const completeWait = 3 * time.Second

// lister reads completions ("name\tdescription") from the database.
type lister func(ctx context.Context, st *store.Store) ([]string, error)

func channelNames(ctx context.Context, st *store.Store) ([]string, error) {
	chs, err := st.Channels(ctx)
	var out []string
	for _, ch := range chs {
		out = append(out, cobra.CompletionWithDesc(ch.Name, ch.Kind))
	}
	return out, err
}

func taskNames(ctx context.Context, st *store.Store) ([]string, error) {
	ts, err := st.Tasks(ctx)
	var out []string
	for _, t := range ts {
		out = append(out, cobra.CompletionWithDesc(t.Name, string(t.Kind)))
	}
	return out, err
}

// fromStore runs list on the data folder's database. It opens the database
// alone — no engine, owner lock, keyring or log — and only if it exists, so
// a tab press never creates a data folder.
func (c *cmd) fromStore(list lister) []string {
	if c.dataDir == nil {
		return nil
	}
	dir, err := c.dataDir()
	if err != nil {
		return nil
	}
	path := filepath.Join(dir, "herald.db")
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), completeWait)
	defer cancel()
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil
	}
	defer st.Close()
	out, _ := list(ctx, st)
	return out
}

// withPrefix keeps the completions starting with prefix.
func withPrefix(all []string, prefix string) []string {
	var out []string
	for _, s := range all {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// completeNames completes a flag's value with names from the data folder.
func (c *cmd) completeNames(list lister) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return withPrefix(c.fromStore(list), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFirst completes the first argument with names from the data
// folder, and nothing after it.
func (c *cmd) completeFirst(list lister) cobra.CompletionFunc {
	return func(cc *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return c.completeNames(list)(cc, args, toComplete)
	}
}

// completeKindThenFields completes KIND first, NAME not at all, then the
// kind's key=value settings from argument fieldsFrom on.
func (c *cmd) completeKindThenFields(fieldsFrom int) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		switch {
		case len(args) == 0:
			var out []string
			for _, k := range kinds.All() {
				out = append(out, cobra.CompletionWithDesc(k.ID, k.Name))
			}
			return withPrefix(out, toComplete), cobra.ShellCompDirectiveNoFileComp
		case len(args) >= fieldsFrom:
			return fieldSettings(args[0], toComplete)
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeChannelThenFields completes a channel's name, then the settings
// of its kind.
func (c *cmd) completeChannelThenFields(cc *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return c.completeFirst(channelNames)(cc, args, toComplete)
	}
	kind := ""
	c.fromStore(func(ctx context.Context, st *store.Store) ([]string, error) {
		ch, err := st.ChannelByName(ctx, args[0])
		kind = ch.Kind
		return nil, err
	})
	return fieldSettings(kind, toComplete)
}

// fieldSettings completes "key=" for a kind's fields and, after the "=",
// a choice field's values.
func fieldSettings(kindID, toComplete string) ([]string, cobra.ShellCompDirective) {
	k, ok := kinds.Get(kindID)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if key, _, found := strings.Cut(toComplete, "="); found {
		return withPrefix(fieldValues(k, key), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, f := range k.Fields {
		out = append(out, cobra.CompletionWithDesc(f.Key+"=", f.Label))
	}
	return withPrefix(out, toComplete), cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

func fieldValues(k *channel.Kind, key string) []string {
	for _, f := range k.Fields {
		if f.Key != key {
			continue
		}
		values := f.Choices
		if f.Type == channel.TypeBool {
			values = []string{"true", "false"}
		}
		var out []string
		for _, v := range values {
			out = append(out, key+"="+v)
		}
		return out
	}
	return nil
}

// completeValues completes a flag with fixed values.
func completeValues(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}
