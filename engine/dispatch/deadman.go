package dispatch

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// Keys of the watcher's durable state.
const (
	// AliveKey holds the last time the watcher checked: after a start or a
	// wake, the time since is the absence a "while you were away" summary
	// covers.
	AliveKey = "watch.alive"
	// AwayKey holds the start of the last absence summed up, so a crash
	// right after the summary does not send it again.
	AwayKey = "watch.away"
)

// DeadmanKey is where a task's dead-man mark lives: the reference time (its
// last success, or its creation) whose miss was pushed. A miss is pushed
// once per reference: the next push needs a new success first.
func DeadmanKey(taskID int64) string { return "watch.deadman." + strconv.FormatInt(taskID, 10) }

const (
	// watchEvery is the longest the watcher sleeps: it also catches
	// settings and tasks changed by another process this often.
	watchEvery = 30 * time.Second
	// awayGap: a gap between two checks longer than this means Herald was
	// not running, or the machine slept.
	awayGap = 2 * time.Minute
	// maxMissedRuns bounds counting the fires of one task in an absence.
	maxMissedRuns = 1000
)

// Missing is a task whose dead-man's switch tripped.
type Missing struct {
	Task     task.Task
	Since    time.Time     // its last success, or its creation when Never
	Never    bool          // it never succeeded
	Every    time.Duration // its period
	Channels []string
	// Overrides are the task's own push rules: its quiet hours among them.
	Overrides TaskOverrides
}

// MissedRuns is how often a task should have fired during an absence.
type MissedRuns struct {
	Task task.Task
	N    int // capped at maxMissedRuns
}

// countMissed counts the fires of t's schedule in (from, to].
func countMissed(t task.Task, from, to time.Time, loc *time.Location) int {
	if t.Schedule.Kind == task.ScheduleNone {
		return 0
	}
	n := 0
	for at := t.Schedule.Next(from, loc); !at.IsZero() && !at.After(to) && n < maxMissedRuns; at = t.Schedule.Next(at, loc) {
		n++
	}
	return n
}

// watcher runs the dead-man's switches, the "while you were away" summary
// and Herald's heartbeat on the dispatcher's clock.
type watcher struct {
	clock    clockwork.Clock
	loc      *time.Location
	store    *store.Store
	channels func(ctx context.Context) ([]string, error)
	settings func() Settings
	queued   func(items ...*store.OutboxItem)
	ping     func(ctx context.Context, s Settings) // nil: no heartbeat
	wake     <-chan struct{}
	stop     <-chan struct{}
	log      *slog.Logger

	alive    time.Time // last successful check
	lastPing time.Time
}

func (w *watcher) run(ctx context.Context) {
	if _, err := w.store.Setting(ctx, AliveKey, &w.alive); err != nil {
		w.log.Error("read the watcher's last check", "error", err)
	}
	for {
		now := w.clock.Now()
		next, err := w.check(ctx, now)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.log.Error("dead-man check", "error", err)
			next = now.Add(watchEvery)
		}
		if !w.waitUntil(ctx, next) {
			return
		}
	}
}

// check pushes what is due at now and returns when to check again.
func (w *watcher) check(ctx context.Context, now time.Time) (time.Time, error) {
	s := w.settings()
	var away *[2]time.Time
	if !w.alive.IsZero() && now.Sub(w.alive) > awayGap {
		away = &[2]time.Time{w.alive, now}
	}
	next, err := w.deadman(ctx, s, now, away)
	if err != nil {
		return time.Time{}, err
	}
	w.alive = now
	if err := w.store.SetSetting(ctx, AliveKey, now); err != nil {
		return time.Time{}, err
	}
	if w.ping != nil {
		every := time.Duration(s.Heartbeat.Interval) * time.Second
		if w.lastPing.IsZero() || !now.Before(w.lastPing.Add(every)) {
			w.lastPing = now
			w.ping(ctx, s)
		}
		next = earliest(next, w.lastPing.Add(every))
	}
	return next, nil
}

