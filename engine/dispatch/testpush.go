package dispatch

import (
	"context"
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

// TestChannel sends a test push through the outbox now, waits for the
// service's answer and records it as the channel's last test.
func (d *Dispatcher) TestChannel(ctx context.Context, c registry.Channel) (store.Delivery, error) {
	at := time.Now()
	item, err := d.Push(ctx, c, "test", registry.TestMessage(c.Name, at))
	if err != nil {
		return store.Delivery{}, err
	}
	del, err := d.DeliverNow(ctx, item.ID)
	if err != nil {
		return del, err
	}
	res := store.TestResult{At: at, OK: del.OK, Answer: del.Answer}
	if res.OK {
		res.Answer = "ok"
	}
	return del, d.p.Store.RecordChannelTest(ctx, c.ID, res)
}
