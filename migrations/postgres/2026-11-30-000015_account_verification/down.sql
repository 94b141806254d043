DROP TABLE sessions;
DROP TABLE phone_verifications;
DROP TABLE email_verifications;
ALTER TABLE users DROP COLUMN locale;
ALTER TABLE users DROP COLUMN phone_verified_at;
ALTER TABLE users DROP COLUMN phone;
ALTER TABLE users DROP COLUMN email_verified_at;
