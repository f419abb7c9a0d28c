package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/console"
)

// fakeHerald makes this test binary act as the program the twin runs: it
// prints its arguments, whether it saw the twin's marker and what it read,
// and exits with the code in its first argument.
const fakeHerald = "HERALD_CONSOLE_TWIN_TEST_CHILD"

// twinMode makes this test binary run as the twin (main), whose target
// then acts as fakeHerald.
const twinMode = "HERALD_CONSOLE_TWIN_TEST_TWIN"

func TestMain(m *testing.M) {
	if os.Getenv(twinMode) != "" {
		os.Unsetenv(twinMode)
		os.Setenv(fakeHerald, "1")
		main()
	}
	if os.Getenv(fakeHerald) != "" && len(os.Args) > 2 && os.Args[2] == "daemon" {
		// Like herald daemon: stop cleanly on Ctrl+C.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		go func() {
			io.Copy(io.Discard, os.Stdin)
			fmt.Println("stdin closed")
			os.Exit(9)
		}()
		fmt.Println("waiting for Ctrl+C")
		<-ctx.Done()
		fmt.Println("stopped cleanly")
		code, _ := strconv.Atoi(os.Args[1])
		os.Exit(code)
	}
	if os.Getenv(fakeHerald) != "" {
		in := "-"
		fmt.Fscan(os.Stdin, &in)
		fmt.Printf("args=%q twin=%q in=%s\n", os.Args[1:], os.Getenv(console.TwinEnv), in)
		fmt.Fprintln(os.Stderr, "to stderr")
		code, _ := strconv.Atoi(os.Args[1])
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func TestTarget(t *testing.T) {
	tests := []struct{ self, want string }{
		{`C:\Program Files\Herald\herald.com`, `C:\Program Files\Herald\herald.exe`},
		{`D:\herald-1.0-windows-amd64.com`, `D:\herald-1.0-windows-amd64.exe`},
		{`/opt/herald/herald-console`, `/opt/herald/herald-console.exe`},
	}
	for _, tt := range tests {
		if got := target(tt.self); got != tt.want {
			t.Errorf("target(%s) = %s, want %s", tt.self, got, tt.want)
		}
	}
}

// The twin runs "<its name>.exe" (here a copy of this binary) with the
// same arguments and streams and returns its exit code.
func TestRun(t *testing.T) {
	me, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(me)
	if err != nil {
		t.Fatal(err)
	}
	dir := tempDir(t)
	if err := os.WriteFile(filepath.Join(dir, "herald.exe"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(fakeHerald, "1")
	self := filepath.Join(dir, "herald.com")
	tests := []struct {
		args     []string
		wantCode int
	}{
		{[]string{"0", "channel", "list"}, 0},
		{[]string{"2", "--data-dir", `C:\my data\`, `say "hi"`}, 2},
		{[]string{"1", ""}, 1},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(self, tt.args, strings.NewReader("typed\n"), &out, &errOut)
		want := fmt.Sprintf("args=%q twin=\"1\" in=typed\n", tt.args)
		if code != tt.wantCode || out.String() != want || errOut.String() != "to stderr\n" {
			t.Errorf("run %q = %d, stdout %q, stderr %q; want %d, %q", tt.args, code, out.String(), errOut.String(), tt.wantCode, want)
		}
	}
	var errOut bytes.Buffer
	if code := run(filepath.Join(dir, "missing.com"), nil, strings.NewReader(""), new(bytes.Buffer), &errOut); code != 1 || !strings.Contains(errOut.String(), "missing.exe") {
		t.Errorf("missing target: code %d, stderr %q; want 1 naming missing.exe", code, errOut.String())
	}
}

// tempDir is a new folder. Not t.TempDir: under Wine 8 its RemoveAll fails
// ("unlinkat: Invalid function"), so the cleanup deletes file by file.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "twin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			os.Remove(filepath.Join(dir, f.Name()))
		}
		os.Remove(dir)
	})
	return dir
}
