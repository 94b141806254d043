//! The weekly payout run (000: "HSP will send you a check weekly") and payout methods.
//!
//! A run takes every partner's positive available balance into one payout per partner, currency
//! and ISO week (`2026-W48`): `partner_available` -> `payouts_in_transit`. The unique key makes
//! the run idempotent per week, and concurrent runs safe: each partner's account is locked, the
//! payout inserted if absent, and only the run whose insert landed posts the money. Staff mark
//! payouts `sent` (mailed or transferred) and `cleared` (cashed: `payouts_in_transit` ->
//! out of `platform_cash`).

use chrono::{Datelike, Duration, NaiveDateTime};
use diesel::prelude::*;
use shared_types::events::EventData;
use shared_types::partners::Money;
use shared_types::wallet::{
    BankAccount, CarriedBalance, LedgerKind, Payout, PayoutFilter, PayoutMark, PayoutMethod,
    PayoutMethodInput, PayoutMethodKind, PayoutRun, PayoutStatement, PayoutStatus,
};
use shared_types::{Page, PageParams};

use super::ledger::{self, Account, AccountKind, Posting};
use super::{balances, format_money};
use crate::admin::audit;
use crate::db::schema::{
    ledger_accounts, ledger_entries, ledger_transactions, partner_profiles, payout_methods,
    payout_runs, payouts,
};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::notify::outbox;
use crate::state::AppState;

/// Partners paid per transaction of a run.
const CHUNK: i64 = 500;

/// The ISO week `now` falls in, e.g. `2026-W48`: the key of a week's payouts.
pub fn period_of(now: NaiveDateTime) -> String {
    let week = now.date().iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// The next scheduled run strictly after `now`.
pub fn next_run_at(
    now: NaiveDateTime,
    weekday: chrono::Weekday,
    time: chrono::NaiveTime,
) -> NaiveDateTime {
    let today = now.date();
    let ahead = (7 + i64::from(weekday.num_days_from_monday())
        - i64::from(today.weekday().num_days_from_monday()))
        % 7;
    let candidate = (today + Duration::days(ahead)).and_time(time);
    if candidate > now {
        candidate
    } else {
        candidate + Duration::days(7)
    }
}

/// This week's scheduled run time, whether past or not.
pub fn this_weeks_run_at(
    now: NaiveDateTime,
    weekday: chrono::Weekday,
    time: chrono::NaiveTime,
) -> NaiveDateTime {
    let next = next_run_at(now, weekday, time);
    let previous = next - Duration::days(7);
    if period_of(previous) == period_of(now) {
        previous
    } else {
        next
    }
}

#[derive(Debug, Default)]
struct ChunkResult {
    created: u32,
    totals: Vec<(String, i64)>,
    last_account: Option<String>,
}

/// Pays the next `CHUNK` partners (by account id, after `after`). Run inside a write
/// transaction.
fn pay_chunk(
    conn: &mut DbConnection,
    period: &str,
    after: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<ChunkResult> {
    let mut query = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(AccountKind::PartnerAvailable.as_str()))
        .filter(ledger_accounts::balance_cents.lt(0)) // in credit: money owed to the partner
        .order(ledger_accounts::id)
        .limit(CHUNK)
        .select((
            ledger_accounts::id,
            ledger_accounts::owner_id,
            ledger_accounts::currency,
        ))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(ledger_accounts::id.gt(after.to_owned()));
    }
    let accounts: Vec<(String, String, String)> = query.load(conn)?;
    let mut result = ChunkResult {
        last_account: accounts.last().map(|(id, _, _)| id.clone()),
        ..ChunkResult::default()
    };
    if accounts.is_empty() {
        return Ok(result);
    }
    let partner_ids: Vec<&str> = accounts
        .iter()
        .map(|(_, owner, _)| owner.as_str())
        .collect();
    let methods: std::collections::HashMap<String, MethodRow> = payout_methods::table
        .filter(payout_methods::partner_id.eq_any(&partner_ids))
        .select(MethodRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| (row.partner_id.clone(), row))
        .collect();
    for (account_id, partner_id, currency) in &accounts {
        // Lock the balance (a no-op update), then read it: what is paid out is what is there.
        diesel::update(ledger_accounts::table.find(account_id))
            .set(ledger_accounts::balance_cents.eq(ledger_accounts::balance_cents))
            .execute(conn)?;
        let balance: Option<i64> = ledger_accounts::table
            .find(account_id)
            .select(ledger_accounts::balance_cents)
            .first(conn)?;
        // Balances are debit-positive: what the partner may be paid is the credit balance.
        let amount = -balance.unwrap_or(0);
        if amount <= 0 {
            continue;
        }
        let method = methods.get(partner_id);
        let (kind, destination) = match method {
            Some(row) => (row.kind(), row.destination()),
            None => (PayoutMethodKind::Cheque, None),
        };
        let payout_id = db::new_id();
        let inserted = crate::insert_or_ignore!(
            conn,
            payouts::table,
            (
                payouts::id.eq(&payout_id),
                payouts::partner_id.eq(partner_id),
                payouts::period.eq(period),
                payouts::amount_cents.eq(amount),
                payouts::currency.eq(currency),
                payouts::method.eq(kind.as_str()),
                payouts::destination.eq(&destination),
                payouts::status.eq(PayoutStatus::Pending.as_str()),
                payouts::created_at.eq(now),
            )
        )?;
        if inserted == 0 {
            continue; // paid this week already
        }
        let money = Money {
            amount_cents: amount,
            currency: currency.clone(),
        };
        let posting = Posting::new(
            LedgerKind::Payout,
            format!(
                "Weekly payout {period}: {} by {}",
                format_money(&money),
                kind.as_str().replace('_', " ")
            ),
        )
        .for_payout(&payout_id)
        .debit(Account::available(partner_id, currency), amount)
        .credit(
            Account::platform(AccountKind::PayoutsInTransit, currency),
            amount,
        );
        ledger::post(conn, &posting, now)?;
        let payout = find(conn, &payout_id)?;
        outbox::enqueue(conn, partner_id, EventData::PayoutCreated(payout), now)?;
        result.created += 1;
        match result.totals.iter_mut().find(|(c, _)| c == currency) {
            Some((_, total)) => *total += amount,
            None => result.totals.push((currency.clone(), amount)),
        }
    }
    Ok(result)
}

