//! Customer payments: the job's price (once the job is scheduled and the agreement signed) and
//! one tip after completion. A payment is opened as `processing` in one transaction, charged at
//! the provider outside any transaction, and settled in a third; the provider's answer (or its
//! webhook) moves it out of `processing` exactly once, by a conditional update.
//!
//! A job has at most one job payment and one tip in progress or done (unique indexes). A payment
//! left `processing` by a provider that did not answer is resumed by the next attempt under the
//! same payment id, so the provider sees the same idempotency keys and charges at most once.
//! While one attempt is talking to the provider it holds the payment (`charging_until`), so a
//! second attempt (a double tap under another Idempotency-Key) is told `already_paid` instead of
//! racing the first with the same call.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::ErrorCode;
use shared_types::events::EventData;
use shared_types::jobs::JobStatus;
use shared_types::partners::{Money, MoneyInput};
use shared_types::wallet::{LedgerKind, Payment, PaymentPurpose, PaymentStatus, TipInput};

use super::ledger::{self, Account, AccountKind, Posting};
use super::provider::ChargeOutcome;
use super::{MoneyPolicy, receipts, settlement};
use crate::db::schema::payments;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::jobs::agreement;
use crate::jobs::model::{self, Actor, JobRow};
use crate::notify::outbox;
use shared_types::jobs::Party;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: String,
    pub job_id: String,
    pub customer_id: String,
    #[diesel(deserialize_as = Stored<PaymentPurpose>)]
    pub purpose: PaymentPurpose,
    pub amount_cents: i64,
    pub currency: String,
    pub provider: String,
    pub provider_ref: Option<String>,
    #[diesel(deserialize_as = Stored<PaymentStatus>)]
    pub status: PaymentStatus,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The payment page's id at the provider, once it is open.
    pub checkout_id: Option<String>,
    pub checkout_url: Option<String>,
    /// Set for a payment made on a payment page (from the moment it is opened): when the page
    /// stops taking cards.
    pub checkout_expires_at: Option<NaiveDateTime>,
    /// What it pays for: `Home cleaning job`.
    pub description: String,
}

impl PaymentRow {
    /// Paid on a payment page rather than with a card token.
    pub fn on_page(&self) -> bool {
        self.checkout_expires_at.is_some()
    }

    pub fn purpose(&self) -> PaymentPurpose {
        self.purpose
    }

    pub fn status(&self) -> PaymentStatus {
        self.status
    }

    pub fn money(&self) -> Money {
        Money {
            amount_cents: self.amount_cents,
            currency: self.currency.clone(),
        }
    }

    pub fn view(&self) -> Payment {
        Payment {
            id: self.id.clone(),
            job_id: self.job_id.clone(),
            purpose: self.purpose(),
            description: self.description.clone(),
            amount: self.money(),
            status: self.status(),
            provider: self.provider.clone(),
            failure_code: self.failure_code.clone(),
            created_at: self.created_at.and_utc(),
        }
    }

    /// The problem a declined payment answers with (402).
    pub fn declined_problem(&self) -> ApiError {
        ApiError::new(
            ErrorCode::PaymentDeclined,
            format!(
                "{} ({}); nothing was charged",
                self.failure_message
                    .as_deref()
                    .unwrap_or("the card was declined"),
                self.failure_code.as_deref().unwrap_or("card_declined"),
            ),
        )
    }
}

pub fn find(conn: &mut DbConnection, payment_id: &str) -> ApiResult<PaymentRow> {
    payments::table
        .find(payment_id)
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("payment"))
}

/// The job's payments and tips, oldest first, for its customer, its pro or staff.
pub fn of_job(conn: &mut DbConnection, actor: &Actor, job_id: &str) -> ApiResult<Vec<Payment>> {
    let job = model::find_for(conn, job_id, actor)?;
    let rows: Vec<PaymentRow> = payments::table
        .filter(payments::job_id.eq(&job.id))
        .order(payments::id)
        .select(PaymentRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(PaymentRow::view).collect())
}

