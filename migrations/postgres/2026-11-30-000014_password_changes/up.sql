-- Access tokens carry the epoch they were issued in; a password change or reset moves the
-- account to the next one, so every earlier token stops working (its refresh tokens are revoked
-- at the same time).
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- Password reset links: the token is kept only as its hash; each works once, for an hour.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
