DELETE FROM monitoring_events WHERE action = 'reinstated';
ALTER TABLE payments DROP COLUMN charging_until;
ALTER TABLE users DROP COLUMN suspension_reason;