/// A charge to make: the payment row to settle and the card to charge.
pub struct Opened {
    pub payment: PaymentRow,
    /// True when an earlier attempt's payment is resumed rather than a new one opened.
    pub resumed: bool,
}

/// Opens the payment of the job's price by its customer: the job must be scheduled, signed and
/// not paid. Run inside a write transaction.
pub fn open_job_payment(
    conn: &mut DbConnection,
    customer: &Actor,
    job_id: &str,
    provider: &str,
    now: NaiveDateTime,
) -> ApiResult<Opened> {
    let job = payable(conn, customer, job_id)?;
    open(
        conn,
        &job,
        PaymentPurpose::Job,
        job.price_cents,
        provider,
        now,
    )
}

/// The customer's job, if its price can be paid now: scheduled, signed and not paid.
pub fn payable(conn: &mut DbConnection, customer: &Actor, job_id: &str) -> ApiResult<JobRow> {
    let job = model::find_for(conn, job_id, customer)?;
    if job.paid_at.is_some() {
        return Err(already_paid("the job is already paid"));
    }
    if job.status() != JobStatus::Scheduled {
        return Err(model::invalid_transition(
            job.status,
            &[JobStatus::Scheduled],
        ));
    }
    if !agreement::is_signed(conn, &job.id)? {
        return Err(ApiError::new(
            ErrorCode::AgreementUnsigned,
            "sign the service agreement before paying",
        ));
    }
    Ok(job)
}

/// Opens the customer's tip for the pro: after completion, in the job's currency, one per job.
/// Run inside a write transaction.
pub fn open_tip(
    conn: &mut DbConnection,
    customer: &Actor,
    job_id: &str,
    input: &TipInput,
    provider: &str,
    now: NaiveDateTime,
) -> ApiResult<Opened> {
    let job = tippable(conn, customer, job_id, &input.amount, "amount.currency")?;
    open(
        conn,
        &job,
        PaymentPurpose::Tip,
        input.amount.amount_cents,
        provider,
        now,
    )
}

/// The customer's job, if it can be tipped `amount` now: done, and in the job's currency
/// (`currency_field` names the field that says otherwise).
pub fn tippable(
    conn: &mut DbConnection,
    customer: &Actor,
    job_id: &str,
    amount: &MoneyInput,
    currency_field: &str,
) -> ApiResult<JobRow> {
    let job = model::find_for(conn, job_id, customer)?;
    let done = [
        JobStatus::Completed,
        JobStatus::Confirmed,
        JobStatus::Disputed,
    ];
    if !done.contains(&job.status()) {
        return Err(model::invalid_transition(job.status, &done));
    }
    if amount.currency != job.currency {
        return Err(ApiError::invalid_field(
            currency_field,
            format!("the job is priced in {}", job.currency),
        ));
    }
    Ok(job)
}

/// How long an attempt may hold a payment while it calls the provider: longer than the
/// provider client's timeouts (two calls of at most 25 s each), so a live attempt never loses
/// it; a crashed one frees it for the next attempt after this.
const CHARGE_HOLD: chrono::Duration = chrono::Duration::minutes(2);

