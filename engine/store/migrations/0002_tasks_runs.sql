-- Scheduled tasks and the runs they recorded. Secrets of a task (command
-- environment, HTTP headers) are not here: they live in the OS keyring.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE,
    kind        TEXT NOT NULL CHECK (kind IN ('command', 'http')),
    spec        TEXT NOT NULL,               -- JSON of task.Command or task.HTTPCheck, by kind
    schedule    TEXT NOT NULL DEFAULT '{}',  -- JSON of task.Schedule (+ at_zone)
    timeout_ms  INTEGER NOT NULL DEFAULT 0 CHECK (timeout_ms >= 0), -- 0: the default timeout
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    overlap     TEXT NOT NULL DEFAULT '' CHECK (overlap IN ('', 'skip', 'queue')), -- '': the default
    missed      TEXT NOT NULL DEFAULT '' CHECK (missed IN ('', 'skip', 'run')),
    created_at  INTEGER NOT NULL,            -- unix milliseconds
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER                      -- soft delete: the row stays while runs refer to it
);

-- A name is unique among live tasks only, so a deleted task's name can be
-- reused while its history is kept. Also serves TaskByName and Tasks.
CREATE UNIQUE INDEX tasks_live_name ON tasks (name) WHERE deleted_at IS NULL;

-- One row per finished run.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT, -- grows with the end of the run; never reused (outbox rows refer to runs)
    task_id     INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    trigger     TEXT NOT NULL CHECK (trigger IN ('auto', 'manual', 'test')),
    status      TEXT NOT NULL CHECK (status IN ('success', 'failure', 'timeout', 'skipped')),
    started_at  INTEGER NOT NULL,            -- unix milliseconds
    finished_at INTEGER NOT NULL,
    exit_code   INTEGER,                     -- NULL: the process never ran or was killed
    http_status INTEGER CHECK (http_status IS NULL OR http_status > 0), -- NULL: no answer
    output      TEXT NOT NULL DEFAULT '',    -- redacted by the caller
    error       TEXT NOT NULL DEFAULT ''
);

-- A task's runs newest first (TaskRuns, LastRun, the per-task keep count of
-- pruning) and the foreign key's cascade.
CREATE INDEX runs_task_id ON runs (task_id, id);
-- Per-day counts of one task; covering, so the runs table is not read.
CREATE INDEX runs_task_started ON runs (task_id, started_at, status);
-- Per-day counts of all tasks (covering), date filters, pruning by age.
CREATE INDEX runs_started ON runs (started_at, status);
-- Recent failures across tasks; small, as most runs succeed.
CREATE INDEX runs_failed ON runs (started_at) WHERE status IN ('failure', 'timeout');
