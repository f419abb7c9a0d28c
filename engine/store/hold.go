package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Held rows: quiet hours and burst coalescing keep a run's pushes as
// pending outbox rows with a Hold reason instead of sending them; they are
// durable like any row (a crash loses none). When their NextAt comes,
// MergeHeld turns each channel's held rows into one summary row, in one
// transaction, so the summary is queued exactly once.

// HoldKind is the part of a Hold before the colon: "quiet" or "burst".
func HoldKind(hold string) string {
	kind, _, _ := strings.Cut(hold, ":")
	return kind
}

// HoldReason is the part of a Hold after the colon: the push's reason.
func HoldReason(hold string) string {
	_, reason, _ := strings.Cut(hold, ":")
	return reason
}

// RecentPushes counts, among the last limit rows queued for channelID,
// those created after since: the burst rule asks whether the last B were
// all within its window. It reads at most limit rows.
func (tx *RunTx) RecentPushes(channelID string, since time.Time, limit int) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT count(*) FROM (
		SELECT created_at FROM outbox INDEXED BY outbox_channel WHERE channel_id = ? ORDER BY id DESC LIMIT ?)
		WHERE created_at > ?`, channelID, limit, since.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recent pushes of channel %s: %w", channelID, err)
	}
	return n, nil
}

// HeldUntil is when channelID's rows held for kind are released (the
// earliest next_at among them); false when it has none.
func (tx *RunTx) HeldUntil(channelID, kind string) (time.Time, bool, error) {
	var next sql.NullInt64
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT min(next_at) FROM outbox INDEXED BY outbox_held
		WHERE channel_id = ? AND state = 'pending' AND hold <> '' AND hold LIKE ? || ':%'`, channelID, kind).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("held pushes of channel %s: %w", channelID, err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(next.Int64), true, nil
}

// NextHeld is the earliest release time of the held rows; false when none
// is held.
func (s *Store) NextHeld(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.readRow(ctx, `SELECT min(next_at) FROM outbox WHERE state = 'pending' AND hold <> ''`).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next held push: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(next.Int64), true, nil
}

// HeldGroup is the held rows of one channel and one hold kind that are due.
type HeldGroup struct {
	ChannelID string
	Kind      string // "quiet" or "burst"
	Items     []OutboxItem
}

// MergeHeld releases the held rows due at now, in one transaction. For
// each group (channel and kind, rows oldest first) summarize returns the
// row to queue in their place: nil releases the rows as they are (sent one
// by one, as a lone held push is); otherwise the summary is queued and the
// held rows are marked sent (their content goes out in it; their Hold
// still says why). It returns the rows queued or released.
func (s *Store) MergeHeld(ctx context.Context, now time.Time, summarize func(HeldGroup) *OutboxItem) ([]*OutboxItem, error) {
	var queued []*OutboxItem
	err := s.tx(ctx, func(tx *sql.Tx) error {
		queued = nil
		items, err := queryOutbox(ctx, tx, `SELECT `+outboxCols+` FROM outbox INDEXED BY outbox_held
			WHERE state = 'pending' AND hold <> '' AND next_at <= ? ORDER BY channel_id, id`, now.UnixMilli())
		if err != nil {
			return err
		}
		var groups []HeldGroup
		for _, it := range items {
			kind := HoldKind(it.Hold)
			if n := len(groups); n > 0 && groups[n-1].ChannelID == it.ChannelID && groups[n-1].Kind == kind {
				groups[n-1].Items = append(groups[n-1].Items, it)
				continue
			}
			groups = append(groups, HeldGroup{ChannelID: it.ChannelID, Kind: kind, Items: []OutboxItem{it}})
		}
		for _, g := range groups {
			sum := summarize(g)
			if sum == nil {
				for i := range g.Items {
					it := g.Items[i]
					// Created anew: its retries are timed from its release,
					// not from hours before.
					if _, err := tx.ExecContext(ctx, `UPDATE outbox SET hold = '', next_at = ?, created_at = ?, updated_at = ? WHERE id = ?`,
						now.UnixMilli(), now.UnixMilli(), now.UnixMilli(), it.ID); err != nil {
						return err
					}
					it.Hold = ""
					it.NextAt = time.UnixMilli(now.UnixMilli())
					it.CreatedAt, it.UpdatedAt = it.NextAt, it.NextAt
					queued = append(queued, &it)
				}
				continue
			}
			if sum.CreatedAt.IsZero() {
				sum.CreatedAt = now
			}
			if err := enqueue(ctx, tx, []*OutboxItem{sum}); err != nil {
				return err
			}
			for _, it := range g.Items {
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', updated_at = ? WHERE id = ?`,
					now.UnixMilli(), it.ID); err != nil {
					return err
				}
			}
			queued = append(queued, sum)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("release held pushes: %w", err)
	}
	return queued, nil
}
