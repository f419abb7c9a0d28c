package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/jonboulle/clockwork"
)

// Defaults for Params.
const (
	DefaultWorkers     = 256
	DefaultSendTimeout = 30 * time.Second
	DefaultSlowAfter   = time.Second
	DefaultMaxLanes    = 1024
)

// DefaultPollInterval is the safety net of the claim loop: rows queued by
// another process (the CLI) or whose wake-up was missed are claimed at the
// latest this long after they are due. A host that wakes the loop when
// another process commits (Notify on a store.VersionProbe change) sets a
// longer one.
const DefaultPollInterval = 5 * time.Second

// claimRetry is how soon the claim loop tries again after the store
// failed it.
const claimRetry = time.Second

// storeTimeout bounds recording an attempt. It is real time on purpose: it
// guards I/O, not delivery logic, and must work while a test's fake clock
// stands still.
const storeTimeout = 10 * time.Second

// Answers recorded for attempts that did not get the service's own.
const (
	answerChannelRemoved = "channel removed"
	answerShutdown       = "cancelled at shutdown"
	answerCancelled      = "cancelled by the caller"
)

// Params configure a Dispatcher.
type Params struct {
	Store    *store.Store
	Registry *registry.Registry // channels are looked up and opened by id
	Redactor *redact.Redactor   // nil: a fresh one (the registry's is used for send errors anyway)
	Log      *slog.Logger       // nil: no logging
	Clock    clockwork.Clock    // nil: real time
	Location *time.Location     // nil: time.Local; digests are scheduled and written in it
	// Backoff for transient failures; the zero value means DefaultBackoff.
	Backoff Backoff
	// SendTimeout bounds one attempt; default 30 s.
	SendTimeout time.Duration
	// Workers bounds the deliveries in flight across all channels that are
	// getting answers; default 256. Each channel has at most one in flight
	// at a time, so up to that many channels send at once and none waits
	// for another: a hung service delays only itself. Beyond it, free slots
	// go round robin.
	Workers int
	// SlowAfter: a send without an answer after this long (default 1 s)
	// stops counting against Workers, so hung services cannot hold every
	// slot. MaxLanes (default 1024) bounds the sends in flight, slow ones
	// included.
	SlowAfter time.Duration
	MaxLanes  int
	// PollInterval: the claim loop looks at the outbox at least this often
	// (default DefaultPollInterval), besides when it is woken (Notify, a
	// finished row) and when the next row is due.
	PollInterval time.Duration
	// RateLimits maps a channel kind to its limit, overriding DefaultRates().
	RateLimits map[string]Limit
}

// EventType names what happened to an outbox row.
type EventType string

const (
	Queued   EventType = "queued"   // rows were added to the outbox
	Sent     EventType = "sent"     // the service accepted the message
	Failed   EventType = "failed"   // permanently failed, or gave up
	Retrying EventType = "retrying" // the attempt failed transiently; the row is pending again
)

// Event tells subscribers about an outbox row. Item is the row as it is
// after the event; Delivery is the attempt (zero for Queued).
type Event struct {
	Type     EventType
	Item     store.OutboxItem
	Delivery store.Delivery
}

