package cli_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
)

// wipe removes the data folder and every keyring entry its channels and
// tasks had, as a new computer would have neither.
func (h *herald) wipe() {
	h.t.Helper()
	ctx := context.Background()
	env, err := host.Open(ctx, h.dir, host.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	chs, _ := env.Store.Channels(ctx)
	ts, _ := env.Store.Tasks(ctx)
	inst, _ := env.Store.InstanceID(ctx)
	var names [][2]string
	for _, c := range chs {
		for _, f := range c.Secrets {
			names = append(names, [2]string{c.ID, f})
		}
	}
	for _, t := range ts {
		for _, f := range []string{"env", "headers"} {
			names = append(names, [2]string{"task-" + inst + "-" + strconv.FormatInt(t.ID, 10), f})
		}
	}
	env.Close()
	for _, n := range names {
		if err := (secret.Keyring{}).Delete(n[0], n[1]); err != nil {
			h.t.Fatal(err)
		}
		if _, err := (secret.Keyring{}).Get(n[0], n[1]); !errors.Is(err, secret.ErrNotFound) {
			h.t.Fatalf("keyring entry %s/%s survived the wipe: %v", n[0], n[1], err)
		}
	}
	if err := os.RemoveAll(h.dir); err != nil {
		h.t.Fatal(err)
	}
}

func TestBackupWipeRestoreEveryKindStillPushes(t *testing.T) {
	h := newHerald(t)
	var secrets []string
	var names []string
	for _, k := range kinds.All() {
		if k.ID == "desktop" {
			h.must("channel", "add", "desktop", "here")
			continue
		}
		srv := fakes[k.ID](t)
		cfg := srv.Config()
		for _, key := range k.SecretKeys() {
			if v := cfg[key]; len(v) >= 8 {
				secrets = append(secrets, v)
			}
		}
		name := "ch-" + k.ID
		h.must(append([]string{"channel", "add", k.ID, name}, kvArgs(cfg)...)...)
		names = append(names, name)
	}
	env, hdr := "canary-env-value-4242", "tok-backup-0123456789"
	secrets = append(secrets, env, hdr)
	h.must("task", "add", "hello", "--command", "echo hello", "--env", "GREETING="+env, "--every", "5m")
	h.must("task", "add", "health", "--http", "http://127.0.0.1:9/health", "--header", "Authorization: Bearer "+hdr, "--daily", "08:00")
	h.must("settings", "set", "auto_success=true", "failures_before_notify=2", "channels=ch-gotify,ch-ntfy")
	h.must("task", "push", "hello", "channels=ch-slack", "recovery=false")
	before := map[string]string{}
	for _, v := range [][]string{{"settings", "show"}, {"task", "push", "hello"}, {"task", "show", "hello"}, {"task", "show", "health"}, {"channel", "list"}} {
		before[strings.Join(v, " ")] = h.must(v...)
	}

	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("a long passphrase\n"), 0o600)
	file := filepath.Join(t.TempDir(), "herald.backup")
	out := h.must("backup", file, "--passphrase-file", pw, "--with-history")
	if !strings.Contains(out, "with secrets") || !strings.Contains(out, "outbox rows") {
		t.Fatalf("backup: %q", out)
	}
	data, _ := os.ReadFile(file)
	for _, s := range secrets {
		for form, f := range channeltest.CanaryForms(s) {
			if len(f) >= 8 && strings.Contains(string(data), f) {
				t.Errorf("secret %q in the backup file (%s)", s, form)
			}
		}
	}

	h.wipe()
	out = h.must("restore", file, "--passphrase-file", pw)
	if !strings.Contains(out, "tasks") || strings.Contains(out, "secret not in the file") {
		t.Fatalf("restore: %q", out)
	}
	for _, name := range names {
		if out := h.must("channel", "test", name); !strings.Contains(out, name+": ok") {
			t.Fatalf("channel test %s after restore: %q", name, out)
		}
	}
	if code, out, _ := h.run("", "channel", "test", "here"); code != cli.ExitFailed || !strings.Contains(out, "no Herald window") {
		t.Fatalf("desktop channel after restore: exit %d %q", code, out)
	}
	for v, want := range before {
		// An interval schedule counts from the restore; the list shows last tests.
		if got := h.must(strings.Fields(v)...); dropLines(got, "next:") != dropLines(want, "next:") && v != "channel list" {
			t.Errorf("%s after restore:\n%s\nwant:\n%s", v, got, want)
		}
	}
	if out := h.must("task", "show", "hello"); !strings.Contains(out, "GREETING") {
		t.Errorf("env lost: %s", out)
	}
}

