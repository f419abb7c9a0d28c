-- Facts about this database. instance_id tells databases apart in names that
-- live outside the file, such as task secrets in the OS keyring: task ids
-- start at 1 in every database, so they alone would collide between two
-- data folders on one machine.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('instance_id', lower(hex(randomblob(8))));
