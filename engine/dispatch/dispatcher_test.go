package dispatch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
	"github.com/jonboulle/clockwork"
)

// deliveryEnv is a real store in a temporary file and a real registry
// whose secrets live in the OS keyring.
type deliveryEnv struct {
	t   testing.TB
	st  *store.Store
	reg *registry.Registry
	red *redact.Redactor
}

func newDeliveryEnv(t testing.TB) *deliveryEnv {
	t.Helper()
	testenv.NeedKeyring(t)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	red := &redact.Redactor{}
	return &deliveryEnv{t: t, st: st, reg: &registry.Registry{Store: st, Secrets: secret.Keyring{}, Redactor: red}, red: red}
}

// addChannel registers a channel (its secrets go to the keyring) and
// removes it, secrets included, when the test ends.
func (e *deliveryEnv) addChannel(kind, name string, cfg map[string]string) registry.Channel {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.reg.Add(ctx, kind, name, cfg)
	if err != nil {
		e.t.Fatalf("add %s channel %q: %v", kind, name, err)
	}
	e.t.Cleanup(func() { _ = e.reg.Remove(ctx, c.ID) })
	return c
}

// hookConfig points a webhook channel at url, POSTing JSON with a bearer
// token (kept in the keyring).
func hookConfig(url string) map[string]string {
	return map[string]string{
		"url":     url,
		"method":  "POST",
		"headers": `{"Authorization": "Bearer dispatch-test-token-42"}`,
		"body":    `{"title": "{t}", "log": "{log}"}`,
	}
}

// dispatcher builds a dispatcher on the env and shuts it down at the end.
func (e *deliveryEnv) dispatcher(p dispatch.Params) *dispatch.Dispatcher {
	p.Store, p.Registry, p.Redactor = e.st, e.reg, e.red
	d := dispatch.New(p)
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = d.Shutdown(ctx)
	})
	return d
}

// queue adds n rows for channel c titled prefix-0 … prefix-(n-1), created
// at the clock's now.
func (e *deliveryEnv) queue(clock clockwork.Clock, c registry.Channel, prefix string, n int) []*store.OutboxItem {
	e.t.Helper()
	items := make([]*store.OutboxItem, n)
	now := clock.Now()
	for i := range items {
		items[i] = &store.OutboxItem{Source: store.SourceSend, ChannelID: c.ID, Title: fmt.Sprintf("%s-%d", prefix, i),
			Body: "body of " + fmt.Sprintf("%s-%d", prefix, i), CreatedAt: now}
	}
	if err := e.st.Enqueue(context.Background(), items...); err != nil {
		e.t.Fatal(err)
	}
	return items
}

func (e *deliveryEnv) item(id int64) store.OutboxItem {
	e.t.Helper()
	it, err := e.st.OutboxItemByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return it
}

