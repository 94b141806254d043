ALTER TABLE lead_offers DROP COLUMN fee_bps;
