-- A pending row may be held back (quiet hours, burst coalescing): hold
-- names why ('quiet:<reason>', 'burst:<reason>'); '' is an ordinary row.
-- Held rows are never claimed: when their next_at comes, the dispatcher
-- merges each channel's held rows into one summary row and marks them sent.
ALTER TABLE outbox ADD COLUMN hold TEXT NOT NULL DEFAULT '';

-- The held rows due for merging, found with one seek.
CREATE INDEX outbox_held ON outbox (channel_id, next_at) WHERE state = 'pending' AND hold <> '';

-- Claiming and the next due time never look at held rows: the partial
-- indexes leave them out, so both stay covering index seeks.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_at, id) WHERE state = 'pending' AND hold = '';
DROP INDEX outbox_claim;
CREATE INDEX outbox_claim ON outbox (channel_id, next_at, id) WHERE state = 'pending' AND hold = '';
