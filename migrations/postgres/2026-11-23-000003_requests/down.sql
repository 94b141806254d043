DROP TABLE idempotency_keys;
DROP TABLE outbox;
DROP TABLE customer_detail_reads;
DROP TABLE jobs;
DROP TABLE lead_offers;
DROP TABLE service_requests;
