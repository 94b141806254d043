//! The sandbox's secure payment page, `/pay/{id}`: what Stripe Checkout is with
//! `PAYMENT_PROVIDER=stripe`, served by this API so that paying works the same offline. It takes
//! Stripe's test card numbers, charges them like the sandbox's card tokens, settles the payment
//! and sends the customer back to the app. The page's id is a random token: knowing it is what
//! lets someone pay, as with a Checkout Session's address; it shows no personal details.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use shared_types::wallet::{PaymentPurpose, PaymentStatus};

use super::payments::{self, PaymentRow};
use super::provider::{self, Charge, ChargeOutcome, PaymentProvider};
use super::{MoneyPolicy, checkout};
use crate::error::ApiResult;
use crate::jobs::agreement;
use crate::pages::{html_response, layout};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(pay);
}

/// The test cards the page lists: number, what happens.
const TEST_CARDS: &[(&str, &str)] = &[
    ("4242 4242 4242 4242", "pays"),
    ("5555 5555 5555 4444", "pays (Mastercard)"),
    ("4000 0000 0000 0002", "is declined"),
    ("4000 0000 0000 9995", "is declined: insufficient funds"),
    ("4000 0000 0000 5126", "pays; its first refund is refused"),
];

/// What the page shows about its payment.
struct Shown {
    payment: PaymentRow,
    description: String,
    success_url: String,
    cancel_url: String,
}

/// The payment behind the page, if the sandbox runs here and the page exists.
async fn find(state: &AppState, page_id: String) -> ApiResult<Option<Shown>> {
    if !matches!(state.payments, PaymentProvider::Sandbox { .. }) {
        return Ok(None);
    }
    let shown = state
        .db(move |conn| {
            let Some(payment) = checkout::by_page(conn, &page_id)? else {
                return Ok(None);
            };
            let job = payment.description.clone();
            let reference = agreement::reference(&payment.job_id);
            let description = match payment.purpose() {
                PaymentPurpose::Tip => {
                    format!(
                        "A tip for the pro of your {} · {reference}",
                        job.to_lowercase()
                    )
                }
                _ => format!("{job} · {reference}"),
            };
            Ok(Some((payment, description)))
        })
        .await?;
    Ok(shown.map(|(payment, description)| {
        let (success_url, cancel_url) =
            checkout::return_urls(&state.settings.app_link_base_url, &payment);
        Shown {
            payment,
            description,
            success_url,
            cancel_url,
        }
    }))
}

/// The payment page.
#[get("/pay/{id}")]
async fn show(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    Ok(match find(&state, id.into_inner()).await? {
        None => not_found(),
        Some(shown) => match closed(&shown, now) {
            Some(page) => page,
            None => form(&shown, None, StatusCode::OK),
        },
    })
}

/// What the page's form sends.
#[derive(Debug, Deserialize)]
struct CardForm {
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    expiry: String,
    #[serde(default)]
    cvc: String,
}

