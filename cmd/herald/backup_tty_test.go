//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// onTerminal runs herald with a pseudo-terminal as its terminal (util-linux
// script), typing input, in the terminal language lang.
func onTerminal(t *testing.T, lang, dataDir, input string, args ...string) (string, error) {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatalf("util-linux script (a pseudo-terminal) is needed: %v", err)
	}
	line := heraldBin + " --data-dir " + dataDir + " " + strings.Join(args, " ")
	cmd := exec.Command(script, "-qec", line, "/dev/null")
	cmd.Env = append(os.Environ(), "LANG="+lang, "LC_ALL="+lang, "LANGUAGE=")
	cmd.Stdin = strings.NewReader(input)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// On a terminal, backup asks the passphrase twice and restore once, in
// the terminal's language; two different passphrases and a wrong one
// write nothing.
func TestBackupAsksThePassphraseOnATerminal(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	if out, err := herald(t, src, "task", "add", "nightly", "--command", "true", "--every", "1h"); err != nil {
		t.Fatalf("task add: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "herald.backup")

	out, err := onTerminal(t, "zh_CN.UTF-8", src, "horse battery staple\nhorse battery stable\n", "backup", file, "--no-secrets")
	if err == nil || !strings.Contains(out, "密码：") || !strings.Contains(out, "再次输入密码：") || !strings.Contains(out, "两次输入的密码不一致") {
		t.Fatalf("different passphrases: %v\n%s", err, out)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("a backup was written after different passphrases: %v", err)
	}

	out, err = onTerminal(t, "en_US.UTF-8", src, "horse battery staple\nhorse battery staple\n", "backup", file, "--no-secrets")
	if err != nil || !strings.Contains(out, "Passphrase: ") || !strings.Contains(out, "Passphrase again: ") ||
		!strings.Contains(out, "backup written to "+file+": 0 channels, 1 tasks, without secrets") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil || !bytes.HasPrefix(data, []byte("age-encryption.org/v1")) || bytes.Contains(data, []byte("nightly")) {
		t.Fatalf("the backup is not an age file hiding its content (%v): %.60q", err, data)
	}

	out, err = onTerminal(t, "zh_CN.UTF-8", dst, "wrong horse\n", "restore", file)
	if err == nil || !strings.Contains(out, "密码：") || strings.Contains(out, "再次输入") {
		t.Fatalf("wrong passphrase: %v\n%s", err, out)
	}
	if list, _ := herald(t, dst, "task", "list"); strings.Contains(list, "nightly") {
		t.Fatalf("a wrong passphrase restored something:\n%s", list)
	}
	out, err = onTerminal(t, "zh_CN.UTF-8", dst, "horse battery staple\n", "restore", file)
	if err != nil || !strings.Contains(out, "已写入 0 个渠道、1 个任务") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if list, _ := herald(t, dst, "task", "list"); !strings.Contains(list, "nightly") {
		t.Fatalf("restored folder lacks the task:\n%s", list)
	}
}
