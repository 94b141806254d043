-- The job lifecycle's records: date proposals, signed service agreements, the timeline of every
-- change, and penalties owed for late cancellations.

CREATE TABLE job_proposals (
    id            TEXT PRIMARY KEY,
    job_id        TEXT NOT NULL REFERENCES jobs (id),
    proposed_by   TEXT NOT NULL REFERENCES users (id),
    party         TEXT NOT NULL CHECK (party IN ('customer', 'partner')),
    -- JSON list of {start, end} in UTC
    slots         TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'superseded', 'withdrawn')),
    accepted_slot INTEGER,
    created_at    TIMESTAMP NOT NULL,
    responded_at  TIMESTAMP
);
CREATE INDEX job_proposals_job ON job_proposals (job_id, status);

-- The customer's signature of a job's service agreement: one per job.
CREATE TABLE agreement_signatures (
    job_id      TEXT PRIMARY KEY REFERENCES jobs (id),
    customer_id TEXT NOT NULL REFERENCES users (id),
    version     INTEGER NOT NULL,
    text_sha256 TEXT NOT NULL,
    typed_name  TEXT NOT NULL,
    ip          TEXT,
    user_agent  TEXT,
    signed_at   TIMESTAMP NOT NULL
);

CREATE TABLE job_events (
    id         TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL REFERENCES jobs (id),
    kind       TEXT NOT NULL,
    actor      TEXT NOT NULL CHECK (actor IN ('customer', 'partner', 'staff', 'system')),
    actor_id   TEXT REFERENCES users (id),
    -- JSON object
    detail     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX job_events_job ON job_events (job_id, id);

CREATE TABLE penalties (
    id           TEXT PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES jobs (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    party        TEXT NOT NULL CHECK (party IN ('customer', 'partner')),
    reason       TEXT NOT NULL CHECK (reason IN ('late_cancellation')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'settled', 'waived')),
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (job_id, reason)
);
CREATE INDEX penalties_user ON penalties (user_id, id);