// Dispatcher sends outbox rows: a claim loop hands due rows to one
// goroutine per channel ("lane"), so each channel sends one message at a
// time while different channels proceed in parallel, up to Workers rows
// getting answers at once. Free slots go round-robin across the channels
// with due rows. A hung service holds only its own lane: a send without an
// answer after SlowAfter gives its slot back, and a channel whose attempts
// time out is left alone for a while (timeoutPause). Every attempt is
// recorded (Store.FinishNext) before the channel's next row is sent; while
// a slot is free for the claim loop, the same commit claims that next row,
// so a channel working through a backlog costs one write transaction a
// push and never wakes the claim loop (nextClaim).
//
// Claimed rows are leased to this dispatcher's store handle and the lease
// is renewed while they are held; the delivery owner takes back the rows
// of a sender that died once their lease runs out (ReclaimExpired).
//
// Rate limits are applied before claiming: a channel whose window is full
// is left out of the claim, so its rows stay pending, with no attempt
// counted and no worker held, until the window lets the next one go (the
// loop wakes for it then). The windows are rebuilt from the attempts
// recorded in the store, so a restart or another process that sent a
// moment ago is counted too.
type Dispatcher struct {
	p   Params
	log *slog.Logger
	rnd func() float64

	// base is the parent of every send; Shutdown cancels it once its grace
	// period is over.
	base   context.Context
	cancel context.CancelFunc

	wake       chan struct{} // claim now: rows queued or a slot freed
	digestWake chan struct{} // digest settings changed
	watchWake  chan struct{} // tasks or watch settings changed (deadman.go)
	remindWake chan struct{} // a run was recorded or settings changed (reminders.go)
	stop       chan struct{} // closed by Shutdown

	mu        sync.Mutex
	lanes     map[string]*lane    // channel id → rows claimed for it, being sent one by one
	inflight  int                 // rows claimed and not finished, not counting slow sends
	held      int                 // rows claimed and not finished: their leases are renewed
	renewing  bool                // the lease renewer runs
	limits    map[string]*limiter // channel id → its rate limiter
	history   bool                // limits hold the send times the store recorded
	paused    map[string]pause    // channel id → its timeouts, and until when it is left alone
	served    map[string]int64    // channel id → turn it was last served in (round robin)
	turn      int64
	orphans   map[int64]bool // rows whose attempt could not be recorded: released when the store lets us
	subs      []func(Event)
	laneDone  chan struct{} // closed and replaced whenever a lane ends (Shutdown waits on it)
	started   bool
	stopping  bool
	loopDone  chan struct{} // nil until Start
	digesting chan struct{} // nil until StartDigests; closed when the digest timer stops
	watching  chan struct{} // nil until StartWatch; closed when the watcher stops (deadman.go)
}

// lane is the queue of one channel. Normally it holds a single row: the
// claim loop skips channels that have a lane. DeliverNow (and a claim racing
// with it) may add a second one, which then waits its turn.
type lane struct {
	queue []job
}

// job is one claimed row to send.
type job struct {
	item store.OutboxItem
	ctx  context.Context // DeliverNow's context, nil for the claim loop
	done chan result     // DeliverNow waits on it; nil for the claim loop
	slot *slot
	lane *lane // set by dispatch
	// known is the channel as the lane read it for the row before, still
	// unchanged when this row was claimed (store.Next); nil: look it up.
	known *registry.Channel
}

// slot is a job's claim on Workers; a slow send gives it back early.
type slot struct{ freed bool }

type result struct {
	delivery store.Delivery
	err      error
}

// New builds a dispatcher. Call Start to deliver queued rows in the
// background; DeliverNow works without it (the CLI's channel test).
func New(p Params) *Dispatcher {
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Redactor == nil {
		p.Redactor = &redact.Redactor{}
	}
	if p.Clock == nil {
		p.Clock = clockwork.NewRealClock()
	}
	if p.Location == nil {
		p.Location = time.Local
	}
	p.Backoff = p.Backoff.withDefaults()
	if p.SendTimeout <= 0 {
		p.SendTimeout = DefaultSendTimeout
	}
	if p.Workers <= 0 {
		p.Workers = DefaultWorkers
	}
	if p.SlowAfter <= 0 {
		p.SlowAfter = DefaultSlowAfter
	}
	if p.MaxLanes <= 0 {
		p.MaxLanes = DefaultMaxLanes
	}
	if p.PollInterval <= 0 {
		p.PollInterval = DefaultPollInterval
	}
	d := &Dispatcher{
		p:          p,
		log:        p.Log,
		rnd:        rand.Float64,
		wake:       make(chan struct{}, 1),
		digestWake: make(chan struct{}, 1),
		watchWake:  make(chan struct{}, 1),
		remindWake: make(chan struct{}, 1),
		stop:       make(chan struct{}),
		lanes:      map[string]*lane{},
		limits:     map[string]*limiter{},
		paused:     map[string]pause{},
		served:     map[string]int64{},
		orphans:    map[int64]bool{},
		laneDone:   make(chan struct{}),
	}
	d.base, d.cancel = context.WithCancel(context.Background())
	return d
}

