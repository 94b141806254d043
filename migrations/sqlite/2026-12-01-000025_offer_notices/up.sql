-- Offers closed by a won race whose pros have not been told yet: the race's winner commits the
-- closing and tells the others right after, so that their answers do not wait for the telling;
-- the lead sweep tells whoever a crash in between left out.
ALTER TABLE lead_offers ADD COLUMN notice_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX lead_offers_notice_pending ON lead_offers (request_id) WHERE notice_pending;
