DROP TABLE outbox_deliveries;
DROP TABLE devices;
