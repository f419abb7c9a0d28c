package dispatch_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/jonboulle/clockwork"
)

// sent reports whether every row is sent.
func (e *deliveryEnv) sent(rows []*store.OutboxItem) func() bool {
	return func() bool {
		for _, it := range rows {
			if e.item(it.ID).State != store.OutboxSent {
				return false
			}
		}
		return true
	}
}

// More hung channels than workers: each hung send gives its slot back once
// it is slow, so a healthy channel's rows go out while every hung request
// is still open, however many there are.
func TestManyHungChannelsDelayOnlyThemselves(t *testing.T) {
	e := newDeliveryEnv(t)
	hung := newHangServer(t)
	ok := webhooktest.NewServer(t)
	clock := clockwork.NewRealClock()
	const hungChannels = 30
	for i := range hungChannels {
		c := e.addChannel("webhook", fmt.Sprintf("hung %d", i), hookConfig(hung.URL+"/hook"))
		e.queue(clock, c, c.Name, 2) // older than the healthy rows: first in line
	}
	b := e.addChannel("webhook", "healthy", ok.Config())
	bRows := e.queue(clock, b, "b", 5)
	d := e.dispatcher(dispatch.Params{Workers: 2, SlowAfter: 50 * time.Millisecond, SendTimeout: time.Hour,
		RateLimits: map[string]dispatch.Limit{"webhook": nil}})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 30*time.Second, "the healthy channel's rows", e.sent(bRows))
	if n := hung.requests.Load(); n > hungChannels {
		t.Errorf("the hung receiver got %d requests, want at most one per channel (%d)", n, hungChannels)
	}
	awaitCond(t, 30*time.Second, "every hung channel's request", func() bool { return hung.now.Load() == hungChannels })
	if m := hung.most.Load(); m != hungChannels {
		t.Errorf("%d hung requests at once, want %d (one per channel)", m, hungChannels)
	}
	if v := ok.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %v", v)
	}
	shutdownNow(d)
}

// shutdownNow stops d without waiting for hung sends.
func shutdownNow(d *dispatch.Dispatcher) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = d.Shutdown(ctx)
}

// A channel whose attempts keep timing out is left alone for a while: its
// next row waits in the outbox, holding no slot, and goes when the pause
// is over.
func TestTimeoutsPauseTheChannel(t *testing.T) {
	e := newDeliveryEnv(t)
	hung := newHangServer(t)
	c := e.addChannel("webhook", "hung", hookConfig(hung.URL+"/hook"))
	clock := clockwork.NewFakeClockAt(t0)
	d := e.dispatcher(dispatch.Params{Clock: clock, SendTimeout: time.Second,
		Backoff:    dispatch.Backoff{Min: time.Hour, Max: time.Hour, GiveUpAfter: 48 * time.Hour},
		RateLimits: map[string]dispatch.Limit{"webhook": nil}})
	rows := e.queue(clock, c, "h", 3)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for n := int32(1); n <= 2; n++ {
		awaitCond(t, 10*time.Second, fmt.Sprintf("request %d", n), func() bool { return hung.requests.Load() == n && hung.now.Load() == 1 })
		clock.Advance(time.Second) // the send timeout
		awaitCond(t, 10*time.Second, fmt.Sprintf("attempt %d recorded", n), func() bool { return e.item(rows[n-1].ID).Attempts == 1 })
	}
	// Two timeouts in a row: a 5 s pause.
	clock.Advance(4 * time.Second)
	d.Notify()
	time.Sleep(200 * time.Millisecond)
	if n := hung.requests.Load(); n != 2 {
		t.Fatalf("%d requests during the pause, want 2", n)
	}
	if got := e.item(rows[2].ID); got.State != store.OutboxPending || got.Attempts != 0 {
		t.Fatalf("third row %+v: want pending, untried, during the pause", got)
	}
	clock.Advance(time.Second)
	awaitCond(t, 10*time.Second, "the third row's attempt after the pause", func() bool { return hung.requests.Load() == 3 })
	shutdownNow(d)
}