func (e *deliveryEnv) deliveries(id int64) []store.Delivery {
	e.t.Helper()
	ds, err := e.st.Deliveries(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

// awaitCond polls cond every few milliseconds until it holds or the
// (real-time) limit passes.
func awaitCond(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// eventLog records published events.
type eventLog struct {
	mu     sync.Mutex
	events []dispatch.Event
}

func (l *eventLog) add(e dispatch.Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) types(id int64) []dispatch.EventType {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []dispatch.EventType
	for _, e := range l.events {
		if e.Item.ID == id {
			out = append(out, e.Type)
		}
	}
	return out
}

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// The backoff schedule with Jitter 0 is exact: 5 s, 10 s, 20 s … doubling
// to the 1 h cap, and the first attempt at or after 24 h gives up with the
// service's last answer.
func TestBackoffScheduleAndGiveUp(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	for range 60 {
		srv.FailNext(webhooktest.Status(http.StatusInternalServerError, "database on fire"))
	}
	c := e.addChannel("webhook", "flaky", srv.Config())
	clock := clockwork.NewFakeClockAt(t0)
	d := e.dispatcher(dispatch.Params{Clock: clock, Backoff: dispatch.Backoff{Min: 5 * time.Second, Max: time.Hour, GiveUpAfter: 24 * time.Hour}})
	var events eventLog
	d.Subscribe(events.add)
	id := e.queue(clock, c, "flaky", 1)[0].ID
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The expected attempt times, computed independently.
	var want []time.Time
	for at, wait := t0, 5*time.Second; ; wait = min(2*wait, time.Hour) {
		want = append(want, at)
		if !at.Before(t0.Add(24 * time.Hour)) {
			break
		}
		at = at.Add(wait)
	}
	for i := range want {
		awaitCond(t, 20*time.Second, fmt.Sprintf("attempt %d", i+1), func() bool { return e.item(id).Attempts == i+1 })
		it := e.item(id)
		if i == len(want)-1 {
			break
		}
		if it.State != store.OutboxPending || !it.NextAt.Equal(want[i+1]) {
			t.Fatalf("after attempt %d: state %s, next at +%s; want pending, next at +%s",
				i+1, it.State, it.NextAt.Sub(t0), want[i+1].Sub(t0))
		}
		clock.Advance(it.NextAt.Sub(clock.Now()))
	}
	it := e.item(id)
	ds := e.deliveries(id)
	if it.State != store.OutboxFailed || it.Attempts != len(want) || len(ds) != len(want) {
		t.Fatalf("end: state %s, %d attempts, %d deliveries; want failed after %d", it.State, it.Attempts, len(ds), len(want))
	}
	for i, del := range ds {
		if !del.At.Equal(want[i]) || del.OK || !del.Transient {
			t.Errorf("delivery %d: at +%s ok=%v transient=%v; want at +%s, transient failure", i+1, del.At.Sub(t0), del.OK, del.Transient, want[i].Sub(t0))
		}
	}
	if !strings.HasPrefix(it.LastError, "gave up after 24h: ") || !strings.Contains(it.LastError, "database on fire") {
		t.Errorf("last error %q: want the give-up note and the service's answer", it.LastError)
	}
	if !strings.Contains(ds[0].Answer, "HTTP 500") || !strings.Contains(ds[0].Answer, "database on fire") {
		t.Errorf("first answer %q: want the service's status and words", ds[0].Answer)
	}
	// Events are published after the attempt is recorded: wait for the last.
	awaitCond(t, 20*time.Second, "the last event", func() bool { return len(events.types(id)) >= len(want) })
	types := events.types(id)
	if len(types) != len(want) || types[len(types)-1] != dispatch.Failed || types[0] != dispatch.Retrying {
		t.Errorf("events %v: want %d, Retrying… then Failed", types, len(want))
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %v", v)
	}
}

// A 429 with Retry-After: 30 waits 30 s, not the 5 s backoff.
func TestRetryAfterIsHonoured(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	srv.FailNext(webhooktest.TooManyRequests("30"))
	c := e.addChannel("webhook", "busy", srv.Config())
	clock := clockwork.NewFakeClockAt(t0)
	d := e.dispatcher(dispatch.Params{Clock: clock, Backoff: dispatch.Backoff{Min: 5 * time.Second}})
	id := e.queue(clock, c, "busy", 1)[0].ID
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 20*time.Second, "first attempt", func() bool { return e.item(id).Attempts == 1 })
	if it := e.item(id); it.State != store.OutboxPending || !it.NextAt.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("after the 429: state %s, next at +%s; want pending at +30s", it.State, it.NextAt.Sub(t0))
	}
	clock.Advance(29 * time.Second)
	d.Notify()
	time.Sleep(100 * time.Millisecond)
	if n := srv.Requests(); n != 1 {
		t.Fatalf("%d requests before Retry-After elapsed, want 1", n)
	}
	clock.Advance(time.Second)
	awaitCond(t, 20*time.Second, "the retry", func() bool { return e.item(id).State == store.OutboxSent })
	ds := e.deliveries(id)
	if len(ds) != 2 || !ds[0].Transient || !strings.Contains(ds[0].Answer, "429") || !ds[1].OK || !ds[1].At.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("deliveries %+v: want a transient 429, then ok at +30s", ds)
	}
}

