package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OutboxState is where an outbox row is in its life:
//
//	pending ──claim──▶ inflight ──Finish──▶ sent | failed | pending (retry)
//	inflight ──RequeueInflight (crash recovery), ReclaimExpired, Release──▶ pending
//
// A claim is a lease: the row names the store handle that claimed it and
// until when. Only that handle may finish or release it; it renews the
// lease while it works (RenewLeases), and once the lease has run out
// another handle may take the row back (ReclaimExpired).
//
//	pending | failed ──DropOutbox──▶ dropped
//	failed | dropped ──RetryOutbox──▶ pending
type OutboxState string

const (
	OutboxPending  OutboxState = "pending"  // waiting for next_at, or for a worker
	OutboxInflight OutboxState = "inflight" // claimed by a worker, being sent
	OutboxSent     OutboxState = "sent"
	OutboxFailed   OutboxState = "failed"  // permanent failure, or retries exhausted
	OutboxDropped  OutboxState = "dropped" // given up by the user
)

// OutboxStates lists every state, in the order of a row's life.
var OutboxStates = []OutboxState{OutboxPending, OutboxInflight, OutboxSent, OutboxFailed, OutboxDropped}

// Where an outbox row comes from (OutboxItem.Source).
const (
	SourceRun    = "run"    // a task's run
	SourceTest   = "test"   // a channel test
	SourceDigest = "digest" // a periodic summary
	SourceSend   = "send"   // a message sent through the CLI or API
)

// DefaultLease is how long a claim holds unless renewed: long enough for a
// sender to renew it a few times before it runs out.
const DefaultLease = 30 * time.Second

// DefaultOutboxLimit is the page size of OutboxItems when the filter's
// limit is zero or less.
const DefaultOutboxLimit = 100

// ErrWrongState is matched (errors.Is) by the error of an operation on an
// outbox row that exists but is not in a state the operation accepts. That
// error matches ErrNotFound too: for a worker, "no such row" and "no longer
// yours" (it was requeued, or dropped) call for the same thing: let go.
var ErrWrongState = errors.New("outbox row is in the wrong state")

// StateError is an outbox row found in a state the operation does not
// accept. It matches ErrWrongState and ErrNotFound.
type StateError struct {
	ID    int64
	State OutboxState   // the state the row is in
	Want  []OutboxState // the states the operation accepts
	// Taken: the row is inflight, but claimed by another store handle (its
	// lease ran out and it was taken back, or it was never this one's).
	Taken bool
}

func (e *StateError) Error() string {
	if e.Taken {
		return fmt.Sprintf("outbox row %d is being sent by another process", e.ID)
	}
	want := make([]string, len(e.Want))
	for i, w := range e.Want {
		want[i] = string(w)
	}
	return fmt.Sprintf("outbox row %d is %s, not %s", e.ID, e.State, strings.Join(want, " or "))
}

// Is makes errors.Is(err, ErrWrongState) and errors.Is(err, ErrNotFound) true.
func (e *StateError) Is(target error) bool { return target == ErrWrongState || target == ErrNotFound }

// OutboxItem is one message for one channel.
type OutboxItem struct {
	ID         int64
	RunID      int64  // 0 when not from a run (test push, digest, API send), or when the run was pruned
	Source     string // SourceRun, SourceTest, SourceDigest or SourceSend
	ChannelID  string // registry channel id
	Title      string
	Body       string
	Markdown   bool
	Level      string
	PictureURL string
	State      OutboxState
	Attempts   int
	NextAt     time.Time // when it may be claimed (pending)
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastError  string    // redacted; the service's answer of the last failed attempt
	LeaseOwner string    // inflight: the store handle sending it
	LeaseUntil time.Time // inflight: when another handle may take it back
	// Hold is why a pending row is held back ("quiet:failure",
	// "burst:recovered"; see hold.go); "" for an ordinary row. A held row is
	// not claimed but merged into a summary when its NextAt comes.
	Hold string
}

