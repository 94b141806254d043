ALTER TABLE partner_profiles DROP COLUMN area_place;
