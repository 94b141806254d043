-- Archives of a person's data (`POST /v1/me/export`), kept 7 days.
CREATE TABLE data_exports (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    content    TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX data_exports_user ON data_exports (user_id, created_at);