// Delivery is one attempt to send an outbox row. Times are kept to the
// millisecond.
type Delivery struct {
	ID        int64
	OutboxID  int64
	At        time.Time // when the attempt started
	Duration  time.Duration
	OK        bool
	Transient bool   // for failures: worth retrying
	Answer    string // redacted service answer / error text ("ok" on success)
}

// OutboxFilter selects outbox rows. Zero fields select everything.
type OutboxFilter struct {
	States    []OutboxState // any of these; empty: all
	RunID     int64         // 0: any
	ChannelID string        // "": any
	BeforeID  int64         // keyset paging: only rows with a smaller ID; 0: from the newest
	Limit     int           // ≤ 0: DefaultOutboxLimit
}

const outboxCols = `id, run_id, source, channel_id, title, body, markdown, level, picture_url, state, attempts, next_at, created_at, updated_at, last_error, lease_owner, lease_until, hold`

// Enqueue adds items to the outbox as pending rows in one transaction (a
// run's pushes go through RunTx.Enqueue instead). It sets each item's ID,
// State, Attempts, CreatedAt (now, unless set), UpdatedAt and NextAt
// (CreatedAt, unless set). Source and ChannelID are required.
func (s *Store) Enqueue(ctx context.Context, items ...*OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return enqueue(ctx, tx, items) })
}

