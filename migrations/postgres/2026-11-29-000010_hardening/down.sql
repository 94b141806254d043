DROP INDEX outbox_created;
DROP INDEX refresh_tokens_expires;
DROP INDEX idempotency_keys_created;
DELETE FROM monitoring_events WHERE action = 'reinstated';
ALTER TABLE monitoring_events DROP CONSTRAINT monitoring_events_action_check;
ALTER TABLE monitoring_events ADD CONSTRAINT monitoring_events_action_check
    CHECK (action IN ('flagged', 'note', 'cleared', 'suspended'));
ALTER TABLE payments DROP COLUMN charging_until;
ALTER TABLE users DROP COLUMN suspension_reason;
