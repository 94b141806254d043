-- Push delivery: the devices that receive alerts, and which targets each notification has
-- already reached (so that a retry only resends to the rest).

CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the FCM registration token; registering it again moves it to the new user
    token       TEXT NOT NULL UNIQUE,
    platform    TEXT NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
    app_version TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE outbox_deliveries (
    outbox_id    TEXT NOT NULL REFERENCES outbox (id),
    -- `device:<id>` or `email:<address>`
    target       TEXT NOT NULL,
    delivered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (outbox_id, target)
);
