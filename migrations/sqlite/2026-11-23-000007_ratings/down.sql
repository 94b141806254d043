ALTER TABLE users DROP COLUMN suspended_at;
DROP TABLE monitoring_events;
DROP TABLE monitoring;
DROP TABLE ratings;
