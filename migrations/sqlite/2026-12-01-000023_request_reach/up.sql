-- A wider search: how many km beyond their own area a pro may be and still be asked (0: pros
-- whose area covers the address, as always).
ALTER TABLE service_requests ADD COLUMN extra_reach_km REAL NOT NULL DEFAULT 0;
