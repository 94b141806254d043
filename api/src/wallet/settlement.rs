//! A job's money as the job moves, each step one ledger posting in the transaction of the job's
//! transition:
//! - paid: the price is held for the job (`payments`);
//! - completed: held -> the pro's `pending` (price less the platform fee) + fee revenue;
//! - confirmed (or a dispute released): the job's pending -> `available`;
//! - dispute refunded (all or part): the job's pending and fee are unwound, the refund goes to
//!   `refunds_pending` (a worker sends it), the pro keeps the rest less its fee;
//! - cancelled: the held money goes back, less a late-cancelling customer's fee (part of which
//!   compensates the pro); a late-cancelling pro's wallet is debited their penalty (it may go
//!   negative, and is then netted from later earnings).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::admin::DisputeSplit;
use shared_types::jobs::{DisputeOutcome, Party};
use shared_types::wallet::LedgerKind;
use shared_types::wallet::RefundStatus;

use super::ledger::{self, Account, AccountKind, Posting};
use super::{MoneyPolicy, format_cents, job_name, payments};
use crate::db::schema::{ledger_entries, ledger_transactions, refunds};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;
use crate::jobs::model::JobRow;

/// What the customer paid for the job and is still held (0 when unpaid or settled).
pub fn held(conn: &mut DbConnection, job: &JobRow) -> ApiResult<i64> {
    Ok(-ledger::balance(
        conn,
        &Account::held(&job.id, &job.currency),
    )?)
}

/// What the job's transactions put on `account` and is still there, credit positive. Looks the
/// account up first so that both lookups are by index (entries by account, transactions by job).
fn job_total(conn: &mut DbConnection, job: &JobRow, account: &Account) -> ApiResult<i64> {
    let Some(account_id) = ledger::account_id(conn, account)? else {
        return Ok(0);
    };
    let of_job = ledger_transactions::table
        .filter(ledger_transactions::job_id.eq(&job.id))
        .select(ledger_transactions::id);
    let total: Option<i64> = ledger_entries::table
        .filter(ledger_entries::account_id.eq(account_id))
        .filter(ledger_entries::transaction_id.eq_any(of_job))
        .select(ledger::sum_of_entries())
        .first(conn)?;
    Ok(-total.unwrap_or(0))
}

/// What the platform holds for the job: the pro's pending earnings and the fee on them.
fn held_parts(conn: &mut DbConnection, job: &JobRow) -> ApiResult<(i64, i64)> {
    let pending = job_total(conn, job, &Account::pending(&job.partner_id, &job.currency))?;
    let fee = job_total(
        conn,
        job,
        &Account::platform(AccountKind::FeeRevenue, &job.currency),
    )?;
    Ok((pending, fee))
}

/// What a dispute's decision would split now: the job's earnings while they are pending, with
/// their fee (zero before completion, once released or refunded, or when never paid).
pub fn at_stake(conn: &mut DbConnection, job: &JobRow) -> ApiResult<i64> {
    let (pending, fee) = held_parts(conn, job)?;
    Ok(if pending > 0 { pending + fee } else { 0 })
}

/// Completion: the held price becomes the pro's pending earnings and the platform's fee.
pub fn on_completed(
    conn: &mut DbConnection,
    job: &JobRow,
    policy: &MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let held = held(conn, job)?;
    if held <= 0 {
        return Ok(());
    }
    let fee = policy.fee(held);
    let posting = Posting::new(
        LedgerKind::Earnings,
        format!(
            "Earnings for the {}: {} less the {} platform fee ({})",
            job_name(conn, &job.id)?,
            format_cents(held, &job.currency),
            policy.fee_percent(),
            format_cents(fee, &job.currency),
        ),
    )
    .for_job(&job.id)
    .debit(Account::held(&job.id, &job.currency), held)
    .credit(Account::pending(&job.partner_id, &job.currency), held - fee)
    .credit(
        Account::platform(AccountKind::FeeRevenue, &job.currency),
        fee,
    );
    ledger::post(conn, &posting, now)?;
    Ok(())
}

/// Confirmation (or a dispute released): the job's pending earnings become available.
pub fn on_confirmed(conn: &mut DbConnection, job: &JobRow, now: NaiveDateTime) -> ApiResult<()> {
    let pending = job_total(conn, job, &Account::pending(&job.partner_id, &job.currency))?;
    if pending == 0 {
        return Ok(());
    }
    let posting = Posting::new(
        LedgerKind::Release,
        format!(
            "{} confirmed: {} now available",
            job_name(conn, &job.id)?,
            format_cents(pending, &job.currency)
        ),
    )
    .for_job(&job.id)
    .debit(Account::pending(&job.partner_id, &job.currency), pending)
    .credit(Account::available(&job.partner_id, &job.currency), pending);
    ledger::post(conn, &posting, now)?;
    Ok(())
}