// A permanent failure (401) is tried once; the row fails with the
// service's own message.
func TestPermanentFailureStopsAtOnce(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	cfg := srv.Config()
	cfg["headers"] = `{"Authorization": "Bearer not-the-right-token"}`
	c := e.addChannel("webhook", "locked", cfg)
	d := e.dispatcher(dispatch.Params{})
	var events eventLog
	d.Subscribe(events.add)
	// A subscriber may call back into the dispatcher: events are published
	// outside its locks.
	d.Subscribe(func(dispatch.Event) { d.Notify(); d.Subscribe(func(dispatch.Event) {}) })
	items := []*store.OutboxItem{{Source: store.SourceSend, ChannelID: c.ID, Title: "hello", Body: "world"}}
	if err := d.Enqueue(context.Background(), items...); err != nil {
		t.Fatal(err)
	}
	id := items[0].ID
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 20*time.Second, "the failure", func() bool { return e.item(id).State == store.OutboxFailed })
	time.Sleep(50 * time.Millisecond)
	it, ds := e.item(id), e.deliveries(id)
	if it.Attempts != 1 || len(ds) != 1 || ds[0].Transient || ds[0].OK || srv.Requests() != 1 {
		t.Fatalf("attempts %d, deliveries %+v, requests %d: want exactly one permanent failure", it.Attempts, ds, srv.Requests())
	}
	if !strings.Contains(it.LastError, "invalid token") || !strings.Contains(it.LastError, "HTTP 401") {
		t.Errorf("last error %q: want the service's answer", it.LastError)
	}
	if strings.Contains(it.LastError, "not-the-right-token") {
		t.Errorf("last error %q holds the secret", it.LastError)
	}
	awaitCond(t, 20*time.Second, "the failed event", func() bool { return len(events.types(id)) >= 2 })
	if got := events.types(id); len(got) != 2 || got[0] != dispatch.Queued || got[1] != dispatch.Failed {
		t.Errorf("events %v: want [queued failed]", got)
	}
}

// Rows of a channel that no longer exists fail with "channel removed".
func TestRemovedChannelFailsItsRows(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "gone soon", srv.Config())
	clock := clockwork.NewRealClock()
	id := e.queue(clock, c, "orphan", 1)[0].ID
	if err := e.reg.Remove(context.Background(), c.ID); err != nil {
		t.Fatal(err)
	}
	d := e.dispatcher(dispatch.Params{})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 20*time.Second, "the failure", func() bool { return e.item(id).State == store.OutboxFailed })
	if it := e.item(id); it.LastError != "channel removed" || it.Attempts != 1 {
		t.Fatalf("row %+v: want failed once with \"channel removed\"", it)
	}
}

// hangServer never answers until the request is abandoned; it counts the
// requests and the most it held at once.
type hangServer struct {
	*httptest.Server
	requests, now, most atomic.Int32
}

func newHangServer(t testing.TB) *hangServer {
	h := &hangServer{}
	release := make(chan struct{})
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		h.requests.Add(1)
		n := h.now.Add(1)
		for {
			m := h.most.Load()
			if n <= m || h.most.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
		h.now.Add(-1)
	}))
	t.Cleanup(func() {
		close(release)
		h.Close()
	})
	return h
}

// A hung channel holds only its own lane: a healthy channel's rows go out
// while the hung one's attempt waits for its timeout, with fewer workers
// than rows.
func TestHungChannelDoesNotDelayOthers(t *testing.T) {
	e := newDeliveryEnv(t)
	hung := newHangServer(t)
	ok := webhooktest.NewServer(t)
	a := e.addChannel("webhook", "hung", hookConfig(hung.URL+"/hook"))
	b := e.addChannel("webhook", "healthy", ok.Config())
	clock := clockwork.NewRealClock()
	const timeout = 5 * time.Second // the healthy rows must all go before it, even on a loaded machine
	d := e.dispatcher(dispatch.Params{Workers: 2, SendTimeout: timeout, Backoff: dispatch.Backoff{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond},
		RateLimits: map[string]dispatch.Limit{"webhook": nil}})
	aRows := e.queue(clock, a, "a", 5) // older: first in line
	bRows := e.queue(clock, b, "b", 20)
	start := time.Now()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	allSent := func(rows []*store.OutboxItem) func() bool {
		return func() bool {
			for _, it := range rows {
				if e.item(it.ID).State != store.OutboxSent {
					return false
				}
			}
			return true
		}
	}
	awaitCond(t, timeout, "the healthy channel's 20 rows", allSent(bRows))
	took := time.Since(start)
	for _, it := range aRows {
		if n := e.item(it.ID).Attempts; n != 0 {
			t.Fatalf("a hung row has %d finished attempts after %s: the healthy rows should have gone first", n, took)
		}
	}
	for _, it := range bRows {
		if got := e.item(it.ID); got.Attempts != 1 {
			t.Fatalf("healthy row %+v: want sent at the first attempt", got)
		}
	}
	if n := len(ok.Accepted()); n != 20 {
		t.Fatalf("the healthy receiver accepted %d messages, want 20", n)
	}
	t.Logf("20 healthy rows delivered in %s while the hung channel held its request", took)

	awaitCond(t, 3*timeout, "the hung channel's first timeout", func() bool { return e.item(aRows[0].ID).Attempts >= 1 })
	ds := e.deliveries(aRows[0].ID)
	if ds[0].OK || !ds[0].Transient || ds[0].Answer != "webhook: no answer within 5s" {
		t.Errorf("hung attempt %+v: want a transient timeout naming the limit", ds[0])
	}
	if ds[0].Duration < timeout-5*time.Millisecond {
		t.Errorf("hung attempt took %s, want about %s", ds[0].Duration, timeout)
	}
	if m := hung.most.Load(); m != 1 {
		t.Errorf("the hung channel had %d requests at once, want 1 (one send at a time per channel)", m)
	}
	if v := ok.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %v", v)
	}
}

