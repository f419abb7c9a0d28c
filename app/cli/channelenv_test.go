package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/kinds"
)

const (
	plusToken = "pp0123456789abcdef0123456789abcd"
	tgToken   = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
)

// configSH is a qinglong config.sh as people have it: the sample's empty
// variables, two configured services, a stray line and an unknown one.
var configSH = strings.Join([]string{
	"## 通知",
	"export PUSH_PLUS_TOKEN=\"" + plusToken + "\"  # pushplus",
	"export PUSH_PLUS_USER='grp1'",
	"export BARK_PUSH=\"\"",
	"TG_BOT_TOKEN=" + tgToken,
	"export TG_USER_ID=\"12345678\"",
	"export QL_DIR=\"/ql\"",
	"if [ -f x ]; then",
	"",
}, "\r\n")

func TestImportEnvFromConfigFile(t *testing.T) {
	h := newHerald(t)
	file := filepath.Join(t.TempDir(), "config.sh")
	if err := os.WriteFile(file, []byte(configSH), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := h.run("", "channel", "import-env", file)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"created telegram (telegram)", "created pushplus (pushplus)"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"line 8:", "QL_DIR"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	show := h.must("channel", "show", "pushplus")
	if !strings.Contains(show, "grp1") || !strings.Contains(show, "••••") {
		t.Errorf("show pushplus:\n%s", show)
	}
	h.assertNoSecrets([]string{plusToken, tgToken}, out, errs, show)

	// Again: both names are taken, nothing is overwritten, exit 2.
	code, out, errs = h.run("", "channel", "import-env", file)
	if code != 2 || !strings.Contains(errs, "skipped pushplus: a channel of that name already exists") {
		t.Errorf("second import: exit %d\n%s%s", code, out, errs)
	}
	// With a prefix they are new names.
	if code, out, errs = h.run("", "channel", "import-env", "--prefix", "ql", file); code != 0 || !strings.Contains(out, "created ql-pushplus") {
		t.Errorf("prefixed import: exit %d\n%s%s", code, out, errs)
	}
}

func TestImportEnvFromStdinDryRun(t *testing.T) {
	h := newHerald(t)
	code, out, errs := h.run(configSH, "channel", "import-env", "--dry-run", "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"would create pushplus (pushplus)", "token: ••••abcd  ← PUSH_PLUS_TOKEN", "topic: grp1  ← PUSH_PLUS_USER", "would create telegram"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	h.assertNoSecrets([]string{plusToken, tgToken}, out, errs)
	if list := h.must("channel", "list"); strings.Contains(list, "pushplus") {
		t.Errorf("dry run created channels:\n%s", list)
	}
	// From stdin for real.
	if code, out, errs = h.run(configSH, "channel", "import-env", "-"); code != 0 || !strings.Contains(out, "created pushplus") {
		t.Errorf("import from stdin: exit %d\n%s%s", code, out, errs)
	}
}

func TestImportEnvReportsWhatItCannotCreate(t *testing.T) {
	cases := []struct {
		name, text string
		code       int
		stdout     []string
		stderr     []string
	}{
		{name: "sample, every variable empty", text: "export PUSH_PLUS_TOKEN=\"\"\nexport TG_BOT_TOKEN=\"\"\n", code: 2,
			stderr: []string{"no notify variable of a service Herald knows has a value"}},
		{name: "missing required by variable", text: "export TG_USER_ID=\"1\"\n", code: 2,
			stderr: []string{"skipped telegram: TG_BOT_TOKEN: required"}},
		{name: "bad value by variable", text: "export PUSH_PLUS_TOKEN=\"bad token!\"\nexport TG_USER_ID=\"1\"\nexport TG_BOT_TOKEN=\"" + tgToken + "\"\n", code: 0,
			stdout: []string{"created telegram"}, stderr: []string{"skipped pushplus: PUSH_PLUS_TOKEN:"}},
		{name: "only unknown and bad lines", text: "FOO=1\nexport BAR='x\n", code: 2,
			stderr: []string{"FOO", "line 2:", "No channel created"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHerald(t)
			code, out, errs := h.run(c.text, "channel", "import-env", "-")
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s%s", code, c.code, out, errs)
			}
			for _, want := range c.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range c.stderr {
				if !strings.Contains(errs, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errs)
				}
			}
		})
	}
}

func TestImportEnvSpeaksTheTerminalLanguage(t *testing.T) {
	t.Setenv("LC_ALL", "zh_CN.UTF-8")
	h := newHerald(t)
	code, _, errs := h.run("export TG_USER_ID=\"1\"\n", "channel", "import-env", "-")
	if code != 2 || !strings.Contains(errs, "已跳过 telegram") || !strings.Contains(errs, "TG_BOT_TOKEN：必填") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}

