//! HTTP handlers of money: extract, authorize, hand over to the rules.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use shared_types::auth::Scope;
use shared_types::error::PROBLEM_JSON;
use shared_types::wallet::{
    CarriedBalance, Checkout, CheckoutInput, LedgerCheck, Payment, PaymentInput, PaymentPurpose,
    PaymentStatus, Payout, PayoutFilter, PayoutMethod, PayoutMethodInput, PayoutRun,
    PayoutStatement, PayoutStatusInput, Receipt, Refund, RefundFilter, RefundRetryInput, TipInput,
    Wallet, WalletEntry, WebhookReceipt,
};
use shared_types::{ErrorCode, Page, PageParams, ProblemDetails};

use super::checkout::{self, Opening};
use super::payments::{self, Opened, PaymentRow};
use super::provider::{Charge, PageCall, signature};
use super::{balances, ledger, payouts, receipts, refunds, webhooks};
use crate::auth::{AuthUser, RequireRole, roles};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::{RawBody, ValidatedJson, ValidatedQuery};
use crate::idempotency::{self, Claimed, IdempotencyKey};
use crate::jobs::model::Actor;
use crate::state::AppState;

fn actor(user: &AuthUser) -> Actor {
    Actor::new(user.user_id.clone(), user.role)
}

/// Charges an opened payment and settles the provider's answer, storing the response under the
/// idempotency key in the settling transaction. 201 paid, 202 processing, 402 declined.
async fn charge(
    state: &AppState,
    opened: Opened,
    card_token: &str,
    claimed: &Claimed,
) -> ApiResult<HttpResponse> {
    let payment = opened.payment;
    tracing::info!(payment_id = %payment.id, resumed = opened.resumed, "charging the card");
    let description = format!("Porchlight job {}", payment.job_id);
    let answer = state
        .payments
        .charge(&Charge {
            payment_id: &payment.id,
            job_id: &payment.job_id,
            amount_cents: payment.amount_cents,
            currency: &payment.currency,
            card_token,
            description: &description,
        })
        .await;
    let outcome = match answer {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!(payment_id = %payment.id, %error, "payment provider unavailable");
            let payment_id = payment.id.clone();
            state
                .write(move |conn| payments::release_hold(conn, &payment_id))
                .await?;
            return Err(ApiError::new(
                ErrorCode::PaymentProviderUnavailable,
                "the payment provider did not answer; nothing is settled yet — retry with the \
                 same Idempotency-Key",
            ));
        }
    };
    let now = state.clock.now();
    let claimed = claimed.clone();
    let policy = super::MoneyPolicy::from(state.settings.as_ref());
    let (status, body) = state
        .write(move |conn| {
            let payment = payments::record_outcome(conn, &payment.id, &outcome, &policy, now)?;
            let (status, body) = match payment.status() {
                PaymentStatus::Succeeded => (StatusCode::CREATED, json(&payment.view())?),
                PaymentStatus::Processing => (StatusCode::ACCEPTED, json(&payment.view())?),
                PaymentStatus::Unknown => {
                    return Err(ApiError::internal("a payment with an unknown status"));
                }
                PaymentStatus::Failed => (
                    StatusCode::PAYMENT_REQUIRED,
                    json(&payment.declined_problem().problem())?,
                ),
            };
            claimed.store(conn, status, &body)?;
            Ok((status, body))
        })
        .await?;
    // A payment that landed on a job cancelled meanwhile is refunded at once.
    state.wakeups.refunds_queued.raise();
    let content_type = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    Ok(HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .body(body))
}

fn json(value: &impl serde::Serialize) -> ApiResult<String> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

/// Opens the payment, charges it and settles the answer, at most once per Idempotency-Key (the
/// answer is stored in the settling transaction; a failure gives the key back).
async fn pay<F>(
    state: &AppState,
    user: &AuthUser,
    key: &IdempotencyKey,
    fingerprint: String,
    card_token: String,
    open: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut db::DbConnection) -> ApiResult<Opened> + Send + 'static,
{
    idempotency::guarded(
        state,
        &user.user_id,
        key,
        fingerprint,
        |claimed| async move {
            let opened = state.write(open).await?;
            charge(state, opened, &card_token, &claimed).await
        },
    )
    .await
}