// 25 rows for a channel limited to 20/min: 20 go at once, the other 5 wait
// in the outbox (not claimed, no attempt counted) and go when the minute is
// over. None is rejected.
func TestRateLimitQueuesExcessRows(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "robot", srv.Config())
	clock := clockwork.NewFakeClockAt(t0)
	d := e.dispatcher(dispatch.Params{Clock: clock, RateLimits: map[string]dispatch.Limit{"webhook": {{N: 20, Per: time.Minute}}}})
	rows := e.queue(clock, c, "r", 25)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 20*time.Second, "20 rows", func() bool { return srv.Requests() == 20 })
	sentBy := func() (sent, pendingUntried int) {
		for _, it := range rows {
			got := e.item(it.ID)
			switch {
			case got.State == store.OutboxSent:
				sent++
			case got.State == store.OutboxPending && got.Attempts == 0:
				pendingUntried++
			}
		}
		return
	}
	awaitCond(t, 20*time.Second, "20 rows recorded", func() bool { s, _ := sentBy(); return s == 20 })
	for _, step := range []time.Duration{0, 30 * time.Second, 29 * time.Second} {
		clock.Advance(step)
		d.Notify()
		time.Sleep(100 * time.Millisecond)
		if n := srv.Requests(); n != 20 {
			t.Fatalf("%d requests at +%s, want 20 until the minute is over", n, clock.Since(t0))
		}
		if s, p := sentBy(); s != 20 || p != 5 {
			t.Fatalf("at +%s: %d sent, %d pending untried; want 20 and 5", clock.Since(t0), s, p)
		}
	}
	// The window is kept with a margin of 1 % (600 ms of a minute): a
	// request that left first may arrive later.
	const margin = 600 * time.Millisecond
	clock.Advance(time.Second + margin - time.Millisecond)
	d.Notify()
	time.Sleep(100 * time.Millisecond)
	if n := srv.Requests(); n != 20 {
		t.Fatalf("%d requests at +%s, want 20 until the minute and its margin are over", n, clock.Since(t0))
	}
	clock.Advance(time.Millisecond)
	awaitCond(t, 20*time.Second, "the other 5 rows", func() bool { s, _ := sentBy(); return s == 25 })
	for i, it := range rows {
		ds := e.deliveries(it.ID)
		wantAt := t0
		if i >= 20 {
			wantAt = t0.Add(time.Minute + margin)
		}
		if len(ds) != 1 || !ds[0].OK || !ds[0].At.Equal(wantAt) {
			t.Errorf("row %d deliveries %+v: want one ok attempt at +%s", i, ds, wantAt.Sub(t0))
		}
	}
	// Sent in queue order.
	for i, acc := range srv.Accepted() {
		if want := fmt.Sprintf("r-%d", i); acc.Title != want {
			t.Errorf("message %d is %q, want %q", i, acc.Title, want)
		}
	}
}

