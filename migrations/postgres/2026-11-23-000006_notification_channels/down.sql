DROP TRIGGER outbox_written ON outbox;
DROP FUNCTION outbox_written();
DROP INDEX outbox_unsequenced;
DROP INDEX outbox_stream;
DROP SEQUENCE outbox_stream_seq;
ALTER TABLE outbox DROP COLUMN stream_seq;
ALTER TABLE outbox DROP COLUMN read_at;
DROP TABLE quiet_hours;
DROP TABLE notification_preferences;
