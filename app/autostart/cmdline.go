package autostart

import (
	"errors"
	"strings"
)

// windowsCommandLine renders e as a Windows command line (the HKCU Run
// value): the program path in quotes, as Windows parses a program name,
// and each argument escaped the way CommandLineToArgvW and the C runtime
// read it back. Build-tag free so the rules are tested on every OS.
func windowsCommandLine(e Entry) (string, error) {
	if e.Exec == "" || strings.ContainsAny(e.Exec, "\"\x00") {
		return "", errors.New("autostart: program path is empty or contains a quote")
	}
	var b strings.Builder
	b.WriteString(`"` + e.Exec + `"`)
	for _, a := range e.Args {
		b.WriteByte(' ')
		b.WriteString(windowsArg(a))
	}
	return b.String(), nil
}

// windowsArg escapes one argument (the rules of syscall.EscapeArg):
// backslashes are literal unless they precede a quote; quotes are escaped;
// an argument with a space or tab, or an empty one, is put in quotes.
func windowsArg(s string) string {
	if s == "" {
		return `""`
	}
	if !strings.ContainsAny(s, "\"\\ \t") {
		return s
	}
	quoted := strings.ContainsAny(s, " \t")
	var b strings.Builder
	if quoted {
		b.WriteByte('"')
	}
	slashes := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			slashes++
		case '"':
			// The backslashes before a quote and the quote itself are escaped.
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(s[i])
	}
	if quoted {
		// Trailing backslashes would escape the closing quote.
		b.WriteString(strings.Repeat(`\`, slashes))
		b.WriteByte('"')
	}
	return b.String()
}

// windowsProgram is the program path at the start of a Windows command
// line: up to the closing quote when it starts with one, else up to the
// first space or tab (how Windows reads a program name: no escapes).
func windowsProgram(cmdline string) string {
	if rest, ok := strings.CutPrefix(cmdline, `"`); ok {
		p, _, _ := strings.Cut(rest, `"`)
		return p
	}
	if i := strings.IndexAny(cmdline, " \t"); i >= 0 {
		return cmdline[:i]
	}
	return cmdline
}