// A receiver failing in every way a network can (30 % HTTP 500, requests
// that hang past the send timeout, 429 with Retry-After: 1) still gets
// every row exactly once, and every attempt is on record.
func TestFaultyReceiverGetsEveryRow(t *testing.T) {
	e := newDeliveryEnv(t)
	var (
		mu       sync.Mutex
		seq      int
		accepted = map[string]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		seq++
		n := seq
		mu.Unlock()
		switch {
		case n%10 == 1 || n%10 == 4 || n%10 == 7:
			http.Error(w, "upstream exploded", http.StatusInternalServerError)
		case n%11 == 3:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case n%13 == 5:
			<-r.Context().Done() // hang past the send timeout
		default:
			title := r.URL.Query().Get("t")
			mu.Lock()
			accepted[title]++
			mu.Unlock()
			_, _ = w.Write([]byte("ok"))
		}
	}))
	t.Cleanup(srv.Close)

	clock := clockwork.NewRealClock()
	d := e.dispatcher(dispatch.Params{SendTimeout: 300 * time.Millisecond,
		Backoff:    dispatch.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond, Jitter: 0.2},
		RateLimits: map[string]dispatch.Limit{"webhook": nil}})
	var rows []*store.OutboxItem
	for i := range 4 {
		c := e.addChannel("webhook", fmt.Sprintf("faulty %d", i), hookConfig(srv.URL+"/hook?t={t}"))
		rows = append(rows, e.queue(clock, c, fmt.Sprintf("c%d", i), 15)...)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := func() bool {
		for _, it := range rows {
			if e.item(it.ID).State != store.OutboxSent {
				return false
			}
		}
		return true
	}
	awaitCond(t, 60*time.Second, "every row sent", done)

	mu.Lock()
	defer mu.Unlock()
	attempts, hangs, limited, errs := 0, 0, 0, 0
	for _, it := range rows {
		got := e.item(it.ID)
		ds := e.deliveries(it.ID)
		attempts += got.Attempts
		if len(ds) != got.Attempts || !ds[len(ds)-1].OK {
			t.Errorf("row %s: %d attempts, deliveries %+v: want one record per attempt, the last ok", it.Title, got.Attempts, ds)
		}
		for _, del := range ds[:len(ds)-1] {
			if del.OK || !del.Transient {
				t.Errorf("row %s: earlier attempt %+v should be a transient failure", it.Title, del)
			}
			switch {
			case strings.Contains(del.Answer, "no answer within"):
				hangs++
			case strings.Contains(del.Answer, "429"):
				limited++
			case strings.Contains(del.Answer, "500"):
				errs++
			}
		}
		if accepted[it.Title] != 1 {
			t.Errorf("row %s accepted %d times, want 1", it.Title, accepted[it.Title])
		}
	}
	if attempts != seq {
		t.Errorf("%d attempts recorded, %d requests received: want one record per request", attempts, seq)
	}
	if hangs == 0 || limited == 0 || errs == 0 {
		t.Errorf("faults seen: %d timeouts, %d 429s, %d 500s: want each kind", hangs, limited, errs)
	}
	t.Logf("%d rows delivered in %d attempts (%d timeouts, %d 429s, %d 500s)", len(rows), attempts, hangs, limited, errs)
}

// Rows a crashed process left in flight are sent after the next Start,
// without counting the interrupted attempt.
func TestCrashRecoveryResendsInflightRows(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "survivor", srv.Config())
	clock := clockwork.NewRealClock()
	rows := e.queue(clock, c, "crash", 3)
	// The "crashed" dispatcher claimed them and died before sending.
	claimed, err := e.st.ClaimDue(context.Background(), clock.Now(), 8, nil, nil)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %d rows, %v (one row per channel)", len(claimed), err)
	}
	if _, err := e.st.ClaimID(context.Background(), rows[1].ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	d := e.dispatcher(dispatch.Params{})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 20*time.Second, "3 rows sent", func() bool {
		for _, it := range rows {
			if e.item(it.ID).State != store.OutboxSent {
				return false
			}
		}
		return true
	})
	for _, it := range rows {
		if got := e.item(it.ID); got.Attempts != 1 {
			t.Errorf("row %+v: want sent in one attempt", got)
		}
	}
	if n := len(srv.Accepted()); n != 3 {
		t.Errorf("receiver accepted %d messages, want 3", n)
	}
}