/// Pay the job's price (customer), once it is scheduled and the agreement signed.
///
/// The money goes to the platform, which holds it until the job is confirmed. A declined card
/// answers 402 and the job stays payable (try another card with a new key). Requires an
/// `Idempotency-Key`: a retry with the same key and body gets the first answer again.
#[utoipa::path(
    tag = "payments",
    params(
        ("id" = String, Path, description = "The job's id"),
        ("Idempotency-Key" = String, Header, description = "Required; makes retries safe (kept 24 h)"),
    ),
    request_body = PaymentInput,
    responses(
        (status = 201, description = "Paid", body = Payment),
        (status = 202, description = "Accepted by the provider, outcome to follow (webhook)", body = Payment),
        (status = 400, description = "`idempotency_key_missing`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 402, description = "`payment_declined`: nothing was charged", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "`already_paid`, `agreement_unsigned`, `invalid_transition` (not scheduled) or `idempotency_key_in_flight`",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 502, description = "`payment_provider_unavailable`: retry with the same key", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/payment")]
pub async fn pay_job(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidatedJson<PaymentInput>,
) -> ApiResult<HttpResponse> {
    customer.require_scope(Scope::JobsWrite)?;
    let fingerprint = key.fingerprint(&body.0);
    let actor = actor(&customer);
    let provider = state.payments.name();
    let now = state.clock.now();
    pay(
        &state,
        &customer,
        &key,
        fingerprint,
        body.0.card_token,
        move |conn| payments::open_job_payment(conn, &actor, &id, provider, now),
    )
    .await
}

/// Tip the pro (customer), after completion: all of it goes to the pro, no fee. One tip per
/// job. Requires an `Idempotency-Key`.
///
/// Once the job is `completed`, `confirmed` or `disputed` (409 `invalid_transition` before). The
/// tip is 1.00 to 1 000.00 in the job's currency (422 otherwise); it goes straight to the pro's
/// `available` balance and the pro gets a `tip.received` notification. A declined tip can be tried
/// again with a new key; once one has succeeded, or while another attempt is being charged, a new
/// one is 409 `already_paid`.
#[utoipa::path(
    tag = "payments",
    params(
        ("id" = String, Path, description = "The job's id"),
        ("Idempotency-Key" = String, Header, description = "Required; makes retries safe (kept 24 h)"),
    ),
    request_body = TipInput,
    responses(
        (status = 201, description = "Tipped", body = Payment),
        (status = 202, description = "Accepted by the provider, outcome to follow", body = Payment),
        (status = 400, description = "`idempotency_key_missing`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 402, description = "`payment_declined`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "`already_paid` (tipped before) or `invalid_transition` (not completed)",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 502, description = "`payment_provider_unavailable`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/tips")]
pub async fn tip_job(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidatedJson<TipInput>,
) -> ApiResult<HttpResponse> {
    customer.require_scope(Scope::JobsWrite)?;
    let fingerprint = key.fingerprint(&body.0);
    let actor = actor(&customer);
    let provider = state.payments.name();
    let now = state.clock.now();
    let card_token = body.0.card_token.clone();
    pay(
        &state,
        &customer,
        &key,
        fingerprint,
        card_token,
        move |conn| payments::open_tip(conn, &actor, &id, &body.0, provider, now),
    )
    .await
}

