-- Service requests, lead offers, jobs, reads of customer details, the notification outbox and
-- idempotency keys.

CREATE TABLE service_requests (
    id                  TEXT PRIMARY KEY,
    customer_id         TEXT NOT NULL REFERENCES users (id),
    category_id         TEXT NOT NULL REFERENCES categories (id),
    kind                TEXT NOT NULL CHECK (kind IN ('profile', 'marketplace')),
    -- the one pro a profile lead goes to
    target_partner_id   TEXT REFERENCES users (id),
    description         TEXT NOT NULL,
    street              TEXT NOT NULL,
    city                TEXT NOT NULL,
    postal_code         TEXT NOT NULL,
    country             TEXT NOT NULL,
    lat                 DOUBLE PRECISION NOT NULL,
    lon                 DOUBLE PRECISION NOT NULL,
    -- JSON list of {start, end} in UTC
    windows             TEXT NOT NULL,
    budget_cents        BIGINT,
    budget_currency     TEXT,
    -- JSON list of URLs
    photo_urls          TEXT NOT NULL,
    contact_phone       TEXT,
    status              TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'cancelled', 'unfilled', 'pro_cancelled')),
    -- how many times matching has offered this request
    match_rounds        INTEGER NOT NULL,
    assigned_partner_id TEXT REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX service_requests_customer ON service_requests (customer_id, id);
CREATE INDEX service_requests_status ON service_requests (status);

CREATE TABLE lead_offers (
    id             TEXT PRIMARY KEY,
    request_id     TEXT NOT NULL REFERENCES service_requests (id),
    partner_id     TEXT NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL CHECK (status IN ('offered', 'accepted', 'applied', 'declined', 'expired', 'taken', 'withdrawn')),
    -- why it matched
    distance_km    DOUBLE PRECISION NOT NULL,
    window_start   TIMESTAMP,
    window_end     TIMESTAMP,
    star_score     DOUBLE PRECISION,
    offered_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    responded_at   TIMESTAMP,
    -- an application (review categories)
    message        TEXT,
    quote_cents    BIGINT,
    quote_currency TEXT,
    decline_reason TEXT,
    UNIQUE (request_id, partner_id)
);
CREATE INDEX lead_offers_partner ON lead_offers (partner_id, id);
CREATE INDEX lead_offers_expiry ON lead_offers (status, expires_at);

-- One job per request: the unique index is the last word on who won.
CREATE TABLE jobs (
    id                    TEXT PRIMARY KEY,
    request_id            TEXT NOT NULL REFERENCES service_requests (id),
    customer_id           TEXT NOT NULL REFERENCES users (id),
    partner_id            TEXT NOT NULL REFERENCES users (id),
    status                TEXT NOT NULL CHECK (status IN ('assigned', 'scheduled', 'in_progress', 'completed', 'confirmed', 'cancelled', 'disputed')),
    price_cents           BIGINT NOT NULL CHECK (price_cents >= 0),
    currency              TEXT NOT NULL,
    scheduled_start       TIMESTAMP,
    scheduled_end         TIMESTAMP,
    started_at            TIMESTAMP,
    completed_at          TIMESTAMP,
    review_window_ends_at TIMESTAMP,
    completion_summary    TEXT,
    -- JSON list of https URLs
    completion_photos     TEXT,
    confirmed_at          TIMESTAMP,
    cancelled_at          TIMESTAMP,
    cancelled_by          TEXT CHECK (cancelled_by IN ('customer', 'partner')),
    cancel_reason         TEXT,
    disputed_at           TIMESTAMP,
    dispute_reason        TEXT,
    resolution            TEXT CHECK (resolution IN ('release', 'refund', 'partial')),
    resolution_note       TEXT,
    refund_cents          BIGINT CHECK (refund_cents >= 0 AND refund_cents <= price_cents),
    resolved_at           TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
-- One live job per request: a request whose pro cancelled can be matched again.
CREATE UNIQUE INDEX jobs_live_request ON jobs (request_id) WHERE status <> 'cancelled';
CREATE INDEX jobs_partner ON jobs (partner_id, status);
CREATE INDEX jobs_customer ON jobs (customer_id, status);
CREATE INDEX jobs_review_window ON jobs (status, review_window_ends_at);

-- Every time a pro reads a customer's contact details.
CREATE TABLE customer_detail_reads (
    id         TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL REFERENCES jobs (id),
    partner_id TEXT NOT NULL REFERENCES users (id),
    read_at    TIMESTAMP NOT NULL
);
CREATE INDEX customer_detail_reads_job ON customer_detail_reads (job_id, id);

-- Notifications, written in the same transaction as the event; delivered by workers.
CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error   TEXT,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX outbox_pending ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient_id, id);

-- Idempotency-Key: the first response to a key, replayed for retries with the same request.
CREATE TABLE idempotency_keys (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    -- NULL while the first request is in flight
    status_code   INTEGER,
    response_body TEXT,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