// Start puts rows a crash left in flight back to pending, then starts the
// claim loop. ctx bounds only that start-up work; the loop runs until
// Shutdown. Only the process that owns delivery (the app or the daemon)
// calls Start, and before any DeliverNow: requeueing would otherwise resend
// rows this process is sending.
func (d *Dispatcher) Start(ctx context.Context) error {
	d.mu.Lock()
	if d.started || d.stopping {
		d.mu.Unlock()
		return errors.New("dispatcher: already started or shut down")
	}
	d.started = true
	d.mu.Unlock()

	now := d.p.Clock.Now()
	if err := d.loadHistory(ctx); err != nil {
		return err
	}
	left, err := d.p.Store.OutboxItems(ctx, store.OutboxFilter{States: []store.OutboxState{store.OutboxInflight}, Limit: 1 << 20})
	if err != nil {
		return fmt.Errorf("requeue pushes left in flight: %w", err)
	}
	n, err := d.p.Store.RequeueInflight(ctx, now)
	if err != nil {
		return fmt.Errorf("requeue pushes left in flight: %w", err)
	}
	if n > 0 {
		// Whether their attempts reached the service is unknown: count
		// them as sent now, so a resend cannot break the rate.
		d.countSent(left, now)
		d.log.Info("pushes interrupted by a crash queued again", "rows", n)
	}
	d.mu.Lock()
	d.loopDone = make(chan struct{})
	d.mu.Unlock()
	go d.loop()
	return nil
}

// Notify tells the claim loop that rows were queued; it claims at once
// instead of at the next poll.
func (d *Dispatcher) Notify() { poke(d.wake) }

// Queued publishes a Queued event for each row and wakes the claim loop,
// when there is a row: a wake costs the loop a turn of store reads.
// Whoever enqueues rows (test pushes, digests, sends) calls it; Enqueue
// does both steps.
func (d *Dispatcher) Queued(items ...*store.OutboxItem) {
	queued := false
	for _, it := range items {
		if it != nil {
			d.publish(Event{Type: Queued, Item: *it})
			queued = true
		}
	}
	if queued {
		d.Notify()
	}
}

// Enqueue adds rows to the outbox outside a run and announces them. Rows
// without a creation time are created now by the dispatcher's clock, from
// which their retries are timed.
func (d *Dispatcher) Enqueue(ctx context.Context, items ...*store.OutboxItem) error {
	now := d.p.Clock.Now()
	for _, it := range items {
		if it.CreatedAt.IsZero() {
			it.CreatedAt = now
		}
	}
	if err := d.p.Store.Enqueue(ctx, items...); err != nil {
		return err
	}
	d.Queued(items...)
	return nil
}

// Subscribe registers fn for every event. fn is called outside the
// dispatcher's locks, from the goroutine that sent the row (or that queued
// it), never from the claim loop; it must not block, since the channel whose
// row it reports waits for it.
func (d *Dispatcher) Subscribe(fn func(Event)) {
	d.mu.Lock()
	d.subs = append(d.subs, fn)
	d.mu.Unlock()
}

func (d *Dispatcher) publish(e Event) {
	d.mu.Lock()
	subs := append([]func(Event){}, d.subs...)
	d.mu.Unlock()
	for _, fn := range subs {
		fn(e)
	}
}