fn open(
    conn: &mut DbConnection,
    job: &JobRow,
    purpose: PaymentPurpose,
    amount_cents: i64,
    provider: &str,
    now: NaiveDateTime,
) -> ApiResult<Opened> {
    let current: Option<PaymentRow> = payments::table
        .filter(payments::job_id.eq(&job.id))
        .filter(payments::purpose.eq(purpose.as_str()))
        .filter(payments::status.ne(PaymentStatus::Failed.as_str()))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?;
    let in_progress =
        || already_paid("a payment for this job is being processed; wait for its outcome");
    if let Some(current) = current {
        return match current.status() {
            PaymentStatus::Processing if current.on_page() => Err(already_paid(
                "a payment page is open for this job: pay there, or open it again with \
                 POST /v1/jobs/{id}/checkout",
            )),
            PaymentStatus::Processing if current.amount_cents == amount_cents => {
                let held = diesel::update(
                    payments::table.filter(payments::id.eq(&current.id)).filter(
                        payments::charging_until
                            .is_null()
                            .or(payments::charging_until.le(now)),
                    ),
                )
                .set(payments::charging_until.eq(now + CHARGE_HOLD))
                .execute(conn)?;
                if held == 0 {
                    return Err(in_progress());
                }
                Ok(Opened {
                    payment: current,
                    resumed: true,
                })
            }
            PaymentStatus::Processing => Err(in_progress()),
            _ => Err(already_paid(match purpose {
                PaymentPurpose::Job => "the job is already paid",
                PaymentPurpose::Tip | PaymentPurpose::Unknown => "this job was already tipped",
            })),
        };
    }
    let id = db::new_id();
    let inserted = diesel::insert_into(payments::table)
        .values((
            payments::id.eq(&id),
            payments::job_id.eq(&job.id),
            payments::customer_id.eq(&job.customer_id),
            payments::purpose.eq(purpose.as_str()),
            payments::amount_cents.eq(amount_cents),
            payments::currency.eq(&job.currency),
            payments::provider.eq(provider),
            payments::status.eq(PaymentStatus::Processing.as_str()),
            payments::created_at.eq(now),
            payments::updated_at.eq(now),
            payments::charging_until.eq(now + CHARGE_HOLD),
            payments::description.eq(super::job_name(conn, &job.id)?),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Opened {
            payment: find(conn, &id)?,
            resumed: false,
        }),
        // Another attempt opened one a moment ago.
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(in_progress())
        }
        Err(other) => Err(other.into()),
    }
}

pub fn already_paid(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::AlreadyPaid, detail)
}

