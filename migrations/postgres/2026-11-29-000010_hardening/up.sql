-- Why staff suspended an account (shown to staff, told to the person).
ALTER TABLE users ADD COLUMN suspension_reason TEXT;

-- A charge being sent to the payment provider holds its payment until this instant, so a second
-- attempt (a double tap with another Idempotency-Key) waits for the outcome instead of sending
-- the same call again while the first is in flight.
ALTER TABLE payments ADD COLUMN charging_until TIMESTAMP;

-- Staff may lift a suspension from the monitoring list.
ALTER TABLE monitoring_events DROP CONSTRAINT monitoring_events_action_check;
ALTER TABLE monitoring_events ADD CONSTRAINT monitoring_events_action_check
    CHECK (action IN ('flagged', 'note', 'cleared', 'suspended', 'reinstated'));

-- The retention sweep deletes by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
CREATE INDEX outbox_created ON outbox (created_at);
