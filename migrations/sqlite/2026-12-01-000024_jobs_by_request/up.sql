-- Jobs by their request, cancelled ones included: the lead feed and the request views look jobs
-- up by request, and the partial unique index (live jobs only) cannot serve them.
CREATE INDEX jobs_request_id ON jobs (request_id);
