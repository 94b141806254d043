-- Verified contact details. Accounts made before verification existed count as verified at
-- creation; new ones verify their email by a link and their phone by a code.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN phone_verified_at TIMESTAMP;
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en-CA';
UPDATE users SET email_verified_at = created_at;

-- Email links: confirming the account's address, or moving the account to a new one. The
-- token is kept only as its hash; each works once, until it expires.
CREATE TABLE email_verifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    email      TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX email_verifications_user ON email_verifications (user_id, created_at);

-- Phone codes: six digits sent by SMS, kept as a keyed hash, a few attempts each.
CREATE TABLE phone_verifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    phone      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX phone_verifications_user ON phone_verifications (user_id, created_at);

-- Signed-in devices: one row per refresh-token family (a sign-in), so that a person can see
-- and end them.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    user_agent   TEXT,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id, last_used_at);
