-- Third-party apps acting for users through OAuth 2.1 (authorization code + PKCE).
CREATE TABLE oauth_apps (
    id            TEXT PRIMARY KEY,                     -- the client_id
    owner_id      TEXT NOT NULL REFERENCES users (id),  -- the developer who registered it
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,                        -- one per line, compared exactly
    logo_url      TEXT,
    scopes        TEXT NOT NULL,                        -- space-separated: the most it may ask
    secret_hash   TEXT,                                 -- none: a public client (PKCE alone)
    created_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP
);
CREATE INDEX oauth_apps_owner ON oauth_apps (owner_id, id);

-- A user's permission for an app: at most one live grant per (app, user).
CREATE TABLE oauth_grants (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES oauth_apps (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    tag          TEXT NOT NULL UNIQUE,                  -- in every token's visible prefix
    scopes       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE UNIQUE INDEX oauth_grants_live ON oauth_grants (app_id, user_id) WHERE revoked_at IS NULL;
CREATE INDEX oauth_grants_user ON oauth_grants (user_id, id);

-- Authorization codes: single use, short-lived, bound to a redirect URI and a PKCE challenge.
CREATE TABLE oauth_codes (
    id             TEXT PRIMARY KEY,                    -- also the family of its tokens
    code_hash      TEXT NOT NULL UNIQUE,
    grant_id       TEXT NOT NULL REFERENCES oauth_grants (id),
    redirect_uri   TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP
);
CREATE INDEX oauth_codes_grant ON oauth_codes (grant_id);

-- Access and refresh tokens, stored hashed. A refresh token works once (`used_at`); presenting
-- it again revokes its whole family.
CREATE TABLE oauth_tokens (
    id         TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES oauth_grants (id),
    family_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,                           -- access | refresh
    token_hash TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX oauth_tokens_family ON oauth_tokens (family_id);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
