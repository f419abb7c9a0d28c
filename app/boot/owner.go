package boot

import (
	"context"
	"errors"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/store"
)

// ServeOwner answers the data folder's other herald processes while this
// one owns it: CLI verbs hand their rows to this engine's dispatcher. Call
// it after StartEngine, with the lock taken before it.
func (e *Env) ServeOwner(l *owner.Lock) (*owner.Server, error) {
	return owner.Listen(l, func(ctx context.Context, id int64, seen int) (store.Delivery, error) {
		d, err := e.Dispatcher.DeliverRequested(ctx, id, seen)
		if err != nil {
			e.Log.Warn("deliver for a herald command", "outbox", id, "error", err)
			return d, errors.New(e.Redactor.Error(err))
		}
		return d, nil
	})
}
