package trayowner

import (
	"io"
	"log"
	"log/slog"
	"strings"
)

// stdLogTo has the standard log package write to l as warnings as well as
// where it wrote before, and returns the undo. fyne.io/systray reports its
// failures there ("systray error: unable to set icon: …") and nowhere
// else; a tray that runs detached (on Windows from Explorer, at login, or
// handed over by Herald.exe) has no stderr, so herald.log is where they
// can be read. The lines lose log's date prefix: slog stamps its own.
func stdLogTo(l *slog.Logger) (undo func()) {
	out, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetFlags(0)
	log.SetPrefix("")
	log.SetOutput(io.MultiWriter(out, stdLogWriter{l}))
	return func() {
		log.SetOutput(out)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
	}
}

// stdLogWriter logs each line the log package writes as a warning.
type stdLogWriter struct{ l *slog.Logger }

func (w stdLogWriter) Write(p []byte) (int, error) {
	if msg := strings.TrimSpace(string(p)); msg != "" {
		w.l.Warn(msg)
	}
	return len(p), nil
}
