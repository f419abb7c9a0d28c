package dispatch

import (
	"context"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// QuietPreview says in a sentence what the quiet hours do, for the Push
// settings tab: "Pushes between 23:00 and 07:30 are held and sent at 07:30
// as one message per channel." for one nightly window, a general sentence
// naming the windows otherwise, plus whether failures break through and,
// when now lies in quiet hours, until when they last. Bad windows: their
// problem.
func QuietPreview(q QuietSettings, now time.Time, loc *time.Location) i18n.Text {
	if loc == nil {
		loc = time.Local
	}
	ws, err := ParseQuietWindows(q.Windows)
	if err != nil {
		t, _ := i18n.TextOf(err)
		return t
	}
	if len(ws) == 0 {
		return i18n.T("quiet.preview.off")
	}
	main := i18n.T("quiet.preview.windows", "Windows", ws.String())
	if w := ws[0]; len(ws) == 1 && !w.AllDay && w.Days == [7]bool{true, true, true, true, true, true, true} {
		main = i18n.T("quiet.preview.daily", "From", clockText(w.Start), "To", clockText(w.End%86400))
	}
	brk := i18n.T("quiet.preview.break_tasks")
	if q.BreakThrough {
		brk = i18n.T("quiet.preview.break_all")
	}
	t := i18n.T("quiet.preview", "Main", main, "Break", brk)
	if until, ok := ws.Until(now, loc); ok {
		t = t.With("Now", i18n.T("quiet.preview.now", "Until", until.In(loc).Format("01-02 15:04")))
	}
	return t
}

// BurstPreview says in a sentence what burst coalescing does.
func BurstPreview(b BurstSettings) i18n.Text {
	if b.Max <= 0 {
		return i18n.T("quiet.burst.preview.off")
	}
	return i18n.T("quiet.burst.preview", "Max", b.Max, "Window", i18n.Duration(b.window()))
}

// QuietNow reports whether a desktop notification of run r's failure
// waits for the quiet hours to end, as its pushes do: the stored settings
// and the task's overrides, at r's end in loc. On a store error it says
// false: a notification too many beats one lost.
func QuietNow(ctx context.Context, st *store.Store, r task.Run, loc *time.Location) bool {
	s, err := LoadSettings(ctx, st)
	if err != nil {
		return false
	}
	o, err := LoadOverrides(ctx, st, r.TaskID)
	if err != nil {
		return false
	}
	reason := ReasonFailure
	if !r.Status.Failed() {
		reason = ReasonSuccess
	}
	_, quiet := QuietUntil(s, o, reason, r.Finished, loc)
	return quiet
}
