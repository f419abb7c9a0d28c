package trayowner

import (
	"bytes"
	"log"
	"log/slog"
	"strings"
	"testing"
)

// What the log package prints while the tray runs (systray's failures)
// reaches the tray's logger as a warning and still its former output;
// the undo restores the log package as it was.
func TestStdLogTo(t *testing.T) {
	var before, logged bytes.Buffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&before)
	flags := log.Flags()
	undo := stdLogTo(slog.New(slog.NewTextHandler(&logged, nil)))
	log.Printf("systray error: unable to set icon: %s\n", "Success.")
	undo()
	log.Print("after the undo")

	if got := logged.String(); !strings.Contains(got, `level=WARN msg="systray error: unable to set icon: Success."`) || strings.Contains(got, "after the undo") {
		t.Errorf("the tray's log got:\n%s", got)
	}
	if got := before.String(); !strings.HasPrefix(got, "systray error: unable to set icon: Success.\n") || !strings.Contains(got, "after the undo") {
		t.Errorf("the log package's own output got:\n%s", got)
	}
	if log.Flags() != flags {
		t.Errorf("log flags %d after the undo, were %d", log.Flags(), flags)
	}
}
