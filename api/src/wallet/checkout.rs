//! Paying on a secure payment page: the customer never types a card into the app. The API opens
//! a page at the provider (Stripe Checkout; with the sandbox, its own page at `/pay/{id}`) for a
//! `processing` payment; the page takes the card and sends the customer back to the app; the
//! provider's webhook (or, with the sandbox, the page itself) settles the payment.
//!
//! Asking again while the page is open gives the same page. A page past its time, or one for a
//! tip of another amount, is closed at the provider first: if the customer paid on it meanwhile
//! the payment settles as paid, otherwise it fails as `expired` and a new page is opened.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::wallet::{Checkout, CheckoutInput, PaymentPurpose, PaymentStatus};

use super::MoneyPolicy;
use super::payments::{self, PaymentRow, already_paid};
use super::provider::{Page, PageState};
use crate::db::schema::payments as table;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::jobs::model::Actor;

/// How long a page takes cards (Stripe accepts 30 minutes to 24 hours).
pub const PAGE_LIFETIME: chrono::Duration = chrono::Duration::hours(1);
/// The least time left for which a page is still opened (Stripe's minimum, and a margin).
const MIN_PAGE_LIFETIME: chrono::Duration = chrono::Duration::minutes(35);

/// The code a payment fails with when its page closed unpaid.
pub const EXPIRED: &str = "expired";

/// What to do for a checkout request.
#[derive(Debug)]
pub enum Opening {
    /// The page open for this payment: show it again.
    Open(PaymentRow),
    /// A payment without a page yet: open one at the provider.
    New(PaymentRow),
    /// A page past its time or for another amount: close it at the provider first.
    Stale(PaymentRow),
}

/// Finds or opens the payment `input` asks to pay on a page. Run inside a write transaction.
pub fn begin(
    conn: &mut DbConnection,
    customer: &Actor,
    job_id: &str,
    input: &CheckoutInput,
    provider: &str,
    now: NaiveDateTime,
) -> ApiResult<Opening> {
    let (job, amount_cents) = if let Some(tip) = input.tip.as_ref() {
        let job = payments::tippable(conn, customer, job_id, tip, "tip.currency")?;
        (job, tip.amount_cents)
    } else {
        let job = payments::payable(conn, customer, job_id)?;
        let price = job.price_cents;
        (job, price)
    };
    let purpose = input.purpose;
    let current: Option<PaymentRow> = table::table
        .filter(table::job_id.eq(&job.id))
        .filter(table::purpose.eq(purpose.as_str()))
        .filter(table::status.ne(PaymentStatus::Failed.as_str()))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(current) = current {
        let open_until = current.checkout_expires_at.unwrap_or(now);
        match current.status() {
            PaymentStatus::Processing if !current.on_page() => {
                return Err(already_paid(
                    "a card payment for this job is being processed; wait for its outcome",
                ));
            }
            // Its page is being opened, or the request opening it failed: open it (again, under
            // the same idempotency key) while there is time for it.
            PaymentStatus::Processing
                if current.checkout_url.is_none() && open_until > now + MIN_PAGE_LIFETIME =>
            {
                return Ok(Opening::New(current));
            }
            // Nobody was ever shown its page, so nobody paid on it.
            PaymentStatus::Processing if current.checkout_url.is_none() => {
                expire(conn, &current.id, now)?;
            }
            PaymentStatus::Processing
                if current.amount_cents == amount_cents && open_until > now =>
            {
                return Ok(Opening::Open(current));
            }
            PaymentStatus::Processing => return Ok(Opening::Stale(current)),
            _ => {
                return Err(already_paid(match purpose {
                    PaymentPurpose::Tip => "this job was already tipped",
                    _ => "the job is already paid",
                }));
            }
        }
    }
    let id = db::new_id();
    let inserted = diesel::insert_into(table::table)
        .values((
            table::id.eq(&id),
            table::job_id.eq(&job.id),
            table::customer_id.eq(&job.customer_id),
            table::purpose.eq(purpose.as_str()),
            table::amount_cents.eq(amount_cents),
            table::currency.eq(&job.currency),
            table::provider.eq(provider),
            table::status.eq(PaymentStatus::Processing.as_str()),
            table::created_at.eq(now),
            table::updated_at.eq(now),
            table::checkout_expires_at.eq(now + PAGE_LIFETIME),
            table::description.eq(super::job_name(conn, &job.id)?),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Opening::New(payments::find(conn, &id)?)),
        // Another request opened one a moment ago: it is opening the page.
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(
            already_paid("a payment page for this job is being opened; ask again in a moment"),
        ),
        Err(other) => Err(other.into()),
    }
}

/// Records the page opened for `payment_id`, unless another request recorded one first (then
/// that one is the page). Returns the payment as it now is.
pub fn record_page(
    conn: &mut DbConnection,
    payment_id: &str,
    page: &Page,
) -> ApiResult<PaymentRow> {
    diesel::update(
        table::table
            .filter(table::id.eq(payment_id))
            .filter(table::checkout_url.is_null())
            .filter(table::status.eq(PaymentStatus::Processing.as_str())),
    )
    .set((
        table::checkout_id.eq(&page.id),
        table::checkout_url.eq(&page.url),
    ))
    .execute(conn)?;
    payments::find(conn, payment_id)
}

/// Applies how a closed page ended. Returns whether it was paid (then the job is paid and no
/// new page is needed). Run inside a write transaction.
pub fn record_closed(
    conn: &mut DbConnection,
    payment_id: &str,
    ended: &PageState,
    policy: &MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    match ended {
        PageState::Paid { provider_ref } => {
            payments::settle_success(conn, payment_id, provider_ref, policy, now)?;
            Ok(true)
        }
        PageState::Expired => {
            expire(conn, payment_id, now)?;
            Ok(false)
        }
        // Still open at the provider (its clock is behind ours): it stays the page.
        PageState::Open => Ok(false),
    }
}

/// The page closed unpaid: the payment fails as `expired`, and the job is payable again.
fn expire(conn: &mut DbConnection, payment_id: &str, now: NaiveDateTime) -> ApiResult<bool> {
    payments::settle_failure(
        conn,
        payment_id,
        None,
        EXPIRED,
        "The payment page closed before a card was charged.",
        now,
    )
}

/// The payment behind the page `page_id`.
pub fn by_page(conn: &mut DbConnection, page_id: &str) -> ApiResult<Option<PaymentRow>> {
    Ok(table::table
        .filter(table::checkout_id.eq(page_id))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The page as the API shows it.
pub fn view(payment: &PaymentRow) -> ApiResult<Checkout> {
    let (Some(url), Some(expires_at)) = (&payment.checkout_url, payment.checkout_expires_at) else {
        return Err(ApiError::internal("a payment page without its address"));
    };
    Ok(Checkout {
        payment: payment.view(),
        url: url.clone(),
        expires_at: expires_at.and_utc(),
    })
}

/// Where the page sends the customer: back to the job in the app, paid or not.
pub fn return_urls(app_link_base: &str, payment: &PaymentRow) -> (String, String) {
    let job = format!(
        "{}/jobs/{}?payment={}",
        app_link_base.trim_end_matches('/'),
        payment.job_id,
        payment.id
    );
    let cancelled = format!("{job}&cancelled=true");
    (job, cancelled)
}
