package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
)

// Push queues m for channel c as an outbox row of the given source ("test",
// "send") and returns the row.
func (d *Dispatcher) Push(ctx context.Context, c registry.Channel, source string, m message.Message) (*store.OutboxItem, error) {
	item := &store.OutboxItem{Source: source, ChannelID: c.ID, Title: m.Title, Body: m.Body, Markdown: m.Markdown,
		Level: string(m.Level), PictureURL: m.PictureURL}
	if err := d.p.Store.Enqueue(ctx, item); err != nil {
		return nil, err
	}
	return item, nil
}

// DeliverFunc delivers outbox row id now and returns the attempt.
type DeliverFunc func(ctx context.Context, id int64) (store.Delivery, error)

// TestChannel sends a test push through the outbox now, waits for the
// service's answer and records it as the channel's last test.
func (d *Dispatcher) TestChannel(ctx context.Context, c registry.Channel) (store.Delivery, error) {
	return d.TestChannelVia(ctx, c, func(ctx context.Context, id int64) (store.Delivery, error) {
		return d.DeliverRequested(ctx, id, 0)
	})
}

// TestChannelVia is TestChannel with the row delivered by deliver: a CLI
// verb hands it to the data folder's delivery owner, then records the
// answer like TestChannel.
func (d *Dispatcher) TestChannelVia(ctx context.Context, c registry.Channel, deliver DeliverFunc) (store.Delivery, error) {
	at := time.Now()
	item, err := d.Push(ctx, c, "test", registry.TestMessage(c.Name, at))
	if err != nil {
		return store.Delivery{}, err
	}
	del, err := deliver(ctx, item.ID)
	if err != nil {
		return del, err
	}
	res := store.TestResult{At: at, OK: del.OK, Answer: del.Answer}
	if res.OK {
		res.Answer = "ok"
	}
	return del, d.p.Store.RecordChannelTest(ctx, c.ID, res)
}

// settleEvery is how often DeliverRequested looks at a row the claim loop
// is sending.
const settleEvery = 50 * time.Millisecond

// DeliverRequested delivers row id now for a caller who saw it with seen
// attempts. The claim loop may have taken the row first (it is due at
// once): then it waits for that attempt and returns it instead of sending
// twice, so the caller learns the outcome either way.
func (d *Dispatcher) DeliverRequested(ctx context.Context, id int64, seen int) (store.Delivery, error) {
	for {
		it, err := d.p.Store.OutboxItemByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.Delivery{}, fmt.Errorf("outbox row %d does not exist", id)
		}
		if err != nil {
			return store.Delivery{}, err
		}
		if it.Attempts > seen {
			return d.lastDelivery(ctx, id)
		}
		switch it.State {
		case store.OutboxPending:
			del, err := d.DeliverNow(ctx, id)
			if !errors.Is(err, store.ErrWrongState) {
				return del, err
			}
			// Claimed by the loop in between: look again.
		case store.OutboxInflight:
			select {
			case <-ctx.Done():
				return store.Delivery{}, fmt.Errorf("outbox row %d is being sent: %w", id, ctx.Err())
			case <-time.After(settleEvery):
			}
		default:
			return store.Delivery{}, fmt.Errorf("outbox row %d is %s, not pending (see `herald outbox retry`)", id, it.State)
		}
	}
}

func (d *Dispatcher) lastDelivery(ctx context.Context, id int64) (store.Delivery, error) {
	dels, err := d.p.Store.Deliveries(ctx, id)
	if err != nil {
		return store.Delivery{}, err
	}
	if len(dels) == 0 {
		return store.Delivery{}, fmt.Errorf("outbox row %d: attempted but no attempt recorded", id)
	}
	return dels[len(dels)-1], nil
}
