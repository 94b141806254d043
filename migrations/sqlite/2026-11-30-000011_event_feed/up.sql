-- The event feed: each recipient's events are numbered 1, 2, 3, … without gaps (the place in
-- their feed and live stream), from a counter per recipient that survives the retention sweep.
CREATE TABLE event_counters (
    recipient_id TEXT PRIMARY KEY REFERENCES users (id),
    last_seq     BIGINT NOT NULL
);

DROP INDEX outbox_stream;
UPDATE outbox SET stream_seq = numbered.n
FROM (SELECT id, row_number() OVER (PARTITION BY recipient_id ORDER BY stream_seq) AS n
      FROM outbox WHERE stream_seq IS NOT NULL) AS numbered
WHERE outbox.id = numbered.id;
CREATE UNIQUE INDEX outbox_stream ON outbox (recipient_id, stream_seq);
INSERT INTO event_counters (recipient_id, last_seq)
SELECT recipient_id, max(stream_seq) FROM outbox WHERE stream_seq IS NOT NULL GROUP BY recipient_id;
