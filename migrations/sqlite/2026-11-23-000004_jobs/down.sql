DROP TABLE penalties;
DROP TABLE job_events;
DROP TABLE agreement_signatures;
DROP TABLE job_proposals;
