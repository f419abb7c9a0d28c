package settings

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/engine/backup"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
)

// The card's texts live in their own area file; the tests read them in
// English as the rest of the tab's.
func init() {
	data, err := os.ReadFile("../../assets/translations/backup.en.json")
	if err != nil {
		panic(err)
	}
	if err := lang.AddTranslationsForLocale(data, fyne.Locale("en")); err != nil {
		panic(err)
	}
}

type closer struct{ *bytes.Buffer }

func (closer) Close() error { return nil }

func memEnv(t *testing.T) *host.Env {
	t.Helper()
	env, err := host.Open(context.Background(), t.TempDir(), host.Options{Secrets: &secret.Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

func TestBackupCardBacksUpAndRestores(t *testing.T) {
	ctx := context.Background()
	src := memEnv(t)
	if _, err := src.Registry.Add(ctx, "gotify", "phone", map[string]string{"server": "http://127.0.0.1:9", "token": "tok-backup-card-123"}); err != nil {
		t.Fatal(err)
	}
	h := open(t, src, Options{})
	c := h.v.backup
	if c == nil {
		t.Fatal("no backup card for a *host.Env")
	}
	if c.last.Text != lang.L("backup.ui.never") {
		t.Fatalf("last backup: %q", c.last.Text)
	}
	var file bytes.Buffer
	c.runBackup(closer{&file}, "a long passphrase")
	c.running.Wait()
	if c.errLabel.Visible() || !c.result.Visible() || strings.Contains(file.String(), "tok-backup-card-123") {
		t.Fatalf("backup: err %q result %q", c.errLabel.Text, c.result.Text)
	}
	if !strings.HasPrefix(c.last.Text, strings.TrimSuffix(lang.L("backup.ui.last", map[string]any{"When": ""}), " ")) {
		t.Fatalf("last backup not shown: %q", c.last.Text)
	}

	dst := memEnv(t)
	h2 := open(t, dst, Options{})
	c2 := h2.v.backup
	c2.runRestore(io.NopCloser(bytes.NewReader(file.Bytes())), "not the passphrase")
	c2.running.Wait()
	if !c2.errLabel.Visible() || !strings.Contains(c2.errLabel.Text, "passphrase") {
		t.Fatalf("wrong passphrase: %q", c2.errLabel.Text)
	}
	if chs, _ := dst.Store.Channels(ctx); len(chs) != 0 {
		t.Fatal("a wrong passphrase restored something")
	}
	c2.runRestore(io.NopCloser(bytes.NewReader(file.Bytes())), "a long passphrase")
	c2.running.Wait()
	if c2.errLabel.Visible() || !c2.result.Visible() {
		t.Fatalf("restore: %q", c2.errLabel.Text)
	}
	ch, err := dst.Registry.Get(ctx, "phone")
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := dst.Registry.Settings(ctx, ch); err != nil || raw["token"] != "tok-backup-card-123" {
		t.Fatalf("restored settings %v, %v", raw, err)
	}

	// A second restore merges: the channel is a conflict, kept.
	c2.merge.SetChecked(true)
	if c2.replace.Disabled() {
		t.Fatal("merge does not enable replace")
	}
	c2.runRestore(io.NopCloser(bytes.NewReader(file.Bytes())), "a long passphrase")
	c2.running.Wait()
	if !strings.Contains(c2.result.Text, "phone") {
		t.Fatalf("merge result %q", c2.result.Text)
	}
	c2.merge.SetChecked(false)
	if !c2.replace.Disabled() || c2.replace.Checked {
		t.Fatal("replace stays on without merge")
	}
}

func TestBackupReminderAfterThirtyDays(t *testing.T) {
	ctx := context.Background()
	env := memEnv(t)
	now := time.Now()
	if backup.Due(ctx, env.Store, now.Add(40*24*time.Hour)) {
		t.Fatal("due with nothing to back up")
	}
	if _, err := env.Registry.Add(ctx, "gotify", "phone", map[string]string{"server": "http://127.0.0.1:9", "token": "tok-reminder-123"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{{29 * 24 * time.Hour, false}, {31 * 24 * time.Hour, true}} {
		if got := backup.Due(ctx, env.Store, now.Add(tc.after)); got != tc.want {
			t.Errorf("no backup, %v later: due %v", tc.after, got)
		}
	}
	if err := backup.MarkDone(ctx, env.Store, now.Add(20*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if backup.Due(ctx, env.Store, now.Add(31*24*time.Hour)) {
		t.Error("due 11 days after a backup")
	}
	if !backup.Due(ctx, env.Store, now.Add(51*24*time.Hour)) {
		t.Error("not due 31 days after a backup")
	}
	if err := env.SetBackupReminder(ctx, false); err != nil {
		t.Fatal(err)
	}
	if backup.Due(ctx, env.Store, now.Add(100*24*time.Hour)) {
		t.Error("due with the reminder off")
	}
}