/// Runs the payouts of the week `now` falls in: one transaction per chunk of partners, so a
/// run over many partners neither holds one huge transaction nor loses finished chunks.
#[tracing::instrument(name = "payout_run", skip_all, fields(period = %period_of(now), created))]
pub async fn run(state: &AppState, now: NaiveDateTime) -> ApiResult<PayoutRun> {
    let period = period_of(now);
    let mut run = PayoutRun {
        period: period.clone(),
        created: 0,
        totals: Vec::new(),
    };
    let mut after: Option<String> = None;
    loop {
        let (period, cursor) = (period.clone(), after.clone());
        let chunk = state
            .write(move |conn| pay_chunk(conn, &period, cursor.as_deref(), now))
            .await?;
        run.created += chunk.created;
        for (currency, amount) in chunk.totals {
            match run.totals.iter_mut().find(|m| m.currency == currency) {
                Some(total) => total.amount_cents += amount,
                None => run.totals.push(Money {
                    amount_cents: amount,
                    currency,
                }),
            }
        }
        match chunk.last_account {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    run.totals.sort_by(|a, b| a.currency.cmp(&b.currency));
    tracing::Span::current().record("created", run.created);
    Ok(run)
}

/// The scheduled run: once this week's time has come, the first replica to claim the week runs
/// it. Returns the run if this call made it.
pub async fn run_if_due(state: &AppState) -> ApiResult<Option<PayoutRun>> {
    let now = state.clock.now();
    let settings = &state.settings;
    if now < this_weeks_run_at(now, settings.payout_weekday, settings.payout_time) {
        return Ok(None);
    }
    let period = period_of(now);
    let claimed = state
        .write(move |conn| {
            Ok(crate::insert_or_ignore!(
                conn,
                payout_runs::table,
                (
                    payout_runs::period.eq(&period),
                    payout_runs::started_at.eq(now)
                )
            )?)
        })
        .await?;
    if claimed == 0 {
        return Ok(None);
    }
    let run = run(state, now).await?;
    let period = run.period.clone();
    let finished_at = state.clock.now();
    state
        .write(move |conn| {
            diesel::update(payout_runs::table.find(&period))
                .set(payout_runs::finished_at.eq(finished_at))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    tracing::info!(period = %run.period, created = run.created, "weekly payout run");
    Ok(Some(run))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payouts)]
struct PayoutRow {
    id: String,
    partner_id: String,
    period: String,
    amount_cents: i64,
    currency: String,
    #[diesel(deserialize_as = Stored<PayoutMethodKind>)]
    method: PayoutMethodKind,
    destination: Option<String>,
    #[diesel(deserialize_as = Stored<PayoutStatus>)]
    status: PayoutStatus,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
    cleared_at: Option<NaiveDateTime>,
}

impl PayoutRow {
    fn view(self, payee: String) -> Payout {
        Payout {
            id: self.id,
            partner_id: self.partner_id,
            payee,
            period: self.period,
            amount: Money {
                amount_cents: self.amount_cents,
                currency: self.currency,
            },
            method: self.method,
            destination: self.destination,
            status: self.status,
            created_at: self.created_at.and_utc(),
            sent_at: self.sent_at.map(|at| at.and_utc()),
            cleared_at: self.cleared_at.map(|at| at.and_utc()),
        }
    }
}

/// Payouts, newest first: a partner's own (`partner_id`) or, for staff, by the filter.
pub fn list(
    conn: &mut DbConnection,
    filter: &PayoutFilter,
    page: &PageParams,
) -> ApiResult<Page<Payout>> {
    let limit = i64::from(page.limit());
    let mut query = payouts::table
        .left_join(partner_profiles::table.on(partner_profiles::user_id.eq(payouts::partner_id)))
        .select((
            PayoutRow::as_select(),
            partner_profiles::business_name.nullable(),
        ))
        .order(payouts::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(partner_id) = &filter.partner_id {
        query = query.filter(payouts::partner_id.eq(partner_id.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(payouts::status.eq(status.as_str()));
    }
    if let Some(period) = &filter.period {
        query = query.filter(payouts::period.eq(period.clone()));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(payouts::id.lt(cursor.clone()));
    }
    let rows: Vec<(PayoutRow, Option<String>)> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |(row, _)| row.id.clone());
    Ok(Page {
        items: rows
            .into_iter()
            .map(|(row, payee)| row.view(payee.unwrap_or_default()))
            .collect(),
        next_cursor,
    })
}

/// One payout's remittance statement: every entry of the available balance since the previous
/// payout, up to the payout itself. A payout takes the whole balance, so they add up to it. `owner` limits it to that partner's payouts
/// (anyone else's is "not found").
pub fn statement(
    conn: &mut DbConnection,
    payout_id: &str,
    owner: Option<&str>,
) -> ApiResult<PayoutStatement> {
    let mut query = payouts::table
        .find(payout_id)
        .select(PayoutRow::as_select())
        .into_boxed();
    if let Some(owner) = owner {
        query = query.filter(payouts::partner_id.eq(owner.to_owned()));
    }
    let payout = query
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    let business_name: String = partner_profiles::table
        .find(&payout.partner_id)
        .select(partner_profiles::business_name)
        .first(conn)?;
    let available = || {
        ledger_entries::table
            .inner_join(ledger_accounts::table)
            .inner_join(ledger_transactions::table)
            .filter(ledger_accounts::owner_id.eq(payout.partner_id.clone()))
            .filter(ledger_accounts::kind.eq(AccountKind::PartnerAvailable.as_str()))
            .filter(ledger_accounts::currency.eq(payout.currency.clone()))
    };
    // The payout's own entry, and the previous payout's: the statement lies between them.
    let paid_at: String = available()
        .filter(ledger_transactions::payout_id.eq(&payout.id))
        .select(ledger_entries::id)
        .first(conn)?;
    let previous: Option<String> = available()
        .filter(ledger_transactions::kind.eq(LedgerKind::Payout.as_str()))
        .filter(ledger_entries::id.lt(&paid_at))
        .select(ledger_entries::id)
        .order(ledger_entries::id.desc())
        .first(conn)
        .optional()?;
    let mut lines = available()
        .filter(ledger_entries::id.lt(&paid_at))
        .select(balances::ENTRY_COLUMNS)
        .order(ledger_entries::id.asc())
        .into_boxed();
    if let Some(previous) = previous {
        lines = lines.filter(ledger_entries::id.gt(previous));
    }
    let entries = lines
        .load::<balances::EntryRow>(conn)?
        .into_iter()
        .map(balances::entry_view)
        .collect();
    Ok(PayoutStatement {
        payout: payout.view(business_name.clone()),
        business_name,
        entries,
    })
}

/// Pros whose available balance is below zero, the most owed first: carried into later weeks.
pub fn carried(conn: &mut DbConnection) -> ApiResult<Vec<CarriedBalance>> {
    let rows: Vec<(String, String, Option<i64>, Option<String>)> = ledger_accounts::table
        .left_join(
            partner_profiles::table.on(partner_profiles::user_id.eq(ledger_accounts::owner_id)),
        )
        .filter(ledger_accounts::kind.eq(AccountKind::PartnerAvailable.as_str()))
        // Debit-positive: a partner who owes the platform has a positive balance.
        .filter(ledger_accounts::balance_cents.gt(0))
        .order((
            ledger_accounts::balance_cents.desc(),
            ledger_accounts::id.asc(),
        ))
        .select((
            ledger_accounts::owner_id,
            ledger_accounts::currency,
            ledger_accounts::balance_cents,
            partner_profiles::business_name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(partner_id, currency, balance, payee)| CarriedBalance {
            partner_id,
            payee: payee.unwrap_or_default(),
            balance: Money {
                amount_cents: -balance.unwrap_or(0),
                currency,
            },
        })
        .collect())
}

/// The payouts the filter selects as CSV for the bank or the cheque printer, oldest first:
/// one row per payout with the payee's business name, how and where it goes, and the amount.
pub fn export_csv(conn: &mut DbConnection, filter: &PayoutFilter) -> ApiResult<String> {
    let mut query = payouts::table
        .inner_join(partner_profiles::table.on(partner_profiles::user_id.eq(payouts::partner_id)))
        .select((PayoutRow::as_select(), partner_profiles::business_name))
        .order(payouts::id.asc())
        .into_boxed();
    if let Some(partner_id) = &filter.partner_id {
        query = query.filter(payouts::partner_id.eq(partner_id.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(payouts::status.eq(status.as_str()));
    }
    if let Some(period) = &filter.period {
        query = query.filter(payouts::period.eq(period.clone()));
    }
    let rows: Vec<(PayoutRow, String)> = query.load(conn)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "payout_id",
        "period",
        "partner_id",
        "payee",
        "method",
        "destination",
        "amount",
        "currency",
        "status",
        "created_at",
    ];
    out.write_record(header).map_err(ApiError::internal)?;
    for (row, payee) in rows {
        let amount = format!(
            "{}.{:02}",
            row.amount_cents / 100,
            (row.amount_cents % 100).abs()
        );
        let destination = row.destination.as_deref().unwrap_or("");
        out.write_record([
            row.id.as_str(),
            row.period.as_str(),
            row.partner_id.as_str(),
            &spreadsheet_safe(&payee),
            row.method.as_str(),
            &spreadsheet_safe(destination),
            amount.as_str(),
            row.currency.as_str(),
            row.status.as_str(),
            &row.created_at.and_utc().to_rfc3339(),
        ])
        .map_err(ApiError::internal)?;
    }
    let bytes = out.into_inner().map_err(ApiError::internal)?;
    String::from_utf8(bytes).map_err(ApiError::internal)
}

/// Text a pro typed, made inert for a spreadsheet: a leading `=`, `+`, `-`, `@`, tab or
/// carriage return would make it a formula, so such text starts with `'`.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Staff mark a payout mailed/transferred (`sent`) or cashed (`cleared`, which also takes the
/// money out of the platform's cash). A payout is cleared only after it was sent: a cheque is
/// mailed before it is cashed, so the record always says when it left. Conditional on the
/// current status. Run inside a write transaction.
pub fn mark(
    conn: &mut DbConnection,
    staff_id: &str,
    payout_id: &str,
    mark: PayoutMark,
    now: NaiveDateTime,
) -> ApiResult<Payout> {
    let to = PayoutStatus::from(mark);
    let from: &[&str] = match mark {
        PayoutMark::Sent => &["pending"],
        PayoutMark::Cleared => &["sent"],
    };
    let row: PayoutRow = payouts::table
        .find(payout_id)
        .select(PayoutRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    let target = payouts::table
        .filter(payouts::id.eq(payout_id))
        .filter(payouts::status.eq_any(from));
    let updated = match mark {
        PayoutMark::Sent => diesel::update(target)
            .set((
                payouts::status.eq(Stored(PayoutStatus::Sent)),
                payouts::sent_at.eq(now),
            ))
            .execute(conn)?,
        PayoutMark::Cleared => diesel::update(target)
            .set((
                payouts::status.eq(Stored(PayoutStatus::Cleared)),
                payouts::cleared_at.eq(now),
            ))
            .execute(conn)?,
    };
    if updated == 0 {
        return Err(ApiError::invalid_transition(
            "payout",
            row.status.as_str(),
            from,
        ));
    }
    if mark == PayoutMark::Cleared {
        let posting = Posting::new(
            LedgerKind::PayoutCleared,
            format!(
                "Payout {} {} cleared",
                row.period,
                format_money(&Money {
                    amount_cents: row.amount_cents,
                    currency: row.currency.clone(),
                })
            ),
        )
        .for_payout(&row.id)
        .debit(
            Account::platform(AccountKind::PayoutsInTransit, &row.currency),
            row.amount_cents,
        )
        .credit(
            Account::platform(AccountKind::PlatformCash, &row.currency),
            row.amount_cents,
        );
        ledger::post(conn, &posting, now)?;
    }
    audit::record(
        conn,
        audit::Change {
            actor_id: staff_id,
            action: &format!("payout.{}", to.as_str()),
            subject_type: "payout",
            subject_id: &row.id,
            before: Some(serde_json::json!({ "status": row.status })),
            after: Some(serde_json::json!({ "status": to.as_str() })),
            reason: None,
        },
        now,
    )?;
    let payout = find(conn, payout_id)?;
    let event = match mark {
        PayoutMark::Sent => EventData::PayoutSent(payout.clone()),
        PayoutMark::Cleared => EventData::PayoutCleared(payout.clone()),
    };
    outbox::enqueue(conn, &row.partner_id, event, now)?;
    Ok(payout)
}

fn find(conn: &mut DbConnection, payout_id: &str) -> ApiResult<Payout> {
    let (row, payee): (PayoutRow, Option<String>) = payouts::table
        .find(payout_id)
        .left_join(partner_profiles::table.on(partner_profiles::user_id.eq(payouts::partner_id)))
        .select((
            PayoutRow::as_select(),
            partner_profiles::business_name.nullable(),
        ))
        .first(conn)?;
    Ok(row.view(payee.unwrap_or_default()))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payout_methods)]
struct MethodRow {
    partner_id: String,
    #[diesel(deserialize_as = Stored<PayoutMethodKind>)]
    method: PayoutMethodKind,
    mailing_address: Option<String>,
    bank_account_holder: Option<String>,
    bank_routing_number: Option<String>,
    bank_account_number: Option<String>,
    updated_at: NaiveDateTime,
}

impl MethodRow {
    fn kind(&self) -> PayoutMethodKind {
        self.method
    }

    fn last4(&self) -> String {
        let number = self.bank_account_number.as_deref().unwrap_or_default();
        number[number.len().saturating_sub(4)..].to_owned()
    }

    /// Where a payout goes, as recorded on it.
    fn destination(&self) -> Option<String> {
        match self.kind() {
            PayoutMethodKind::Cheque => self.mailing_address.clone(),
            PayoutMethodKind::Unknown => None,
            PayoutMethodKind::BankTransfer => Some(format!(
                "{} · {} · account ending {}",
                self.bank_account_holder.as_deref().unwrap_or_default(),
                self.bank_routing_number.as_deref().unwrap_or_default(),
                self.last4()
            )),
        }
    }

    fn view(&self) -> PayoutMethod {
        PayoutMethod {
            method: self.kind(),
            mailing_address: self.mailing_address.clone(),
            bank_account: (self.kind() == PayoutMethodKind::BankTransfer).then(|| BankAccount {
                account_holder: self.bank_account_holder.clone().unwrap_or_default(),
                routing_number: self.bank_routing_number.clone().unwrap_or_default(),
                account_last4: self.last4(),
            }),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

pub fn method(conn: &mut DbConnection, partner_id: &str) -> ApiResult<Option<PayoutMethod>> {
    let row: Option<MethodRow> = payout_methods::table
        .find(partner_id)
        .select(MethodRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.as_ref().map(MethodRow::view))
}

/// Sets how the partner is paid. Run inside a write transaction.
pub fn set_method(
    conn: &mut DbConnection,
    partner_id: &str,
    input: &PayoutMethodInput,
    now: NaiveDateTime,
) -> ApiResult<PayoutMethod> {
    let bank = input.bank_account.as_ref();
    let row = MethodRow {
        partner_id: partner_id.to_owned(),
        method: input.method,
        mailing_address: input
            .mailing_address
            .as_deref()
            .map(|address| address.trim().to_owned()),
        bank_account_holder: bank.map(|b| b.account_holder.trim().to_owned()),
        bank_routing_number: bank.map(|b| b.routing_number.clone()),
        bank_account_number: bank.map(|b| b.account_number.clone()),
        updated_at: now,
    };
    diesel::delete(payout_methods::table.find(partner_id)).execute(conn)?;
    diesel::insert_into(payout_methods::table)
        .values((
            payout_methods::partner_id.eq(&row.partner_id),
            payout_methods::method.eq(Stored(row.method)),
            payout_methods::mailing_address.eq(&row.mailing_address),
            payout_methods::bank_account_holder.eq(&row.bank_account_holder),
            payout_methods::bank_routing_number.eq(&row.bank_routing_number),
            payout_methods::bank_account_number.eq(&row.bank_account_number),
            payout_methods::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(row.view())
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime, Weekday};

    use super::*;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_made_inert() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("+1 416"), "'+1 416");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("Sparkle Cleaning"), "Sparkle Cleaning");
        assert_eq!(spreadsheet_safe(""), "");
    }

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn payouts_are_keyed_by_iso_week() {
        assert_eq!(period_of(at(23, 0)), "2026-W48"); // a Monday
        assert_eq!(period_of(at(29, 23)), "2026-W48"); // the Sunday after
        assert_eq!(period_of(at(30, 0)), "2026-W49");
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert_eq!(period_of(new_year), "2026-W53", "ISO weeks straddle years");
    }

    #[test]
    fn the_next_run_is_the_coming_weekday_at_the_time() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        // Tuesday 24 Nov -> Friday 27 Nov 09:00.
        assert_eq!(next_run_at(at(24, 12), Weekday::Fri, nine), at(27, 9));
        // Friday before nine -> the same day; at nine -> a week later.
        assert_eq!(next_run_at(at(27, 8), Weekday::Fri, nine), at(27, 9));
        assert_eq!(
            next_run_at(at(27, 9), Weekday::Fri, nine),
            at(27, 9) + Duration::days(7)
        );
        assert_eq!(this_weeks_run_at(at(28, 10), Weekday::Fri, nine), at(27, 9));
        assert_eq!(this_weeks_run_at(at(24, 10), Weekday::Fri, nine), at(27, 9));
    }
}