func TestExportEnvRoundTrip(t *testing.T) {
	h := newHerald(t)
	h.must("channel", "add", "pushplus", "pp", "token="+plusToken, "topic=grp1", "template=html", "api=https://pp.example.com")
	h.must("channel", "add", "telegram", "tg", "token="+tgToken, "chat_id=12345678")

	code, public, errs := h.run("", "channel", "export-env", "--all")
	if code != 0 || !strings.Contains(public, `export PUSH_PLUS_USER="grp1"`) ||
		!strings.Contains(public, `export PUSH_PLUS_TEMPLATE="html"`) || !strings.Contains(errs, "api") {
		t.Errorf("export without secrets: exit %d\n%s%s", code, public, errs)
	}
	h.assertNoSecrets([]string{plusToken, tgToken}, public, errs)

	code, full, errs := h.run("", "channel", "export-env", "pp", "tg", "--with-secrets")
	if code != 0 || !strings.Contains(errs, "secrets") || !strings.Contains(full, `export PUSH_PLUS_TOKEN="`+plusToken+`"`) {
		t.Fatalf("export with secrets: exit %d\n%s%s", code, full, errs)
	}
	other := newHerald(t)
	if code, out, errs := other.run(full, "channel", "import-env", "-"); code != 0 {
		t.Fatalf("import of the export: exit %d\n%s%s", code, out, errs)
	}
	for _, pair := range [][2]string{{"pp", "pushplus"}, {"tg", "telegram"}} {
		before, after := h.must("channel", "show", pair[0]), other.must("channel", "show", pair[1])
		strip := func(s string) string { // names and ids differ; qinglong has no API base
			_, fields, _ := strings.Cut(s, "id:")
			_, fields, _ = strings.Cut(fields, "\n")
			lines := strings.Split(fields, "\n")
			lines = slices.DeleteFunc(lines, func(l string) bool { return strings.Contains(l, "api") })
			for i, l := range lines { // the column width follows the longest value
				lines[i] = strings.Join(strings.Fields(l), " ")
			}
			return strings.Join(lines, "\n")
		}
		if strip(before) != strip(after) {
			t.Errorf("%s after the round trip:\n%s\nwant\n%s", pair[1], after, before)
		}
	}
	for _, args := range [][]string{{"export-env"}, {"export-env", "pp", "--all"}, {"export-env", "nope"}} {
		if code, _, _ := h.run("", append([]string{"channel"}, args...)...); code != 2 {
			t.Errorf("channel %v: exit %d, want 2", args, code)
		}
	}
}

// Every kind's canary secrets, exported and imported again through
// qinglong variables, reach neither what a person sees (a dry run, an
// export without --with-secrets, import messages) nor the data folder.
func TestCanarySecretsThroughQinglongVariables(t *testing.T) {
	from, to := newHerald(t), newHerald(t)
	var c channeltest.Canaries
	configs := channeltest.CanaryConfigs(&c, "https://canary.example.com", "smtp.example.com", "25")
	var outputs []string
	record := func(h *herald, stdin string, args ...string) string {
		code, out, errs := h.run(stdin, args...)
		outputs = append(outputs, fmt.Sprintf("herald %s (exit %d)\n%s%s", strings.Join(args, " "), code, out, errs))
		return out
	}
	tried := 0
	for _, k := range kinds.All() {
		if len(k.EnvVars()) == 0 {
			continue
		}
		for i, cfg := range configs[k.ID] {
			name := fmt.Sprintf("%s-%d", k.ID, i)
			from.must(append([]string{"channel", "add", k.ID, name}, kvArgs(cfg)...)...)
			t.Cleanup(func() { from.run("", "channel", "rm", name) })
			record(from, "", "channel", "export-env", name)
			_, full, _ := from.run("", "channel", "export-env", "--with-secrets", name)
			record(to, full, "channel", "import-env", "--dry-run", "--prefix", name, "-")
			record(to, full, "channel", "import-env", "--prefix", name, "-")
			t.Cleanup(func() { to.run("", "channel", "rm", name+"-"+k.ID) })
			tried++
		}
	}
	if tried == 0 {
		t.Fatal("no kind has qinglong variables")
	}
	var hits []string
	for _, out := range outputs {
		where, _, _ := strings.Cut(out, "\n")
		hits = append(hits, c.Hits("output of "+where, out)...)
	}
	for _, h := range []*herald{from, to} {
		entries, _ := os.ReadDir(h.dir)
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(h.dir, e.Name()))
			hits = append(hits, c.Hits("file "+e.Name(), string(data))...)
		}
	}
	for _, hit := range hits {
		t.Error(hit)
	}
	if testing.Verbose() {
		t.Log(strings.Join(outputs, "\n"))
	}
}
