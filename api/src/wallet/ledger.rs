//! The double-entry ledger. Every movement of money is one [`Posting`]: two or more entries on
//! accounts, signed debit-positive, summing to zero per currency, written in the same database
//! transaction as the business change that causes it. Entries are never changed or deleted (the
//! database refuses it); a correction is a new posting.
//!
//! The accounts and their normal side:
//! - `platform_cash` (asset, debit): money the platform holds at the payment provider and bank;
//! - `customer_held` per job (credit): what a customer paid for a job not yet settled;
//! - `partner_pending` / `partner_available` per partner (credit): the wallet;
//! - `payouts_in_transit` (credit): paid out, not yet cleared;
//! - `refunds_pending` (credit): owed back to customers, not yet sent to the provider;
//! - `fee_revenue`, `penalty_revenue` (credit): what the platform earned.
//!
//! Job and partner accounts cache their balance (updated with each entry, in account order so
//! that two postings never wait on each other in a cycle); the platform's few accounts are summed
//! from their entries when asked, so that postings of unrelated jobs never queue on one row.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use shared_types::wallet::{AccountTotal, LedgerCheck, LedgerKind};

use crate::db::schema::{ledger_accounts, ledger_entries, ledger_transactions};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    PlatformCash,
    CustomerHeld,
    PartnerPending,
    PartnerAvailable,
    PayoutsInTransit,
    FeeRevenue,
    PenaltyRevenue,
    RefundsPending,
}

impl AccountKind {
    pub const ALL: [Self; 8] = [
        Self::PlatformCash,
        Self::CustomerHeld,
        Self::PartnerPending,
        Self::PartnerAvailable,
        Self::PayoutsInTransit,
        Self::FeeRevenue,
        Self::PenaltyRevenue,
        Self::RefundsPending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlatformCash => "platform_cash",
            Self::CustomerHeld => "customer_held",
            Self::PartnerPending => "partner_pending",
            Self::PartnerAvailable => "partner_available",
            Self::PayoutsInTransit => "payouts_in_transit",
            Self::FeeRevenue => "fee_revenue",
            Self::PenaltyRevenue => "penalty_revenue",
            Self::RefundsPending => "refunds_pending",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// The platform's own accounts: one per currency, balance not cached.
    pub fn is_platform(self) -> bool {
        !matches!(
            self,
            Self::CustomerHeld | Self::PartnerPending | Self::PartnerAvailable
        )
    }
}

/// An account: its kind, its owner (a job, a partner, or `""` for the platform) and currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Account {
    pub kind: AccountKind,
    pub owner: String,
    pub currency: String,
}

impl Account {
    pub fn platform(kind: AccountKind, currency: &str) -> Self {
        debug_assert!(kind.is_platform());
        Self {
            kind,
            owner: String::new(),
            currency: currency.to_owned(),
        }
    }

    /// What the customer paid for `job_id`, held until the job is settled.
    pub fn held(job_id: &str, currency: &str) -> Self {
        Self::owned(AccountKind::CustomerHeld, job_id, currency)
    }

    pub fn pending(partner_id: &str, currency: &str) -> Self {
        Self::owned(AccountKind::PartnerPending, partner_id, currency)
    }

    pub fn available(partner_id: &str, currency: &str) -> Self {
        Self::owned(AccountKind::PartnerAvailable, partner_id, currency)
    }

    fn owned(kind: AccountKind, owner: &str, currency: &str) -> Self {
        Self {
            kind,
            owner: owner.to_owned(),
            currency: currency.to_owned(),
        }
    }
}

/// One balanced movement of money, built line by line and written by [`post`].
#[derive(Debug, Clone)]
pub struct Posting {
    pub kind: LedgerKind,
    pub description: String,
    pub job_id: Option<String>,
    pub payout_id: Option<String>,
    lines: Vec<(Account, i64)>,
}

impl Posting {
    pub fn new(kind: LedgerKind, description: impl Into<String>) -> Self {
        Self {
            kind,
            description: description.into(),
            job_id: None,
            payout_id: None,
            lines: Vec::new(),
        }
    }

