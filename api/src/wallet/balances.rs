//! What a partner sees of their money: balances per currency and the entries behind them.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::partners::Money;
use shared_types::wallet::{LedgerKind, Wallet, WalletBalance, WalletBucket, WalletEntry};
use shared_types::{Page, PageParams};

use super::ledger::{self, AccountKind};
use super::payouts;
use crate::config::Settings;
use crate::db::schema::{ledger_accounts, ledger_entries, ledger_transactions};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;

/// The partner's wallet: pending and available per currency, lifetime earnings, the next payout.
pub fn wallet(
    conn: &mut DbConnection,
    partner_id: &str,
    settings: &Settings,
    now: NaiveDateTime,
) -> ApiResult<Wallet> {
    let accounts: Vec<(String, String, Option<i64>)> = ledger_accounts::table
        .filter(ledger_accounts::owner_id.eq(partner_id))
        .filter(ledger_accounts::kind.eq_any([
            AccountKind::PartnerPending.as_str(),
            AccountKind::PartnerAvailable.as_str(),
        ]))
        .select((
            ledger_accounts::kind,
            ledger_accounts::currency,
            ledger_accounts::balance_cents,
        ))
        .load(conn)?;
    // Everything that ever reached `available` except payouts: confirmed earnings, tips,
    // compensation, less penalties.
    let earned: Vec<(String, Option<i64>)> = ledger_entries::table
        .inner_join(ledger_accounts::table)
        .inner_join(ledger_transactions::table)
        .filter(ledger_accounts::owner_id.eq(partner_id))
        .filter(ledger_accounts::kind.eq(AccountKind::PartnerAvailable.as_str()))
        .filter(ledger_transactions::kind.ne(LedgerKind::Payout.as_str()))
        .group_by(ledger_accounts::currency)
        .select((ledger_accounts::currency, ledger::sum_of_entries()))
        .load(conn)?;
    let mut balances: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for (kind, currency, balance) in accounts {
        // Wallet accounts are credit-normal: the partner's money is the credit balance.
        let amount = -balance.unwrap_or(0);
        let entry = balances.entry(currency).or_default();
        if kind == AccountKind::PartnerPending.as_str() {
            entry.0 = amount;
        } else {
            entry.1 = amount;
        }
    }
    for (currency, total) in earned {
        balances.entry(currency).or_default().2 = -total.unwrap_or(0);
    }
    let money = |amount_cents: i64, currency: &str| Money {
        amount_cents,
        currency: currency.to_owned(),
    };
    Ok(Wallet {
        balances: balances
            .into_iter()
            .map(|(currency, (pending, available, lifetime))| WalletBalance {
                pending: money(pending, &currency),
                available: money(available, &currency),
                lifetime_earned: money(lifetime, &currency),
            })
            .collect(),
        next_payout_at: payouts::next_run_at(now, settings.payout_weekday, settings.payout_time)
            .and_utc(),
        payout_method: payouts::method(conn, partner_id)?,
    })
}

/// An entry as the ledger query reads it (see [`ENTRY_COLUMNS`]).
pub(super) type EntryRow = (
    String,
    String,
    i64,
    String,
    Stored<LedgerKind>,
    String,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

/// What a wallet entry is read from: entries joined with their account and transaction.
pub(super) const ENTRY_COLUMNS: (
    ledger_entries::id,
    ledger_accounts::kind,
    ledger_entries::amount_cents,
    ledger_entries::currency,
    ledger_transactions::kind,
    ledger_transactions::description,
    ledger_transactions::job_id,
    ledger_transactions::payout_id,
    ledger_entries::created_at,
) = (
    ledger_entries::id,
    ledger_accounts::kind,
    ledger_entries::amount_cents,
    ledger_entries::currency,
    ledger_transactions::kind,
    ledger_transactions::description,
    ledger_transactions::job_id,
    ledger_transactions::payout_id,
    ledger_entries::created_at,
);

/// An entry as the partner reads it: a credit to the wallet is money to the partner.
pub(super) fn entry_view(
    (id, account, amount, currency, kind, description, job_id, payout_id, created_at): EntryRow,
) -> WalletEntry {
    WalletEntry {
        id,
        bucket: if account == AccountKind::PartnerPending.as_str() {
            WalletBucket::Pending
        } else {
            WalletBucket::Available
        },
        amount: Money {
            amount_cents: -amount,
            currency,
        },
        kind: kind.0,
        description,
        job_id,
        payout_id,
        created_at: created_at.and_utc(),
    }
}

/// The movements of the partner's wallet, newest first.
pub fn entries(
    conn: &mut DbConnection,
    partner_id: &str,
    page: &PageParams,
) -> ApiResult<Page<WalletEntry>> {
    let limit = i64::from(page.limit());
    let mut query = ledger_entries::table
        .inner_join(ledger_accounts::table)
        .inner_join(ledger_transactions::table)
        .filter(ledger_accounts::owner_id.eq(partner_id))
        .filter(ledger_accounts::kind.eq_any([
            AccountKind::PartnerPending.as_str(),
            AccountKind::PartnerAvailable.as_str(),
        ]))
        .select(ENTRY_COLUMNS)
        .order(ledger_entries::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(ledger_entries::id.lt(cursor.clone()));
    }
    let rows: Vec<EntryRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    let items = rows.into_iter().map(entry_view).collect();
    Ok(Page { items, next_cursor })
}
