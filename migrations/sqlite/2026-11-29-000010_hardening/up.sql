-- Why staff suspended an account (shown to staff, told to the person).
ALTER TABLE users ADD COLUMN suspension_reason TEXT;

-- A charge being sent to the payment provider holds its payment until this instant, so a second
-- attempt (a double tap with another Idempotency-Key) waits for the outcome instead of sending
-- the same call again while the first is in flight.
ALTER TABLE payments ADD COLUMN charging_until TIMESTAMP;

-- Staff may lift a suspension from the monitoring list (SQLite changes a CHECK by rebuilding).
CREATE TABLE monitoring_events_new (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    action        TEXT NOT NULL
                  CHECK (action IN ('flagged', 'note', 'cleared', 'suspended', 'reinstated')),
    note          TEXT NOT NULL,
    -- absent when the platform itself acted
    actor_id      TEXT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL
);
INSERT INTO monitoring_events_new SELECT id, user_id, action, note, actor_id, created_at
    FROM monitoring_events;
DROP TABLE monitoring_events;
ALTER TABLE monitoring_events_new RENAME TO monitoring_events;
CREATE INDEX monitoring_events_user ON monitoring_events (user_id, id);

-- The retention sweep deletes by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
CREATE INDEX outbox_created ON outbox (created_at);
