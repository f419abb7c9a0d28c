package dispatch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/store"
	"github.com/jonboulle/clockwork"
)

// DeliverRequested sends a pending row once, reports an attempt the claim
// loop made since the caller looked instead of sending again, and says
// clearly why it cannot deliver a row.
func TestDeliverRequested(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "hook", srv.Config())
	d := e.dispatcher(dispatch.Params{})
	ctx := context.Background()
	rows := e.queue(clockwork.NewRealClock(), c, "r", 2)

	del, err := d.DeliverRequested(ctx, rows[0].ID, 0)
	if err != nil || !del.OK {
		t.Fatalf("pending row: %+v, %v", del, err)
	}
	// Asked again by a caller who saw it before that attempt: the answer
	// is the attempt, not a second send.
	del, err = d.DeliverRequested(ctx, rows[0].ID, 0)
	if err != nil || !del.OK || len(srv.Accepted()) != 1 {
		t.Fatalf("attempted row: %+v, %v, %d sent", del, err, len(srv.Accepted()))
	}
	tests := []struct {
		name string
		id   int64
		seen int
		want string
	}{
		{"sent, seen", rows[0].ID, 1, "is sent, not pending"},
		{"missing", 999, 0, "outbox row 999 does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.DeliverRequested(ctx, tt.id, tt.seen); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DeliverRequested: %v, want %q", err, tt.want)
			}
		})
	}
}

// A row the claim loop is sending is waited for and its attempt returned:
// one message arrives.
func TestDeliverRequestedWaitsForTheClaimLoop(t *testing.T) {
	e := newDeliveryEnv(t)
	var hits atomic.Int32
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(gate) })
	c := e.addChannel("webhook", "gated", hookConfig(srv.URL+"/hook"))
	d := e.dispatcher(dispatch.Params{})
	id := e.queue(clockwork.NewRealClock(), c, "g", 1)[0].ID
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Notify()
	awaitCond(t, 30*time.Second, "the loop to send the row", func() bool { return hits.Load() == 1 })

	got := make(chan error, 1)
	go func() {
		del, err := d.DeliverRequested(context.Background(), id, 0)
		if err == nil && !del.OK {
			err = errors.New("not ok: " + del.Answer)
		}
		got <- err
	}()
	gate <- struct{}{}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("DeliverRequested did not return the loop's attempt")
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d sends, want 1", n)
	}
}

// TestChannelVia records what the given deliver function answered.
func TestTestChannelViaRecordsTheAnswer(t *testing.T) {
	e := newDeliveryEnv(t)
	c := e.addChannel("webhook", "remote", hookConfig("http://127.0.0.1:1/never"))
	d := e.dispatcher(dispatch.Params{})
	var asked int64
	remote := func(ctx context.Context, id int64) (store.Delivery, error) {
		asked = id
		return store.Delivery{OutboxID: id, Answer: "refused by the owner's service"}, nil
	}
	del, err := d.TestChannelVia(context.Background(), c, remote)
	if err != nil || del.OK || asked == 0 {
		t.Fatalf("TestChannelVia: %+v, %v (asked for row %d)", del, err, asked)
	}
	got, err := e.reg.Get(context.Background(), c.ID)
	if err != nil || got.LastTest == nil || got.LastTest.OK || got.LastTest.Answer != "refused by the owner's service" {
		t.Fatalf("recorded test: %+v, %v", got.LastTest, err)
	}
}
