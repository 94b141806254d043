DROP INDEX partner_profiles_score_age;
ALTER TABLE partner_profiles DROP COLUMN star_score_at;
ALTER TABLE users DROP COLUMN suspended_at;
DROP TABLE monitoring_events;
DROP TABLE monitoring;
DROP TABLE ratings;
