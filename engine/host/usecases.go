package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
)

// The use cases the CLI, the API and the window share: each is written
// once here so that the three faces cannot drift apart.

// Send queues m once for each channel of targets — a channel named twice
// is sent once — and announces the rows; the running engine delivers them.
// When a row cannot be queued, the rows queued before it stay queued and
// are returned with the error.
func (e *Env) Send(ctx context.Context, targets []registry.Channel, m message.Message) ([]*store.OutboxItem, error) {
	var items []*store.OutboxItem
	defer func() { e.Dispatcher.Queued(items...) }()
	seen := map[string]bool{}
	for _, c := range targets {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		it, err := e.Dispatcher.Push(ctx, c, store.SourceSend, m)
		if err != nil {
			return items, fmt.Errorf("queue the message for %q: %w", c.Name, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// Retry makes a failed or dropped outbox row pending, due now, and wakes
// the dispatcher. It returns the row as it was before, whose attempts tell
// the caller which attempts are new.
func (e *Env) Retry(ctx context.Context, id int64) (store.OutboxItem, error) {
	it, err := e.Store.OutboxItemByID(ctx, id)
	if err != nil {
		return store.OutboxItem{}, err
	}
	if err := e.Store.RetryOutbox(ctx, id, time.Now()); err != nil {
		return it, err
	}
	e.Dispatcher.Notify()
	return it, nil
}

// Test sends a test push to c through the outbox now and waits for the
// service's answer, which the store records as the channel's last test.
// The error's text is redacted: it may be shown as it is.
func (e *Env) Test(ctx context.Context, c registry.Channel) (store.Delivery, error) {
	d, err := e.Dispatcher.TestChannel(ctx, c)
	if err != nil {
		return d, errors.New(e.Redactor.Error(err))
	}
	return d, nil
}

// Redact returns err's text with every known secret masked.
func (e *Env) Redact(err error) string { return e.Redactor.Error(err) }

// TestUnsaved sends a test push straight to a channel of kind k built from
// raw, settings that are not stored (a form's current values), and returns
// the service's error. Nothing is written: no channel, no outbox row, no
// keyring entry, no last test. The error's text is redacted, the unsaved
// secrets included.
func (e *Env) TestUnsaved(ctx context.Context, k *channel.Kind, name string, raw map[string]string) error {
	cfg, err := k.Parse(raw)
	if err != nil {
		return err
	}
	for _, key := range k.SecretKeys() {
		if v := cfg.String(key); v != "" {
			e.Redactor.AddRecent(v)
		}
	}
	deps := e.Registry.Deps
	if deps.Redactor == nil {
		deps.Redactor = e.Redactor
	}
	ch, err := k.Open(cfg, deps)
	if err == nil {
		m := registry.TestMessage(name, time.Now())
		err = ch.Send(channel.WithMessage(ctx, m), m)
	}
	if err != nil {
		return errors.New(e.Redactor.Error(err))
	}
	return nil
}
