DROP INDEX outbox_unsequenced;
DROP INDEX outbox_stream;
ALTER TABLE outbox DROP COLUMN stream_seq;
ALTER TABLE outbox DROP COLUMN read_at;
DROP TABLE quiet_hours;
DROP TABLE notification_preferences;
