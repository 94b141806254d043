-- What each user wants to hear about and how, the in-app notification list's read state, and
-- the order of each user's live event stream.

-- One row per user and category the user has changed; a missing row means the defaults.
CREATE TABLE notification_preferences (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    push     BOOLEAN NOT NULL,
    email    BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, category)
);

-- Push stays silent between these local times (minutes after midnight; may span midnight).
CREATE TABLE quiet_hours (
    user_id            TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    start_minute       INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute         INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
    time_zone          TEXT NOT NULL,
    include_job_alerts BOOLEAN NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

ALTER TABLE outbox ADD COLUMN read_at TIMESTAMP;
-- The message's place in its recipient's live stream (`GET /v1/events`), given after commit in
-- commit order, so that resuming after the last seen place misses nothing.
ALTER TABLE outbox ADD COLUMN stream_seq BIGINT;
CREATE UNIQUE INDEX outbox_stream ON outbox (recipient_id, stream_seq);
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE stream_seq IS NULL;
