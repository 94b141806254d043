-- The platform fee in force when the offer was made (basis points), so that a lead shows the pro
-- what they would receive. Offers made before it was recorded read the default fee.
ALTER TABLE lead_offers ADD COLUMN fee_bps INTEGER NOT NULL DEFAULT 1500;
