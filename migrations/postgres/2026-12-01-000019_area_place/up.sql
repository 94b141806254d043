-- What the pro typed to place their service area (an address, a postal code, a city): shown back
-- to them when they edit it; the public sees only the rounded centre.
ALTER TABLE partner_profiles ADD COLUMN area_place TEXT;
