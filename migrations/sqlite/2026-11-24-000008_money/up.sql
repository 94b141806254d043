-- Money: a double-entry ledger, customer payments and refunds through the payment provider,
-- provider webhooks (each processed once), partners' payout methods and weekly payouts.

-- An account is one bucket of money: the platform's own (owner_id = ''), a job's customer funds
-- (owner_id = the job) or a partner's wallet (owner_id = the partner). Balances are signed, debit
-- positive. `balance_cents` caches the sum of the entries of a job's or partner's account,
-- updated with every entry; the platform's own accounts (touched by every job: one row every
-- transaction would queue on) are not cached (NULL) and are summed from their entries.
CREATE TABLE ledger_accounts (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('platform_cash', 'customer_held', 'partner_pending',
                      'partner_available', 'payouts_in_transit', 'fee_revenue', 'penalty_revenue',
                      'refunds_pending')),
    owner_id      TEXT NOT NULL,
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    balance_cents BIGINT,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (kind, owner_id, currency)
);
-- The payout run's list: wallets in credit.
CREATE INDEX ledger_accounts_in_credit ON ledger_accounts (kind, id) WHERE balance_cents < 0;

-- One balanced movement of money: its entries sum to zero per currency.
CREATE TABLE ledger_transactions (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('payment', 'earnings', 'release', 'tip',
                    'dispute_refund', 'cancellation', 'late_cancellation', 'refund_sent',
                    'payout', 'payout_cleared')),
    job_id      TEXT REFERENCES jobs (id),
    payout_id   TEXT,
    description TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX ledger_transactions_job ON ledger_transactions (job_id);

CREATE TABLE ledger_entries (
    id             TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    account_id     TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount_cents   BIGINT NOT NULL CHECK (amount_cents <> 0),
    currency       TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);

-- The ledger is append-only: a correction is a new transaction.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_transactions_no_update BEFORE UPDATE ON ledger_transactions
BEGIN SELECT RAISE(ABORT, 'ledger transactions are append-only'); END;
CREATE TRIGGER ledger_transactions_no_delete BEFORE DELETE ON ledger_transactions
BEGIN SELECT RAISE(ABORT, 'ledger transactions are append-only'); END;

-- A charge of the customer's card: the job's price, or a tip.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    job_id          TEXT NOT NULL REFERENCES jobs (id),
    customer_id     TEXT NOT NULL REFERENCES users (id),
    purpose         TEXT NOT NULL CHECK (purpose IN ('job', 'tip')),
    amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
    currency        TEXT NOT NULL,
    provider        TEXT NOT NULL CHECK (provider IN ('sandbox', 'stripe')),
    -- the provider's id for it (a PaymentIntent id), once the provider has seen it
    provider_ref    TEXT,
    status          TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
    failure_code    TEXT,
    failure_message TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
-- A job is paid at most once, and tipped at most once: one payment of each purpose in progress
-- or done.
CREATE UNIQUE INDEX payments_one_per_job ON payments (job_id, purpose)
    WHERE status IN ('processing', 'succeeded');
CREATE UNIQUE INDEX payments_provider_ref ON payments (provider, provider_ref);
CREATE INDEX payments_job ON payments (job_id, id);

-- Money going back to a customer; sent to the provider by a worker, retried until it is done.
CREATE TABLE refunds (
    id              TEXT PRIMARY KEY,
    payment_id      TEXT NOT NULL REFERENCES payments (id),
    job_id          TEXT NOT NULL REFERENCES jobs (id),
    amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
    currency        TEXT NOT NULL,
    reason          TEXT NOT NULL CHECK (reason IN ('cancellation', 'dispute')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    provider_ref    TEXT,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (payment_id, reason)
);
CREATE INDEX refunds_due ON refunds (next_attempt_at) WHERE status = 'pending';

-- Provider webhook events already processed: each is applied once.
CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY,
    provider    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);

-- How a partner is paid: a cheque to a mailing address (the default) or a bank transfer.
CREATE TABLE payout_methods (
    partner_id          TEXT PRIMARY KEY REFERENCES users (id),
    method              TEXT NOT NULL CHECK (method IN ('cheque', 'bank_transfer')),
    mailing_address     TEXT,
    bank_account_holder TEXT,
    bank_routing_number TEXT,
    bank_account_number TEXT,
    updated_at          TIMESTAMP NOT NULL
);

-- The scheduled weekly run, once per week across replicas.
CREATE TABLE payout_runs (
    period      TEXT PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

-- One payout per partner, currency and week (ISO week of the run, e.g. 2026-W48).
CREATE TABLE payouts (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES users (id),
    period       TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    currency     TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('cheque', 'bank_transfer')),
    -- where it goes, as it was when the payout was made (an address or a masked account)
    destination  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'cleared')),
    created_at   TIMESTAMP NOT NULL,
    sent_at      TIMESTAMP,
    cleared_at   TIMESTAMP,
    UNIQUE (partner_id, currency, period)
);
CREATE INDEX payouts_partner ON payouts (partner_id, id);
CREATE INDEX payouts_status ON payouts (status, id);

ALTER TABLE jobs ADD COLUMN paid_at TIMESTAMP;
