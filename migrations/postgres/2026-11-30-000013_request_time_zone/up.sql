-- The zone the customer chose a request's windows in (their phone's); the pro is shown the
-- windows in it. Requests from before it was asked for were made in the marketplace's zone.
ALTER TABLE service_requests ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'America/Toronto';