    #[must_use]
    pub fn for_job(mut self, job_id: &str) -> Self {
        self.job_id = Some(job_id.to_owned());
        self
    }

    #[must_use]
    pub fn for_payout(mut self, payout_id: &str) -> Self {
        self.payout_id = Some(payout_id.to_owned());
        self
    }

    /// Money into an asset or out of a liability (a positive entry). Zero amounts are skipped.
    #[must_use]
    pub fn debit(mut self, account: Account, amount_cents: i64) -> Self {
        if amount_cents != 0 {
            self.lines.push((account, amount_cents));
        }
        self
    }

    /// Money into a liability or revenue (a negative entry). Zero amounts are skipped.
    #[must_use]
    pub fn credit(mut self, account: Account, amount_cents: i64) -> Self {
        if amount_cents != 0 {
            self.lines.push((account, -amount_cents));
        }
        self
    }

    /// The lines with one amount per account, in account order.
    fn merged(&self) -> BTreeMap<Account, i64> {
        let mut merged = BTreeMap::new();
        for (account, amount) in &self.lines {
            *merged.entry(account.clone()).or_insert(0) += amount;
        }
        merged.retain(|_, amount| *amount != 0);
        merged
    }

    /// Why this posting may not be written, if it may not: fewer than two entries, or entries
    /// that do not sum to zero in some currency.
    pub fn imbalance(&self) -> Option<String> {
        let merged = self.merged();
        if merged.len() < 2 {
            return Some(format!("{:?} needs at least two entries", self.kind));
        }
        let mut per_currency: BTreeMap<&str, i64> = BTreeMap::new();
        for (account, amount) in &merged {
            *per_currency.entry(account.currency.as_str()).or_insert(0) += amount;
        }
        per_currency
            .into_iter()
            .find(|(_, total)| *total != 0)
            .map(|(currency, total)| {
                format!("{:?} is off by {total} cents in {currency}", self.kind)
            })
    }
}

/// Writes `posting` (a transaction, its entries, the cached balances), or refuses an unbalanced
/// one. Run inside the write transaction of the change that causes it. Returns its id.
pub fn post(conn: &mut DbConnection, posting: &Posting, now: NaiveDateTime) -> ApiResult<String> {
    if let Some(problem) = posting.imbalance() {
        return Err(ApiError::internal(format!("refused posting: {problem}")));
    }
    let lines = posting.merged();
    let accounts: Vec<Account> = lines.keys().cloned().collect();
    let ids = account_ids(conn, &accounts, now)?;

    // The cached balances first: their row locks come before the ids are made, so an entry's id
    // (time-ordered) follows every entry already on its account; a payout's statement relies
    // on that order. In account-id order, so that concurrent postings lock shared rows in the
    // same order.
    let mut cached: Vec<(&String, i64)> = lines
        .iter()
        .filter(|(account, _)| !account.kind.is_platform())
        .map(|(account, amount)| (&ids[account], *amount))
        .collect();
    cached.sort();
    for (account_id, amount) in cached {
        diesel::update(ledger_accounts::table.find(account_id))
            .set(ledger_accounts::balance_cents.eq(ledger_accounts::balance_cents + amount))
            .execute(conn)?;
    }

    let transaction_id = db::new_id();
    diesel::insert_into(ledger_transactions::table)
        .values((
            ledger_transactions::id.eq(&transaction_id),
            ledger_transactions::kind.eq(posting.kind.as_str()),
            ledger_transactions::job_id.eq(&posting.job_id),
            ledger_transactions::payout_id.eq(&posting.payout_id),
            ledger_transactions::description.eq(&posting.description),
            ledger_transactions::created_at.eq(now),
        ))
        .execute(conn)?;
    let entries: Vec<_> = lines
        .iter()
        .map(|(account, amount)| {
            (
                ledger_entries::id.eq(db::new_id()),
                ledger_entries::transaction_id.eq(transaction_id.clone()),
                ledger_entries::account_id.eq(ids[account].clone()),
                ledger_entries::amount_cents.eq(*amount),
                ledger_entries::currency.eq(account.currency.clone()),
                ledger_entries::created_at.eq(now),
            )
        })
        .collect();
    crate::batch_insert!(conn, ledger_entries::table, &entries)?;
    Ok(transaction_id)
}

