package dispatch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/store"
)

// maxHeldItems are listed one by one in a summary; the rest are counted.
const maxHeldItems = 50

// HeldSummary is the one message that replaces a channel's held pushes
// (items, oldest first) of a hold kind: a title counting them by reason
// ("During quiet hours: 3 failures, 1 recovery") and a body listing each
// with its time, title and first line. Texts are in the settings'
// message language, times in loc.
func HeldSummary(s Settings, kind string, items []store.OutboxItem, loc *time.Location) message.Message {
	if loc == nil {
		loc = time.Local
	}
	lang := i18n.English
	if messageLanguage(s.Language) == "zh" {
		lang = i18n.Chinese
	}
	counts := map[Reason]int{}
	level := message.LevelInfo
	for _, it := range items {
		r := Reason(store.HoldReason(it.Hold))
		if r == ReasonEscalation {
			r = ReasonReminder // both say a failure goes on
		}
		counts[r]++
		if r == ReasonFailure || message.Level(it.Level) == message.LevelError {
			level = message.LevelError
		}
	}
	var parts []i18n.Text
	for _, c := range []struct {
		reason Reason
		key    string
	}{{ReasonFailure, "quiet.msg.failures"}, {ReasonMissing, "quiet.msg.missing"}, {ReasonReminder, "quiet.msg.reminders"},
		{ReasonAnomaly, "quiet.msg.warnings"}, {ReasonRecovered, "quiet.msg.recoveries"}, {ReasonSuccess, "quiet.msg.successes"}} {
		if n := counts[c.reason]; n > 0 {
			parts = append(parts, i18n.T(c.key, "N", n))
			delete(counts, c.reason)
		}
	}
	other := 0
	for _, n := range counts {
		other += n
	}
	if other > 0 {
		parts = append(parts, i18n.T("quiet.msg.others", "N", other))
	}
	at := func(t time.Time) string { return t.In(loc).Format("01-02 15:04") }
	from, to := items[0].CreatedAt, items[len(items)-1].CreatedAt
	titleKey, headKey := "quiet.msg.title.quiet", "quiet.msg.head.quiet"
	if kind == HoldBurst {
		titleKey, headKey = "quiet.msg.title.burst", "quiet.msg.head.burst"
	}
	summary := make([]string, len(parts))
	for i, p := range parts {
		summary[i] = p.In(lang)
	}
	title := i18n.T(titleKey, "N", len(items), "Summary", strings.Join(summary, i18n.T("quiet.msg.sep").In(lang)))
	head := i18n.T(headKey, "N", len(items), "From", at(from), "To", at(to))

	var b strings.Builder
	b.WriteString(head.In(lang))
	for i, it := range items {
		if i == maxHeldItems {
			b.WriteString("\n" + i18n.T("quiet.msg.more", "N", len(items)-i).In(lang))
			break
		}
		fmt.Fprintf(&b, "\n• %s %s", it.CreatedAt.In(loc).Format("15:04"), message.FirstLine(it.Title))
		if line := errorLine(it.Body); line != "" {
			b.WriteString("\n  " + clipRunes(line, maxDigestErrorLine))
		}
	}
	return message.Message{Title: title.In(lang), Body: b.String(), Level: level}
}

// errorLine is the error line of a push's body written by the default
// templates ("Error: …", "错误信息：…"); "" when it has none.
func errorLine(body string) string {
	for line := range strings.SplitSeq(body, "\n") {
		if strings.HasPrefix(line, "Error: ") || strings.HasPrefix(line, "错误信息：") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// releaseHeld merges the held rows that are due into one summary per
// channel and announces what it queued; it returns when the next held rows
// are due (false: none held). Only the delivery owner calls it (from the
// claim loop), and MergeHeld does it in one transaction: a crash before the
// commit keeps the held rows, one after it has queued the summary, never
// both.
func (d *Dispatcher) releaseHeld(ctx context.Context, now time.Time) (time.Time, bool) {
	next, ok, err := d.p.Store.NextHeld(ctx)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			d.log.Error("read held pushes", "error", err)
		}
		return time.Time{}, false
	}
	if next.After(now) {
		return next, true
	}
	s, err := LoadSettings(ctx, d.p.Store)
	if err != nil {
		d.log.Error("read push settings for held pushes", "error", err)
		return now.Add(digestRetry), true
	}
	queued, err := d.p.Store.MergeHeld(ctx, now, func(g store.HeldGroup) *store.OutboxItem {
		if len(g.Items) == 1 {
			return nil // a lone held push goes out as it is
		}
		msg := HeldSummary(s, g.Kind, g.Items, d.p.Location)
		return &store.OutboxItem{Source: store.SourceDigest, ChannelID: g.ChannelID, Title: msg.Title, Body: msg.Body,
			Level: string(msg.Level), CreatedAt: now}
	})
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("release held pushes", "error", err)
		}
		return now.Add(digestRetry), true
	}
	if len(queued) > 0 {
		d.log.Info("held pushes released", "rows", len(queued))
		d.Queued(queued...)
	}
	next, ok, _ = d.p.Store.NextHeld(ctx)
	return next, ok
}
