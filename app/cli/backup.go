package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/heraldpush/herald/engine/backup"
	"github.com/heraldpush/herald/engine/i18n"
)

// backupCommands are backup, restore, export and import.
func (c *cmd) backupCommands() []*cobra.Command {
	var noSecrets, withHistory bool
	var passFile string
	b := verb("backup FILE", "Save channels, tasks, push settings and every secret into one encrypted file (备份)",
		"  herald backup ~/herald.backup                      # asks for a passphrase twice\n"+
			"  herald backup herald.backup --passphrase-file pw.txt\n"+
			"  herald backup herald.backup --no-secrets",
		func(ctx context.Context, args []string) error {
			return c.backup(ctx, args, noSecrets, withHistory, passFile)
		})
	b.Flags().BoolVar(&noSecrets, "no-secrets", false, "leave the keyring's secrets out (they must be entered again after a restore)")
	b.Flags().BoolVar(&withHistory, "with-history", false, "add the run history and the outbox (pending pushes are sent after a restore)")
	b.Flags().StringVar(&passFile, "passphrase-file", "", "read the passphrase from the first line of this file instead of asking")

	var opt backup.Options
	var rPassFile string
	r := verb("restore FILE", "Restore a backup into an empty data folder, or add it with --merge (恢复)",
		"  herald restore ~/herald.backup\n"+
			"  herald restore herald.backup --merge              # lists conflicts, keeps what exists\n"+
			"  herald restore herald.backup --merge --replace    # conflicts take the backup's version",
		func(ctx context.Context, args []string) error { return c.restore(ctx, args, opt, rPassFile, true) })
	r.Flags().BoolVar(&opt.Merge, "merge", false, "add to a data folder that already has channels or tasks")
	r.Flags().BoolVar(&opt.Replace, "replace", false, "with --merge: overwrite channels, tasks and settings that exist")
	r.Flags().StringVar(&rPassFile, "passphrase-file", "", "read the passphrase from the first line of this file instead of asking")

	var format, out string
	e := verb("export", "Print the configuration as versioned JSON without secrets (for keeping it in git)",
		"  herald export --format json > herald.json\n  herald export -o herald.json",
		func(ctx context.Context, args []string) error { return c.export(ctx, args, format, out) })
	e.Flags().StringVar(&format, "format", "json", "output format (json)")
	e.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")

	var iopt backup.Options
	i := verb("import FILE", "Read back a file written by `herald export` (secrets are entered afterwards)",
		"  herald import herald.json\n  herald import herald.json --merge --replace",
		func(ctx context.Context, args []string) error { return c.restore(ctx, args, iopt, "", false) })
	i.Flags().BoolVar(&iopt.Merge, "merge", false, "add to a data folder that already has channels or tasks")
	i.Flags().BoolVar(&iopt.Replace, "replace", false, "with --merge: overwrite channels, tasks and settings that exist")
	for _, v := range []*cobra.Command{b, r, i} {
		v.ValidArgsFunction = completeFile
	}
	return []*cobra.Command{b, r, e, i}
}