/// Open the secure payment page for the job's price or a tip (customer): the card is typed
/// there, never into the app.
///
/// `purpose: job` once the job is scheduled and the agreement signed; `purpose: tip` with `tip`
/// once it is done. Opens a `processing` payment and a page for it at the payment provider
/// (Stripe Checkout; with the sandbox, this API's own page with the test cards) and answers its
/// `url`, open for an hour. Asking again while it is open answers the same page (200); a page
/// past its time, or for a tip of another amount, is closed and a new one opened (201), unless
/// the customer paid on it meanwhile (409 `already_paid`). The page sends the customer back to
/// `{APP_LINK_BASE_URL}/jobs/{id}?payment={payment_id}` (with `&cancelled=true` when they left
/// without paying); the payment settles on the page (sandbox) or by the provider's webhook,
/// then `payment.receipt` tells the customer and `GET /v1/jobs/{id}/receipt` shows it.
#[utoipa::path(
    tag = "payments",
    params(("id" = String, Path, description = "The job's id")),
    request_body = CheckoutInput,
    responses(
        (status = 200, description = "The page already open for this payment", body = Checkout),
        (status = 201, description = "A new page", body = Checkout),
        (status = 409, description = "`already_paid` (paid or tipped, or a card payment in progress), `agreement_unsigned` or `invalid_transition`",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 502, description = "`payment_provider_unavailable`: nothing was opened; ask again", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/checkout")]
pub async fn open_checkout(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
    body: ValidatedJson<CheckoutInput>,
) -> ApiResult<HttpResponse> {
    customer.require_scope(Scope::JobsWrite)?;
    let actor = actor(&customer);
    let job_id = id.into_inner();
    let input = body.0;
    // At most twice: a stale page is closed, then a new one opened.
    for _ in 0..2 {
        let now = state.clock.now();
        let provider = state.payments.name();
        let opening = {
            let (actor, job_id, input) = (actor.clone(), job_id.clone(), input.clone());
            state
                .write(move |conn| checkout::begin(conn, &actor, &job_id, &input, provider, now))
                .await?
        };
        let payment = match opening {
            Opening::Open(payment) => {
                return Ok(HttpResponse::Ok().json(checkout::view(&payment)?));
            }
            Opening::Stale(payment) => {
                close_stale_page(&state, &payment).await?;
                continue;
            }
            Opening::New(payment) => payment,
        };
        let payment = open_page(&state, payment).await?;
        return Ok(HttpResponse::Created().json(checkout::view(&payment)?));
    }
    Err(ApiError::new(
        ErrorCode::AlreadyPaid,
        "the payment page for this job is being replaced; ask again in a moment",
    ))
}

fn provider_unavailable(error: &super::provider::ProviderError) -> ApiError {
    tracing::warn!(%error, "payment provider unavailable");
    ApiError::new(
        ErrorCode::PaymentProviderUnavailable,
        "the payment provider did not answer; nothing was opened — ask again",
    )
}

/// Opens the payment's page at the provider and records it.
async fn open_page(state: &AppState, payment: PaymentRow) -> ApiResult<PaymentRow> {
    let description = {
        let name = &payment.description;
        let reference = crate::jobs::agreement::reference(&payment.job_id);
        match payment.purpose() {
            PaymentPurpose::Tip => format!("Tip for your {} ({reference})", name.to_lowercase()),
            _ => format!("Porchlight: {name} ({reference})"),
        }
    };
    let (success_url, cancel_url) =
        checkout::return_urls(&state.settings.app_link_base_url, &payment);
    let expires_at = payment
        .checkout_expires_at
        .ok_or_else(|| ApiError::internal("a page payment without its expiry"))?;
    let page = state
        .payments
        .open_page(&PageCall {
            payment_id: &payment.id,
            job_id: &payment.job_id,
            amount_cents: payment.amount_cents,
            currency: &payment.currency,
            description: &description,
            success_url: &success_url,
            cancel_url: &cancel_url,
            expires_at,
        })
        .await
        .map_err(|error| provider_unavailable(&error))?;
    state
        .write(move |conn| checkout::record_page(conn, &payment.id, &page))
        .await
}

/// Closes a page past its time (or for another amount) at the provider and records how it
/// ended: paid meanwhile is 409 `already_paid`.
async fn close_stale_page(state: &AppState, payment: &PaymentRow) -> ApiResult<()> {
    let page_id = payment
        .checkout_id
        .clone()
        .ok_or_else(|| ApiError::internal("a stale page without its id"))?;
    let ended = state
        .payments
        .close_page(&page_id)
        .await
        .map_err(|error| provider_unavailable(&error))?;
    let now = state.clock.now();
    let payment_id = payment.id.clone();
    let policy = super::MoneyPolicy::from(state.settings.as_ref());
    let paid = state
        .write(move |conn| checkout::record_closed(conn, &payment_id, &ended, &policy, now))
        .await?;
    state.wakeups.refunds_queued.raise();
    if paid {
        return Err(payments::already_paid(
            "the customer paid on the page that was open",
        ));
    }
    Ok(())
}

/// The job's receipt (its customer or its pro): what was charged, tipped and refunded,
/// the sales taxes included and the platform's fee.
///
/// Lines settle as the money moves: a payment being made is `processing`, a refund on its way
/// `refund_pending`. `total` is what was paid less every refund owed. Taxes are those included
/// in the total for the province of the job's postal code (Canada: GST, HST or GST and QST);
/// none elsewhere.
#[utoipa::path(
    tag = "payments",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The receipt", body = Receipt)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/receipt")]
