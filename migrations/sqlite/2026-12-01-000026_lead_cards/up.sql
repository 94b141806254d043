-- The lead feed's read model: each offer as its pro sees it, rendered as JSON by the
-- transactions that change what it shows, so that a page of a pro's feed is one range scan of
-- (partner, live, id). `lead` is NULL while a rendering is owed (the offers a won race closed,
-- until its pros are told); readers render those from the tables.
CREATE TABLE lead_cards (
    offer_id   TEXT PRIMARY KEY REFERENCES lead_offers (id),
    partner_id TEXT NOT NULL,
    live       BOOLEAN NOT NULL,
    status     TEXT NOT NULL,
    lead       TEXT
);
CREATE INDEX lead_cards_feed ON lead_cards (partner_id, live, offer_id);