func enqueue(ctx context.Context, tx *sql.Tx, items []*OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO outbox (run_id, source, channel_id, title, body, markdown, level, picture_url, state, attempts, next_at, created_at, updated_at, last_error, hold)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, '', ?)`)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	defer st.Close()
	now := time.Now()
	for _, it := range items {
		switch it.Source {
		case SourceRun, SourceTest, SourceDigest, SourceSend:
		default:
			return fmt.Errorf("enqueue: source %q: want %s, %s, %s or %s", it.Source, SourceRun, SourceTest, SourceDigest, SourceSend)
		}
		if it.ChannelID == "" {
			return fmt.Errorf("enqueue %s push %q: no channel id", it.Source, it.Title)
		}
		if it.CreatedAt.IsZero() {
			it.CreatedAt = now
		}
		if it.NextAt.IsZero() {
			it.NextAt = it.CreatedAt
		}
		var runID any // NULL: not from a run
		if it.RunID != 0 {
			runID = it.RunID
		}
		res, err := st.ExecContext(ctx, runID, it.Source, it.ChannelID, it.Title, it.Body, it.Markdown, it.Level, it.PictureURL,
			it.NextAt.UnixMilli(), it.CreatedAt.UnixMilli(), it.CreatedAt.UnixMilli(), it.Hold)
		if err != nil {
			return fmt.Errorf("enqueue %s push for channel %s: %w", it.Source, it.ChannelID, err)
		}
		if it.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("enqueue %s push for channel %s: %w", it.Source, it.ChannelID, err)
		}
		// Mirror what was stored: times at millisecond precision.
		it.CreatedAt = time.UnixMilli(it.CreatedAt.UnixMilli())
		it.NextAt = time.UnixMilli(it.NextAt.UnixMilli())
		it.UpdatedAt = it.CreatedAt
		it.State, it.Attempts, it.LastError = OutboxPending, 0, ""
	}
	return nil
}

// claimDueSQL claims, in one statement, the oldest due row of each channel
// that has pending rows and is not in the skip list (?2, a JSON array), at
// most ?4 rows: round robin, the channels served longest ago first (?7, a
// JSON object of channel id → the turn it was last served in; never served
// is turn 0), then the oldest next_at (then id).
//
// One row per channel: deliveries to a channel are sequential (its rate
// limit, its order), so a second row of the same channel would only wait
// for a worker's channel slot; it is claimed once the first is finished.
// Skipping busy channels lets every free worker take another channel's row,
// so a hung channel holds its own rows back and nobody else's.
//
// The channels are walked with one outbox_claim index seek each (a loose
// index scan: the next channel_id greater than the last), and so is each
// channel's oldest due row: the cost grows with the number of channels that
// have pending rows, not with the length of any one channel's backlog.
// INDEXED BY because, without statistics, the planner prefers outbox_state
// (state=?), which reads every pending row; a missing index is then an
// error rather than a slow plan.
const dueHeadsCTE = `WITH RECURSIVE channels (channel_id) AS (
		SELECT min(channel_id) FROM outbox INDEXED BY outbox_claim WHERE state = 'pending' AND hold = ''
		UNION ALL
		SELECT (SELECT min(channel_id) FROM outbox INDEXED BY outbox_claim WHERE state = 'pending' AND hold = '' AND channel_id > channels.channel_id)
		FROM channels WHERE channels.channel_id IS NOT NULL
	),
	heads (id, channel_id, next_at) AS (
		SELECT head.id, head.channel_id, head.next_at FROM channels
		JOIN outbox AS head ON head.id = (
			SELECT o.id FROM outbox AS o INDEXED BY outbox_claim
			WHERE o.state = 'pending' AND o.hold = '' AND o.channel_id = channels.channel_id AND o.next_at <= ?1
			ORDER BY o.next_at, o.id LIMIT 1)
		WHERE channels.channel_id NOT IN (SELECT value FROM json_each(?2))
	)`

const claimDueSQL = dueHeadsCTE + `
	UPDATE outbox SET state = 'inflight', updated_at = ?3, lease_owner = ?5, lease_until = ?6
	WHERE id IN (SELECT id FROM heads
		ORDER BY coalesce((SELECT value FROM json_each(?7) WHERE key = heads.channel_id), 0), next_at, id LIMIT ?4)
	RETURNING ` + outboxCols

// anyDueSQL asks the read pool whether claimDueSQL would claim anything.
const anyDueSQL = dueHeadsCTE + ` SELECT count(*) FROM heads`

// ClaimDue atomically moves up to limit pending rows with next_at <= now to
// inflight and returns them, oldest next_at first, then by id. It takes at
// most one row per channel, the channel's oldest due row, and none of the
// channels in skip (those the caller is busy sending to); when more
// channels have due rows than limit, those with the lowest turn in served
// (absent: 0) win: see claimDueSQL.
// One statement in one write transaction: two claimers, even in two
// processes, never get the same row. The claimed rows are leased to this
// store handle until now + its lease. A limit ≤ 0 claims nothing.
//
// The read pool is asked first whether anything is due: a dispatcher asks
// on every wake, and a write transaction that finds nothing still takes the
// database's only write lock from every other process.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, limit int, skip []string, served map[string]int64) ([]OutboxItem, error) {
	if limit <= 0 {
		return nil, nil
	}
	if skip == nil {
		skip = []string{} // JSON null would make NOT IN exclude every channel
	}
	if served == nil {
		served = map[string]int64{}
	}
	skipJSON, err := json.Marshal(skip)
	if err != nil {
		return nil, fmt.Errorf("claim due pushes: %w", err)
	}
	servedJSON, err := json.Marshal(served)
	if err != nil {
		return nil, fmt.Errorf("claim due pushes: %w", err)
	}
	qctx, err := short(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim due pushes: %w", err)
	}
	anyDue, err := s.rs.get(ctx, anyDueSQL)
	if err != nil {
		return nil, fmt.Errorf("claim due pushes: %w", err)
	}
	var due int
	if err := anyDue.QueryRowContext(qctx, now.UnixMilli(), string(skipJSON)).Scan(&due); err != nil {
		return nil, fmt.Errorf("claim due pushes: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	var items []OutboxItem
	err = s.connTx(ctx, func(qctx context.Context) error {
		st, err := s.wstmt(claimDueSQL)
		if err != nil {
			return err
		}
		items, err = queryOutboxStmt(qctx, st, now.UnixMilli(), string(skipJSON), now.UnixMilli(), limit,
			s.owner, now.Add(s.lease).UnixMilli(), string(servedJSON))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due pushes: %w", err)
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(items, func(a, b OutboxItem) int {
		if c := a.NextAt.Compare(b.NextAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return items, nil
}

// ClaimID claims the pending row id whatever its next_at (a push sent now,
// its result awaited, as a channel test). A row that is not pending gives
// an error matching ErrNotFound.
func (s *Store) ClaimID(ctx context.Context, id int64, now time.Time) (OutboxItem, error) {
	var items []OutboxItem
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		items, err = queryOutbox(ctx, tx, `UPDATE outbox SET state = 'inflight', updated_at = ?, lease_owner = ?, lease_until = ?
			WHERE id = ? AND state = 'pending' RETURNING `+outboxCols,
			now.UnixMilli(), s.owner, now.Add(s.lease).UnixMilli(), id)
		if err == nil && len(items) == 0 {
			err = stateError(ctx, tx, id, OutboxPending)
		}
		return err
	})
	if err != nil {
		return OutboxItem{}, fmt.Errorf("claim push %d: %w", id, err)
	}
	return items[0], nil
}

// Finish records the attempt d on the inflight row id and moves the row to
// state: sent (d.OK must be true), failed for good or pending again at
// nextAt, a retry (d.OK must be false; LastError becomes d.Answer).
// Attempts grows by one. A zero nextAt keeps the row's next_at. Both happen
// in one transaction, and only while the row is inflight and leased to this
// store handle: a worker that finishes late, after RequeueInflight,
// ReclaimExpired or Release, gets an error matching ErrNotFound and changes
// nothing.
func (s *Store) Finish(ctx context.Context, id int64, d Delivery, state OutboxState, nextAt time.Time) error {
	_, err := s.FinishNext(ctx, id, d, state, nextAt, nil)
	return err
}

// NextClaim asks FinishNext to claim the next row of a channel.
type NextClaim struct {
	ChannelID string
	Now       time.Time // rows due at or before it; the claim's time
}

// Next is what FinishNext claimed.
type Next struct {
	Item OutboxItem // the claimed row; zero ID when none was due
	// ChannelUpdatedAt is the channel's last change as the transaction saw
	// it (zero when the channel no longer exists or nothing was claimed): a
	// sender that keeps the channel it read before compares it to know
	// whether it still holds.
	ChannelUpdatedAt time.Time
}

// Finish's statements, prepared once on the writer.
const (
	finishSQL = `UPDATE outbox SET state = ?, attempts = attempts + 1, next_at = coalesce(?, next_at),
			last_error = CASE WHEN ? THEN last_error ELSE ? END, updated_at = ?
			WHERE id = ? AND state = 'inflight' AND lease_owner = ?`
	deliverySQL = `INSERT INTO deliveries (outbox_id, at, duration_ms, ok, transient, answer) VALUES (?, ?, ?, ?, ?, ?)`
	// claimNextSQL claims one channel's oldest due row (one seek on
	// outbox_claim), as claimDueSQL would pick it for that channel, and
	// returns it with the channel's updated_at (NULL: removed).
	claimNextSQL = `UPDATE outbox SET state = 'inflight', updated_at = ?1, lease_owner = ?2, lease_until = ?3
			WHERE id = (SELECT id FROM outbox INDEXED BY outbox_claim
				WHERE state = 'pending' AND hold = '' AND channel_id = ?4 AND next_at <= ?1 ORDER BY next_at, id LIMIT 1)
			RETURNING ` + outboxCols + `, (SELECT updated_at FROM channels WHERE id = ?4)`
)

// FinishNext is Finish and, when next is not nil and the attempt was
// recorded, the claim of next.ChannelID's oldest row due at next.Now, in
// the same transaction: one commit per push for a sender working through a
// channel's backlog. The claim is ClaimDue's for that one channel (leased
// to this handle until next.Now + its lease); nothing is claimed when no
// row is due, and the attempt is recorded all the same. The attempt's
// commit is not delayed: it is durable before the next row is sent.
func (s *Store) FinishNext(ctx context.Context, id int64, d Delivery, state OutboxState, nextAt time.Time, next *NextClaim) (Next, error) {
	switch state {
	case OutboxSent, OutboxFailed, OutboxPending:
	default:
		return Next{}, fmt.Errorf("finish push %d: cannot finish to state %q: want sent, failed or pending", id, state)
	}
	if d.OK != (state == OutboxSent) {
		// A delivery's ok and the row's state must tell the same story.
		return Next{}, fmt.Errorf("finish push %d: an attempt with ok %v cannot leave the row %s", id, d.OK, state)
	}
	if d.At.IsZero() {
		d.At = time.Now()
	}
	if d.Duration < 0 {
		d.Duration = 0
	}
	var nextArg any // NULL keeps next_at
	if !nextAt.IsZero() {
		nextArg = nextAt.UnixMilli()
	}
	var out Next
	err := s.connTx(ctx, func(qctx context.Context) error {
		st, err := s.wstmt(finishSQL)
		if err != nil {
			return err
		}
		res, err := st.ExecContext(qctx, state, nextArg, d.OK, d.Answer, d.At.Add(d.Duration).UnixMilli(), id, s.owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return s.leaseError(qctx, s.w, id)
		}
		if st, err = s.wstmt(deliverySQL); err != nil {
			return err
		}
		if _, err := st.ExecContext(qctx, id, d.At.UnixMilli(), d.Duration.Milliseconds(), d.OK, d.Transient && !d.OK, d.Answer); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		if st, err = s.wstmt(claimNextSQL); err != nil {
			return err
		}
		rows, err := st.QueryContext(qctx, next.Now.UnixMilli(), s.owner, next.Now.Add(s.lease).UnixMilli(), next.ChannelID)
		if err != nil {
			return err
		}
		var stamp sql.NullInt64
		items, err := scanOutboxWith(rows, &stamp)
		if err == nil && len(items) > 0 {
			out.Item = items[0]
			if stamp.Valid {
				out.ChannelUpdatedAt = time.UnixMilli(stamp.Int64)
			}
		}
		return err
	})
	if err != nil {
		return Next{}, fmt.Errorf("finish push %d: %w", id, err)
	}
	return out, nil
}

// Release gives back the claim on inflight row id without recording an
// attempt: it is pending again, due at nextAt. For a send that never
// happened or was cut short by shutdown; a row that is not inflight gives
// an error matching ErrNotFound.
func (s *Store) Release(ctx context.Context, id int64, nextAt time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n, err := execCount(ctx, tx, `UPDATE outbox SET state = 'pending', next_at = ?, updated_at = ?, lease_owner = '', lease_until = 0
			WHERE id = ? AND state = 'inflight' AND lease_owner = ?`, nextAt.UnixMilli(), time.Now().UnixMilli(), id, s.owner)
		if err == nil && n == 0 {
			err = s.leaseError(ctx, tx, id)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("release push %d: %w", id, err)
	}
	return nil
}

// RequeueInflight moves every inflight row back to pending, due at now, and
// returns how many it moved. At start-up, rows still inflight were being
// sent when the process stopped: whether they arrived is unknown, so they
// are sent again (at-least-once delivery). Their attempt is not counted.
func (s *Store) RequeueInflight(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = execCount(ctx, tx, `UPDATE outbox SET state = 'pending', next_at = ?, updated_at = ?, lease_owner = '', lease_until = 0
			WHERE state = 'inflight'`, now.UnixMilli(), now.UnixMilli())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("requeue pushes in flight: %w", err)
	}
	return n, nil
}

// nextDueSQL is a min() over outbox_due: one index seek (INDEXED BY as in
// claimDueSQL).
const nextDueSQL = `SELECT min(next_at) FROM outbox INDEXED BY outbox_due WHERE state = 'pending' AND hold = ''`

// NextDue returns the earliest next_at of the pending rows, which may be in
// the past; false when nothing is pending.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.readRow(ctx, nextDueSQL).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next due push: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(next.Int64), true, nil
}

// nextDueAfterSQL is the first next_at after ?: one seek on outbox_due.
const nextDueAfterSQL = `SELECT min(next_at) FROM outbox INDEXED BY outbox_due WHERE state = 'pending' AND hold = '' AND next_at > ?`

// NextDueAfter returns the earliest next_at after t of the pending rows
// that are not held; false when there is none. A claimer that just claimed
// what it could at t sleeps until then: rows due at t or before were
// claimed, or wait for a busy, paused or rate-limited channel, or a free
// slot, which wake it themselves.
func (s *Store) NextDueAfter(ctx context.Context, t time.Time) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.readRow(ctx, nextDueAfterSQL, t.UnixMilli()).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next due push: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(next.Int64), true, nil
}

// OutboxItemByID returns outbox row id.
func (s *Store) OutboxItemByID(ctx context.Context, id int64) (OutboxItem, error) {
	items, err := queryOutbox(ctx, s.r, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id)
	if err != nil {
		return OutboxItem{}, fmt.Errorf("read push %d: %w", id, err)
	}
	if len(items) == 0 {
		return OutboxItem{}, fmt.Errorf("push %d: %w", id, ErrNotFound)
	}
	return items[0], nil
}

// OutboxItems pages through the rows f selects, newest (highest ID) first:
// pass the last ID of a page as f.BeforeID to get the next one.
func (s *Store) OutboxItems(ctx context.Context, f OutboxFilter) ([]OutboxItem, error) {
	q, args := outboxItemsQuery(f)
	items, err := queryOutbox(ctx, s.r, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list pushes: %w", err)
	}
	return items, nil
}

func outboxItemsQuery(f OutboxFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	if len(f.States) > 0 {
		where = append(where, `state IN (?`+strings.Repeat(`, ?`, len(f.States)-1)+`)`)
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	if f.RunID != 0 {
		where = append(where, `run_id = ?`)
		args = append(args, f.RunID)
	}
	if f.ChannelID != "" {
		where = append(where, `channel_id = ?`)
		args = append(args, f.ChannelID)
	}
	if f.BeforeID > 0 {
		where = append(where, `id < ?`)
		args = append(args, f.BeforeID)
	}
	q := `SELECT ` + outboxCols + ` FROM outbox`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultOutboxLimit
	}
	return q + ` ORDER BY id DESC LIMIT ?`, append(args, limit)
}

// Deliveries lists the attempts to send outbox row outboxID, oldest first.
func (s *Store) Deliveries(ctx context.Context, outboxID int64) ([]Delivery, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, outbox_id, at, duration_ms, ok, transient, answer FROM deliveries WHERE outbox_id = ? ORDER BY id`, outboxID)
	if err != nil {
		return nil, fmt.Errorf("list attempts of push %d: %w", outboxID, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var (
			d         Delivery
			at, durMS int64
		)
		if err := rows.Scan(&d.ID, &d.OutboxID, &at, &durMS, &d.OK, &d.Transient, &d.Answer); err != nil {
			return nil, fmt.Errorf("list attempts of push %d: %w", outboxID, err)
		}
		d.At = time.UnixMilli(at)
		d.Duration = time.Duration(durMS) * time.Millisecond
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attempts of push %d: %w", outboxID, err)
	}
	return out, nil
}

