-- A deleted account keeps its row (the ledger, payouts and reviews point at it) with its personal
-- data erased; this says when.
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;
