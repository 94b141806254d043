-- Conversations between a customer and a pro about one request: opened before hiring (profile
-- and review leads, the pro's questions before quoting) and continued once the pro is hired.
-- Each side's read position and unread count live on the row, so a list of conversations is
-- one range scan and a read receipt one update. `activity_key` orders the lists, newest
-- first: the last message's id, or the conversation's own before any (both time-ordered).
CREATE TABLE conversations (
    id                  TEXT PRIMARY KEY,
    request_id          TEXT NOT NULL REFERENCES service_requests (id),
    customer_id         TEXT NOT NULL REFERENCES users (id),
    partner_id          TEXT NOT NULL REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    last_message_id     TEXT,
    last_activity_at    TIMESTAMP NOT NULL,
    activity_key        TEXT NOT NULL,
    customer_read_id    TEXT,
    partner_read_id     TEXT,
    customer_unread     BIGINT NOT NULL DEFAULT 0,
    partner_unread      BIGINT NOT NULL DEFAULT 0,
    blocked_by          TEXT CHECK (blocked_by IN ('customer', 'partner')),
    blocked_at          TIMESTAMP,
    UNIQUE (request_id, partner_id)
);
CREATE INDEX conversations_of_customer ON conversations (customer_id, activity_key);
CREATE INDEX conversations_of_partner ON conversations (partner_id, activity_key);

-- What the sides and staff wrote, ordered by id (time-ordered UUIDs). The job's timeline is
-- shown between them when read (job_events), so `system` is reserved for notes of the service.
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    sender          TEXT NOT NULL CHECK (sender IN ('customer', 'partner', 'staff', 'system')),
    sender_id       TEXT REFERENCES users (id),
    body            TEXT NOT NULL,
    masked          BOOLEAN NOT NULL DEFAULT FALSE,
    hidden_at       TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX messages_of_conversation ON messages (conversation_id, id);

-- Messages reported by the side that received them, for staff to review.
CREATE TABLE message_reports (
    id          TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages (id),
    reporter_id TEXT NOT NULL REFERENCES users (id),
    reason      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by TEXT REFERENCES users (id),
    outcome     TEXT CHECK (outcome IN ('dismissed', 'hidden')),
    note        TEXT,
    UNIQUE (message_id, reporter_id)
);
CREATE INDEX message_reports_open ON message_reports (resolved_at, id);
