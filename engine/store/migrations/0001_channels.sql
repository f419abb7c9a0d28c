-- Registered push channels. config holds the non-secret fields as a JSON
-- object; secret fields live only in the OS keyring under
-- herald/<id>/<field>.
CREATE TABLE channels (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind        TEXT NOT NULL,
    config      TEXT NOT NULL DEFAULT '{}',
    secrets     TEXT NOT NULL DEFAULT '[]', -- names of the fields stored in the keyring, never their values
    created_at  INTEGER NOT NULL,           -- unix milliseconds
    updated_at  INTEGER NOT NULL,
    last_test_at     INTEGER,
    last_test_ok     INTEGER,
    last_test_answer TEXT
);
