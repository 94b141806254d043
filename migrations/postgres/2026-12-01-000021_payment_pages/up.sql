-- A payment made on a secure payment page (the provider's hosted checkout, or the sandbox's own
-- page): the page's id at the provider, its address and when it stops taking cards. Null for a
-- payment charged with a card token.
ALTER TABLE payments ADD COLUMN checkout_id TEXT;
ALTER TABLE payments ADD COLUMN checkout_url TEXT;
ALTER TABLE payments ADD COLUMN checkout_expires_at TIMESTAMP;
CREATE UNIQUE INDEX payments_checkout_id ON payments (checkout_id);
