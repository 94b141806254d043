ALTER TABLE refunds DROP COLUMN description;
ALTER TABLE payments DROP COLUMN description;