/// The attempt holding the payment is done talking to the provider (answered or not): the next
/// attempt may resume it at once.
pub fn release_hold(conn: &mut DbConnection, payment_id: &str) -> ApiResult<()> {
    diesel::update(payments::table.find(payment_id))
        .set(payments::charging_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// Applies the provider's answer to a `processing` payment. Run inside a write transaction.
/// Returns the payment as it now is.
pub fn record_outcome(
    conn: &mut DbConnection,
    payment_id: &str,
    outcome: &ChargeOutcome,
    policy: &MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<PaymentRow> {
    release_hold(conn, payment_id)?;
    match outcome {
        ChargeOutcome::Succeeded { provider_ref } => {
            settle_success(conn, payment_id, provider_ref, policy, now)?;
        }
        ChargeOutcome::Declined {
            provider_ref,
            code,
            message,
        } => {
            settle_failure(
                conn,
                payment_id,
                provider_ref.as_deref(),
                code,
                message,
                now,
            )?;
        }
        ChargeOutcome::Processing { provider_ref } => {
            diesel::update(
                payments::table
                    .filter(payments::id.eq(payment_id))
                    .filter(payments::status.eq(PaymentStatus::Processing.as_str())),
            )
            .set((
                payments::provider_ref.eq(provider_ref),
                payments::updated_at.eq(now),
            ))
            .execute(conn)?;
        }
    }
    find(conn, payment_id)
}

/// The charge went through: the money is the platform's to hold (a job payment) or the pro's
/// (a tip). Applied once; returns whether this call applied it.
pub fn settle_success(
    conn: &mut DbConnection,
    payment_id: &str,
    provider_ref: &str,
    policy: &MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let updated = diesel::update(
        payments::table
            .filter(payments::id.eq(payment_id))
            .filter(payments::status.eq(PaymentStatus::Processing.as_str())),
    )
    .set((
        payments::status.eq(PaymentStatus::Succeeded.as_str()),
        payments::provider_ref.eq(provider_ref),
        payments::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(false);
    }
    let payment = find(conn, payment_id)?;
    let cash = Account::platform(AccountKind::PlatformCash, &payment.currency);
    let amount = payment.money();
    match payment.purpose() {
        PaymentPurpose::Job => {
            // The job's row first, then its money: the order a cancellation takes them in.
            model::mark_paid(conn, &payment.job_id, now)?;
            let job = model::find(conn, &payment.job_id)?;
            let posting = Posting::new(
                LedgerKind::Payment,
                format!(
                    "Payment of {} for the {}",
                    super::format_money(&amount),
                    super::job_name(conn, &job.id)?
                ),
            )
            .for_job(&job.id)
            .debit(cash, payment.amount_cents)
            .credit(
                Account::held(&job.id, &payment.currency),
                payment.amount_cents,
            );
            ledger::post(conn, &posting, now)?;
            notify(conn, &job, &payment, *policy, now)?;
            if job.status() == JobStatus::Cancelled {
                // Cancelled while the charge was in flight: it all goes back.
                settlement::refund_held(conn, &job, now)?;
            }
        }
        PaymentPurpose::Tip => {
            let job = model::find(conn, &payment.job_id)?;
            let posting = Posting::new(
                LedgerKind::Tip,
                format!(
                    "Tip of {} for the {}",
                    super::format_money(&amount),
                    super::job_name(conn, &job.id)?
                ),
            )
            .for_job(&job.id)
            .debit(cash, payment.amount_cents)
            .credit(
                Account::available(&job.partner_id, &payment.currency),
                payment.amount_cents,
            );
            ledger::post(conn, &posting, now)?;
            notify(conn, &job, &payment, *policy, now)?;
        }
        PaymentPurpose::Unknown => {
            return Err(ApiError::internal("a payment with an unknown purpose"));
        }
    }
    Ok(true)
}

/// The charge was declined: nothing moved, and the job stays payable.
pub fn settle_failure(
    conn: &mut DbConnection,
    payment_id: &str,
    provider_ref: Option<&str>,
    code: &str,
    message: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let updated = diesel::update(
        payments::table
            .filter(payments::id.eq(payment_id))
            .filter(payments::status.eq(PaymentStatus::Processing.as_str())),
    )
    .set((
        payments::status.eq(PaymentStatus::Failed.as_str()),
        payments::provider_ref.eq(provider_ref),
        payments::failure_code.eq(code),
        payments::failure_message.eq(message),
        payments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated > 0)
}

/// The job's payment that succeeded, if any.
pub fn succeeded_job_payment(
    conn: &mut DbConnection,
    job_id: &str,
) -> ApiResult<Option<PaymentRow>> {
    Ok(payments::table
        .filter(payments::job_id.eq(job_id))
        .filter(payments::purpose.eq(PaymentPurpose::Job.as_str()))
        .filter(payments::status.eq(PaymentStatus::Succeeded.as_str()))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The payment the provider knows as `provider_ref`, if it is ours.
pub fn by_provider_ref(
    conn: &mut DbConnection,
    provider: &str,
    provider_ref: &str,
) -> ApiResult<Option<PaymentRow>> {
    Ok(payments::table
        .filter(payments::provider.eq(provider))
        .filter(payments::provider_ref.eq(provider_ref))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Tells the pro about a settled payment or tip, and sends the customer the job's receipt as it
/// now stands.
fn notify(
    conn: &mut DbConnection,
    job: &JobRow,
    payment: &PaymentRow,
    policy: MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let view = payment.view();
    let to_pro = if payment.purpose() == PaymentPurpose::Tip {
        EventData::TipReceived(view)
    } else {
        EventData::PaymentSucceeded(view)
    };
    outbox::enqueue(conn, &job.partner_id, to_pro, now)?;
    let customer = Actor {
        user_id: job.customer_id.clone(),
        party: Party::Customer,
    };
    let receipt = receipts::of_job(conn, &customer, &job.id, &policy)?;
    outbox::enqueue(
        conn,
        &job.customer_id,
        EventData::PaymentReceipt(receipt),
        now,
    )?;
    Ok(())
}
