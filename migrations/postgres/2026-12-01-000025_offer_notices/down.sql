DROP INDEX lead_offers_notice_pending;
ALTER TABLE lead_offers DROP COLUMN notice_pending;
