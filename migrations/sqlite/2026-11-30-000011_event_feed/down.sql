DROP TABLE event_counters;
DROP INDEX outbox_stream;
UPDATE outbox SET stream_seq = numbered.n
FROM (SELECT id, row_number() OVER (ORDER BY stream_seq, id) AS n
      FROM outbox WHERE stream_seq IS NOT NULL) AS numbered
WHERE outbox.id = numbered.id;
CREATE UNIQUE INDEX outbox_stream ON outbox (recipient_id, stream_seq);