pub async fn job_receipt(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Receipt>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = actor(&user);
    let policy = super::MoneyPolicy::from(state.settings.as_ref());
    state
        .db(move |conn| receipts::of_job(conn, &actor, &id, &policy))
        .await
        .map(web::Json)
}

/// The job's payments and tips, oldest first (its customer or pro).
///
/// Both the job payment and any tip, declined (`failed`) and `processing` attempts included. 404
/// `not_found` for anyone but the job's customer and pro; not paginated. API keys and app tokens
/// need `jobs:read`.
#[utoipa::path(
    tag = "payments",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The payments", body = Vec<Payment>)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/payments")]
pub async fn job_payments(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<Payment>>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = actor(&user);
    let list = state
        .db(move |conn| payments::of_job(conn, &actor, &id))
        .await?;
    Ok(web::Json(list))
}

/// Stripe's webhook: payment and refund outcomes. Signed with `STRIPE_WEBHOOK_SECRET`
/// (`Stripe-Signature: t=…,v1=…`, at most 5 minutes old); each event id is applied once.
///
/// Called by Stripe, not by clients: no sign-in, not rate-limited. `payment_intent.succeeded` and
/// `payment_intent.payment_failed` settle the matching payment (a decline on a payment page
/// leaves it open: the customer may try another card there); `checkout.session.completed` (paid),
/// `checkout.session.async_payment_succeeded`, `checkout.session.async_payment_failed` and
/// `checkout.session.expired` settle the payment of a payment page; `refund.created`,
/// `refund.updated` and `charge.refund.updated` settle the matching refund; other types are
/// recorded and ignored.
/// 400 `invalid_signature` also when `STRIPE_WEBHOOK_SECRET` is not set.
#[utoipa::path(
    tag = "payments",
    params(("Stripe-Signature" = String, Header, description = "t=<unix time>,v1=<HMAC-SHA256 hex>")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "A Stripe event"),
    responses(
        (status = 200, description = "Received (`processed` false for an event seen before)", body = WebhookReceipt),
        (status = 400, description = "`invalid_signature` or `malformed_json`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[post("/webhooks/payments/stripe")]
pub async fn stripe_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    RawBody(payload): RawBody,
) -> ApiResult<web::Json<WebhookReceipt>> {
    let invalid = |detail: String| ApiError::new(ErrorCode::InvalidSignature, detail);
    let secret = state
        .settings
        .stripe_webhook_secret
        .as_ref()
        .ok_or_else(|| invalid("Stripe webhooks are not configured here".to_owned()))?;
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    // Replay protection is about real time, not the service's (adjustable) clock.
    let now = chrono::Utc::now().timestamp();
    signature::verify(secret.expose(), header, &payload, now)
        .map_err(|error| invalid(error.to_string()))?;
    let event: webhooks::Event = serde_json::from_slice(&payload).map_err(|error| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("not a Stripe event: {error}"),
        )
    })?;
    let now = state.clock.now();
    let policy = super::MoneyPolicy::from(state.settings.as_ref());
    let processed = state
        .write(move |conn| webhooks::apply(conn, &event, &policy, now))
        .await?;
    state.wakeups.refunds_queued.raise();
    Ok(web::Json(WebhookReceipt {
        received: true,
        processed,
    }))
}

