//! Paying on a secure payment page: the sandbox's own page at `/pay/{id}` (driven as a browser
//! would, form posts and the redirect back to the app) and Stripe Checkout through the fake
//! provider and its signed webhooks; the receipt after each step.

use std::time::Duration as StdDuration;

use chrono::Duration;
use reqwest::StatusCode;
use shared_types::jobs::Job;
use shared_types::notify::NotificationFilter;
use shared_types::partners::MoneyInput;
use shared_types::wallet::{
    Checkout, CheckoutInput, PaymentInput, PaymentPurpose, PaymentStatus, ReceiptLineKind,
    ReceiptLineStatus,
};
use shared_types::{ClientError, ErrorCode, PageParams};

use crate::fake_stripe::{self, FakeStripe};
use crate::harness::eventually_some;
use crate::jobs::Cast;
use crate::money::{PRICE, assert_books_balance};

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Types a card on the sandbox's page: the answer's status, `Location` and page text.
async fn type_card(page_url: &str, number: &str, expiry: &str) -> (StatusCode, String, String) {
    let response = browser()
        .post(page_url)
        .form(&[("card_number", number), ("expiry", expiry), ("cvc", "123")])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn open_page(cast: &Cast, job: &Job, input: &CheckoutInput) -> Checkout {
    cast.customer.checkout(&job.id, input).await.unwrap()
}

fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> Option<ErrorCode> {
    result.unwrap_err().code()
}

fn tip(cents: i64) -> CheckoutInput {
    CheckoutInput::tip(MoneyInput::new(cents, "CAD"))
}

#[tokio::test]
async fn paying_on_the_sandbox_page_settles_once_and_the_receipt_shows_every_line() {
    let cast = Cast::new().await;
    let job = cast.signed_job(2).await;

    // Nothing is paid yet: a receipt with no lines.
    let receipt = cast.customer.job_receipt(&job.id).await.unwrap();
    assert!(receipt.lines.is_empty());
    assert_eq!(receipt.total.amount_cents, 0);

    // The page opens for the job's price, on this API, for an hour; asking again gives it back.
    let checkout = open_page(&cast, &job, &CheckoutInput::job()).await;
    assert!(
        checkout
            .url
            .starts_with(&format!("{}/pay/cs_sandbox_", cast.app.address)),
        "{}",
        checkout.url
    );
    assert_eq!(checkout.payment.status, PaymentStatus::Processing);
    assert_eq!(checkout.payment.amount.amount_cents, PRICE);
    let open_for = checkout.expires_at - cast.now();
    assert!(
        open_for > Duration::minutes(59) && open_for <= Duration::hours(1),
        "{open_for}"
    );
    let again = open_page(&cast, &job, &CheckoutInput::job()).await;
    assert_eq!(
        (again.url.as_str(), again.payment.id.as_str()),
        (checkout.url.as_str(), checkout.payment.id.as_str())
    );
    // While the page is open, a card token cannot pay beside it.
    let beside = cast
        .customer
        .pay_job(
            &job.id,
            &PaymentInput {
                card_token: "tok_visa".into(),
            },
            "beside",
        )
        .await;
    assert_eq!(code(beside), Some(ErrorCode::AlreadyPaid));

    // The page, as the customer's browser shows it: what they pay for and the test cards.
    let page = browser().get(&checkout.url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    for shown in [
        "Home cleaning job · PL-",
        "149.00 CAD",
        "4242 4242 4242 4242",
        "Go back without paying",
    ] {
        assert!(html.contains(shown), "{shown} in {html}");
    }

    // A mistyped form and a declined card change nothing; the page stays open for another card.
    let (status, _, html) = type_card(&checkout.url, "4242 4242 4242 4242", "13/30").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("MM/YY"), "{html}");
    let (status, _, html) = type_card(&checkout.url, "4242 4242 4242 4242", "01/20").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("expired"), "{html}");
    let (status, _, html) = type_card(&checkout.url, "4000 0000 0000 0002", "12/40").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(
        html.contains("declined") && html.contains("Nothing was charged"),
        "{html}"
    );
    assert!(cast.customer.job(&job.id).await.unwrap().paid_at.is_none());
    assert_eq!(cast.app.count("ledger_transactions").await, 0);

    // A good card pays and sends the customer back to the job in the app.
    let (status, location, _) = type_card(&checkout.url, "4242-4242-4242-4242", "12/40").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        format!(
            "https://porchlight.app/jobs/{}?payment={}",
            job.id, checkout.payment.id
        )
    );
    assert!(cast.customer.job(&job.id).await.unwrap().paid_at.is_some());
    let payments = cast.customer.job_payments(&job.id).await.unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].status, PaymentStatus::Succeeded);

    // Paying again on the same page charges nothing: it says it is paid.
    let (status, _, html) = type_card(&checkout.url, "4242 4242 4242 4242", "12/40").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Paid"), "{html}");
    assert_eq!(
        code(cast.customer.checkout(&job.id, &CheckoutInput::job()).await),
        Some(ErrorCode::AlreadyPaid)
    );
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(check.transactions, 1);

    // The receipt: the price, the HST it includes (Toronto, M5H), the platform's fee.
    let receipt = cast.customer.job_receipt(&job.id).await.unwrap();
    assert!(receipt.reference.starts_with("PL-"));
    assert_eq!(receipt.description, "Home cleaning job");
    assert_eq!(receipt.lines.len(), 1);
    assert_eq!(receipt.lines[0].kind, ReceiptLineKind::Price);
    assert_eq!(receipt.lines[0].status, ReceiptLineStatus::Paid);
    assert_eq!(receipt.total.amount_cents, PRICE);
    assert_eq!(receipt.taxes.len(), 1);
    assert_eq!(
        (
            receipt.taxes[0].name.as_str(),
            receipt.taxes[0].rate_percent.as_str()
        ),
        ("HST", "13")
    );
    assert_eq!(receipt.taxes[0].amount.amount_cents, 1_714);
    assert_eq!(receipt.platform_fee.amount_cents, 2_235);
    // The pro sees the same receipt; another customer does not see the job at all.
    assert_eq!(cast.partner.job_receipt(&job.id).await.unwrap(), receipt);
    let (_, stranger) = cast.app.customer().await;
    assert_eq!(
        code(stranger.job_receipt(&job.id).await),
        Some(ErrorCode::NotFound)
    );

    // The customer is told, in words that name the job and carry the receipt.
    let told = eventually_some(
        StdDuration::from_secs(10),
        "the receipt notification",
        || async {
            let inbox = cast
                .customer
                .notifications(&NotificationFilter::default(), &PageParams::default())
                .await
                .unwrap();
            inbox
                .items
                .into_iter()
                .find(|n| n.title == "Payment received")
        },
    )
    .await;
    assert!(told.body.contains(&receipt.reference), "{}", told.body);
    assert!(told.body.contains("HST (13%) 17.14 CAD"), "{}", told.body);

    // Cancelled more than a day ahead: all of it comes back, and the receipt shows the refund.
    cast.customer
        .cancel_job(&job.id, "Plans changed")
        .await
        .unwrap();
    let refunded = eventually_some(
        StdDuration::from_secs(10),
        "the refund on the receipt",
        || async {
            let receipt = cast.customer.job_receipt(&job.id).await.unwrap();
            (receipt.lines.len() == 2 && receipt.lines[1].status == ReceiptLineStatus::Refunded)
                .then_some(receipt)
        },
    )
    .await;
    assert_eq!(refunded.lines[1].kind, ReceiptLineKind::Refund);
    assert_eq!(refunded.lines[1].amount.amount_cents, -PRICE);
    assert_eq!(refunded.lines[1].label, "Refund: the job was cancelled");
    assert_eq!(refunded.total.amount_cents, 0);
    assert!(refunded.taxes.is_empty());
    assert_eq!(refunded.platform_fee.amount_cents, 0);
    assert_books_balance(&cast.staff).await;
}

