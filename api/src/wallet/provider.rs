//! The payment provider: who charges cards and sends refunds. Two implementations, chosen by
//! `PAYMENT_PROVIDER`:
//! - `sandbox` (the default): answers at once, by card token, like a provider's test mode
//!   (`tok_visa` pays, `tok_declined` is declined, `tok_refund_fails` pays but its first refund
//!   is refused);
//! - `stripe`: Stripe's PaymentIntents, Checkout Sessions and Refunds over HTTP, at
//!   `STRIPE_API_BASE`.
//!
//! A payment is made either with a card token (`charge`, for integrators with their own card
//! form) or on a secure payment page (`open_page`): Stripe Checkout, or with the sandbox this
//! API's own page at `{PUBLIC_BASE_URL}/pay/{id}` with the test cards.
//!
//! Every call carries an idempotency key derived from our own row id, so a call retried after a
//! timeout or a crash is the same call to the provider, never a second charge.

use std::time::Duration;

use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::config::{PaymentProviderKind, Settings};

/// A card charge to make.
#[derive(Debug, Clone)]
pub struct Charge<'a> {
    /// Our payment id: the provider's idempotency key and metadata.
    pub payment_id: &'a str,
    pub job_id: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub card_token: &'a str,
    pub description: &'a str,
}

/// What the provider said about a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded {
        provider_ref: String,
    },
    Declined {
        provider_ref: Option<String>,
        code: String,
        message: String,
    },
    /// Accepted but not final (e.g. a bank check); a webhook will tell the outcome.
    Processing {
        provider_ref: String,
    },
}

/// A refund to send.
#[derive(Debug, Clone)]
pub struct RefundCall<'a> {
    pub refund_id: &'a str,
    /// How many times staff sent it again after a refusal: each retry is a new call to the
    /// provider, which would otherwise replay its refusal for the same idempotency key.
    pub retry: i32,
    /// The provider's id of the payment refunded.
    pub payment_ref: &'a str,
    pub amount_cents: i64,
}

impl RefundCall<'_> {
    /// The idempotency key: the refund's id, plus the retry after a refusal.
    pub fn idempotency_key(&self) -> String {
        if self.retry == 0 {
            self.refund_id.to_owned()
        } else {
            format!("{}-retry-{}", self.refund_id, self.retry)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded { provider_ref: String },
    Processing { provider_ref: String },
    Failed { message: String },
}

/// The provider could not be reached or answered out of protocol: nothing is known to have
/// happened, and the same call may be made again.
#[derive(Debug, thiserror::Error)]
#[error("payment provider: {0}")]
pub struct ProviderError(pub String);

/// A payment page to open for a payment.
#[derive(Debug, Clone)]
pub struct PageCall<'a> {
    /// Our payment id: the provider's idempotency key and metadata.
    pub payment_id: &'a str,
    pub job_id: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    /// What the customer sees they pay for.
    pub description: &'a str,
    /// Where the page sends the customer once paid, and when they go back without paying.
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// When the page stops taking cards (Stripe takes 30 minutes to 24 hours).
    pub expires_at: NaiveDateTime,
}

/// A payment page, as the provider opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub id: String,
    pub url: String,
}

/// Where a payment page stands at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageState {
    /// Still taking cards.
    Open,
    /// Paid: `provider_ref` is the charge (the PaymentIntent) to refund later.
    Paid { provider_ref: String },
    /// Closed without a payment.
    Expired,
}

#[derive(Debug, Clone)]
pub enum PaymentProvider {
    /// Pages live at `{pages_base}/pay/{id}` (the API's public address).
    Sandbox {
        pages_base: String,
    },
    Stripe(StripeClient),
}

impl PaymentProvider {
    pub fn from_settings(settings: &Settings) -> Self {
        match settings.payment_provider {
            PaymentProviderKind::Sandbox => Self::Sandbox {
                pages_base: settings.public_base_url.clone(),
            },
            PaymentProviderKind::Stripe => Self::Stripe(StripeClient::new(
                &settings.stripe_api_base,
                settings
                    .stripe_secret_key
                    .as_ref()
                    .map(|key| key.expose().to_owned())
                    .unwrap_or_default(),
            )),
        }
    }