func TestRestoreBadFilesFailClearlyAndChangeNothing(t *testing.T) {
	h := newHerald(t)
	srv := fakes["gotify"](t)
	h.must(append([]string{"channel", "add", "gotify", "phone"}, kvArgs(srv.Config())...)...)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("a long passphrase"), 0o600)
	wrong := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(wrong, []byte("another passphrase"), 0o600)
	file := filepath.Join(t.TempDir(), "b")
	h.must("backup", file, "--passphrase-file", pw)
	data, _ := os.ReadFile(file)
	cut := filepath.Join(t.TempDir(), "cut")
	os.WriteFile(cut, data[:len(data)-20], 0o600)
	tiny := filepath.Join(t.TempDir(), "tiny")
	os.WriteFile(tiny, data[:10], 0o600)

	empty := &herald{t: t, dir: t.TempDir()}
	for _, tc := range []struct {
		name, file, pw, want, zh string
	}{
		{"wrong passphrase", file, wrong, "wrong passphrase", "密码短语错误"},
		{"truncated", cut, pw, "damaged or incomplete", "已损坏或不完整"},
		{"truncated to nothing", tiny, pw, "damaged or incomplete", "已损坏或不完整"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := empty.run("", "restore", tc.file, "--passphrase-file", tc.pw)
			if code != cli.ExitBadArgs || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "Nothing was changed") {
				t.Fatalf("exit %d %q", code, errs)
			}
			t.Setenv("LANG", "zh_CN.UTF-8")
			if _, _, errs := empty.run("", "restore", tc.file, "--passphrase-file", tc.pw); !strings.Contains(errs, tc.zh) {
				t.Fatalf("zh: %q", errs)
			}
			if out := empty.must("channel", "list"); strings.Contains(out, "phone") {
				t.Fatalf("restored something: %s", out)
			}
		})
	}
	// Into a folder that has channels: refused without --merge; with it the
	// conflict is listed and kept.
	if code, _, errs := h.run("", "restore", file, "--passphrase-file", pw); code != cli.ExitBadArgs || !strings.Contains(errs, "--merge") {
		t.Fatalf("restore into a used folder: exit %d %q", code, errs)
	}
	if out := h.must("restore", file, "--passphrase-file", pw, "--merge"); !strings.Contains(out, `conflict: channel "phone"`) {
		t.Fatalf("merge: %q", out)
	}
	if out := h.must("restore", file, "--passphrase-file", pw, "--merge", "--replace"); !strings.Contains(out, `replaced channel "phone"`) {
		t.Fatalf("merge --replace: %q", out)
	}
	h.must("channel", "test", "phone")
}

func TestExportImportWithoutSecrets(t *testing.T) {
	h := newHerald(t)
	srv := fakes["gotify"](t)
	cfg := srv.Config()
	h.must(append([]string{"channel", "add", "gotify", "phone"}, kvArgs(cfg)...)...)
	h.must("task", "add", "hello", "--command", "echo hi", "--env", "TOKEN=export-canary-123456", "--every", "5m")
	out := h.must("export", "--format", "json")
	h.must("channel", "rm", "phone") // its secret leaves the keyring
	if strings.Contains(out, cfg["token"]) || strings.Contains(out, "export-canary-123456") || !strings.Contains(out, `"version": 1`) {
		t.Fatalf("export:\n%s", out)
	}
	f := filepath.Join(t.TempDir(), "herald.json")
	os.WriteFile(f, []byte(out), 0o600)
	other := &herald{t: t, dir: t.TempDir()}
	imp := other.must("import", f)
	if !strings.Contains(imp, `secret not in the file, enter it again: channel "phone": token`) || !strings.Contains(imp, "TOKEN") {
		t.Fatalf("import: %q", imp)
	}
	if code, _, errs := other.run("", "export", "--format", "yaml"); code != cli.ExitBadArgs || !strings.Contains(errs, "json") {
		t.Fatalf("--format yaml: %d %q", code, errs)
	}
}

func dropLines(s, prefix string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), prefix) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
