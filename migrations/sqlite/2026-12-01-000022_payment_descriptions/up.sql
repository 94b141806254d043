-- What a payment or refund was for, in words ("Home cleaning job"): named in its notifications
-- and receipts, and sent to the payment provider. Filled in for the rows already there.
ALTER TABLE payments ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN description TEXT NOT NULL DEFAULT '';
UPDATE payments SET description = COALESCE(
    (SELECT categories.name || ' job'
       FROM jobs
       JOIN service_requests ON service_requests.id = jobs.request_id
       JOIN categories ON categories.id = service_requests.category_id
      WHERE jobs.id = payments.job_id),
    'Job');
UPDATE refunds SET description = COALESCE(
    (SELECT payments.description FROM payments WHERE payments.id = refunds.payment_id),
    'Job');
