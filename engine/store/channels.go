package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrNameTaken is returned when a channel or live task name is already used.
var ErrNameTaken = errors.New("name already used")

// Channel is a registered push channel as stored: its non-secret settings
// and the names (never the values) of its secret fields.
type Channel struct {
	ID        string
	Name      string
	Kind      string
	Config    map[string]string // non-secret fields only
	Secrets   []string          // keys of fields kept in the keyring
	CreatedAt time.Time
	UpdatedAt time.Time
	LastTest  *TestResult
}

// TestResult is the outcome of the last test push.
type TestResult struct {
	At     time.Time
	OK     bool
	Answer string // the service's answer or the error, already redacted
}

const channelCols = `id, name, kind, config, secrets, created_at, updated_at, last_test_at, last_test_ok, last_test_answer`

// CreateChannel inserts c. c.ID and c.Name must be set.
func (s *Store) CreateChannel(ctx context.Context, c Channel) error {
	cfg, secrets, err := encodeChannel(c)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	_, err = s.exec(ctx, `INSERT INTO channels (id, name, kind, config, secrets, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.Kind, cfg, secrets, now, now)
	return channelWriteError(c.Name, err)
}

// UpdateChannel replaces the name, settings and secret names of channel c.ID.
func (s *Store) UpdateChannel(ctx context.Context, c Channel) error {
	cfg, secrets, err := encodeChannel(c)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE channels SET name = ?, config = ?, secrets = ?, updated_at = ? WHERE id = ?`,
		c.Name, cfg, secrets, time.Now().UnixMilli(), c.ID)
	if err != nil {
		return channelWriteError(c.Name, err)
	}
	return mustAffect(res, "channel "+c.ID)
}

// DeleteChannel removes channel id.
func (s *Store) DeleteChannel(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM channels WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete channel: %w", err)
	}
	return mustAffect(res, "channel "+id)
}

// RecordChannelTest stores the outcome of a test push.
func (s *Store) RecordChannelTest(ctx context.Context, id string, r TestResult) error {
	res, err := s.exec(ctx, `UPDATE channels SET last_test_at = ?, last_test_ok = ?, last_test_answer = ? WHERE id = ?`,
		r.At.UnixMilli(), r.OK, r.Answer, id)
	if err != nil {
		return fmt.Errorf("record test: %w", err)
	}
	return mustAffect(res, "channel "+id)
}

// ChannelByName finds a channel by name (case-insensitive) or by id.
func (s *Store) ChannelByName(ctx context.Context, name string) (Channel, error) {
	row := s.readRow(ctx, `SELECT `+channelCols+` FROM channels WHERE name = ? OR id = ? ORDER BY name = ? DESC LIMIT 1`, name, name, name)
	c, err := scanChannel(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Channel{}, fmt.Errorf("channel %q: %w", name, ErrNotFound)
	}
	return c, err
}

// Channels lists every channel by name.
func (s *Store) Channels(ctx context.Context) ([]Channel, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+channelCols+` FROM channels ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanChannel(row scanner) (Channel, error) {
	var (
		c                Channel
		cfg, secrets     string
		created, updated int64
		testAt           sql.NullInt64
		testOK           sql.NullBool
		testAnswer       sql.NullString
	)
	if err := row.Scan(&c.ID, &c.Name, &c.Kind, &cfg, &secrets, &created, &updated, &testAt, &testOK, &testAnswer); err != nil {
		return Channel{}, err
	}
	if err := json.Unmarshal([]byte(cfg), &c.Config); err != nil {
		return Channel{}, fmt.Errorf("channel %s: settings unreadable: %w", c.Name, err)
	}
	if err := json.Unmarshal([]byte(secrets), &c.Secrets); err != nil {
		return Channel{}, fmt.Errorf("channel %s: secret list unreadable: %w", c.Name, err)
	}
	c.CreatedAt = time.UnixMilli(created)
	c.UpdatedAt = time.UnixMilli(updated)
	if testAt.Valid {
		c.LastTest = &TestResult{At: time.UnixMilli(testAt.Int64), OK: testOK.Bool, Answer: testAnswer.String}
	}
	return c, nil
}

func encodeChannel(c Channel) (cfg, secrets string, err error) {
	if c.Config == nil {
		c.Config = map[string]string{}
	}
	if c.Secrets == nil {
		c.Secrets = []string{}
	}
	a, err := json.Marshal(c.Config)
	if err != nil {
		return "", "", err
	}
	b, err := json.Marshal(c.Secrets)
	return string(a), string(b), err
}

func channelWriteError(name string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		return fmt.Errorf("channel name %q: %w", name, ErrNameTaken)
	}
	if err != nil {
		return fmt.Errorf("save channel %q: %w", name, err)
	}
	return nil
}

func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
