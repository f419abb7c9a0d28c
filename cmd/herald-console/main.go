// Command herald-console is Herald's console twin for Windows, installed
// as herald.com beside Herald.exe. Herald.exe is a GUI program: cmd and
// PowerShell neither wait for it nor give it their console. Typing
// "herald ..." runs the twin first (PATHEXT lists .COM before .EXE); the
// twin is a console program, so the shell waits for it, and it runs the
// .exe of its own name with the same arguments, the same standard streams
// and console, and returns its exit code. Double-clicking Herald.exe
// involves no twin and shows no console.
//
// It builds on every system (go build ./...) but is only shipped for
// Windows.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/heraldpush/herald/app/console"
)

func main() {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		os.Exit(1)
	}
	// Ctrl+C reaches Herald itself, which shares the console and shuts down
	// cleanly; the twin waits for it. Notify rather than Ignore: an ignored
	// Ctrl+C falls through to Windows' default handler, which ends the twin.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt)
	os.Exit(run(self, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// target is the program the twin at self runs: its name with .exe.
func target(self string) string {
	return strings.TrimSuffix(self, filepath.Ext(self)) + ".exe"
}

// run runs the target of self with args and returns its exit code.
func run(self string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := exec.Command(target(self), args...)
	c.Stdin, c.Stdout, c.Stderr = stdin, stdout, stderr
	c.Env = append(os.Environ(), console.TwinEnv+"=1")
	err := c.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	fmt.Fprintf(stderr, "herald: run %s: %v\n", target(self), err)
	return 1
}