    /// `sandbox` or `stripe`, as recorded on each payment.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sandbox { .. } => "sandbox",
            Self::Stripe(_) => "stripe",
        }
    }

    pub async fn charge(&self, charge: &Charge<'_>) -> Result<ChargeOutcome, ProviderError> {
        match self {
            Self::Sandbox { .. } => Ok(sandbox_charge(charge)),
            Self::Stripe(client) => client.charge(charge).await,
        }
    }

    pub async fn refund(&self, refund: &RefundCall<'_>) -> Result<RefundOutcome, ProviderError> {
        match self {
            Self::Sandbox { .. } => Ok(sandbox_refund(refund)),
            Self::Stripe(client) => client.refund(refund).await,
        }
    }

    /// How a refund the provider accepted as in progress (`provider_ref`) is doing now. Asked,
    /// not sent again: a provider forgets idempotency keys after a while (Stripe: 24 hours).
    pub async fn refund_status(&self, provider_ref: &str) -> Result<RefundOutcome, ProviderError> {
        match self {
            // The sandbox answers every refund at once; none is ever in progress.
            Self::Sandbox { .. } => Ok(RefundOutcome::Succeeded {
                provider_ref: provider_ref.to_owned(),
            }),
            Self::Stripe(client) => client.refund_status(provider_ref).await,
        }
    }

    /// Opens a payment page. The sandbox's page is ours: its id is a random token, the only key
    /// to it.
    pub async fn open_page(&self, call: &PageCall<'_>) -> Result<Page, ProviderError> {
        match self {
            Self::Sandbox { pages_base } => {
                let id = format!("cs_sandbox_{}", crate::auth::tokens::random_token(24));
                Ok(Page {
                    url: format!("{pages_base}/pay/{id}"),
                    id,
                })
            }
            Self::Stripe(client) => client.open_page(call).await,
        }
    }

    /// Closes an open page so that it takes no more cards, and says how it ended: `Paid` when
    /// the customer paid before it closed. The sandbox's pages are settled by this API itself,
    /// so closing one is recorded by the caller alone.
    pub async fn close_page(&self, page_id: &str) -> Result<PageState, ProviderError> {
        match self {
            Self::Sandbox { .. } => Ok(PageState::Expired),
            Self::Stripe(client) => client.close_page(page_id).await,
        }
    }
}

/// A sandbox test card, by the number typed on the sandbox's payment page (spaces and dashes
/// ignored): the numbers of Stripe's test mode, so the same cards work with both providers.
pub fn sandbox_card(number: &str) -> &'static str {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    match digits.as_str() {
        "4242424242424242" => "tok_visa",
        "5555555555554444" => "tok_mastercard",
        "4000000000005126" => "tok_refund_fails",
        "4000000000009995" => "tok_insufficient_funds",
        "4000000000000002" => "tok_declined",
        _ => "unknown_card",
    }
}

/// The sandbox's mark on a payment whose card is closed by the time of a refund.
const SANDBOX_CLOSED_CARD: &str = "_closed_card";

