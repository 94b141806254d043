-- Mutual ratings after a job, and the monitoring of low-rated users.

CREATE TABLE ratings (
    id            TEXT PRIMARY KEY,
    job_id        TEXT NOT NULL REFERENCES jobs (id),
    direction     TEXT NOT NULL CHECK (direction IN ('customer_to_partner', 'partner_to_customer')),
    rater_id      TEXT NOT NULL REFERENCES users (id),
    ratee_id      TEXT NOT NULL REFERENCES users (id),
    stars         INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment       TEXT NOT NULL,
    -- JSON list of short tags
    tags          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    -- Double-blind: hidden from the other side until both rated or the window closed.
    published_at  TIMESTAMP,
    reply         TEXT,
    replied_at    TIMESTAMP,
    hidden_at     TIMESTAMP,
    hidden_reason TEXT,
    -- One rating per job and direction.
    UNIQUE (job_id, direction)
);
CREATE INDEX ratings_ratee ON ratings (ratee_id, published_at);
CREATE INDEX ratings_unpublished ON ratings (created_at) WHERE published_at IS NULL;

-- Users whose recent average fell below 3 stars, for staff to watch.
CREATE TABLE monitoring (
    user_id       TEXT PRIMARY KEY REFERENCES users (id),
    status        TEXT NOT NULL CHECK (status IN ('watching', 'cleared', 'suspended')),
    reason        TEXT NOT NULL,
    average_stars DOUBLE PRECISION NOT NULL,
    rating_count  INTEGER NOT NULL,
    flagged_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX monitoring_status ON monitoring (status, user_id);

CREATE TABLE monitoring_events (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    action        TEXT NOT NULL CHECK (action IN ('flagged', 'note', 'cleared', 'suspended')),
    note          TEXT NOT NULL,
    -- absent when the platform itself acted
    actor_id      TEXT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX monitoring_events_user ON monitoring_events (user_id, id);

-- A suspended account cannot sign in or refresh its session.
ALTER TABLE users ADD COLUMN suspended_at TIMESTAMP;

-- When the Star Score was last worked out: it weighs reviews by age, so it is refreshed daily.
ALTER TABLE partner_profiles ADD COLUMN star_score_at TIMESTAMP;
CREATE INDEX partner_profiles_score_age ON partner_profiles (star_score_at) WHERE review_count > 0;
