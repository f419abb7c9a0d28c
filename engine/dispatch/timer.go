package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// LastDigestKey is the setting holding the end of the last window a digest
// covered (a time). A missed due time is detected against it at start-up.
const LastDigestKey = "digest.last_due"

// digestRetry is how long the digest timer waits after the store failed
// before it tries the same window again.
const digestRetry = time.Minute

// StartDigests starts the digest timer: at each due time of the batch
// settings (NextDigest) it summarises the runs that finished in
// (due − interval, due] (precisely: since the end of the last digest's
// window, which is the same instant except after a catch-up, an interval
// change or a DST change) and queues the digest for the settings'
// channels, one outbox row each. settings is read again on every cycle; call
// SettingsChanged after a change so the next due time is recomputed at
// once. When a due time passed while Herald was not running, one catch-up
// digest covers everything since the last one. The timer stops when ctx
// ends or at Shutdown.
func (d *Dispatcher) StartDigests(ctx context.Context, settings func() Settings) {
	d.mu.Lock()
	if d.digesting != nil || d.stopping {
		d.mu.Unlock()
		return
	}
	d.digesting = make(chan struct{})
	d.mu.Unlock()
	go d.digestLoop(ctx, settings)
}

// SettingsChanged wakes the digest timer to recompute its next due time.
func (d *Dispatcher) SettingsChanged() { poke(d.digestWake) }

func (d *Dispatcher) digestLoop(ctx context.Context, settings func() Settings) {
	defer close(d.digesting)
	t := &digestTimer{clock: d.p.Clock, loc: d.p.Location, store: d.p.Store, settings: settings, send: d.digest,
		wake: d.digestWake, stop: d.stop, log: d.log}
	t.run(ctx)
}

// digest queues the summary of the runs that finished in (from, to] for
// the settings' channels; nothing when Digest has nothing to say or push
// is switched off globally.
func (d *Dispatcher) digest(ctx context.Context, s Settings, from, to time.Time) error {
	if !s.Enabled {
		return nil
	}
	runs, err := d.p.Store.RunsFinishedBetween(ctx, from, to)
	if err != nil {
		return err
	}
	msg, ok := Digest(s, runs, from, to, d.p.Location)
	if !ok {
		return nil
	}
	ids, err := d.digestChannels(ctx, s)
	if err != nil {
		return err
	}
	items := make([]*store.OutboxItem, len(ids))
	for i, id := range ids {
		items[i] = &store.OutboxItem{Source: store.SourceDigest, ChannelID: id, Title: msg.Title, Body: msg.Body,
			Markdown: msg.Markdown, Level: string(msg.Level), PictureURL: msg.PictureURL}
	}
	holdQuiet(s, TaskOverrides{}, ReasonDigest, d.p.Clock.Now(), d.p.Location, items)
	if err := d.Enqueue(ctx, items...); err != nil {
		return fmt.Errorf("queue digest: %w", err)
	}
	d.log.Info("digest queued", "from", from, "to", to, "runs", len(runs), "channels", len(ids))
	return nil
}

// digestChannels are the ids of the settings' channels that still exist:
// every registered one with AllChannels, else the chosen ones.
func (d *Dispatcher) digestChannels(ctx context.Context, s Settings) ([]string, error) {
	list, err := d.p.Registry.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list channels for the digest: %w", err)
	}
	var ids []string
	for _, c := range list {
		if s.AllChannels || slices.Contains(s.Channels, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}
