ALTER TABLE service_requests DROP COLUMN time_zone;