/// The caller's wallet (partner): pending and available per currency, lifetime earnings, the
/// next payout date and the payout method.
///
/// Per currency: `pending` (earnings of completed jobs not yet confirmed), `available` (confirmed
/// earnings, tips and compensation less penalties; negative when penalties exceed them) and
/// `lifetime_earned` (all that reached `available` except payouts). The payout method shows only
/// the last 4 digits of a bank account. Read from one snapshot; API keys and app tokens need
/// `wallet:read`.
#[utoipa::path(
    tag = "wallet",
    responses((status = 200, description = "The wallet", body = Wallet)),
    security(("bearer" = []), ("api_key" = ["wallet:read"])),
)]
#[get("/wallet")]
pub async fn get_wallet(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
) -> ApiResult<web::Json<Wallet>> {
    partner.require_scope(Scope::WalletRead)?;
    let partner_id = partner.0.user_id;
    let settings = state.settings.clone();
    let now = state.clock.now();
    let wallet = state
        .db(move |conn| {
            db::snapshot_read(conn, |conn| {
                balances::wallet(conn, &partner_id, &settings, now)
            })
        })
        .await?;
    Ok(web::Json(wallet))
}

/// The movements of the caller's wallet, newest first, each with its job and a description.
///
/// Each entry moves the `pending` or `available` balance and is signed from the pro's side
/// (positive: money to the pro), with its kind, job and payout. Ordered by id, paged with `cursor`.
/// API keys and app tokens need `wallet:read`.
#[utoipa::path(
    tag = "wallet",
    params(PageParams),
    responses((status = 200, description = "A page of entries", body = Page<WalletEntry>)),
    security(("bearer" = []), ("api_key" = ["wallet:read"])),
)]
#[get("/wallet/entries")]
pub async fn wallet_entries(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<WalletEntry>>> {
    partner.require_scope(Scope::WalletRead)?;
    let partner_id = partner.0.user_id;
    let entries = state
        .db(move |conn| balances::entries(conn, &partner_id, &page.0))
        .await?;
    Ok(web::Json(entries))
}

/// Set how payouts reach the caller: a cheque to a mailing address, or a bank transfer.
/// Signed-in sessions only (an API key cannot redirect money).
///
/// `cheque` needs `mailing_address`, `bank_transfer` needs `bank_account` (holder, routing number
/// and account number, digits only); 422 otherwise. The previous method is replaced; payouts
/// already made keep the destination recorded on them, and only the account number's last 4 digits
/// are shown again. Until a method is set, payouts are made out as cheques with no address.
#[utoipa::path(
    tag = "wallet",
    request_body = PayoutMethodInput,
    responses((status = 200, description = "The payout method", body = PayoutMethod)),
    security(("bearer" = [])),
)]
#[put("/wallet/payout-method")]
pub async fn set_payout_method(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    body: ValidatedJson<PayoutMethodInput>,
) -> ApiResult<web::Json<PayoutMethod>> {
    partner.require_session()?;
    let partner_id = partner.0.user_id;
    let now = state.clock.now();
    let method = state
        .write(move |conn| payouts::set_method(conn, &partner_id, &body.0, now))
        .await?;
    Ok(web::Json(method))
}

