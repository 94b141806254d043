ALTER TABLE service_requests DROP COLUMN extra_reach_km;
