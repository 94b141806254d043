//! `POST /v1/webhooks/payments/stripe`: Stripe tells us how payments and refunds ended. The
//! signature is checked first (400 otherwise); each event id is applied once, in the same
//! transaction that records it, so a replayed or redelivered event changes nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::MoneyPolicy;
use super::provider::PageState;
use super::{checkout, payments, refunds};
use crate::db::DbConnection;
use crate::db::schema::webhook_events;
use crate::error::ApiResult;

/// A Stripe event, as much of it as we read.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: Value,
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |value, key| value.get(key))
        .and_then(Value::as_str)
}

/// Applies `event` unless it was applied before; returns whether it was applied now. Run inside
/// a write transaction.
pub fn apply(
    conn: &mut DbConnection,
    event: &Event,
    policy: &MoneyPolicy,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let recorded = crate::insert_or_ignore!(
        conn,
        webhook_events::table,
        (
            webhook_events::id.eq(&event.id),
            webhook_events::provider.eq("stripe"),
            webhook_events::event_type.eq(&event.kind),
            webhook_events::received_at.eq(now),
        )
    )?;
    if recorded == 0 {
        return Ok(false);
    }
    let object = &event.data.object;
    match event.kind.as_str() {
        "payment_intent.succeeded" | "payment_intent.payment_failed" => {
            let Some(payment) = payment_of(conn, object)? else {
                tracing::warn!(event = %event.id, "a PaymentIntent event for no payment of ours");
                return Ok(true);
            };
            let intent_id = text(object, &["id"]).unwrap_or_default();
            if event.kind == "payment_intent.succeeded" {
                payments::settle_success(conn, &payment.id, intent_id, policy, now)?;
            } else if payment.on_page() {
                // A card declined on the payment page: the customer may try another there; the
                // page's own events tell how it ends.
            } else {
                let error = &object["last_payment_error"];
                let code = text(error, &["decline_code"])
                    .or_else(|| text(error, &["code"]))
                    .unwrap_or("card_declined");
                let message = text(error, &["message"]).unwrap_or("The card was declined.");
                payments::settle_failure(conn, &payment.id, Some(intent_id), code, message, now)?;
            }
        }
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed"
        | "checkout.session.expired" => {
            let Some(payment) = page_payment_of(conn, object)? else {
                tracing::warn!(event = %event.id, "a Checkout Session event for no payment of ours");
                return Ok(true);
            };
            let intent_id = text(object, &["payment_intent"]);
            let paid = text(object, &["payment_status"]) == Some("paid");
            match event.kind.as_str() {
                "checkout.session.expired" => {
                    checkout::record_closed(conn, &payment.id, &PageState::Expired, policy, now)?;
                }
                "checkout.session.async_payment_failed" => {
                    payments::settle_failure(
                        conn,
                        &payment.id,
                        intent_id,
                        "payment_failed",
                        "The bank refused the payment.",
                        now,
                    )?;
                }
                _ if paid => {
                    let provider_ref = intent_id
                        .or_else(|| text(object, &["id"]))
                        .unwrap_or_default()
                        .to_owned();
                    let paid = PageState::Paid { provider_ref };
                    checkout::record_closed(conn, &payment.id, &paid, policy, now)?;
                }
                // Completed but unpaid: a bank payment still on its way; its own event follows.
                _ => {}
            }
        }
        "refund.created" | "refund.updated" | "charge.refund.updated" => {
            let provider_ref = text(object, &["id"]).unwrap_or_default();
            // Which of our refunds, and which retry of it (a refusal of an earlier retry is old
            // news); found by its id when the metadata is missing, which only the current retry
            // has.
            let (refund_id, retry) = match text(object, &["metadata", "refund_id"]) {
                Some(id) => {
                    let retry = text(object, &["metadata", "refund_retry"])
                        .and_then(|retry| retry.parse().ok())
                        .unwrap_or(0);
                    (Some(id.to_owned()), Some(retry))
                }
                None => (refunds::by_provider_ref(conn, provider_ref)?, None),
            };
            let Some(refund_id) = refund_id else {
                return Ok(true);
            };
            match text(object, &["status"]) {
                Some("succeeded") => {
                    refunds::settle(conn, &refund_id, provider_ref, now)?;
                }
                Some(status @ ("failed" | "canceled")) => {
                    let reason = text(object, &["failure_reason"]).unwrap_or(status);
                    refunds::fail(conn, &refund_id, retry, reason, now)?;
                }
                _ => {}
            }
        }
        // Other events are recorded (so they are not reprocessed) and otherwise ignored.
        _ => {}
    }
    Ok(true)
}

/// Our payment behind a Checkout Session: by the id we put in its metadata, else by its id.
fn page_payment_of(
    conn: &mut DbConnection,
    session: &Value,
) -> ApiResult<Option<payments::PaymentRow>> {
    if let Some(payment_id) = text(session, &["metadata", "payment_id"])
        && let Ok(payment) = payments::find(conn, payment_id)
        && payment.provider == "stripe"
    {
        return Ok(Some(payment));
    }
    match text(session, &["id"]) {
        Some(session_id) => checkout::by_page(conn, session_id),
        None => Ok(None),
    }
}

/// Our payment behind a PaymentIntent: by the id we put in its metadata, else by its id.
fn payment_of(conn: &mut DbConnection, intent: &Value) -> ApiResult<Option<payments::PaymentRow>> {
    if let Some(payment_id) = text(intent, &["metadata", "payment_id"])
        && let Ok(payment) = payments::find(conn, payment_id)
        && payment.provider == "stripe"
    {
        return Ok(Some(payment));
    }
    match text(intent, &["id"]) {
        Some(intent_id) => payments::by_provider_ref(conn, "stripe", intent_id),
        None => Ok(None),
    }
}
