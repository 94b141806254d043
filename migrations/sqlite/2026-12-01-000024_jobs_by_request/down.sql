DROP INDEX jobs_request_id;
