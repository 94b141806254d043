//! Refunds go out through the provider after the transaction that decided them: a worker claims
//! due refunds (a lease, so replicas do not send the same one at once), calls the provider with
//! the refund's id as idempotency key (plus `-retry-N` once staff retried it), and settles the
//! answer. A provider that does not answer is retried with backoff; one that refuses marks the
//! refund `failed` for staff (the money stays in `refunds_pending`, visible in the ledger check)
//! until they retry it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::events::EventData;
use shared_types::partners::Money;
use shared_types::wallet::{
    LedgerKind, Refund, RefundFilter, RefundReason, RefundRetryInput, RefundStatus,
};
use shared_types::{Page, PageParams};
use tracing::Instrument as _;

use super::format_money;
use super::ledger::{self, Account, AccountKind, Posting};
use super::provider::{PaymentProvider, RefundCall, RefundOutcome};
use crate::admin::audit;
use crate::backoff;
use crate::db::lease::{self, Lease, WorkTable};
use crate::db::schema::{jobs, payments, refunds};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
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
    pub job_id: String,
    pub amount_cents: i64,
    pub attempts: i32,
    pub retries: i32,
    /// The provider's id of this refund, once it accepted it as in progress.
    pub provider_ref: Option<String>,
    /// The provider's id of the payment refunded.
    pub payment_ref: Option<String>,
}

/// Refunds as a work table: pending ones are due at `next_attempt_at`. Claiming counts no
/// attempt: `attempts` counts the calls the provider did not answer (staff see it).
const REFUNDS: WorkTable = WorkTable {
    table: "refunds",
    id: "id",
    due_at: "next_attempt_at",
    ready: "status = 'pending'",
    on_claim: "",
};

/// Leases up to `BATCH` due refunds to the caller under `lease`. Run inside a write
/// transaction.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: Lease,
) -> ApiResult<Vec<DueRefund>> {
    let ids = lease::claim(conn, &REFUNDS, now, lease, BATCH)?;
    Ok(refunds::table
        .inner_join(payments::table)
        .filter(refunds::id.eq_any(&ids))
        .order(refunds::id)
        .select((
            refunds::id,
            refunds::job_id,
            refunds::amount_cents,
            refunds::attempts,
            refunds::retries,
            refunds::provider_ref,
            payments::provider_ref,
        ))
        .load(conn)?)
}