// Shutdown waits for a slow send that finishes within its grace period,
// and puts sends still hanging at its end back to pending.
func TestShutdownReturnsCancelledSendsToPending(t *testing.T) {
	e := newDeliveryEnv(t)
	hung := newHangServer(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(slow.Close)
	clock := clockwork.NewRealClock()
	var rows []*store.OutboxItem
	for i := range 2 {
		c := e.addChannel("webhook", fmt.Sprintf("hung %d", i), hookConfig(hung.URL+"/hook"))
		rows = append(rows, e.queue(clock, c, c.Name, 1)...)
	}
	sc := e.addChannel("webhook", "slow", hookConfig(slow.URL+"/hook"))
	slowRow := e.queue(clock, sc, "slow", 1)[0]
	d := e.dispatcher(dispatch.Params{SendTimeout: time.Minute})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 20*time.Second, "two hanging requests", func() bool { return hung.now.Load() == 2 })

	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := d.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the grace period's deadline", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Shutdown took %s", took)
	}
	if got := e.item(slowRow.ID); got.State != store.OutboxSent {
		t.Errorf("slow row %+v: want sent within the grace period", got)
	}
	for _, it := range rows {
		got := e.item(it.ID)
		ds := e.deliveries(it.ID)
		if got.State != store.OutboxPending || got.Attempts != 1 || len(ds) != 1 || !ds[0].Transient || ds[0].Answer != "cancelled at shutdown" {
			t.Errorf("hung row %+v, deliveries %+v: want pending again, the attempt recorded as cancelled at shutdown", got, ds)
		}
		if got.NextAt.After(time.Now()) {
			t.Errorf("hung row due at %s, want now", got.NextAt)
		}
	}
	if _, err := d.DeliverNow(context.Background(), rows[0].ID); err == nil {
		t.Error("DeliverNow after Shutdown succeeded")
	}
}

// DeliverNow sends one row synchronously and returns the service's answer.
func TestDeliverNow(t *testing.T) {
	e := newDeliveryEnv(t)
	srv := webhooktest.NewServer(t)
	c := e.addChannel("webhook", "direct", srv.Config())
	d := e.dispatcher(dispatch.Params{})
	clock := clockwork.NewRealClock()
	rows := e.queue(clock, c, "now", 2)

	del, err := d.DeliverNow(context.Background(), rows[0].ID)
	if err != nil || !del.OK || del.Answer != "ok" {
		t.Fatalf("DeliverNow: %+v, %v; want ok", del, err)
	}
	if acc := srv.Accepted(); len(acc) != 1 || acc[0].Title != "now-0" {
		t.Fatalf("accepted %+v", acc)
	}
	srv.FailNext(webhooktest.Status(http.StatusForbidden, "robot disabled"))
	del, err = d.DeliverNow(context.Background(), rows[1].ID)
	if err != nil || del.OK || del.Transient || !strings.Contains(del.Answer, "robot disabled") {
		t.Fatalf("DeliverNow: %+v, %v; want the service's refusal", del, err)
	}
	if got := e.item(rows[1].ID); got.State != store.OutboxFailed {
		t.Errorf("row %+v: want failed", got)
	}
	if _, err := d.DeliverNow(context.Background(), rows[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeliverNow of a sent row: %v, want ErrNotFound", err)
	}
}

// A cancelled DeliverNow gives up waiting and leaves the row pending.
func TestDeliverNowCancelled(t *testing.T) {
	e := newDeliveryEnv(t)
	hung := newHangServer(t)
	c := e.addChannel("webhook", "hung", hookConfig(hung.URL+"/hook"))
	d := e.dispatcher(dispatch.Params{})
	id := e.queue(clockwork.NewRealClock(), c, "x", 1)[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	del, err := d.DeliverNow(ctx, id)
	if !errors.Is(err, context.DeadlineExceeded) || del.OK {
		t.Fatalf("DeliverNow: %+v, %v; want the context's error", del, err)
	}
	if got := e.item(id); got.State != store.OutboxPending || got.LastError != "cancelled by the caller" {
		t.Errorf("row %+v: want pending again", got)
	}
}