/// The sandbox's test cards: `tok_visa` and `tok_mastercard` pay; `tok_refund_fails` pays but
/// its first refund is refused; `tok_declined`, `tok_insufficient_funds` and any other token are
/// declined.
pub fn sandbox_charge(charge: &Charge<'_>) -> ChargeOutcome {
    let provider_ref = format!("sandbox_pi_{}", charge.payment_id);
    let (code, message) = match charge.card_token {
        "tok_visa" | "tok_mastercard" => return ChargeOutcome::Succeeded { provider_ref },
        "tok_refund_fails" => {
            return ChargeOutcome::Succeeded {
                provider_ref: provider_ref + SANDBOX_CLOSED_CARD,
            };
        }
        "tok_declined" => ("card_declined", "Your card was declined."),
        "tok_insufficient_funds" => ("insufficient_funds", "Your card has insufficient funds."),
        _ => (
            "invalid_card",
            "This card token is not a sandbox test card.",
        ),
    };
    ChargeOutcome::Declined {
        provider_ref: Some(provider_ref),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// Refunds go through, except the first one to a `tok_refund_fails` card, which is closed by
/// then (a staff retry goes through, as once the bank reopens the card).
fn sandbox_refund(refund: &RefundCall<'_>) -> RefundOutcome {
    if refund.payment_ref.ends_with(SANDBOX_CLOSED_CARD) && refund.retry == 0 {
        return RefundOutcome::Failed {
            message: "expired_or_canceled_card".to_owned(),
        };
    }
    RefundOutcome::Succeeded {
        provider_ref: format!("sandbox_re_{}", refund.idempotency_key()),
    }
}

/// A Stripe API client (form-encoded requests, bearer secret key, `Idempotency-Key` on every
/// POST).
#[derive(Debug, Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base_url: String,
    secret_key: String,
}

#[derive(Debug, Deserialize)]
struct PaymentIntent {
    id: String,
    status: String,
    #[serde(default)]
    last_payment_error: Option<StripeErrorBody>,
}

#[derive(Debug, Deserialize)]
struct StripeErrorBody {
    /// e.g. `card_error`, `invalid_request_error`, `idempotency_error`.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    decline_code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    payment_intent: Option<Box<PaymentIntent>>,
}

#[derive(Debug, Deserialize)]
struct StripeErrorEnvelope {
    error: StripeErrorBody,
}

#[derive(Debug, Deserialize)]
struct CheckoutSession {
    id: String,
    #[serde(default)]
    url: Option<String>,
    /// `open`, `complete` or `expired`.
    status: String,
    /// `paid`, `unpaid` or `no_payment_required`.
    #[serde(default)]
    payment_status: Option<String>,
    /// The PaymentIntent, once the customer submitted a card.
    #[serde(default)]
    payment_intent: Option<String>,
}

impl CheckoutSession {
    fn state(self) -> PageState {
        match (self.status.as_str(), self.payment_status.as_deref()) {
            ("complete", Some("paid")) => PageState::Paid {
                provider_ref: self.payment_intent.unwrap_or(self.id),
            },
            ("expired", _) => PageState::Expired,
            // Open, or complete with a bank payment still on its way: the webhook will tell.
            _ => PageState::Open,
        }
    }
}

#[derive(Debug, Deserialize)]
struct StripeRefund {
    id: String,
    status: String,
    #[serde(default)]
    failure_reason: Option<String>,
}

impl StripeClient {
    pub fn new(base_url: &str, secret_key: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            secret_key,
        }
    }

    async fn post(
        &self,
        path: &str,
        idempotency_key: &str,
        form: &[(&str, String)],
    ) -> Result<(reqwest::StatusCode, String), ProviderError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await
            .map_err(|error| ProviderError(format!("POST {path}: {error}")))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| ProviderError(format!("POST {path}: {error}")))?;
        Ok((status, body))
    }

    async fn get(&self, path: &str) -> Result<(reqwest::StatusCode, String), ProviderError> {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .map_err(|error| ProviderError(format!("GET {path}: {error}")))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| ProviderError(format!("GET {path}: {error}")))?;
        Ok((status, body))
    }

    async fn refund_status(&self, provider_ref: &str) -> Result<RefundOutcome, ProviderError> {
        let path = format!("/v1/refunds/{provider_ref}");
        let (status, body) = self.get(&path).await?;
        if !status.is_success() {
            return Err(ProviderError(format!("GET {path}: {status}: {body}")));
        }
        let refund: StripeRefund = parse(&body)?;
        Ok(refund_outcome(
            refund.id,
            &refund.status,
            refund.failure_reason,
        ))
    }

    /// Creates a PaymentIntent for the amount, then confirms it with the card.
    async fn charge(&self, charge: &Charge<'_>) -> Result<ChargeOutcome, ProviderError> {
        let create = [
            ("amount", charge.amount_cents.to_string()),
            ("currency", charge.currency.to_ascii_lowercase()),
            ("description", charge.description.to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("metadata[payment_id]", charge.payment_id.to_owned()),
            ("metadata[job_id]", charge.job_id.to_owned()),
        ];
        let (status, body) = self
            .post(
                "/v1/payment_intents",
                &format!("{}-create", charge.payment_id),
                &create,
            )
            .await?;
        if !status.is_success() {
            return Err(ProviderError(format!(
                "creating the PaymentIntent: {status}: {body}"
            )));
        }
        let intent: PaymentIntent = parse(&body)?;
        let confirm = [
            ("payment_method_data[type]", "card".to_owned()),
            (
                "payment_method_data[card][token]",
                charge.card_token.to_owned(),
            ),
        ];
        let (status, body) = self
            .post(
                &format!("/v1/payment_intents/{}/confirm", intent.id),
                &format!("{}-confirm", charge.payment_id),
                &confirm,
            )
            .await?;
        if status == reqwest::StatusCode::PAYMENT_REQUIRED {
            // A card error: Stripe answers 402 with the error and the PaymentIntent.
            let envelope: StripeErrorEnvelope = parse(&body)?;
            return Ok(declined(Some(intent.id), envelope.error));
        }
        if !status.is_success() {
            return Err(ProviderError(format!(
                "confirming the PaymentIntent: {status}: {body}"
            )));
        }
        let intent: PaymentIntent = parse(&body)?;
        Ok(intent_outcome(intent))
    }

    /// Creates a Checkout Session for the payment: one line, its amount, our ids in the
    /// metadata of the session and of the PaymentIntent it makes.
    async fn open_page(&self, call: &PageCall<'_>) -> Result<Page, ProviderError> {
        let form = [
            ("mode", "payment".to_owned()),
            ("line_items[0][quantity]", "1".to_owned()),
            (
                "line_items[0][price_data][currency]",
                call.currency.to_ascii_lowercase(),
            ),
            (
                "line_items[0][price_data][unit_amount]",
                call.amount_cents.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]",
                call.description.to_owned(),
            ),
            ("payment_method_types[]", "card".to_owned()),
            ("success_url", call.success_url.to_owned()),
            ("cancel_url", call.cancel_url.to_owned()),
            (
                "expires_at",
                call.expires_at.and_utc().timestamp().to_string(),
            ),
            ("client_reference_id", call.payment_id.to_owned()),
            ("metadata[payment_id]", call.payment_id.to_owned()),
            ("metadata[job_id]", call.job_id.to_owned()),
            (
                "payment_intent_data[metadata][payment_id]",
                call.payment_id.to_owned(),
            ),
            (
                "payment_intent_data[metadata][job_id]",
                call.job_id.to_owned(),
            ),
        ];
        let key = format!("{}-page", call.payment_id);
        let (status, body) = self.post("/v1/checkout/sessions", &key, &form).await?;
        if !status.is_success() {
            return Err(ProviderError(format!(
                "creating the Checkout Session: {status}: {body}"
            )));
        }
        let session: CheckoutSession = parse(&body)?;
        let url = session
            .url
            .ok_or_else(|| ProviderError(format!("a Checkout Session without a url: {body}")))?;
        Ok(Page {
            id: session.id,
            url,
        })
    }

    /// Expires the session; one that is no longer open (paid or expired already) is read
    /// instead, to say how it ended.
    async fn close_page(&self, page_id: &str) -> Result<PageState, ProviderError> {
        let path = format!("/v1/checkout/sessions/{page_id}/expire");
        let (status, body) = self.post(&path, &format!("{page_id}-expire"), &[]).await?;
        let session: CheckoutSession = if status.is_success() {
            parse(&body)?
        } else if status == reqwest::StatusCode::BAD_REQUEST {
            let path = format!("/v1/checkout/sessions/{page_id}");
            let (status, body) = self.get(&path).await?;
            if !status.is_success() {
                return Err(ProviderError(format!("GET {path}: {status}: {body}")));
            }
            parse(&body)?
        } else {
            return Err(ProviderError(format!("POST {path}: {status}: {body}")));
        };
        Ok(session.state())
    }

    async fn refund(&self, refund: &RefundCall<'_>) -> Result<RefundOutcome, ProviderError> {
        let mut form = vec![
            ("payment_intent", refund.payment_ref.to_owned()),
            ("amount", refund.amount_cents.to_string()),
            ("metadata[refund_id]", refund.refund_id.to_owned()),
        ];
        // Only on retries: the first call's parameters must stay what they always were, or a
        // call repeated under its key would be refused as a different request.
        if refund.retry > 0 {
            form.push(("metadata[refund_retry]", refund.retry.to_string()));
        }
        let key = refund.idempotency_key();
        let (status, body) = self.post("/v1/refunds", &key, &form).await?;
        // A refusal is about the refund (400, 402); anything else (our key, a conflict on the
        // idempotency key, rate limits) says nothing about it, so it is tried again later.
        let refused = matches!(status.as_u16(), 400 | 402);
        if status.is_client_error() && !refused {
            return Err(ProviderError(format!(
                "creating the refund: {status}: {body}"
            )));
        }
        if refused {
            let envelope: StripeErrorEnvelope = parse(&body)?;
            if envelope.error.kind.as_deref() == Some("idempotency_error") {
                return Err(ProviderError(format!(
                    "creating the refund: {status}: {body}"
                )));
            }
            return Ok(RefundOutcome::Failed {
                message: envelope
                    .error
                    .message
                    .unwrap_or_else(|| format!("refused with {status}")),
            });
        }
        if !status.is_success() {
            return Err(ProviderError(format!(
                "creating the refund: {status}: {body}"
            )));
        }
        let created: StripeRefund = parse(&body)?;
        Ok(refund_outcome(
            created.id,
            &created.status,
            created.failure_reason,
        ))
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ProviderError> {
    serde_json::from_str(body)
        .map_err(|error| ProviderError(format!("unexpected answer ({error}): {body}")))
}

fn declined(provider_ref: Option<String>, error: StripeErrorBody) -> ChargeOutcome {
    let provider_ref = error
        .payment_intent
        .as_ref()
        .map(|intent| intent.id.clone())
        .or(provider_ref);
    ChargeOutcome::Declined {
        provider_ref,
        code: error
            .decline_code
            .or(error.code)
            .unwrap_or_else(|| "card_declined".to_owned()),
        message: error
            .message
            .unwrap_or_else(|| "The card was declined.".to_owned()),
    }
}

/// A PaymentIntent's status as our outcome.
fn intent_outcome(intent: PaymentIntent) -> ChargeOutcome {
    match intent.status.as_str() {
        "succeeded" => ChargeOutcome::Succeeded {
            provider_ref: intent.id,
        },
        "requires_payment_method" | "canceled" => {
            let error = intent.last_payment_error.unwrap_or(StripeErrorBody {
                kind: None,
                code: None,
                decline_code: None,
                message: None,
                payment_intent: None,
            });
            declined(Some(intent.id), error)
        }
        _ => ChargeOutcome::Processing {
            provider_ref: intent.id,
        },
    }
}

pub fn refund_outcome(
    provider_ref: String,
    status: &str,
    failure_reason: Option<String>,
) -> RefundOutcome {
    match status {
        "succeeded" => RefundOutcome::Succeeded { provider_ref },
        "failed" | "canceled" => RefundOutcome::Failed {
            message: failure_reason.unwrap_or_else(|| format!("the refund {status}")),
        },
        _ => RefundOutcome::Processing { provider_ref },
    }
}

/// Webhook signatures (`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">`).
pub mod signature {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    /// How far a signature's timestamp may be from now: older ones are replays.
    pub const TOLERANCE_SECS: i64 = 300;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
    pub enum SignatureError {
        #[error("the Stripe-Signature header is missing or malformed")]
        Malformed,
        #[error("the signature's timestamp is more than 5 minutes from now")]
        OutsideTolerance,
        #[error("no signature matches the payload")]
        Mismatch,
    }

    /// The `v1` signature of `payload` sent at `timestamp`, hex.
    pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
        hex::encode(mac(secret, timestamp, payload).finalize().into_bytes())
    }

    fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac
    }

    /// Checks `header` against `payload` at `now` (unix seconds). Any one `v1` that matches
    /// suffices (Stripe sends several while a secret is being rolled).
    pub fn verify(
        secret: &str,
        header: &str,
        payload: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
                Some(("v1", value)) => {
                    if let Ok(bytes) = hex::decode(value) {
                        signatures.push(bytes);
                    }
                }
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
        if signatures.is_empty() {
            return Err(SignatureError::Malformed);
        }
        if (now - timestamp).abs() > TOLERANCE_SECS {
            return Err(SignatureError::OutsideTolerance);
        }
        let matches = signatures.iter().any(|signature| {
            mac(secret, timestamp, payload)
                .verify_slice(signature)
                .is_ok()
        });
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        const SECRET: &str = "whsec_test_secret";

        #[test]
        fn a_signed_payload_verifies_once_within_five_minutes() {
            let payload = br#"{"id":"evt_1"}"#;
            let header = format!("t=1000,v1={}", sign(SECRET, 1000, payload));
            assert_eq!(verify(SECRET, &header, payload, 1000), Ok(()));
            assert_eq!(verify(SECRET, &header, payload, 1300), Ok(()));
            assert_eq!(
                verify(SECRET, &header, payload, 1301),
                Err(SignatureError::OutsideTolerance)
            );
            assert_eq!(
                verify(SECRET, &header, br#"{"id":"evt_2"}"#, 1000),
                Err(SignatureError::Mismatch)
            );
            assert_eq!(
                verify("whsec_other", &header, payload, 1000),
                Err(SignatureError::Mismatch)
            );
        }

        #[test]
        fn any_matching_v1_suffices_and_garbage_is_malformed() {
            let payload = b"{}";
            let good = sign(SECRET, 50, payload);
            let header = format!("t=50,v1={},v1={good},v0=abc", "00".repeat(32));
            assert_eq!(verify(SECRET, &header, payload, 60), Ok(()));
            for header in ["", "t=50", &format!("v1={good}"), "t=x,v1=zz"] {
                assert_eq!(
                    verify(SECRET, header, payload, 60),
                    Err(SignatureError::Malformed),
                    "{header}"
                );
            }
        }

        #[test]
        fn the_signature_is_hmac_sha256_of_timestamp_dot_payload() {
            // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
            assert_eq!(
                sign("key", 1_700_000_000, br#"{"a":1}"#),
                EXPECTED_KEY_1700000000
            );
        }

        const EXPECTED_KEY_1700000000: &str =
            "a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03";
    }
}
