package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/store"
)

// ownerWait bounds how long a verb waits for another verb holding the data
// folder's lock, or for an owner that is still starting.
const ownerWait = 2 * time.Minute

// courier delivers a verb's outbox rows: the data folder's owner (window
// or daemon) does when one runs, since only the owner may send; otherwise
// this process does, holding the folder's lock until the verb ends.
type courier struct {
	c    *cmd
	lock *owner.Lock // nil: the owner delivers
}

// courier finds the owner or takes the lock, once per verb. The caller
// has opened the data folder.
func (c *cmd) courier(ctx context.Context) (*courier, error) {
	if c.deliverer != nil {
		return c.deliverer, nil
	}
	ctx, cancel := context.WithTimeout(ctx, ownerWait)
	defer cancel()
	_, lock, err := owner.Reach(ctx, c.env.DataDir, func(h owner.Holder) {
		fmt.Fprintf(c.std.Err, "herald: waiting for %s to finish with the data folder…\n", h)
	})
	if err != nil {
		return nil, err
	}
	c.deliverer = &courier{c: c, lock: lock}
	return c.deliverer, nil
}

// deliver sends row id now (seen: its attempts when the verb looked) and
// returns the attempt, made by the owner or by this process.
func (k *courier) deliver(ctx context.Context, id int64, seen int) (store.Delivery, error) {
	if k.lock == nil {
		return owner.Deliver(ctx, k.c.env.DataDir, id, seen)
	}
	// Holding the lock, nobody else sends: a row in flight was left by a
	// process that died, and waiting for it would never end.
	it, err := k.c.env.Store.OutboxItemByID(ctx, id)
	if err == nil && it.State == store.OutboxInflight && it.Attempts == seen {
		return store.Delivery{}, fmt.Errorf("outbox row %d was being sent by a herald process that stopped; the app or daemon sends it again when it starts", id)
	}
	return k.c.env.Dispatcher.DeliverRequested(ctx, id, seen)
}

// release lets go of the lock when this process held it.
func (k *courier) release() {
	if k.lock != nil {
		k.lock.Release()
	}
}

// outcome describes an attempt for the verbs' output and whether it
// delivered.
func (c *cmd) outcome(del store.Delivery, err error) (string, bool) {
	switch {
	case err != nil:
		return "failed: " + c.env.Redactor.Error(err), false
	case del.OK:
		return "ok", true
	case del.Transient:
		return "failed (transient), queued for retry: " + del.Answer, false
	}
	return "failed (permanent): " + del.Answer, false
}
