ALTER TABLE refunds DROP COLUMN retries;