/// The refund reached the customer's card: `refunds_pending` -> out of `platform_cash`.
/// Applied once; returns whether this call applied it.
pub fn settle(
    conn: &mut DbConnection,
    refund_id: &str,
    provider_ref: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    // A refund reported sent is sent, even one we had taken for refused.
    let updated = diesel::update(refunds::table.filter(refunds::id.eq(refund_id)).filter(
        refunds::status.eq_any([Stored(RefundStatus::Pending), Stored(RefundStatus::Failed)]),
    ))
    .set((
        refunds::status.eq(Stored(RefundStatus::Succeeded)),
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
        format!(
            "Refund of {} for the {} sent",
            format_money(&amount),
            super::job_name(conn, &job_id)?
        ),
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
    let refund = Refund {
        // What went wrong on the way is the staff's business.
        last_error: None,
        ..find(conn, refund_id)?.view()
    };
    outbox::enqueue(conn, &customer_id, EventData::PaymentRefunded(refund), now)?;
    Ok(true)
}

/// The provider refused the refund: staff must act. `retry` is the retry the answer is about
/// when known (a late webhook about a refusal staff have since retried changes nothing).
pub fn fail(
    conn: &mut DbConnection,
    refund_id: &str,
    retry: Option<i32>,
    message: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let pending = refunds::table
        .filter(refunds::id.eq(refund_id))
        .filter(refunds::status.eq(Stored(RefundStatus::Pending)));
    let failed = (
        refunds::status.eq(Stored(RefundStatus::Failed)),
        refunds::last_error.eq(message),
        refunds::updated_at.eq(now),
    );
    let updated = match retry {
        Some(retry) => diesel::update(pending.filter(refunds::retries.eq(retry)))
            .set(failed)
            .execute(conn)?,
        None => diesel::update(pending).set(failed).execute(conn)?,
    };
    if updated > 0 {
        tracing::error!(refund_id, message, "the payment provider refused a refund");
    }
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

#[derive(Queryable, Selectable)]
#[diesel(table_name = refunds)]
struct RefundRow {
    id: String,
    job_id: String,
    payment_id: String,
    amount_cents: i64,
    currency: String,
    #[diesel(deserialize_as = Stored<RefundReason>)]
    reason: RefundReason,
    #[diesel(deserialize_as = Stored<RefundStatus>)]
    status: RefundStatus,
    attempts: i32,
    retries: i32,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    description: String,
}

impl RefundRow {
    fn view(self) -> Refund {
        Refund {
            id: self.id,
            job_id: self.job_id,
            payment_id: self.payment_id,
            description: self.description,
            amount: Money {
                amount_cents: self.amount_cents,
                currency: self.currency,
            },
            reason: self.reason,
            status: self.status,
            attempts: self.attempts,
            retries: self.retries,
            last_error: self.last_error,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

fn find(conn: &mut DbConnection, refund_id: &str) -> ApiResult<RefundRow> {
    refunds::table
        .find(refund_id)
        .select(RefundRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("refund"))
}

/// The job's refunds, oldest first.
pub fn of_job(conn: &mut DbConnection, job_id: &str) -> ApiResult<Vec<Refund>> {
    let rows: Vec<RefundRow> = refunds::table
        .filter(refunds::job_id.eq(job_id))
        .order((refunds::created_at, refunds::id))
        .select(RefundRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(RefundRow::view).collect())
}

/// Refunds, newest first, by the filter.
pub fn list(
    conn: &mut DbConnection,
    filter: &RefundFilter,
    page: &PageParams,
) -> ApiResult<Page<Refund>> {
    let limit = i64::from(page.limit());
    let mut query = refunds::table
        .select(RefundRow::as_select())
        .order(refunds::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(refunds::status.eq(status.as_str()));
    }
    if let Some(job_id) = &filter.job_id {
        query = query.filter(refunds::job_id.eq(job_id.clone()));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(refunds::id.lt(cursor.clone()));
    }
    let rows: Vec<RefundRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    Ok(Page {
        items: rows.into_iter().map(RefundRow::view).collect(),
        next_cursor,
    })
}

/// Staff send a refused refund again: back to `pending`, due now, under a new idempotency key
/// (the next retry). The money never left `refunds_pending`, so the ledger does not move.
/// Conditional on `failed`; recorded in the audit log. Run inside a write transaction.
pub fn retry(
    conn: &mut DbConnection,
    refund_id: &str,
    staff_id: &str,
    input: &RefundRetryInput,
    now: NaiveDateTime,
) -> ApiResult<Refund> {
    let before = find(conn, refund_id)?;
    let updated = diesel::update(
        refunds::table
            .filter(refunds::id.eq(refund_id))
            .filter(refunds::status.eq(Stored(RefundStatus::Failed))),
    )
    .set((
        refunds::status.eq(Stored(RefundStatus::Pending)),
        refunds::retries.eq(refunds::retries + 1),
        refunds::attempts.eq(0),
        refunds::next_attempt_at.eq(now),
        // A late answer about the refused call must not be taken for the new one's.
        refunds::provider_ref.eq(None::<String>),
        refunds::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(ApiError::invalid_transition(
            "refund",
            before.status.as_str(),
            &["failed"],
        ));
    }
    let after = find(conn, refund_id)?.view();
    let before = before.view();
    audit::record(
        conn,
        audit::Change {
            actor_id: staff_id,
            action: "refund.retry",
            subject_type: "refund",
            subject_id: refund_id,
            before: Some(
                serde_json::json!({ "status": before.status, "last_error": before.last_error }),
            ),
            after: Some(serde_json::json!({ "status": after.status, "retries": after.retries })),
            reason: Some(&input.note),
        },
        now,
    )?;
    Ok(after)
}

/// The refund `id` if it still waits on the call made for `retry` and is still under this
/// worker's `lease`: a webhook or a staff retry that landed meanwhile, or another worker that
/// took the refund once the lease ran out, wins over this worker's late bookkeeping.
#[diesel::dsl::auto_type]
#[allow(clippy::elidable_lifetime_names)] // `auto_type` needs the lifetime named.
fn this_call<'a>(id: &'a str, retry: i32, lease: Lease) -> _ {
    let still_ours: diesel::dsl::Eq<refunds::next_attempt_at, NaiveDateTime> =
        lease.held(refunds::next_attempt_at);
    refunds::table
        .filter(refunds::id.eq(id))
        .filter(refunds::status.eq("pending"))
        .filter(refunds::retries.eq(retry))
        .filter(still_ours)
}

/// Sends every due refund once; returns how many were claimed.
pub async fn send_due(state: &AppState, provider: &PaymentProvider) -> ApiResult<usize> {
    let now = state.clock.now();
    let lease = Lease::starting(now, LEASE);
    let span = tracing::info_span!(
        "refund_batch",
        worker = "refunds",
        lease_until = %lease.until,
        refund_ids = tracing::field::Empty,
    );
    async move {
        let claimed = state.write(move |conn| claim(conn, now, lease)).await?;
        let count = claimed.len();
        tracing::Span::current().record("refund_ids", count);
        for refund in claimed {
            let span = tracing::info_span!(
                "refund_attempt",
                refund_id = %refund.id,
                job_id = %refund.job_id,
                attempt = refund.attempts + 1,
                retry = refund.retries,
            );
            send_one(state, provider, refund, lease, now)
                .instrument(span)
                .await?;
        }
        Ok(count)
    }
    .instrument(span)
    .await
}

/// Calls the provider about one claimed refund and records its answer.
async fn send_one(
    state: &AppState,
    provider: &PaymentProvider,
    refund: DueRefund,
    lease: Lease,
    claimed_at: NaiveDateTime,
) -> ApiResult<()> {
    let Some(payment_ref) = refund.payment_ref.clone() else {
        let id = refund.id.clone();
        return state
            .write(move |conn| {
                fail(
                    conn,
                    &id,
                    None,
                    "the payment has no provider reference",
                    claimed_at,
                )
            })
            .await;
    };
    // Accepted as in progress earlier and no webhook since: ask how it went.
    let outcome = if let Some(provider_ref) = &refund.provider_ref {
        provider.refund_status(provider_ref).await
    } else {
        let call = RefundCall {
            refund_id: &refund.id,
            retry: refund.retries,
            payment_ref: &payment_ref,
            amount_cents: refund.amount_cents,
        };
        provider.refund(&call).await
    };
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
                    diesel::update(this_call(&id, refund.retries, lease))
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
                .write(move |conn| fail(conn, &id, Some(refund.retries), &message, now))
                .await?;
        }
        Err(error) => {
            let attempts = refund.attempts + 1;
            let next = backoff::next_attempt_at(now, attempts, None);
            tracing::warn!(refund_id = %id, %error, attempts, "refund not sent; will retry");
            state
                .write(move |conn| {
                    diesel::update(this_call(&id, refund.retries, lease))
                        .set((
                            refunds::attempts.eq(attempts),
                            refunds::last_error.eq(error.to_string()),
                            refunds::next_attempt_at.eq(next),
                            refunds::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    Ok(())
                })
                .await?;
        }
    }
    Ok(())
}
