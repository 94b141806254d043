DROP INDEX payments_checkout_id;
ALTER TABLE payments DROP COLUMN checkout_expires_at;
ALTER TABLE payments DROP COLUMN checkout_url;
ALTER TABLE payments DROP COLUMN checkout_id;