/// The caller's payouts, newest first.
///
/// Each payout of a weekly run, with its ISO-week `period`, amount, the method and destination
/// recorded when it was made, and `status` (`pending`, `sent`, `cleared`). Ordered by id, paged
/// with `cursor`. API keys and app tokens need `wallet:read`.
#[utoipa::path(
    tag = "wallet",
    params(PageParams),
    responses((status = 200, description = "A page of payouts", body = Page<Payout>)),
    security(("bearer" = []), ("api_key" = ["wallet:read"])),
)]
#[get("/payouts")]
pub async fn my_payouts(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Payout>>> {
    partner.require_scope(Scope::WalletRead)?;
    let filter = PayoutFilter {
        partner_id: Some(partner.0.user_id),
        ..PayoutFilter::default()
    };
    let list = state
        .db(move |conn| payouts::list(conn, &filter, &page.0))
        .await?;
    Ok(web::Json(list))
}

/// One of the caller's payouts as a remittance statement: the balance left after the previous
/// payout and every wallet entry it pays for.
///
/// The `available` entries in the payout's currency since the previous payout, oldest first; a
/// payout takes the whole balance, so they add up to its amount. Another partner's payout is 404
/// `not_found`. Read from one snapshot; API keys and app tokens need `wallet:read`.
#[utoipa::path(
    tag = "wallet",
    params(("id" = String, Path, description = "The payout's id")),
    responses(
        (status = 200, description = "The statement", body = PayoutStatement),
        (status = 404, description = "`not_found`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["wallet:read"])),
)]
#[get("/payouts/{id}/statement")]
pub async fn my_payout_statement(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<PayoutStatement>> {
    partner.require_scope(Scope::WalletRead)?;
    let partner_id = partner.0.user_id;
    let statement = state
        .db(move |conn| {
            db::snapshot_read(conn, |conn| {
                payouts::statement(conn, &id, Some(&partner_id))
            })
        })
        .await?;
    Ok(web::Json(statement))
}

/// Run this week's payouts now (staff): one payout per partner with a positive available
/// balance. Running it again in the same week creates nothing new. Requires an
/// `Idempotency-Key`. The same run also starts on its own at `PAYOUT_WEEKDAY` `PAYOUT_TIME`.
///
/// Each payout takes the pro's whole available balance in one currency, by the payout method set at
/// that moment (a cheque with no address when none is set), and the pro gets a `payout.created`
/// notification. The answer gives the ISO week (`period`), how many payouts were made and the
/// totals per currency; the same key replays it.
#[utoipa::path(
    tag = "admin",
    params(("Idempotency-Key" = String, Header, description = "Required; makes retries safe (kept 24 h)")),
    responses(
        (status = 200, description = "What the run did", body = PayoutRun),
        (status = 400, description = "`idempotency_key_missing`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/payouts/run")]
pub async fn admin_run_payouts(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    key: IdempotencyKey,
) -> ApiResult<HttpResponse> {
    staff.require_session()?;
    let fingerprint = key.fingerprint(&());
    idempotency::guarded(&state, &staff.user_id, &key, fingerprint, |claimed| async {
        // The run is many transactions, each safe to repeat (one payout per partner and week);
        // its answer is stored once it is done.
        let run = payouts::run(&state, state.clock.now()).await?;
        let body = json(&run)?;
        state
            .write(move |conn| claimed.store(conn, StatusCode::OK, &body))
            .await?;
        Ok(HttpResponse::Ok().json(run))
    })
    .await
}

/// Every payout (staff), newest first, by status and partner.
///
/// Filter by `status` (`pending`, `sent`, `cleared`), `partner_id` and `period` (an ISO week such
/// as `2026-W48`). Each payout gives the payee's business name, the method and destination recorded
/// when it was made, and its dates. Ordered by id, newest first, paged with `cursor`.
#[utoipa::path(
    tag = "admin",
    params(PayoutFilter, PageParams),
    responses((status = 200, description = "A page of payouts", body = Page<Payout>)),
    security(("bearer" = [])),
)]
#[get("/admin/payouts")]
pub async fn admin_payouts(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<PayoutFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Payout>>> {
    staff.require_session()?;
    let list = state
        .db(move |conn| payouts::list(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(list))
}

/// Any payout's remittance statement (staff): what the pro sees at
/// `GET /v1/payouts/{id}/statement`.
///
/// The pro's `available` entries in the payout's currency since their previous payout, oldest
/// first, which add up to the payout's amount. 404 `not_found` for an unknown payout. Read from one
/// snapshot.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The payout's id")),
    responses(
        (status = 200, description = "The statement", body = PayoutStatement),
        (status = 404, description = "`not_found`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/admin/payouts/{id}/statement")]
pub async fn admin_payout_statement(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<PayoutStatement>> {
    staff.require_session()?;
    let statement = state
        .db(move |conn| db::snapshot_read(conn, |conn| payouts::statement(conn, &id, None)))
        .await?;
    Ok(web::Json(statement))
}

/// The payouts the filter selects (e.g. one run: `period=2026-W48`) as CSV for the bank or the
/// cheque printer (staff), oldest first: `payout_id, period, partner_id, payee, method,
/// destination, amount, currency, status, created_at`.
///
/// The same filters as `GET /v1/admin/payouts`, not paginated: every matching payout. Sent as a
/// `text/csv` attachment named after the `period` (`payouts-all.csv` without one); amounts are
/// decimal (`1234.50`), and text starting with `=`, `+`, `-` or `@` gets a leading `'` so a
/// spreadsheet does not run it. Exporting does not change any status.
#[utoipa::path(
    tag = "admin",
    params(PayoutFilter),
    responses((status = 200, description = "The payouts as CSV (RFC 4180, a header row first)",
        body = String, content_type = "text/csv")),
    security(("bearer" = [])),
)]
#[get("/admin/payouts/export")]
pub async fn admin_export_payouts(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<PayoutFilter>,
) -> ApiResult<HttpResponse> {
    staff.require_session()?;
    let name = format!(
        "payouts-{}.csv",
        filter.0.period.as_deref().unwrap_or("all")
    )
    .replace(
        |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '.',
        "_",
    );
    let csv = state
        .db(move |conn| payouts::export_csv(conn, &filter.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        ))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(csv))
}

