-- How many times staff sent a failed refund again; each retry is a new call to the provider
-- under its own idempotency key.
ALTER TABLE refunds ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