/// The ids of `accounts`, opening those that do not exist yet.
fn account_ids(
    conn: &mut DbConnection,
    accounts: &[Account],
    now: NaiveDateTime,
) -> ApiResult<HashMap<Account, String>> {
    let mut ids = HashMap::with_capacity(accounts.len());
    for account in accounts {
        if let Some(id) = account_id(conn, account)? {
            ids.insert(account.clone(), id);
            continue;
        }
        let id = db::new_id();
        let balance = (!account.kind.is_platform()).then_some(0_i64);
        let row = (
            ledger_accounts::id.eq(&id),
            ledger_accounts::kind.eq(account.kind.as_str()),
            ledger_accounts::owner_id.eq(&account.owner),
            ledger_accounts::currency.eq(&account.currency),
            ledger_accounts::balance_cents.eq(balance),
            ledger_accounts::created_at.eq(now),
        );
        // Another transaction may open the same account at the same moment: keep theirs.
        crate::insert_or_ignore!(conn, ledger_accounts::table, row)?;
        let id = account_id(conn, account)?
            .ok_or_else(|| ApiError::internal("a ledger account vanished"))?;
        ids.insert(account.clone(), id);
    }
    Ok(ids)
}

/// The id of `account`, if it was ever used.
pub fn account_id(conn: &mut DbConnection, account: &Account) -> ApiResult<Option<String>> {
    Ok(ledger_accounts::table
        .filter(ledger_accounts::kind.eq(account.kind.as_str()))
        .filter(ledger_accounts::owner_id.eq(&account.owner))
        .filter(ledger_accounts::currency.eq(&account.currency))
        .select(ledger_accounts::id)
        .first(conn)
        .optional()?)
}

/// `SUM(ledger_entries.amount_cents)` as a BIGINT (PostgreSQL widens a bigint sum to numeric).
pub fn sum_of_entries() -> SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::BigInt>> {
    diesel::dsl::sql("CAST(SUM(ledger_entries.amount_cents) AS BIGINT)")
}

/// The balance of a job's or partner's account (its cached balance; 0 if it was never used),
/// debit positive.
pub fn balance(conn: &mut DbConnection, account: &Account) -> ApiResult<i64> {
    debug_assert!(!account.kind.is_platform());
    let cached: Option<Option<i64>> = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(account.kind.as_str()))
        .filter(ledger_accounts::owner_id.eq(&account.owner))
        .filter(ledger_accounts::currency.eq(&account.currency))
        .select(ledger_accounts::balance_cents)
        .first(conn)
        .optional()?;
    Ok(cached.flatten().unwrap_or(0))
}

/// Recomputes the ledger from its entries: every transaction must sum to zero per currency and
/// every cached balance must equal the sum of its account's entries. Its queries read one
/// snapshot, so a posting that commits meanwhile is either wholly seen or not at all.
pub fn check(conn: &mut DbConnection) -> ApiResult<LedgerCheck> {
    db::snapshot_read(conn, check_snapshot)
}

