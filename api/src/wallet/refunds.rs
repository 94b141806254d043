//! Refunds go out through the provider after the transaction that decided them: a worker claims
//! due refunds (a lease, so replicas do not send the same one at once), calls the provider with
//! the refund's id as idempotency key, and settles the answer. A provider that does not answer is
//! retried with backoff; one that refuses marks the refund `failed` for staff (the money stays in
//! `refunds_pending`, visible in the ledger check).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::partners::Money;
use shared_types::wallet::LedgerKind;

use super::format_money;
use super::ledger::{self, Account, AccountKind, Posting};
use super::provider::{PaymentProvider, RefundCall, RefundOutcome};
use crate::db::DbConnection;
use crate::db::schema::{jobs, payments, refunds};
use crate::error::ApiResult;
use crate::notify::outbox;
use crate::state::AppState;

/// How long a claimed refund is left to its worker before another may take it.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// After a provider answered "processing": when to look again if no webhook came.
const RECHECK: chrono::Duration = chrono::Duration::hours(1);
const BATCH: i64 = 50;

/// A refund claimed for sending.
#[derive(Debug, Clone, Queryable)]
pub struct DueRefund {
    pub id: String,
    pub amount_cents: i64,
    pub attempts: i32,
    /// The provider's id of the payment refunded.
    pub payment_ref: Option<String>,
}

/// Claims up to `BATCH` due refunds. Run inside a write transaction.
pub fn claim(conn: &mut DbConnection, now: NaiveDateTime) -> ApiResult<Vec<DueRefund>> {
    let due: Vec<DueRefund> = refunds::table
        .inner_join(payments::table)
        .filter(refunds::status.eq("pending"))
        .filter(refunds::next_attempt_at.le(now))
        .order(refunds::next_attempt_at)
        .limit(BATCH)
        .select((
            refunds::id,
            refunds::amount_cents,
            refunds::attempts,
            payments::provider_ref,
        ))
        .load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for refund in due {
        // Conditional: a worker on another replica may have claimed it since the read.
        let taken = diesel::update(
            refunds::table
                .filter(refunds::id.eq(&refund.id))
                .filter(refunds::status.eq("pending"))
                .filter(refunds::next_attempt_at.le(now)),
        )
        .set(refunds::next_attempt_at.eq(now + LEASE))
        .execute(conn)?;
        if taken == 1 {
            claimed.push(refund);
        }
    }
    Ok(claimed)
}

/// The refund reached the customer's card: `refunds_pending` -> out of `platform_cash`.
/// Applied once; returns whether this call applied it.
pub fn settle(
    conn: &mut DbConnection,
    refund_id: &str,
    provider_ref: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let updated = diesel::update(
        refunds::table
            .filter(refunds::id.eq(refund_id))
            .filter(refunds::status.eq("pending")),
    )
    .set((
        refunds::status.eq("succeeded"),
        refunds::provider_ref.eq(provider_ref),
        refunds::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(false);
    }
    let (job_id, amount_cents, currency, customer_id): (String, i64, String, String) =
        refunds::table
            .inner_join(jobs::table)
            .filter(refunds::id.eq(refund_id))
            .select((
                refunds::job_id,
                refunds::amount_cents,
                refunds::currency,
                jobs::customer_id,
            ))
            .first(conn)?;
    let amount = Money {
        amount_cents,
        currency: currency.clone(),
    };
    let posting = Posting::new(
        LedgerKind::RefundSent,
        format!("Refund of {} for job {job_id} sent", format_money(&amount)),
    )
    .for_job(&job_id)
    .debit(
        Account::platform(AccountKind::RefundsPending, &currency),
        amount_cents,
    )
    .credit(
        Account::platform(AccountKind::PlatformCash, &currency),
        amount_cents,
    );
    ledger::post(conn, &posting, now)?;
    outbox::enqueue(
        conn,
        &customer_id,
        "payment.refunded",
        &serde_json::json!({ "job_id": job_id, "refund_id": refund_id, "amount": amount }),
    )?;
    Ok(true)
}

/// The provider refused the refund: staff must act.
pub fn fail(
    conn: &mut DbConnection,
    refund_id: &str,
    message: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(
        refunds::table
            .filter(refunds::id.eq(refund_id))
            .filter(refunds::status.eq("pending")),
    )
    .set((
        refunds::status.eq("failed"),
        refunds::last_error.eq(message),
        refunds::updated_at.eq(now),
    ))
    .execute(conn)?;
    tracing::error!(refund_id, message, "the payment provider refused a refund");
    Ok(())
}

/// The refund the provider knows as `provider_ref`, if any.
pub fn by_provider_ref(conn: &mut DbConnection, provider_ref: &str) -> ApiResult<Option<String>> {
    Ok(refunds::table
        .filter(refunds::provider_ref.eq(provider_ref))
        .select(refunds::id)
        .first(conn)
        .optional()?)
}

/// Sends every due refund once; returns how many were claimed.
pub async fn send_due(state: &AppState, provider: &PaymentProvider) -> ApiResult<usize> {
    let now = state.clock.now();
    let claimed = state.write(move |conn| claim(conn, now)).await?;
    let count = claimed.len();
    for refund in claimed {
        let Some(payment_ref) = refund.payment_ref.clone() else {
            let id = refund.id.clone();
            state
                .write(move |conn| fail(conn, &id, "the payment has no provider reference", now))
                .await?;
            continue;
        };
        let call = RefundCall {
            refund_id: &refund.id,
            payment_ref: &payment_ref,
            amount_cents: refund.amount_cents,
        };
        let outcome = provider.refund(&call).await;
        let id = refund.id.clone();
        let now = state.clock.now();
        match outcome {
            Ok(RefundOutcome::Succeeded { provider_ref }) => {
                state
                    .write(move |conn| settle(conn, &id, &provider_ref, now))
                    .await?;
            }
            Ok(RefundOutcome::Processing { provider_ref }) => {
                state
                    .write(move |conn| {
                        diesel::update(refunds::table.find(&id))
                            .set((
                                refunds::provider_ref.eq(&provider_ref),
                                refunds::next_attempt_at.eq(now + RECHECK),
                                refunds::updated_at.eq(now),
                            ))
                            .execute(conn)?;
                        Ok(())
                    })
                    .await?;
            }
            Ok(RefundOutcome::Failed { message }) => {
                state
                    .write(move |conn| fail(conn, &id, &message, now))
                    .await?;
            }
            Err(error) => {
                let attempts = refund.attempts + 1;
                let backoff = chrono::Duration::seconds(30 * i64::from(attempts.min(120)));
                tracing::warn!(refund_id = %id, %error, attempts, "refund not sent; will retry");
                state
                    .write(move |conn| {
                        diesel::update(refunds::table.find(&id))
                            .set((
                                refunds::attempts.eq(attempts),
                                refunds::last_error.eq(error.to_string()),
                                refunds::next_attempt_at.eq(now + backoff),
                                refunds::updated_at.eq(now),
                            ))
                            .execute(conn)?;
                        Ok(())
                    })
                    .await?;
            }
        }
    }
    Ok(count)
}
