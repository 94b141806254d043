DROP TABLE password_resets;
ALTER TABLE users DROP COLUMN session_epoch;