// RetryOutbox makes a failed or dropped row pending again, due at now. Its
// attempts and last error are kept. Another state gives an error matching
// ErrWrongState.
func (s *Store) RetryOutbox(ctx context.Context, id int64, now time.Time) error {
	err := s.moveOutbox(ctx, id, `UPDATE outbox SET state = 'pending', next_at = ?, updated_at = ? WHERE id = ? AND state IN ('failed', 'dropped')`,
		[]any{now.UnixMilli(), now.UnixMilli(), id}, OutboxFailed, OutboxDropped)
	if err != nil {
		return fmt.Errorf("retry push %d: %w", id, err)
	}
	return nil
}

// DropOutbox gives up on a pending or failed row: it is not sent (again).
// An inflight row cannot be dropped, its attempt being under way; another
// state gives an error matching ErrWrongState.
func (s *Store) DropOutbox(ctx context.Context, id int64) error {
	err := s.moveOutbox(ctx, id, `UPDATE outbox SET state = 'dropped', updated_at = ? WHERE id = ? AND state IN ('pending', 'failed')`,
		[]any{time.Now().UnixMilli(), id}, OutboxPending, OutboxFailed)
	if err != nil {
		return fmt.Errorf("drop push %d: %w", id, err)
	}
	return nil
}

// moveOutbox runs the state change q on row id, which must be in one of
// want; the error says why not when it is not.
func (s *Store) moveOutbox(ctx context.Context, id int64, q string, args []any, want ...OutboxState) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		n, err := execCount(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		if n == 0 {
			return stateError(ctx, tx, id, want...)
		}
		return nil
	})
}