#[tokio::test]
async fn a_tip_page_and_a_page_left_to_expire() {
    let cast = Cast::new().await;

    // Tips are paid on a page too, once the work is done; the receipt adds the tip.
    let job = cast.completed_job(2).await;
    assert_eq!(
        code(cast.customer.checkout(&job.id, &CheckoutInput::job()).await),
        Some(ErrorCode::AlreadyPaid)
    );
    let wrong_currency = CheckoutInput::tip(MoneyInput::new(2_000, "USD"));
    let refused = cast
        .customer
        .checkout(&job.id, &wrong_currency)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::ValidationFailed));
    assert!(
        format!("{refused:?}").contains("tip.currency"),
        "{refused:?}"
    );
    let first = open_page(&cast, &job, &tip(1_500)).await;
    // Changing the amount replaces the page: the old one closes unpaid.
    let tip_page = open_page(&cast, &job, &tip(2_000)).await;
    assert_ne!(tip_page.url, first.url);
    assert_eq!(tip_page.payment.purpose, PaymentPurpose::Tip);
    let (status, _, _) = type_card(&first.url, "4242 4242 4242 4242", "12/40").await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _, _) = type_card(&tip_page.url, "5555 5555 5555 4444", "12/40").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let receipt = cast.customer.job_receipt(&job.id).await.unwrap();
    let kinds: Vec<_> = receipt.lines.iter().map(|line| line.kind).collect();
    assert_eq!(kinds, [ReceiptLineKind::Price, ReceiptLineKind::Tip]);
    assert!(
        receipt.lines[1].label.starts_with("Tip for "),
        "{}",
        receipt.lines[1].label
    );
    assert_eq!(receipt.total.amount_cents, PRICE + 2_000);
    // The fee is on the price only: tips go to the pro whole.
    assert_eq!(receipt.platform_fee.amount_cents, 2_235);
    assert_eq!(
        code(cast.customer.checkout(&job.id, &tip(500)).await),
        Some(ErrorCode::AlreadyPaid)
    );

    // A page nobody pays closes after an hour: it shows so, and asking again opens a new one.
    let job = cast.signed_job(3).await;
    let stale = open_page(&cast, &job, &CheckoutInput::job()).await;
    cast.travel_to(stale.expires_at + Duration::minutes(1));
    let closed = browser().get(&stale.url).send().await.unwrap();
    assert_eq!(closed.status(), StatusCode::GONE);
    assert!(closed.text().await.unwrap().contains("closed"));
    let fresh = cast
        .customer
        .checkout(&job.id, &CheckoutInput::job())
        .await
        .unwrap();
    assert_ne!(fresh.payment.id, stale.payment.id);
    let payments = cast.customer.job_payments(&job.id).await.unwrap();
    let expired = payments.iter().find(|p| p.id == stale.payment.id).unwrap();
    assert_eq!(expired.status, PaymentStatus::Failed);
    assert_eq!(expired.failure_code.as_deref(), Some("expired"));
    let (status, _, _) = type_card(&fresh.url, "4242 4242 4242 4242", "12/40").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(cast.customer.job(&job.id).await.unwrap().paid_at.is_some());

    // Bad input: a tip without an amount, a price with one, the pro, an unknown page.
    let job = cast.signed_job(4).await;
    for (body, field) in [
        (serde_json::json!({ "purpose": "tip" }), "tip"),
        (
            serde_json::json!({ "purpose": "job", "tip": { "amount_cents": 100, "currency": "CAD" } }),
            "tip",
        ),
        (serde_json::json!({ "purpose": "refund" }), "purpose"),
    ] {
        let response = cast
            .customer
            .request(
                reqwest::Method::POST,
                &format!("/v1/jobs/{}/checkout", job.id),
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{body}");
        assert!(response.text().await.unwrap().contains(field), "{body}");
    }
    assert_eq!(
        code(cast.partner.checkout(&job.id, &CheckoutInput::job()).await),
        Some(ErrorCode::Forbidden)
    );
    let unknown = browser()
        .get(format!("{}/pay/cs_sandbox_nothing", cast.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        cast.app
            .count(&format!("payments WHERE job_id = '{}'", job.id))
            .await,
        0
    );
    assert_books_balance(&cast.staff).await;
}

/// Sends `event` to the service's webhook, signed now.
async fn deliver(cast: &Cast, event: &serde_json::Value) -> u16 {
    let now = chrono::Utc::now().timestamp();
    crate::money::deliver(&cast.app, event, fake_stripe::WEBHOOK_SECRET, now).await
}

#[tokio::test]
async fn stripe_checkout_sessions_settle_by_the_signed_webhook() {
    let stripe = FakeStripe::start();
    let settings = stripe.settings();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let cast = Cast::with_settings(&overrides).await;

    // The page is a Checkout Session at Stripe, for the price, sending the customer back to the
    // job; our ids ride in its metadata and its PaymentIntent's.
    let job = cast.signed_job(2).await;
    let checkout = open_page(&cast, &job, &CheckoutInput::job()).await;
    assert!(
        checkout.url.starts_with(&stripe.base_url),
        "{}",
        checkout.url
    );
    let session = stripe.session_at(&checkout.url);
    assert_eq!(session["amount_total"], PRICE);
    assert_eq!(session["currency"], "cad");
    assert_eq!(session["metadata"]["payment_id"], checkout.payment.id);
    assert_eq!(
        session["payment_intent_metadata"]["payment_id"],
        checkout.payment.id
    );
    assert_eq!(
        session["success_url"],
        format!(
            "https://porchlight.app/jobs/{}?payment={}",
            job.id, checkout.payment.id
        )
    );
    assert_eq!(session["expires_at"], checkout.expires_at.timestamp());
    assert_eq!(
        open_page(&cast, &job, &CheckoutInput::job()).await.url,
        checkout.url
    );
    let session_id = session["id"].as_str().unwrap();

    // A declined card on Stripe's page: the customer may try another there, so the payment
    // stays open.
    let failed = stripe.pay_session(session_id, "tok_declined");
    assert_eq!(
        deliver(
            &cast,
            &stripe.event("payment_intent.payment_failed", &failed)
        )
        .await,
        200
    );
    let payments = cast.customer.job_payments(&job.id).await.unwrap();
    assert_eq!(payments[0].status, PaymentStatus::Processing);

    // Paid on the page; the signed webhook settles it, once.
    let completed = stripe.pay_session(session_id, "tok_visa");
    let event = stripe.event("checkout.session.completed", &completed);
    assert_eq!(deliver(&cast, &event).await, 200);
    assert!(cast.customer.job(&job.id).await.unwrap().paid_at.is_some());
    let once = assert_books_balance(&cast.staff).await;
    assert_eq!(deliver(&cast, &event).await, 200);
    let intent_paid = stripe.intent_for(&checkout.payment.id);
    assert_eq!(
        deliver(
            &cast,
            &stripe.event("payment_intent.succeeded", &intent_paid)
        )
        .await,
        200
    );
    let twice = assert_books_balance(&cast.staff).await;
    assert_eq!(twice.transactions, once.transactions);
    let receipt = cast.customer.job_receipt(&job.id).await.unwrap();
    assert_eq!(receipt.lines[0].status, ReceiptLineStatus::Paid);

    // Refunded to the PaymentIntent the page made.
    cast.customer
        .cancel_job(&job.id, "Plans changed")
        .await
        .unwrap();
    let refund = eventually_some(
        StdDuration::from_secs(10),
        "the refund at Stripe",
        || async { stripe.refunds().into_iter().next() },
    )
    .await;
    assert_eq!(refund["payment_intent"], completed["payment_intent"]);
    assert_eq!(refund["amount"], PRICE);

    // A page left open past its time is expired at Stripe and replaced.
    let job = cast.signed_job(3).await;
    let stale = open_page(&cast, &job, &CheckoutInput::job()).await;
    cast.travel_to(stale.expires_at + Duration::minutes(1));
    let fresh = cast
        .customer
        .checkout(&job.id, &CheckoutInput::job())
        .await
        .unwrap();
    assert_ne!(fresh.url, stale.url);
    assert_eq!(stripe.session_at(&stale.url)["status"], "expired");
    // Stripe's own expiry event for the old page changes nothing.
    let expired = stripe.event("checkout.session.expired", &stripe.session_at(&stale.url));
    assert_eq!(deliver(&cast, &expired).await, 200);
    let fresh_payment = cast.customer.job_payments(&job.id).await.unwrap();
    let statuses: Vec<_> = fresh_payment.iter().map(|p| p.status).collect();
    assert_eq!(statuses, [PaymentStatus::Failed, PaymentStatus::Processing]);

    // Paid at the last minute, its webhook not here yet: replacing the page finds it paid.
    let paid_late = stripe.session_at(&fresh.url);
    stripe.pay_session(paid_late["id"].as_str().unwrap(), "tok_visa");
    cast.travel_to(fresh.expires_at + Duration::minutes(1));
    assert_eq!(
        code(cast.customer.checkout(&job.id, &CheckoutInput::job()).await),
        Some(ErrorCode::AlreadyPaid)
    );
    assert!(cast.customer.job(&job.id).await.unwrap().paid_at.is_some());
    assert_books_balance(&cast.staff).await;
}
