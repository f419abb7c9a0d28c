-- In-flight rows carry a lease: which store handle (process) claimed them
-- and until when. A running owner takes back rows whose lease ran out (their
-- sender died) instead of waiting for its own restart.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0; -- unix milliseconds

-- Expired leases, found with one seek.
CREATE INDEX outbox_lease ON outbox (lease_until) WHERE state = 'inflight';

-- The send times of recent attempts: persisted rate limits are rebuilt from them.
CREATE INDEX deliveries_at ON deliveries (at);