// stateError explains why row id was not in one of the states want: it
// does not exist (ErrNotFound), or it is in another state (*StateError).
func stateError(ctx context.Context, q queryRower, id int64, want ...OutboxState) error {
	var st OutboxState
	err := q.QueryRowContext(ctx, `SELECT state FROM outbox WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("push %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return &StateError{ID: id, State: st, Want: want}
}

// OutboxCounts counts the rows in each state; every state is present, zero
// included.
func (s *Store) OutboxCounts(ctx context.Context) (map[OutboxState]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, count(*) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count pushes: %w", err)
	}
	defer rows.Close()
	counts := make(map[OutboxState]int, len(OutboxStates))
	for _, st := range OutboxStates {
		counts[st] = 0
	}
	for rows.Next() {
		var (
			st OutboxState
			n  int
		)
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count pushes: %w", err)
		}
		counts[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count pushes: %w", err)
	}
	return counts, nil
}

// pruneOutboxSQL repeats outbox_done's WHERE word for word: SQLite uses a
// partial index only when the query states its condition. The state is
// checked in the same statement that deletes, so a row retried meanwhile
// is never lost.
const pruneOutboxSQL = `DELETE FROM outbox WHERE id IN (
	SELECT id FROM outbox INDEXED BY outbox_done WHERE state IN ('sent', 'failed', 'dropped') AND updated_at < ? ORDER BY updated_at LIMIT ?)`

// PruneOutbox deletes at most batch finished rows (sent, failed, dropped)
// last changed before olderThan, with their deliveries, and returns how
// many. Pending and inflight rows are never pruned. Small batches keep the
// single writer free for runs being recorded: call it again until it
// returns fewer than batch.
func (s *Store) PruneOutbox(ctx context.Context, olderThan time.Time, batch int) (int, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("prune pushes: batch must be at least 1, got %d", batch)
	}
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = execCount(ctx, tx, pruneOutboxSQL, olderThan.UnixMilli(), batch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune pushes: %w", err)
	}
	return n, nil
}

// querier is what reading rows needs: the read pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryOutbox(ctx context.Context, q querier, query string, args ...any) ([]OutboxItem, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanOutbox(rows)
}

// queryOutboxStmt is queryOutbox for a prepared statement.
func queryOutboxStmt(ctx context.Context, st *sql.Stmt, args ...any) ([]OutboxItem, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return scanOutbox(rows)
}

// scanOutbox reads rows of outboxCols and closes them.
func scanOutbox(rows *sql.Rows) ([]OutboxItem, error) { return scanOutboxWith(rows) }

// scanOutboxWith reads rows of outboxCols followed by the columns extra
// scans into (the last row's values are left there), and closes them.
func scanOutboxWith(rows *sql.Rows, extra ...any) ([]OutboxItem, error) {
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var (
			it                     OutboxItem
			runID                  sql.NullInt64
			next, created, updated int64
		)
		var leaseUntil int64
		if err := rows.Scan(append([]any{&it.ID, &runID, &it.Source, &it.ChannelID, &it.Title, &it.Body, &it.Markdown, &it.Level, &it.PictureURL,
			&it.State, &it.Attempts, &next, &created, &updated, &it.LastError, &it.LeaseOwner, &leaseUntil, &it.Hold}, extra...)...); err != nil {
			return nil, err
		}
		if leaseUntil != 0 {
			it.LeaseUntil = time.UnixMilli(leaseUntil)
		}
		it.RunID = runID.Int64
		it.NextAt = time.UnixMilli(next)
		it.CreatedAt = time.UnixMilli(created)
		it.UpdatedAt = time.UnixMilli(updated)
		out = append(out, it)
	}
	return out, rows.Err()
}