// deadman finds the tasks whose switch tripped and pushes each once (or,
// after an absence, one summary of them and of the runs missed).
func (w *watcher) deadman(ctx context.Context, s Settings, now time.Time, away *[2]time.Time) (time.Time, error) {
	next := now.Add(watchEvery)
	list, err := w.store.Tasks(ctx)
	if err != nil {
		return next, err
	}
	last, err := w.store.LastSuccesses(ctx)
	if err != nil {
		return next, err
	}
	ids, err := w.channels(ctx)
	if err != nil {
		return next, err
	}
	var missing []Missing
	var missed []MissedRuns
	for _, t := range list {
		if !t.Enabled {
			continue
		}
		if away != nil {
			if n := countMissed(t, away[0], away[1], w.loc); n > 0 {
				missed = append(missed, MissedRuns{Task: t, N: n})
			}
		}
		o, err := LoadOverrides(ctx, w.store, t.ID)
		if err != nil {
			return next, err
		}
		every := o.DeadmanPeriod()
		if every == 0 {
			continue
		}
		ref, ok := last[t.ID]
		if !ok {
			ref = t.CreatedAt
		}
		if !deadmanDue(ref, every, now) {
			next = earliest(next, ref.Add(every))
			continue
		}
		chans := channelsFor(s, o, ids)
		if !rulesFor(s, o).push || len(chans) == 0 {
			continue
		}
		missing = append(missing, Missing{Task: t, Since: ref, Never: !ok, Every: every, Channels: chans, Overrides: o})
	}
	if len(missing) == 0 {
		return next, nil
	}
	// The summary replaces a burst of "missing" pushes: an absence in which
	// runs merely fell due (a laptop asleep at night) is not worth a message.
	summarise := away != nil && s.AwaySummary && s.Enabled
	var items []*store.OutboxItem
	err = w.store.InSettingsTx(ctx, func(tx *store.SettingsTx) error {
		items = nil
		var fresh []Missing
		for _, m := range missing {
			var mark time.Time
			if _, err := tx.Setting(DeadmanKey(m.Task.ID), &mark); err != nil {
				return err
			}
			if !mark.Equal(m.Since) {
				fresh = append(fresh, m)
			}
			if err := tx.SetSetting(DeadmanKey(m.Task.ID), m.Since); err != nil {
				return err
			}
		}
		if summarise {
			var mark time.Time
			if _, err := tx.Setting(AwayKey, &mark); err != nil {
				return err
			}
			if !mark.Equal(away[0]) && len(fresh) > 0 {
				msg := AwaySummary(s, away[0], away[1], fresh, missed, w.loc)
				items = rows(store.SourceDigest, awayChannels(s, ids, fresh), msg, now)
				if !breaksThrough(s, fresh, now, w.loc) {
					holdQuiet(s, TaskOverrides{}, ReasonMissing, now, w.loc, items)
				}
				if err := tx.SetSetting(AwayKey, away[0]); err != nil {
					return err
				}
				return tx.Enqueue(items...)
			}
		}
		for _, m := range fresh {
			rs := rows(store.SourceDigest, m.Channels, MissingMessage(s, m, w.loc), now)
			holdQuiet(s, m.Overrides, ReasonMissing, now, w.loc, rs)
			items = append(items, rs...)
		}
		return tx.Enqueue(items...)
	})
	if err != nil {
		return next, fmt.Errorf("queue missing-task pushes: %w", err)
	}
	if len(items) > 0 {
		w.log.Info("dead-man pushes queued", "rows", len(items), "away", away != nil)
		w.queued(items...)
	}
	return next, nil
}

// breaksThrough: one of the missing tasks would have its own "missing"
// push sent in quiet hours, so the summary that replaces it is sent too.
func breaksThrough(s Settings, missing []Missing, now time.Time, loc *time.Location) bool {
	for _, m := range missing {
		if _, held := QuietUntil(s, m.Overrides, ReasonMissing, now, loc); !held {
			return true
		}
	}
	return false
}

func rows(source string, channels []string, msg message.Message, now time.Time) []*store.OutboxItem {
	items := make([]*store.OutboxItem, len(channels))
	for i, id := range channels {
		items[i] = &store.OutboxItem{Source: source, ChannelID: id, Title: msg.Title, Body: msg.Body,
			Markdown: msg.Markdown, Level: string(msg.Level), PictureURL: msg.PictureURL, CreatedAt: now}
	}
	return items
}