func (c *cmd) backup(ctx context.Context, args []string, noSecrets, withHistory bool, passFile string) error {
	if len(args) != 1 {
		return badArgs("usage: herald backup FILE [--no-secrets] [--with-history] [--passphrase-file F]")
	}
	pass, err := c.passphrase(passFile, true)
	if err != nil {
		return err
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	doc, err := backup.Collect(ctx, c.env.Store, c.env.Secrets, !noSecrets, time.Now())
	if err != nil {
		return err
	}
	if withHistory {
		if err := doc.AddHistory(ctx, c.env.Store); err != nil {
			return err
		}
	}
	if err := writeAtomic(args[0], func(w io.Writer) error { return backup.Encrypt(w, doc, pass) }); err != nil {
		return err
	}
	_ = backup.MarkDone(ctx, c.env.Store, time.Now())
	key := "backup.cli.written"
	if noSecrets {
		key = "backup.cli.written_no_secrets"
	}
	c.say(c.std.Out, i18n.T(key, "File", args[0], "Channels", len(doc.Channels), "Tasks", len(doc.Tasks)))
	if withHistory {
		c.say(c.std.Out, i18n.T("backup.cli.history", "Runs", len(doc.History.Runs), "Outbox", len(doc.History.Outbox)))
	}
	return nil
}

func (c *cmd) export(ctx context.Context, args []string, format, out string) error {
	if len(args) != 0 {
		return badArgs("usage: herald export [--format json] [-o FILE]")
	}
	if format != "json" {
		return badArgs("--format %q: the only format is json", format)
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	doc, err := backup.Collect(ctx, c.env.Store, c.env.Secrets, false, time.Now())
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	if out == "" {
		return write(c.std.Out)
	}
	return writeAtomic(out, write)
}

func (c *cmd) restore(ctx context.Context, args []string, opt backup.Options, passFile string, encrypted bool) error {
	verbName := map[bool]string{true: "restore", false: "import"}[encrypted]
	if len(args) != 1 {
		return badArgs("usage: herald %s FILE [--merge [--replace]]", verbName)
	}
	if opt.Replace && !opt.Merge {
		return badArgs("--replace goes with --merge")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return badArgs("%v", err)
	}
	var doc *backup.Document
	switch {
	case backup.IsEncrypted(data):
		if !encrypted {
			return badArgs("%s is an encrypted backup: use `herald restore %s`", args[0], args[0])
		}
		pass, err := c.passphrase(passFile, false)
		if err != nil {
			return err
		}
		if doc, err = backup.Decrypt(strings.NewReader(string(data)), pass); err != nil {
			return err
		}
	case encrypted && !strings.HasPrefix(strings.TrimSpace(string(data)), "{"):
		return backup.NotABackup()
	default:
		if doc, err = backup.Parse(data); err != nil {
			return err
		}
	}
	if _, err := c.registry(ctx); err != nil {
		return err
	}
	rep, err := backup.Restore(ctx, c.env.Store, c.env.Secrets, doc, opt)
	if err != nil {
		return err
	}
	c.say(c.std.Out, i18n.T("backup.cli.restored", "Verb", verbName, "Channels", rep.Channels, "Tasks", rep.Tasks, "Settings", rep.Settings))
	for _, r := range rep.Replaced {
		c.say(c.std.Out, i18n.T("backup.cli.replaced", "What", whatText(r.What), "Name", strconv.Quote(r.Name)))
	}
	for _, cf := range rep.Conflicts {
		c.say(c.std.Out, i18n.T("backup.cli.conflict", "What", whatText(cf.What), "Name", strconv.Quote(cf.Name)))
	}
	for _, m := range rep.MissingSecrets {
		c.say(c.std.Out, i18n.T("backup.cli.missing_secret", "Secret", m))
	}
	return nil
}

// passphrase reads the first line of file, or asks on the terminal (twice
// when confirm).
func (c *cmd) passphrase(file string, confirm bool) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", badArgs("--passphrase-file: %v", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		pass := strings.TrimRight(line, "\r")
		if confirm {
			if err := backup.CheckPassphrase(pass); err != nil {
				return "", err
			}
		}
		return pass, nil
	}
	f, ok := c.std.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", badInput(i18n.New("backup.cli.no_terminal"))
	}
	ask := func(key string) (string, error) {
		fmt.Fprint(c.std.Err, i18n.T(key).In(i18n.FromEnv(os.Getenv)))
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.std.Err)
		return string(b), err
	}
	pass, err := ask("backup.cli.prompt")
	if err != nil || !confirm {
		return pass, err
	}
	if err := backup.CheckPassphrase(pass); err != nil {
		return "", err
	}
	again, err := ask("backup.cli.prompt_again")
	if err != nil {
		return "", err
	}
	if again != pass {
		return "", badInput(i18n.New("backup.cli.differ"))
	}
	return pass, nil
}

// writeAtomic writes a file readable by its owner only, replacing path
// only once all of it is written.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".herald-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		_ = os.Chmod(tmp.Name(), 0o600)
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("write %s", path), err)
	}
	return nil
}

// completeFile lets the shell complete a FILE argument with file names.
func completeFile(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveDefault
}

// whatText names a restored item's kind ("channel", "task", "setting").
func whatText(what string) i18n.Text {
	switch what {
	case "channel":
		return i18n.T("backup.what.channel")
	case "task":
		return i18n.T("backup.what.task")
	case "setting":
		return i18n.T("backup.what.setting")
	}
	return i18n.Plain(what)
}