/// Pays with the card typed: back to the app when it went through, the page again with the
/// bank's answer when not (the page stays open for another card, as Stripe's does).
#[post("/pay/{id}")]
async fn pay(
    state: web::Data<AppState>,
    id: web::Path<String>,
    card: web::Form<CardForm>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let Some(shown) = find(&state, id.into_inner()).await? else {
        return Ok(not_found());
    };
    if let Some(page) = closed(&shown, now) {
        return Ok(page);
    }
    if let Err(problem) = check_card(&card, now.date()) {
        return Ok(form(
            &shown,
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let payment = &shown.payment;
    let outcome = provider::sandbox_charge(&Charge {
        payment_id: &payment.id,
        job_id: &payment.job_id,
        amount_cents: payment.amount_cents,
        currency: &payment.currency,
        card_token: provider::sandbox_card(&card.card_number),
        description: &shown.description,
    });
    match outcome {
        ChargeOutcome::Succeeded { provider_ref } => {
            let payment_id = payment.id.clone();
            let policy = MoneyPolicy::from(state.settings.as_ref());
            state
                .write(move |conn| {
                    payments::settle_success(conn, &payment_id, &provider_ref, &policy, now)
                })
                .await?;
            // A payment that landed on a job cancelled meanwhile is refunded at once.
            state.wakeups.refunds_queued.raise();
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, shown.success_url.as_str()))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        ChargeOutcome::Declined { message, .. } => Ok(form(
            &shown,
            Some(format!("{message} Nothing was charged; try another card.")),
            StatusCode::PAYMENT_REQUIRED,
        )),
        ChargeOutcome::Processing { .. } => Ok(form(
            &shown,
            Some("The bank did not answer; nothing was charged. Try again.".to_owned()),
            StatusCode::SERVICE_UNAVAILABLE,
        )),
    }
}

/// The expiry date and the CVC, checked as a card form would (any future month, any 3 or 4
/// digits, as in Stripe's test mode); the number decides the outcome.
fn check_card(card: &CardForm, today: chrono::NaiveDate) -> Result<(), String> {
    use chrono::Datelike as _;
    let digits = card
        .card_number
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    if !(12..=19).contains(&digits) {
        return Err("Enter the card number: 12 to 19 digits.".to_owned());
    }
    let expiry = card
        .expiry
        .trim()
        .split_once('/')
        .and_then(|(month, year)| {
            let month: u32 = month.trim().parse().ok()?;
            let year: i32 = year.trim().parse().ok()?;
            let year = if year < 100 { 2000 + year } else { year };
            (1..=12).contains(&month).then_some((year, month))
        });
    match expiry {
        None => return Err("Enter the expiry date as MM/YY, e.g. 12/30.".to_owned()),
        Some(expiry) if expiry < (today.year(), today.month()) => {
            return Err("This card has expired.".to_owned());
        }
        Some(_) => {}
    }
    let cvc = card.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter the 3 or 4 digits on the back of the card.".to_owned());
    }
    Ok(())
}

/// The page of a payment that no longer takes cards, if this one does not.
fn closed(shown: &Shown, now: chrono::NaiveDateTime) -> Option<HttpResponse> {
    let payment = &shown.payment;
    match payment.status() {
        PaymentStatus::Succeeded => Some(html_response(
            StatusCode::OK,
            layout(
                "Paid",
                html! {
                    h1 { "Paid" }
                    p.ok role="status" { (super::format_money(&payment.money())) " for your " (shown.description.to_lowercase()) "." }
                    a.button href=(shown.success_url) { "Back to Porchlight" }
                },
            ),
        )),
        PaymentStatus::Processing
            if payment.checkout_expires_at.is_some_and(|until| until > now) =>
        {
            None
        }
        _ => Some(html_response(
            StatusCode::GONE,
            layout(
                "This payment page has closed",
                html! {
                    h1 { "This payment page has closed" }
                    p { "Nothing was charged. Open the job in the app and pay from there again." }
                    a.button href=(shown.cancel_url) { "Back to Porchlight" }
                },
            ),
        )),
    }
}

fn not_found() -> HttpResponse {
    html_response(
        StatusCode::NOT_FOUND,
        layout(
            "This payment page does not exist",
            html! {
                h1 { "This payment page does not exist" }
                p { "Open the job in the Porchlight app and pay from there." }
            },
        ),
    )
}

fn form(shown: &Shown, problem: Option<String>, status: StatusCode) -> HttpResponse {
    let amount = super::format_money(&shown.payment.money());
    html_response(
        status,
        layout("Pay Porchlight", card_form(shown, &amount, problem)),
    )
}

fn card_form(shown: &Shown, amount: &str, problem: Option<String>) -> Markup {
    html! {
        h1 { "Pay Porchlight" }
        p { (shown.description) }
        p.amount { (amount) }
        @if let Some(problem) = problem {
            p.error role="alert" { (problem) }
        }
        form method="post" {
            label for="card_number" { "Card number" }
            input #card_number name="card_number" inputmode="numeric" autocomplete="cc-number" required placeholder="1234 1234 1234 1234";
            label for="expiry" { "Expiry (MM/YY)" }
            input #expiry name="expiry" inputmode="numeric" autocomplete="cc-exp" required placeholder="MM/YY";
            label for="cvc" { "CVC" }
            input #cvc name="cvc" inputmode="numeric" autocomplete="cc-csc" required placeholder="123";
            div.actions {
                button.allow type="submit" { "Pay " (amount) }
            }
        }
        a.back href=(shown.cancel_url) { "Go back without paying" }
        p.fine { "Test mode: no real card is charged. Any future expiry date and any CVC work." }
        table.cards {
            @for (number, outcome) in TEST_CARDS {
                tr { td { code { (number) } } td { (outcome) } }
            }
        }
    }
}