// awayChannels are the global push channels and those of every missing
// task, in order, without duplicates.
func awayChannels(s Settings, ids []string, missing []Missing) []string {
	out := channelsFor(s, TaskOverrides{}, ids)
	for _, m := range missing {
		for _, id := range m.Channels {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// pushLang is the i18n language of push texts.
func pushLang(s Settings) string {
	if messageLanguage(s.Language) == "zh" {
		return i18n.Chinese
	}
	return i18n.English
}

func fmtTime(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format(timeLayout)
}

// MissingMessage is the push of one tripped dead-man's switch.
func MissingMessage(s Settings, m Missing, loc *time.Location) message.Message {
	lang := pushLang(s)
	body := "deadman.msg.missing.body"
	if m.Never {
		body = "deadman.msg.missing.never"
	}
	return message.Message{
		Title: i18n.T("deadman.msg.missing.title", "Task", m.Task.Name).In(lang),
		Body: i18n.T(body, "Task", m.Task.Name, "Since", fmtTime(m.Since, loc),
			"Every", i18n.Duration(m.Every)).In(lang),
		Level: message.LevelError,
	}
}

// AwaySummary is the one message after an absence from from to to: the
// tasks whose switch tripped and the runs that fell due meanwhile.
func AwaySummary(s Settings, from, to time.Time, missing []Missing, missed []MissedRuns, loc *time.Location) message.Message {
	lang := pushLang(s)
	runs := 0
	for _, m := range missed {
		runs += m.N
	}
	var b strings.Builder
	b.WriteString(i18n.T("deadman.msg.away.head", "From", fmtTime(from, loc), "To", fmtTime(to, loc),
		"For", i18n.Duration(to.Sub(from).Round(time.Second))).In(lang))
	if len(missing) > 0 {
		b.WriteString("\n\n" + i18n.T("deadman.msg.away.missing").In(lang))
		for _, m := range missing {
			key := "deadman.msg.away.missing_line"
			if m.Never {
				key = "deadman.msg.away.missing_never"
			}
			b.WriteString("\n• " + i18n.T(key, "Task", m.Task.Name, "Since", fmtTime(m.Since, loc),
				"Every", i18n.Duration(m.Every)).In(lang))
		}
	}
	if len(missed) > 0 {
		b.WriteString("\n\n" + i18n.T("deadman.msg.away.missed").In(lang))
		for _, m := range missed {
			b.WriteString("\n• " + i18n.T("deadman.msg.away.missed_line", "Task", m.Task.Name, "N", m.N).In(lang))
		}
	}
	level := message.LevelInfo
	if len(missing) > 0 {
		level = message.LevelError
	}
	return message.Message{
		Title: i18n.T("deadman.msg.away.title", "Missing", len(missing), "Runs", runs).In(lang),
		Body:  b.String(),
		Level: level,
	}
}

// AnomalyMessage is the warning about a run of unusual duration.
func AnomalyMessage(s Settings, r task.Run, a Anomaly, n int, loc *time.Location) message.Message {
	lang := pushLang(s)
	title := "deadman.msg.anomaly.long"
	if a.Shorter {
		title = "deadman.msg.anomaly.short"
	}
	return message.Message{
		Title: i18n.T(title, "Task", r.TaskName).In(lang),
		Body: i18n.T("deadman.msg.anomaly.body", "Task", r.TaskName, "End", fmtTime(r.Finished, loc),
			"Duration", i18n.Duration(r.Duration()), "Median", i18n.Duration(a.Median),
			"Low", i18n.Duration(a.Low), "High", i18n.Duration(a.High), "N", n).In(lang),
		Level: message.LevelWarning,
	}
}

// waitUntil sleeps until at, a wake-up or the end; false when the watcher stops.
func (w *watcher) waitUntil(ctx context.Context, at time.Time) bool {
	fire, stop := timerAt(w.clock, at)
	defer stop()
	select {
	case <-fire:
		return true
	case <-w.wake:
		return true
	case <-w.stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// StartWatch starts the dead-man's switches, the "while you were away"
// summary and (ping not nil) the heartbeat: the watcher checks at each
// task's due time, at least every 30 s, and at once after WatchChanged.
// A check that succeeded (the store answers, the tasks are read) is a
// healthy tick: ping is called then, at most every heartbeat.interval.
// settings is read again on every check. The watcher stops with ctx or at
// Shutdown.
func (d *Dispatcher) StartWatch(ctx context.Context, settings func() Settings, ping func(ctx context.Context, s Settings)) {
	w := &watcher{clock: d.p.Clock, loc: d.p.Location, store: d.p.Store, settings: settings, ping: ping,
		queued: d.Queued, wake: d.watchWake, stop: d.stop, log: d.log,
		channels: func(ctx context.Context) ([]string, error) {
			list, err := d.p.Registry.List(ctx)
			if err != nil {
				return nil, fmt.Errorf("list channels: %w", err)
			}
			ids := make([]string, len(list))
			for i, c := range list {
				ids[i] = c.ID
			}
			return ids, nil
		}}
	d.mu.Lock()
	if d.watching != nil || d.stopping {
		d.mu.Unlock()
		return
	}
	d.watching = make(chan struct{})
	done := d.watching
	d.mu.Unlock()
	go func() {
		defer close(done)
		// A ping in flight ends with the dispatcher, not only with ctx.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-d.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		w.run(ctx)
	}()
}

// WatchChanged wakes the watcher to check again (tasks, overrides or
// settings changed).
func (d *Dispatcher) WatchChanged() { poke(d.watchWake) }