/// Pros whose available balance is below zero (staff): penalties exceeded their earnings, so
/// nothing is paid out and later earnings pay it back first. The most owed first.
///
/// One item per pro and currency, with `balance` negative (what the pro owes). Not paginated.
#[utoipa::path(
    tag = "admin",
    responses((status = 200, description = "The balances carried", body = Vec<CarriedBalance>)),
    security(("bearer" = [])),
)]
#[get("/admin/payouts/carried")]
pub async fn admin_carried_balances(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
) -> ApiResult<web::Json<Vec<CarriedBalance>>> {
    staff.require_session()?;
    let carried = state.db(payouts::carried).await?;
    Ok(web::Json(carried))
}

/// A pro's wallet as the pro sees it (staff): balances, the next payout, the payout method.
///
/// Per currency `pending`, `available` and `lifetime_earned`, the next payout time and the payout
/// method (a bank account by its last 4 digits). Read from one snapshot. 404 `not_found` when the
/// user has no partner profile.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The partner's id")),
    responses(
        (status = 200, description = "The wallet", body = Wallet),
        (status = 404, description = "`not_found`: no such partner", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/admin/partners/{id}/wallet")]
pub async fn admin_partner_wallet(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Wallet>> {
    staff.require_session()?;
    let settings = state.settings.clone();
    let now = state.clock.now();
    let wallet = state
        .db(move |conn| {
            db::snapshot_read(conn, |conn| {
                require_partner(conn, &id)?;
                balances::wallet(conn, &id, &settings, now)
            })
        })
        .await?;
    Ok(web::Json(wallet))
}

/// A pro's wallet entries, newest first (staff).
///
/// Each entry moves the `pending` or `available` balance and is signed from the pro's side
/// (positive: money to the pro), with its kind, description, job and payout. Paged with `cursor`;
/// 404 `not_found` when the user has no partner profile.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The partner's id"), PageParams),
    responses(
        (status = 200, description = "A page of entries", body = Page<WalletEntry>),
        (status = 404, description = "`not_found`: no such partner", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/admin/partners/{id}/wallet/entries")]
pub async fn admin_partner_wallet_entries(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<WalletEntry>>> {
    staff.require_session()?;
    let entries = state
        .db(move |conn| {
            require_partner(conn, &id)?;
            balances::entries(conn, &id, &page.0)
        })
        .await?;
    Ok(web::Json(entries))
}

/// A partner's id that names no partner is "not found".
fn require_partner(conn: &mut db::DbConnection, id: &str) -> ApiResult<()> {
    crate::partners::profiles::find(conn, id)?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("partner"))
}

/// Mark a payout `sent` (mailed or transferred) or `cleared` (cashed) (staff). Requires an
/// `Idempotency-Key`.
///
/// `sent` only from `pending`, `cleared` only from `sent` (a payout cannot skip `sent`); any other
/// move is 409 `invalid_transition`, and an unknown payout 404 `not_found`. `cleared` also takes
/// the money out of the platform's cash in the ledger. Recorded in the audit log (`payout.sent` or
/// `payout.cleared`); the pro gets the notification of the same name.
#[utoipa::path(
    tag = "admin",
    params(
        ("id" = String, Path, description = "The payout's id"),
        ("Idempotency-Key" = String, Header, description = "Required; makes retries safe (kept 24 h)"),
    ),
    request_body = PayoutStatusInput,
    responses(
        (status = 200, description = "The payout", body = Payout),
        (status = 400, description = "`idempotency_key_missing`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: already there or past it",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/payouts/{id}/status")]
pub async fn admin_mark_payout(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidatedJson<PayoutStatusInput>,
) -> ApiResult<HttpResponse> {
    staff.require_session()?;
    let now = state.clock.now();
    let status = body.0.status;
    let staff_id = staff.0.user_id.clone();
    idempotency::once(
        &state,
        &staff.0.user_id,
        Some(key),
        &body.0,
        StatusCode::OK,
        move |conn| payouts::mark(conn, &staff_id, &id, status, now),
    )
    .await
}

/// Refunds (staff), newest first; `status=failed` lists those the payment provider refused,
/// which wait for staff.
///
/// Filter by `status` (`pending`, `succeeded`, `failed`) and `job_id`. A `failed` refund's money
/// stays owed to the customer until staff send it again with `POST /v1/admin/refunds/{id}/retry`.
/// Ordered by id, paged with `cursor`.
#[utoipa::path(
    tag = "admin",
    params(RefundFilter, PageParams),
    responses((status = 200, description = "A page of refunds", body = Page<Refund>)),
    security(("bearer" = [])),
)]
#[get("/admin/refunds")]
pub async fn admin_refunds(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<RefundFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Refund>>> {
    staff.require_session()?;
    let list = state
        .db(move |conn| refunds::list(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(list))
}

/// Send a refused refund to the payment provider again (staff), e.g. once the customer's bank
/// has reopened the card. Only a `failed` refund; the note goes to the audit log. Requires an
/// `Idempotency-Key`.
///
/// The refund goes back to `pending`, due at once, with `retries` one higher and a new idempotency
/// key at the provider; the ledger does not move. A late answer about the refused call is ignored.
/// Recorded in the audit log as `refund.retry` with the note.
#[utoipa::path(
    tag = "admin",
    params(
        ("id" = String, Path, description = "The refund's id"),
        ("Idempotency-Key" = String, Header, description = "Required; makes retries safe (kept 24 h)"),
    ),
    request_body = RefundRetryInput,
    responses(
        (status = 200, description = "The refund, `pending` again", body = Refund),
        (status = 400, description = "`idempotency_key_missing`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such refund", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: the refund has not failed",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/refunds/{id}/retry")]
pub async fn admin_retry_refund(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidatedJson<RefundRetryInput>,
) -> ApiResult<HttpResponse> {
    staff.require_session()?;
    let now = state.clock.now();
    let staff_id = staff.0.user_id.clone();
    let input = body.0.clone();
    let response = idempotency::once(
        &state,
        &staff.0.user_id,
        Some(key),
        &body.0,
        StatusCode::OK,
        move |conn| refunds::retry(conn, &id, &staff_id, &input, now),
    )
    .await?;
    state.wakeups.refunds_queued.raise();
    Ok(response)
}

/// Recompute the ledger (staff): every transaction balanced per currency, every cached balance
/// equal to its entries, and the platform's totals by account kind.
///
/// `balanced` is true when `unbalanced_transactions` and `mismatched_accounts` are both empty;
/// `accounts_by_kind` totals each kind of account per currency, debit-positive. Read-only, from one
/// snapshot of the whole ledger.
#[utoipa::path(
    tag = "admin",
    responses((status = 200, description = "The check", body = LedgerCheck)),
    security(("bearer" = [])),
)]
#[get("/admin/ledger/check")]
pub async fn admin_ledger_check(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
) -> ApiResult<web::Json<LedgerCheck>> {
    staff.require_session()?;
    let check = state.db(ledger::check).await?;
    Ok(web::Json(check))
}
