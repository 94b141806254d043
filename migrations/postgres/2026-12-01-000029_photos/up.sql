-- Photos people upload: kept in the object store (the full image and a thumbnail, both
-- re-encoded without metadata); a row here says whose it is and what it belongs to. A photo is
-- uploaded on its own, then attached once to one thing: a message, a request, a job's completion,
-- a dispute or a pro's portfolio. Unattached photos are removed after a day.
CREATE TABLE photos (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES users (id),
    content_type    TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    byte_size       BIGINT NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    thumb_byte_size BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attached_to     TEXT CHECK (attached_to IN ('message', 'request', 'completion', 'dispute', 'portfolio')),
    attached_id     TEXT,
    position        INTEGER NOT NULL DEFAULT 0,
    caption         TEXT,
    attached_at     TIMESTAMP,
    CHECK ((attached_to IS NULL) = (attached_id IS NULL))
);
CREATE INDEX photos_of_object ON photos (attached_to, attached_id, position);
CREATE INDEX photos_of_owner ON photos (owner_id, created_at);

-- Photos whose rows are gone (abandoned uploads, deleted accounts) and whose objects the
-- retention sweep still has to delete from the store: written in the same transaction that
-- deletes the row, so that no object is forgotten.
CREATE TABLE photo_removals (
    photo_id  TEXT PRIMARY KEY,
    queued_at TIMESTAMP NOT NULL
);

-- Leads now show how many photos their request has: the cards are rendered again, from the
-- tables, when the service starts (requests::cards::fill_missing).
DELETE FROM lead_cards;
