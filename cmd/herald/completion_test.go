package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/testenv"
)

// Help is a successful answer on the bare command, on groups and on verbs.
func TestHelpExitsZero(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--help"}, {"channel", "--help"}, {"task", "add", "--help"}, {"help", "send"}, {"send", "-h"},
		{"outbox", "list", "--help"}, {"settings", "set", "--help"},
	} {
		out, err := herald(t, dir, args...)
		if err != nil || !strings.Contains(out, "Usage:") {
			t.Errorf("herald %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if out, _ := herald(t, dir, "task", "add", "--help"); !strings.Contains(out, "Examples:") || !strings.Contains(out, "--daily") {
		t.Errorf("task add --help lacks its examples or flags:\n%s", out)
	}
}

// complete runs the completion request a shell sends for args and returns
// the candidates without their descriptions.
func complete(t *testing.T, env []string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(heraldBin, append([]string{"__complete"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("__complete %q: %v", args, err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(line, ":") { // the directive ends the list
			break
		}
		name, _, _ := strings.Cut(line, "\t")
		names = append(names, name)
	}
	return names
}

// Channel and task names complete from the data folder named by --data-dir
// or HERALD_DATA_DIR; a missing folder completes nothing and is not created.
func TestCompletionNamesFromTheDataFolder(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"channel", "add", "desktop", "here"},
		{"channel", "add", "desktop", "two words"},
		{"task", "add", "tick", "--command", "true"},
	} {
		if out, err := herald(t, dir, args...); err != nil {
			t.Fatalf("herald %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	channels := []string{"here", "two words"}
	tests := []struct {
		env  []string
		args []string
		want []string
	}{
		{nil, []string{"--data-dir", dir, "channel", "show", ""}, channels},
		{[]string{"HERALD_DATA_DIR=" + dir}, []string{"channel", "test", ""}, channels},
		{nil, []string{"channel", "rm", "--data-dir", dir, "t"}, []string{"two words"}},
		{nil, []string{"--data-dir", dir, "send", "--channel", ""}, channels},
		{nil, []string{"--data-dir", dir, "task", "run", ""}, []string{"tick"}},
		{nil, []string{"--data-dir", dir, "channel", "show", "here", ""}, nil},
		{nil, []string{"channel", "add", "ding"}, []string{"dingtalk"}},
		{nil, []string{"channel", "add", "dingtalk", "team", "sec"}, []string{"secret="}},
		{nil, []string{"--data-dir", dir, "task", "add", "x", "--overlap", ""}, []string{"skip", "queue"}},
	}
	for _, tt := range tests {
		if got := complete(t, tt.env, tt.args...); !slices.Equal(got, tt.want) {
			t.Errorf("__complete %q = %q, want %q", tt.args, got, tt.want)
		}
	}

	missing := filepath.Join(t.TempDir(), "none")
	if got := complete(t, nil, "--data-dir", missing, "channel", "show", ""); len(got) != 0 {
		t.Errorf("a missing data folder completed %q", got)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("completion created the data folder %s (%v)", missing, err)
	}
}

// bashCompletion is the bash-completion package's library, which cobra's
// bash scripts need.
const bashCompletion = "/usr/share/bash-completion/bash_completion"

// The bash script the binary prints completes a channel's name through the
// binary itself.
func TestBashCompletionScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if _, serr := os.Stat(bashCompletion); err != nil || serr != nil {
		if testenv.InCI() {
			t.Fatal("bash and the bash-completion package are required in CI")
		}
		t.Skip("skipping: bash or the bash-completion package is not installed")
	}
	dir := t.TempDir()
	if out, err := herald(t, dir, "channel", "add", "desktop", "team"); err != nil {
		t.Fatalf("channel add: %v\n%s", err, out)
	}
	script := `source ` + bashCompletion + `
source <("$HERALD_BIN" completion bash)
COMP_WORDS=("$HERALD_BIN" channel show te)
COMP_CWORD=3
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
__start_herald
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
	cmd.Env = append(os.Environ(), "HERALD_BIN="+heraldBin, "HERALD_DATA_DIR="+dir)
	// Outside a real completion bash warns about compopt on stderr.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "team" {
		t.Fatalf("bash completion of `herald channel show te`: %v\n%s%s", err, out, stderr.String())
	}
	for _, shell := range []string{"zsh", "fish", "powershell"} {
		if out, err := herald(t, dir, "completion", shell); err != nil || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: %v\n%.200s", shell, err, out)
		}
	}
}