// SetRateLimits replaces Params.RateLimits (the push settings changed).
// Each channel keeps the sends it already made in its window, so a change
// never allows a burst the old limit had counted.
func (d *Dispatcher) SetRateLimits(limits map[string]Limit) {
	d.mu.Lock()
	d.p.RateLimits = limits
	for _, w := range d.limits {
		w.setLimit(d.rateFor(w.kind))
	}
	d.mu.Unlock()
	d.Notify()
}

// rateFor is the limit of a kind. Callers hold d.mu.
func (d *Dispatcher) rateFor(kind string) Limit {
	if r, ok := d.p.RateLimits[kind]; ok {
		return r
	}
	if r, ok := DefaultRates()[kind]; ok {
		return r
	}
	return FallbackRate
}

// limiter returns the channel's rate limiter. Callers hold d.mu.
func (d *Dispatcher) limiter(channelID, kind string) *limiter {
	w, ok := d.limits[channelID]
	if !ok {
		w = newLimiter(kind, d.rateFor(kind))
		d.limits[channelID] = w
	}
	return w
}

// readyAt is when the channel's rate lets its next send go.
func (d *Dispatcher) readyAt(channelID, kind string) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.limiter(channelID, kind).readyAt(d.p.Clock.Now())
}

// recordSend counts a send to the channel that starts at t.
func (d *Dispatcher) recordSend(channelID, kind string, t time.Time) {
	d.mu.Lock()
	d.limiter(channelID, kind).record(t)
	d.mu.Unlock()
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// loop claims due rows whenever it is woken: by Notify, by a finished row
// (a slot or a channel became free), at the next row's due time, when a
// rate-limited or paused channel may send again, and every PollInterval
// regardless. Each turn it also takes back rows whose sender died.
func (d *Dispatcher) loop() {
	defer close(d.loopDone)
	ctx := d.base
	for {
		now := d.p.Clock.Now()
		leaseEnd, leased := d.reclaim(ctx, now)
		d.releaseOrphans(ctx, now)
		heldAt, held := d.releaseHeld(ctx, now)
		free, skip, served, wakeAt := d.claimPlan(now)
		if held {
			wakeAt = earliest(wakeAt, heldAt) // quiet hours or a burst end
		}
		if leased {
			// A dead sender's rows come back the moment their lease runs out.
			wakeAt = earliest(wakeAt, leaseEnd.Add(time.Millisecond))
		}
		if free > 0 {
			rows, err := d.p.Store.ClaimDue(ctx, now, free, skip, served)
			if err != nil && ctx.Err() == nil {
				d.log.Error("claim due pushes", "error", err)
				wakeAt = earliest(wakeAt, now.Add(claimRetry))
			}
			for _, it := range rows {
				d.dispatch(job{item: it})
			}
		}
		// Rows due now or before were claimed, or wait for a busy, paused
		// or rate-limited channel or a free slot, which wake the loop
		// themselves: sleep until the first row due later.
		if next, ok, err := d.p.Store.NextDueAfter(ctx, now); err == nil && ok {
			wakeAt = earliest(wakeAt, next)
		} else if err != nil && ctx.Err() == nil {
			wakeAt = earliest(wakeAt, now.Add(claimRetry))
		}

		fire, stop := timerAt(d.p.Clock, wakeAt)
		select {
		case <-d.stop:
			stop()
			return
		case <-d.wake:
		case <-fire:
		}
		stop()
	}
}

// claimPlan says how many rows to claim, which channels to leave out,
// which turn each channel was last served in, and when to look again.
// Busy channels are skipped so each sends one row at a time, and so are
// channels out of rate or paused after timeouts: their rows stay pending
// (not claimed, no attempt counted, nothing to undo at a crash) until they
// may go, when the loop wakes for them.
func (d *Dispatcher) claimPlan(now time.Time) (free int, skip []string, served map[string]int64, wakeAt time.Time) {
	wakeAt = now.Add(d.p.PollInterval)
	d.mu.Lock()
	defer d.mu.Unlock()
	free = min(d.p.Workers-d.inflight, d.p.MaxLanes-len(d.lanes))
	skip = make([]string, 0, len(d.lanes))
	for id := range d.lanes {
		skip = append(skip, id)
	}
	for id, w := range d.limits {
		if _, busy := d.lanes[id]; busy {
			continue
		}
		if at := w.readyAt(now); at.After(now) {
			skip = append(skip, id)
			wakeAt = earliest(wakeAt, at)
		}
	}
	for id, p := range d.paused {
		if _, busy := d.lanes[id]; !busy && p.until.After(now) {
			skip = append(skip, id)
			wakeAt = earliest(wakeAt, p.until)
		}
	}
	served = maps.Clone(d.served)
	return free, skip, served, wakeAt
}

// timerAt arms a timer on clock for the instant at and returns its channel
// and its Stop. Clocks take durations, so time moving on between reading
// the clock and arming (a test advancing its fake clock) would make the
// timer fire late; a timer found armed after at has passed fires at once.
func timerAt(clock clockwork.Clock, at time.Time) (<-chan time.Time, func()) {
	t := clock.NewTimer(clock.Until(at))
	if now := clock.Now(); !now.Before(at) {
		t.Stop()
		fired := make(chan time.Time, 1)
		fired <- now
		return fired, func() {}
	}
	return t.Chan(), func() { t.Stop() }
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// dispatch hands a claimed row to its channel's lane, starting the lane if
// the channel has none.
func (d *Dispatcher) dispatch(j job) {
	j.slot = &slot{}
	d.mu.Lock()
	d.inflight++
	d.hold()
	d.turn++
	d.served[j.item.ChannelID] = d.turn
	l, ok := d.lanes[j.item.ChannelID]
	if ok {
		j.lane = l
		l.queue = append(l.queue, j)
		d.mu.Unlock()
		return
	}
	l = &lane{}
	j.lane = l
	l.queue = []job{j}
	d.lanes[j.item.ChannelID] = l
	d.mu.Unlock()
	go d.runLane(j.item.ChannelID, l)
}

// nextClaim says whether j's lane may claim its channel's next due row in
// the transaction that records j's attempt (store.FinishNext), saving the
// claim loop a turn and the store a transaction per push: the claim loop
// would pick that row next anyway. Only the delivery owner's lanes do it
// (Start was called, Shutdown was not), while the job still holds its slot
// and another slot is free for the claim loop's round robin, and when the
// channel is neither paused after timeouts nor out of rate: its rows then
// stay pending, as the claim loop leaves them. The lane must have nothing
// else queued, so a channel still has one row in flight at a time.
func (d *Dispatcher) nextClaim(j job) *store.NextClaim {
	if j.lane == nil {
		return nil
	}
	now := d.p.Clock.Now()
	id := j.item.ChannelID
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.started || d.stopping || j.slot.freed || len(j.lane.queue) > 0 || d.inflight >= d.p.Workers {
		return nil
	}
	if p, ok := d.paused[id]; ok && p.until.After(now) {
		return nil
	}
	if w, ok := d.limits[id]; ok && w.readyAt(now).After(now) {
		return nil
	}
	return &store.NextClaim{ChannelID: id, Now: now}
}

// chain queues next, claimed by FinishNext as j's attempt was recorded, on
// j's lane: j's slot passes to it, so the claim loop is not woken.
func (d *Dispatcher) chain(j job, next store.Next) {
	nj := job{item: next.Item, lane: j.lane, slot: &slot{}}
	if j.known != nil && j.known.UpdatedAt.Equal(next.ChannelUpdatedAt) {
		nj.known = j.known
	}
	d.mu.Lock()
	if j.slot.freed {
		d.inflight++ // given back as slow meanwhile
	} else {
		j.slot.freed = true
	}
	d.hold()
	d.turn++
	d.served[nj.item.ChannelID] = d.turn
	j.lane.queue = append(j.lane.queue, nj)
	d.mu.Unlock()
}

// freeSlot gives the job's slot back to the claim loop, once.
func (d *Dispatcher) freeSlot(s *slot) {
	d.mu.Lock()
	freed := s.freed
	if !freed {
		s.freed = true
		d.inflight--
	}
	d.mu.Unlock()
	if !freed {
		d.Notify()
	}
}

// runLane sends the channel's rows one after the other until its queue is
// empty.
func (d *Dispatcher) runLane(channelID string, l *lane) {
	for {
		d.mu.Lock()
		if len(l.queue) == 0 {
			delete(d.lanes, channelID)
			close(d.laneDone)
			d.laneDone = make(chan struct{})
			d.mu.Unlock()
			d.Notify()
			return
		}
		j := l.queue[0]
		l.queue = l.queue[1:]
		d.mu.Unlock()

		ev, res := d.deliver(j)
		d.freeSlot(j.slot)
		d.mu.Lock()
		d.held--
		d.mu.Unlock()
		if ev.Type != "" {
			d.publish(ev)
		}
		if j.done != nil {
			j.done <- res
		}
	}
}

// DeliverNow claims pending row id and sends it at once through the same
// path as the claim loop (its channel's turn and rate limit included),
// waiting for the outcome. The returned Delivery says whether the service
// accepted the message and, if not, its answer; the error is for what kept
// the row from being attempted (not pending, store failure, ctx ended).
// A cancelled ctx abandons the attempt and puts the row back to pending
// (a test push is failed instead: tests are tried once). A channel paused
// after timeouts is tried anyway: someone asked for this row now.
func (d *Dispatcher) DeliverNow(ctx context.Context, id int64) (store.Delivery, error) {
	d.mu.Lock()
	stopping := d.stopping
	d.mu.Unlock()
	if stopping {
		return store.Delivery{}, errors.New("dispatcher is shut down")
	}
	if err := d.loadHistory(ctx); err != nil {
		return store.Delivery{}, err
	}
	it, err := d.p.Store.ClaimID(ctx, id, d.p.Clock.Now())
	if err != nil {
		return store.Delivery{}, err // names the row and why (store.ErrNotFound when not pending)
	}
	j := job{item: it, ctx: ctx, done: make(chan result, 1)}
	d.dispatch(j)
	// The lane always answers: a cancelled ctx cuts the send short and the
	// store write after it has its own timeout.
	r := <-j.done
	if r.err == nil && ctx.Err() != nil {
		r.err = ctx.Err()
	}
	return r.delivery, r.err
}

// deliver makes one attempt at j's row and records it.
func (d *Dispatcher) deliver(j job) (Event, result) {
	it := j.item
	ctx := d.base
	if j.ctx != nil {
		var stop context.CancelFunc
		ctx, stop = context.WithCancel(d.base)
		defer stop()
		unlink := context.AfterFunc(j.ctx, stop)
		defer unlink()
	}
	clock := d.p.Clock

	del := store.Delivery{OutboxID: it.ID, At: clock.Now()}
	var (
		c   registry.Channel
		err error
	)
	if j.known != nil {
		c = *j.known
	} else if c, err = d.channel(ctx, it.ChannelID); err == nil {
		j.known = &c
	}
	if errors.Is(err, errChannelRemoved) {
		del.Answer = answerChannelRemoved
		return d.finish(j, it, del, store.OutboxFailed, time.Time{})
	}
	var sendErr error
	if err != nil {
		// The store could not be read: worth another try later.
		sendErr = err
	} else {
		d.waitForRate(ctx, c.ID, c.Channel.Kind)
		if ctx.Err() == nil {
			del, sendErr = d.send(ctx, j, c)
		}
	}
	return d.outcome(ctx, j, del, sendErr)
}

// waitForRate returns once the channel's rate lets a send go, or ctx ends.
func (d *Dispatcher) waitForRate(ctx context.Context, channelID, kind string) {
	at := d.readyAt(channelID, kind)
	if !at.After(d.p.Clock.Now()) {
		return
	}
	fire, stop := timerAt(d.p.Clock, at)
	defer stop()
	select {
	case <-fire:
	case <-ctx.Done():
	}
}

// send makes the attempt: counted against the channel's rate from the
// moment it starts, its slot given back if no answer comes within
// SlowAfter, cut off after SendTimeout.
func (d *Dispatcher) send(ctx context.Context, j job, c registry.Channel) (store.Delivery, error) {
	clock := d.p.Clock
	del := store.Delivery{OutboxID: j.item.ID, At: clock.Now()}
	d.recordSend(c.ID, c.Channel.Kind, del.At)
	slow := clock.AfterFunc(d.p.SlowAfter, func() { d.freeSlot(j.slot) })
	// The timeout runs on the Clock (a test's fake clock times out only
	// when advanced); clockwork's own WithTimeout is not used because its
	// fake context's Err blocks until it is done.
	sendCtx, cancel := context.WithCancelCause(ctx)
	timer := clock.AfterFunc(d.p.SendTimeout, func() { cancel(errSendTimeout) })
	err := d.p.Registry.Send(sendCtx, c, messageOf(j.item))
	del.Duration = max(clock.Since(del.At), 0)
	timer.Stop()
	slow.Stop()
	timedOut := err != nil && ctx.Err() == nil && errors.Is(context.Cause(sendCtx), errSendTimeout)
	cancel(nil)
	if ctx.Err() == nil {
		d.notePace(c.ID, timedOut, clock.Now())
	}
	if timedOut {
		// The channel saw a cancelled request; say what happened, and keep
		// it transient: the service may answer next time.
		err = channel.Transient(c.Channel.Kind, "no answer within %s", shortDuration(d.p.SendTimeout))
	}
	return del, err
}

// outcome finishes the row after the attempt del ended with sendErr.
func (d *Dispatcher) outcome(ctx context.Context, j job, del store.Delivery, sendErr error) (Event, result) {
	it := j.item
	now := d.p.Clock.Now()
	test := it.Source == store.SourceTest
	switch {
	case ctx.Err() != nil:
		// Cancelled by Shutdown or by DeliverNow's caller, not by the service:
		// the row goes back to pending at once, so nothing is lost. A test
		// is tried once: it fails rather than arriving hours later.
		del.Transient = true
		del.Answer = answerShutdown
		if d.base.Err() == nil {
			del.Answer = answerCancelled
		}
		if test {
			return d.finish(j, it, del, store.OutboxFailed, time.Time{})
		}
		return d.finish(j, it, del, store.OutboxPending, now)
	case sendErr == nil:
		del.OK = true
		del.Answer = "ok"
		return d.finish(j, it, del, store.OutboxSent, time.Time{})
	}
	del.Answer = d.p.Redactor.String(sendErr.Error())
	if !channel.IsTransient(sendErr) {
		return d.finish(j, it, del, store.OutboxFailed, time.Time{})
	}
	del.Transient = true
	b := d.p.Backoff
	if test {
		return d.finish(j, it, del, store.OutboxFailed, time.Time{})
	}
	if !now.Before(it.CreatedAt.Add(b.GiveUpAfter)) {
		del.Answer = giveUpText(b.GiveUpAfter, del.Answer)
		return d.finish(j, it, del, store.OutboxFailed, time.Time{})
	}
	wait := max(b.Delay(it.Attempts+1, d.rnd), channel.RetryAfter(sendErr))
	return d.finish(j, it, del, store.OutboxPending, now.Add(wait))
}

// finish records the attempt and moves the row; it returns the event to
// publish and DeliverNow's result.
func (d *Dispatcher) finish(j job, it store.OutboxItem, del store.Delivery, state store.OutboxState, nextAt time.Time) (Event, result) {
	// The attempt is recorded even when the send was cancelled by Shutdown,
	// so the write must not inherit that cancellation.
	next, err := d.record(it.ID, del, state, nextAt, d.nextClaim(j))
	if err != nil {
		return Event{}, result{delivery: del, err: fmt.Errorf("record push attempt %d: %w", it.ID, err)}
	}
	if next.Item.ID != 0 {
		d.chain(j, next)
	}
	it.Attempts++
	it.State = state
	it.UpdatedAt = del.At.Add(del.Duration)
	if state == store.OutboxPending {
		it.NextAt = nextAt
	}
	if !del.OK {
		it.LastError = del.Answer
	}
	ev := Event{Item: it, Delivery: del}
	switch state {
	case store.OutboxSent:
		ev.Type = Sent
	case store.OutboxFailed:
		ev.Type = Failed
		d.log.Warn("push failed", "outbox", it.ID, "channel", it.ChannelID, "attempts", it.Attempts, "answer", del.Answer)
		d.fallback(it, del)
	default:
		ev.Type = Retrying
	}
	return ev, result{delivery: del}
}

var errChannelRemoved = errors.New(answerChannelRemoved)

// channel finds a registered channel by id. errChannelRemoved means it no
// longer exists; other errors are the store's.
func (d *Dispatcher) channel(ctx context.Context, id string) (registry.Channel, error) {
	c, err := d.p.Registry.Get(ctx, id)
	if err == nil && c.ID == id {
		return c, nil
	}
	if err != nil && !errors.Is(err, registry.ErrBadInput) {
		return registry.Channel{}, err
	}
	// Get matches names before ids: a channel whose name happens to be this
	// id must not hide the right one.
	list, lerr := d.p.Registry.List(ctx)
	if lerr != nil {
		return registry.Channel{}, lerr
	}
	for _, c := range list {
		if c.ID == id {
			if c.Kind == nil {
				return registry.Channel{}, fmt.Errorf("channel %q has kind %q, which this Herald does not know", c.Name, c.Channel.Kind)
			}
			return c, nil
		}
	}
	return registry.Channel{}, errChannelRemoved
}

// errSendTimeout cancels an attempt that took longer than SendTimeout.
var errSendTimeout = errors.New("send timeout")

func messageOf(it store.OutboxItem) message.Message {
	return message.Message{
		Title:      it.Title,
		Body:       it.Body,
		Markdown:   it.Markdown,
		Level:      message.Level(it.Level),
		PictureURL: it.PictureURL,
		DeliveryID: deliveryID(it),
	}
}

// deliveryID names the outbox row across retries and restarts; the
// creation time keeps it unique should the database be made anew and
// row ids start over.
func deliveryID(it store.OutboxItem) string {
	return fmt.Sprintf("herald-%d-%d", it.ID, it.CreatedAt.UnixMilli())
}

// Shutdown stops claiming and the digest timer, lets the sends in flight
// finish until ctx ends, then cancels them; a cancelled send's row goes
// back to pending with the attempt recorded as "cancelled at shutdown".
// It returns ctx's error when sends had to be cancelled.
func (d *Dispatcher) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	if d.stopping {
		d.mu.Unlock()
		return nil
	}
	d.stopping = true
	loopDone, digesting, watching := d.loopDone, d.digesting, d.watching
	d.mu.Unlock()
	close(d.stop)
	if loopDone != nil {
		<-loopDone
	}
	if digesting != nil {
		<-digesting
	}
	if watching != nil {
		<-watching
	}
	err := d.waitLanes(ctx)
	d.cancel()
	if err != nil {
		// Cancelled sends finish quickly: their store writes have their own
		// timeout.
		_ = d.waitLanes(context.Background())
		return fmt.Errorf("shut down push delivery: sends cancelled: %w", err)
	}
	return nil
}

// waitLanes waits until no row is being sent, or ctx ends.
func (d *Dispatcher) waitLanes(ctx context.Context) error {
	for {
		d.mu.Lock()
		n, ch := len(d.lanes), d.laneDone
		d.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