fn check_snapshot(conn: &mut DbConnection) -> ApiResult<LedgerCheck> {
    let transactions: i64 = ledger_transactions::table.count().get_result(conn)?;
    let entries: i64 = ledger_entries::table.count().get_result(conn)?;

    let per_transaction: Vec<(String, String, Option<i64>, i64)> = ledger_entries::table
        .group_by((ledger_entries::transaction_id, ledger_entries::currency))
        .select((
            ledger_entries::transaction_id,
            ledger_entries::currency,
            sum_of_entries(),
            diesel::dsl::count(ledger_entries::id),
        ))
        .load(conn)?;
    let mut entry_counts: HashMap<String, i64> = HashMap::new();
    let mut unbalanced: Vec<String> = Vec::new();
    for (transaction_id, _, total, count) in per_transaction {
        *entry_counts.entry(transaction_id.clone()).or_insert(0) += count;
        if total.unwrap_or(0) != 0 {
            unbalanced.push(transaction_id);
        }
    }
    let all_transactions: Vec<String> = ledger_transactions::table
        .select(ledger_transactions::id)
        .load(conn)?;
    for id in all_transactions {
        if entry_counts.get(&id).copied().unwrap_or(0) < 2 {
            unbalanced.push(id);
        }
    }
    unbalanced.sort();
    unbalanced.dedup();

    let sums: HashMap<String, i64> = ledger_entries::table
        .group_by(ledger_entries::account_id)
        .select((ledger_entries::account_id, sum_of_entries()))
        .load::<(String, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, total)| (id, total.unwrap_or(0)))
        .collect();
    let accounts: Vec<(String, String, String, Option<i64>)> = ledger_accounts::table
        .select((
            ledger_accounts::id,
            ledger_accounts::kind,
            ledger_accounts::currency,
            ledger_accounts::balance_cents,
        ))
        .order(ledger_accounts::id)
        .load(conn)?;
    let mut mismatched = Vec::new();
    let mut totals: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (id, kind, currency, cached) in &accounts {
        let derived = sums.get(id).copied().unwrap_or(0);
        let is_platform = AccountKind::parse(kind).is_none_or(AccountKind::is_platform);
        match cached {
            Some(cached) if *cached != derived => mismatched.push(id.clone()),
            None if !is_platform => mismatched.push(id.clone()),
            _ => {}
        }
        *totals.entry((kind.clone(), currency.clone())).or_insert(0) += derived;
    }
    Ok(LedgerCheck {
        balanced: unbalanced.is_empty() && mismatched.is_empty(),
        transactions,
        entries,
        accounts: i64::try_from(accounts.len()).unwrap_or(i64::MAX),
        unbalanced_transactions: unbalanced,
        mismatched_accounts: mismatched,
        accounts_by_kind: totals
            .into_iter()
            .map(|((kind, currency), amount_cents)| AccountTotal {
                kind,
                balance: shared_types::partners::Money {
                    amount_cents,
                    currency,
                },
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cad(kind: AccountKind) -> Account {
        Account::platform(kind, "CAD")
    }

    #[test]
    fn a_posting_must_balance_per_currency() {
        let paid = Posting::new(LedgerKind::Payment, "paid")
            .debit(cad(AccountKind::PlatformCash), 15_000)
            .credit(Account::held("job", "CAD"), 15_000);
        assert_eq!(paid.imbalance(), None);

        let short = Posting::new(LedgerKind::Payment, "paid")
            .debit(cad(AccountKind::PlatformCash), 15_000)
            .credit(Account::held("job", "CAD"), 14_999);
        assert!(short.imbalance().unwrap().contains("off by 1 cents in CAD"));

        // Balanced in total but not per currency.
        let mixed = Posting::new(LedgerKind::Payment, "paid")
            .debit(cad(AccountKind::PlatformCash), 100)
            .credit(Account::held("job", "USD"), 100);
        assert!(mixed.imbalance().is_some());
    }

    #[test]
    fn a_posting_needs_two_accounts() {
        let one = Posting::new(LedgerKind::Tip, "nothing")
            .debit(Account::available("p", "CAD"), 100)
            .credit(Account::available("p", "CAD"), 100);
        assert!(one.imbalance().unwrap().contains("at least two"));
        let empty = Posting::new(LedgerKind::Tip, "zero")
            .debit(cad(AccountKind::PlatformCash), 0)
            .credit(Account::available("p", "CAD"), 0);
        assert!(empty.imbalance().is_some());
    }

    #[test]
    fn only_wallets_and_jobs_cache_their_balance() {
        assert!(AccountKind::FeeRevenue.is_platform());
        assert!(AccountKind::PlatformCash.is_platform());
        assert!(!AccountKind::PartnerAvailable.is_platform());
        assert!(!AccountKind::CustomerHeld.is_platform());
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::parse(kind.as_str()), Some(kind));
        }
    }
}