/// Staff's decision on a dispute: `release` pays the pro as a confirmation would; `refund` and
/// `partial` give the customer `refund_cents` back and pay the pro the rest less its fee.
pub fn on_dispute_resolved(
    conn: &mut DbConnection,
    job: &JobRow,
    outcome: DisputeOutcome,
    refund_cents: i64,
    policy: &MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if outcome == DisputeOutcome::Release {
        return on_confirmed(conn, job, now);
    }
    let (pending, fee) = held_parts(conn, job)?;
    let paid = pending + fee;
    if paid <= 0 {
        return Ok(());
    }
    let DisputeSplit {
        refund_cents: refund,
        partner_cents: kept_less_fee,
        fee_cents: kept_fee,
    } = DisputeSplit::of(paid, refund_cents, policy.platform_fee_bps);
    let kept = kept_less_fee + kept_fee;
    let posting = Posting::new(
        LedgerKind::DisputeRefund,
        format!(
            "Dispute on the {}: {} refunded to the customer, {} kept less the platform fee",
            job_name(conn, &job.id)?,
            format_cents(refund, &job.currency),
            format_cents(kept, &job.currency),
        ),
    )
    .for_job(&job.id)
    .debit(Account::pending(&job.partner_id, &job.currency), pending)
    .debit(
        Account::platform(AccountKind::FeeRevenue, &job.currency),
        fee,
    )
    .credit(
        Account::platform(AccountKind::RefundsPending, &job.currency),
        refund,
    )
    .credit(
        Account::available(&job.partner_id, &job.currency),
        kept_less_fee,
    )
    .credit(
        Account::platform(AccountKind::FeeRevenue, &job.currency),
        kept_fee,
    );
    ledger::post(conn, &posting, now)?;
    queue_refund(conn, job, refund, "dispute", now)
}

/// A cancellation: the held money goes back to the customer, less the penalty of the side that
/// cancelled late (`penalty_cents`). Settles the job's penalty row when it could be collected.
pub fn on_cancelled(
    conn: &mut DbConnection,
    job: &JobRow,
    party: Party,
    penalty_cents: Option<i64>,
    policy: &MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let held = held(conn, job)?;
    let currency = job.currency.as_str();
    let penalty_revenue = Account::platform(AccountKind::PenaltyRevenue, currency);
    let refunds_pending = Account::platform(AccountKind::RefundsPending, currency);
    let available = Account::available(&job.partner_id, currency);
    let name = job_name(conn, &job.id)?;
    let (posting, refund) = match (party, penalty_cents) {
        // Paid: the fee is kept from the refund, and the pro is compensated from it.
        (Party::Customer, Some(fee)) if held > 0 => {
            let charged = fee.min(held);
            let compensation = policy.compensation(charged);
            let posting = Posting::new(
                LedgerKind::LateCancellation,
                format!(
                    "Late cancellation of the {name} by the customer: {} fee, {} to the pro",
                    format_cents(charged, currency),
                    format_cents(compensation, currency),
                ),
            )
            .debit(Account::held(&job.id, currency), held)
            .credit(refunds_pending, held - charged)
            .credit(available, compensation)
            .credit(penalty_revenue, charged - compensation);
            (Some(posting), held - charged)
        }
        // Not paid: nothing to take the fee from; the penalty stays `pending`.
        (Party::Customer, Some(_)) => return Ok(()),
        (Party::Partner, Some(penalty)) => {
            let posting = Posting::new(
                LedgerKind::LateCancellation,
                format!(
                    "Late cancellation penalty for the {name}: {}",
                    format_cents(penalty, currency)
                ),
            )
            .debit(available, penalty)
            .credit(penalty_revenue, penalty)
            .debit(Account::held(&job.id, currency), held)
            .credit(refunds_pending, held);
            (Some(posting), held)
        }
        _ if held > 0 => (Some(cancellation_refund(job, &name, held)), held),
        _ => (None, 0),
    };
    if let Some(posting) = posting {
        ledger::post(conn, &posting.for_job(&job.id), now)?;
    }
    if penalty_cents.is_some() {
        crate::jobs::cancellation::settle_penalties(conn, &job.id)?;
    }
    queue_refund(conn, job, refund, "cancellation", now)
}

fn cancellation_refund(job: &JobRow, name: &str, held: i64) -> Posting {
    Posting::new(
        LedgerKind::Cancellation,
        format!(
            "{} cancelled: {} back to the customer",
            name,
            format_cents(held, &job.currency)
        ),
    )
    .debit(Account::held(&job.id, &job.currency), held)
    .credit(
        Account::platform(AccountKind::RefundsPending, &job.currency),
        held,
    )
}

/// Everything held for the job goes back to the customer (a payment that succeeded after the
/// job was cancelled).
pub fn refund_held(conn: &mut DbConnection, job: &JobRow, now: NaiveDateTime) -> ApiResult<()> {
    let held = held(conn, job)?;
    if held <= 0 {
        return Ok(());
    }
    let name = job_name(conn, &job.id)?;
    ledger::post(
        conn,
        &cancellation_refund(job, &name, held).for_job(&job.id),
        now,
    )?;
    queue_refund(conn, job, held, "cancellation", now)
}

/// Queues the refund of `amount_cents` of the job's payment for the refund worker.
fn queue_refund(
    conn: &mut DbConnection,
    job: &JobRow,
    amount_cents: i64,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if amount_cents <= 0 {
        return Ok(());
    }
    let payment = payments::succeeded_job_payment(conn, &job.id)?
        .ok_or_else(|| crate::error::ApiError::internal("money held without a payment"))?;
    diesel::insert_into(refunds::table)
        .values((
            refunds::id.eq(db::new_id()),
            refunds::payment_id.eq(&payment.id),
            refunds::description.eq(&payment.description),
            refunds::job_id.eq(&job.id),
            refunds::amount_cents.eq(amount_cents),
            refunds::currency.eq(&job.currency),
            refunds::reason.eq(reason),
            refunds::status.eq(Stored(RefundStatus::Pending)),
            refunds::attempts.eq(0),
            refunds::next_attempt_at.eq(now),
            refunds::created_at.eq(now),
            refunds::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
