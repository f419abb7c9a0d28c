-- Push settings, the rules' per-task state, the durable outbox and its
-- delivery attempts.

-- Settings as JSON documents by key: "push" (global), "push.task.<id>"
-- (per-task overrides), "digest.last_due", … The shape of each document
-- belongs to the code that reads it; the store only keeps JSON.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL CHECK (json_valid(value)),
    updated_at  INTEGER NOT NULL             -- unix milliseconds
) WITHOUT ROWID;

-- What the push rules remember about a task between runs; written in the
-- run's transaction, so it always agrees with the runs recorded.
CREATE TABLE push_state (
    task_id         INTEGER PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    auto_failures   INTEGER NOT NULL DEFAULT 0 CHECK (auto_failures >= 0), -- consecutive automatic failures
    failure_pushed  INTEGER NOT NULL DEFAULT 0 CHECK (failure_pushed IN (0, 1)) -- a failure was pushed since the last success
);

-- One message for one channel. channel_id is plain text, not a foreign
-- key: deleting a channel must not silently remove its history; the
-- dispatcher marks rows of unknown channels failed.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: events and the UI name rows by id
    run_id      INTEGER REFERENCES runs (id) ON DELETE SET NULL, -- NULL: test push, digest, API send, or the run was pruned
    source      TEXT NOT NULL CHECK (source IN ('run', 'test', 'digest', 'send')),
    channel_id  TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    markdown    INTEGER NOT NULL DEFAULT 0 CHECK (markdown IN (0, 1)),
    level       TEXT NOT NULL DEFAULT '',
    picture_url TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'inflight', 'sent', 'failed', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_at     INTEGER NOT NULL,            -- unix milliseconds; a pending row may be claimed from then on
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    last_error  TEXT NOT NULL DEFAULT ''     -- redacted answer of the last failed attempt
);

-- The earliest due row (NextDue). Partial: only the few pending rows, not
-- the history of sent ones.
CREATE INDEX outbox_due ON outbox (next_at, id) WHERE state = 'pending';
-- Claiming: the oldest due row of each channel, found by one seek per
-- channel that has pending rows, however long one channel's backlog is.
CREATE INDEX outbox_claim ON outbox (channel_id, next_at, id) WHERE state = 'pending';
-- A run's pushes, and the foreign key's SET NULL when runs are pruned.
CREATE INDEX outbox_run ON outbox (run_id);
-- Lists by state newest first, counts per state, crash recovery.
CREATE INDEX outbox_state ON outbox (state, id);
-- A channel's rows newest first.
CREATE INDEX outbox_channel ON outbox (channel_id, id);
-- Pruning finished rows by age; repeats PruneOutbox's WHERE word for word.
CREATE INDEX outbox_done ON outbox (updated_at) WHERE state IN ('sent', 'failed', 'dropped');

-- Every attempt to send an outbox row.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,            -- unix milliseconds, when the attempt started
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
    transient   INTEGER NOT NULL DEFAULT 0 CHECK (transient IN (0, 1)),
    answer      TEXT NOT NULL DEFAULT ''     -- redacted service answer or error text
);

-- A row's attempts oldest first, and the cascade when outbox rows are pruned.
CREATE INDEX deliveries_outbox ON deliveries (outbox_id, id);

-- Digests read the runs that finished in an interval.
CREATE INDEX runs_finished ON runs (finished_at);