// A channel test is one attempt: a transient failure, or giving up
// waiting, fails the row instead of retrying it for a day.
func TestTestPushTriedOnce(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "t", srv.Config())
	d := e.dispatcher(dispatch.Params{})
	push := func() int64 {
		it, err := d.Push(context.Background(), c, store.SourceTest, registry.TestMessage(c.Name, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return it.ID
	}
	srv.FailNext(webhooktest.Status(http.StatusServiceUnavailable, "busy"))
	id := push()
	del, err := d.DeliverNow(context.Background(), id)
	if err != nil || del.OK || !del.Transient {
		t.Fatalf("DeliverNow = %+v, %v; want a transient failure", del, err)
	}
	if got := e.item(id); got.State != store.OutboxFailed {
		t.Fatalf("test row after a transient failure: %s, want failed (tried once)", got.State)
	}

	hung := newHangServer(t)
	h := e.addChannel("webhook", "h", hookConfig(hung.URL+"/hook"))
	it, err := d.Push(context.Background(), h, store.SourceTest, registry.TestMessage(h.Name, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := d.DeliverNow(ctx, it.ID); err == nil {
		t.Fatal("DeliverNow of a hung test: no error after the caller gave up")
	}
	if got := e.item(it.ID); got.State != store.OutboxFailed {
		t.Fatalf("cancelled test row: %s, want failed", got.State)
	}
}

// reopen opens a second store handle and registry on the env's database,
// as a restarted or another process would.
func (e *deliveryEnv) reopen() *deliveryEnv {
	e.t.Helper()
	st, err := store.Open(context.Background(), e.st.Path())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return &deliveryEnv{t: e.t, st: st, reg: &registry.Registry{Store: st, Secrets: secret.Keyring{}, Redactor: e.red}, red: e.red}
}

// The sends a process made count for the next one: a channel limited to
// 3/min that sent 3 just before a restart waits for the minute to pass.
func TestRateLimitSurvivesRestart(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "limited", srv.Config())
	clock := clockwork.NewFakeClockAt(t0)
	limits := map[string]dispatch.Limit{"webhook": {{N: 3, Per: time.Minute}}}
	first := e.dispatcher(dispatch.Params{Clock: clock, RateLimits: limits})
	for _, it := range e.queue(clock, c, "before", 3) {
		if del, err := first.DeliverNow(context.Background(), it.ID); err != nil || !del.OK {
			t.Fatalf("DeliverNow = %+v, %v", del, err)
		}
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	e2 := e.reopen()
	second := e2.dispatcher(dispatch.Params{Clock: clock, RateLimits: limits})
	rows := e2.queue(clock, c, "after", 1)
	if err := second.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	second.Notify()
	time.Sleep(200 * time.Millisecond)
	if n := srv.Requests(); n != 3 {
		t.Fatalf("%d requests 30 s after 3 sends on a 3/min channel, want 3", n)
	}
	clock.Advance(31 * time.Second)
	awaitCond(t, 10*time.Second, "the row after the minute", e2.sent(rows))
}

// A row claimed by a process that died comes back once its lease runs out,
// while the owner keeps running, and is delivered once.
func TestDeadSendersRowDeliveredAfterLease(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "orphaned", srv.Config())
	clock := clockwork.NewFakeClockAt(t0)
	owner := e.dispatcher(dispatch.Params{Clock: clock})
	if err := owner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Due in an hour, so the owner's loop cannot claim it first: only the
	// lease running out makes it due.
	rows := []*store.OutboxItem{{Source: store.SourceSend, ChannelID: c.ID, Title: "cli", Body: "orphan", NextAt: clock.Now().Add(time.Hour)}}
	if err := e.st.Enqueue(context.Background(), rows...); err != nil {
		t.Fatal(err)
	}
	dead := e.reopen()
	if _, err := dead.st.ClaimID(context.Background(), rows[0].ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	owner.Notify()
	time.Sleep(200 * time.Millisecond)
	if n := srv.Requests(); n != 0 {
		t.Fatalf("%d requests while the dead sender's lease runs, want 0", n)
	}
	clock.Advance(store.DefaultLease + time.Millisecond)
	awaitCond(t, 10*time.Second, "the row after its lease", e.sent(rows))
	if n := srv.Requests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
