package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// newOwnerID names a store handle in the leases it takes: unique per open,
// so a restarted process never mistakes its predecessor's rows for its own.
func newOwnerID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// LeaseOwner is the id this handle writes into the rows it claims.
func (s *Store) LeaseOwner() string { return s.owner }

// SetLease sets how long this handle's claims hold unless renewed
// (DefaultLease unless set). Call it before claiming.
func (s *Store) SetLease(d time.Duration) {
	if d > 0 {
		s.lease = d
	}
}

// Lease is how long this handle's claims hold unless renewed.
func (s *Store) Lease() time.Duration { return s.lease }

// leaseError explains why an operation on inflight row id found nothing of
// this handle's to change.
func (s *Store) leaseError(ctx context.Context, tx queryRower, id int64) error {
	var (
		st    OutboxState
		owner string
	)
	err := tx.QueryRowContext(ctx, `SELECT state, lease_owner FROM outbox WHERE id = ?`, id).Scan(&st, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("push %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return &StateError{ID: id, State: st, Want: []OutboxState{OutboxInflight}, Taken: st == OutboxInflight && owner != s.owner}
}

// RenewLeases extends the lease of every row this handle has in flight to
// now + its lease, and returns how many it renewed.
func (s *Store) RenewLeases(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = execCount(ctx, tx, `UPDATE outbox SET lease_until = ? WHERE state = 'inflight' AND lease_owner = ?`,
			now.Add(s.lease).UnixMilli(), s.owner)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("renew leases of pushes in flight: %w", err)
	}
	return n, nil
}

// expiredSQL finds inflight rows of other handles whose lease ran out (one
// seek on outbox_lease); ReclaimExpired asks the read pool first.
const expiredSQL = `SELECT count(*) FROM outbox INDEXED BY outbox_lease WHERE state = 'inflight' AND lease_until < ? AND lease_owner <> ?`

// ReclaimExpired makes pending again, due at now, the inflight rows of
// other store handles whose lease ran out before now: their sender died or
// hung. It returns them as they were (their channels are counted as having
// sent: whether the dead sender's attempt reached the service is unknown).
// This handle's own rows are never taken, even late: it is still sending
// them.
func (s *Store) ReclaimExpired(ctx context.Context, now time.Time) ([]OutboxItem, error) {
	var n int
	if err := s.readRow(ctx, expiredSQL, now.UnixMilli(), s.owner).Scan(&n); err != nil {
		return nil, fmt.Errorf("find pushes whose sender died: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	var items []OutboxItem
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		items, err = queryOutbox(ctx, tx, `UPDATE outbox SET state = 'pending', next_at = ?1, updated_at = ?1, lease_owner = '', lease_until = 0
			WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_lease WHERE state = 'inflight' AND lease_until < ?1 AND lease_owner <> ?2)
			RETURNING `+outboxCols, now.UnixMilli(), s.owner)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("take back pushes whose sender died: %w", err)
	}
	return items, nil
}

const recentSendsSQL = `SELECT o.channel_id, d.at FROM deliveries AS d INDEXED BY deliveries_at
	JOIN outbox AS o ON o.id = d.outbox_id WHERE d.at >= ? ORDER BY d.at`

// RecentSends returns, per channel id, the start times of the attempts made
// since since, oldest first: what persisted rate limits are rebuilt from.
func (s *Store) RecentSends(ctx context.Context, since time.Time) (map[string][]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, recentSendsSQL, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read recent sends: %w", err)
	}
	defer rows.Close()
	out := map[string][]time.Time{}
	for rows.Next() {
		var (
			ch string
			at int64
		)
		if err := rows.Scan(&ch, &at); err != nil {
			return nil, fmt.Errorf("read recent sends: %w", err)
		}
		out[ch] = append(out[ch], time.UnixMilli(at))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read recent sends: %w", err)
	}
	return out, nil
}

const nextLeaseEndSQL = `SELECT min(lease_until) FROM outbox INDEXED BY outbox_lease
	WHERE state = 'inflight' AND lease_owner <> ?`

// NextLeaseEnd returns when the first lease of another handle's inflight
// row runs out (one seek on outbox_lease); false when there is none.
func (s *Store) NextLeaseEnd(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	err := s.readRow(ctx, nextLeaseEndSQL, s.owner).Scan(&at)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("find the next lease to run out: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(at.Int64), true, nil
}
