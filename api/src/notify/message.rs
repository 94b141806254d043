//! What an outbox event looks like on a phone: a title, a line of text, string-only data for the
//! app (the ids and a deep link), and how long it is worth showing.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use shared_types::events::EventType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    /// FCM `data`: every value a string.
    pub data: BTreeMap<String, String>,
    /// For a lead offer, its remaining lifetime: an alert about an expired offer is noise.
    pub ttl: Option<Duration>,
}

fn text(payload: &Value, key: &str) -> String {
    match payload.get(key) {
        Some(Value::String(value)) => value.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// `payload.amount` (a Money object) as `149.00 CAD`, or empty.
fn amount(payload: &Value) -> String {
    money_at(payload, "amount")
}

fn price(payload: &Value) -> String {
    money_at(payload, "price")
}

fn money_at(payload: &Value, key: &str) -> String {
    payload
        .get(key)
        .and_then(|amount| {
            serde_json::from_value::<shared_types::partners::Money>(amount.clone()).ok()
        })
        .map(|money| crate::wallet::format_money(&money))
        .unwrap_or_default()
}

/// The notification for an outbox row of `kind` with `payload`, at `now`.
pub fn render(kind: EventType, payload: &Value, now: NaiveDateTime) -> Notification {
    let mut data = BTreeMap::from([("kind".to_owned(), kind.as_str().to_owned())]);
    if let Some(fields) = payload.as_object() {
        for (key, value) in fields {
            if key.ends_with("_id") && value.is_string() {
                data.insert(key.clone(), text(payload, key));
            }
        }
    }
    let (title, body, link, ttl) = match kind {
        EventType::LeadOffered => {
            let expires = payload
                .get("expires_at")
                .and_then(Value::as_str)
                .and_then(|at| at.parse::<DateTime<Utc>>().ok());
            // FCM keeps a message at most four weeks.
            let ttl = expires.map(|expires| {
                (expires.naive_utc() - now)
                    .to_std()
                    .unwrap_or_default()
                    .min(Duration::from_hours(24 * 28))
            });
            (
                "New job near you".to_owned(),
                format!(
                    "A customer in {} ({} km away) needs a pro. Be the first to respond.",
                    text(payload, "city"),
                    text(payload, "distance_km")
                ),
                format!("porchlight://leads/{}", text(payload, "offer_id")),
                ttl,
            )
        }
        EventType::LeadTaken => (
            "Lead taken".to_owned(),
            "Another pro took this job.".to_owned(),
            "porchlight://leads".to_owned(),
            None,
        ),
        EventType::LeadWithdrawn => (
            "Lead withdrawn".to_owned(),
            "The customer withdrew this request.".to_owned(),
            "porchlight://leads".to_owned(),
            None,
        ),
        EventType::RequestAssigned => (
            "A pro is coming".to_owned(),
            "Your request has a pro. Agree a date in the app.".to_owned(),
            format!("porchlight://jobs/{}", text(payload, "job_id")),
            None,
        ),
        EventType::RequestUnfilled => (
            "No pro available".to_owned(),
            "No pro could take your request this time.".to_owned(),
            format!("porchlight://requests/{}", text(payload, "request_id")),
            None,
        ),
        EventType::RatingReceived => (
            "You received a rating".to_owned(),
            "Rate them back to see it: ratings show once both sides have rated.".to_owned(),
            format!("porchlight://jobs/{}/ratings", text(payload, "job_id")),
            None,
        ),
        EventType::RatingScoreLow => (
            "Marketplace leads paused".to_owned(),
            format!(
                "Your Star Score is {}%. Marketplace leads resume at {}%; leads from your profile \
                 still reach you.",
                text(payload, "star_score"),
                text(payload, "minimum")
            ),
            "porchlight://reviews".to_owned(),
            None,
        ),
        EventType::PaymentSucceeded => (
            "Job paid".to_owned(),
            format!(
                "The customer paid {}; it is held until the job is done.",
                amount(payload)
            ),
            format!("porchlight://jobs/{}", text(payload, "job_id")),
            None,
        ),
        EventType::PaymentReceipt => (
            "Payment received".to_owned(),
            format!(
                "You paid {}. We hold it until you're satisfied with the work.",
                amount(payload)
            ),
            format!("porchlight://jobs/{}", text(payload, "job_id")),
            None,
        ),
        EventType::PaymentRefunded => (
            "Refund sent".to_owned(),
            format!("{} is on its way back to your card.", amount(payload)),
            format!("porchlight://jobs/{}", text(payload, "job_id")),
            None,
        ),
        EventType::TipReceived => (
            "You got a tip".to_owned(),
            format!(
                "The customer tipped you {}. It is in your available balance.",
                amount(payload)
            ),
            format!("porchlight://jobs/{}", text(payload, "job_id")),
            None,
        ),
        EventType::PayoutCreated => (
            "Payout on its way".to_owned(),
            format!(
                "Your payout of {} for week {} is being prepared.",
                amount(payload),
                text(payload, "period")
            ),
            "porchlight://payouts".to_owned(),
            None,
        ),
        EventType::PayoutSent => (
            "Payout sent".to_owned(),
            "Your weekly payout has been sent.".to_owned(),
            "porchlight://payouts".to_owned(),
            None,
        ),
        EventType::PayoutCleared => (
            "Payout arrived".to_owned(),
            "Your weekly payout has cleared.".to_owned(),
            "porchlight://payouts".to_owned(),
            None,
        ),
        EventType::JobAssigned => (
            "You got the job".to_owned(),
            format!(
                "Porchlight gave you the job at your quote of {}. Propose a time in the app.",
                price(payload)
            ),
            format!("porchlight://jobs/{}", text(payload, "job_id")),
            None,
        ),
        EventType::AccountSuspended => (
            "Your account is suspended".to_owned(),
            format!(
                "Porchlight suspended your account: {}. Contact support to talk about it.",
                text(payload, "reason")
            ),
            "porchlight://home".to_owned(),
            None,
        ),
        EventType::AccountReinstated => (
            "Your account is active again".to_owned(),
            "Porchlight lifted the suspension of your account. Sign in to carry on.".to_owned(),
            "porchlight://home".to_owned(),
            None,
        ),
        EventType::JobProposed
        | EventType::JobScheduled
        | EventType::JobRescheduled
        | EventType::JobAgreementSigned
        | EventType::JobStarted
        | EventType::JobCompleted
        | EventType::JobDisputed
        | EventType::JobDisputeResolved
        | EventType::JobConfirmed
        | EventType::JobCancelled => (
            "Job update".to_owned(),
            format!("Your job: {}.", job_event_text(&text(payload, "event"))),
            format!("porchlight://jobs/{}", text(payload, "job_id")),
            None,
        ),
        EventType::WebhookEndpointDisabled => (
            "A webhook endpoint was disabled".to_owned(),
            format!(
                "Porchlight stopped sending events to {}: {}. Fix it and enable it again.",
                text(payload, "url"),
                text(payload, "reason")
            ),
            "porchlight://settings".to_owned(),
            None,
        ),
        EventType::WebhookPing | EventType::Unknown => (
            "Porchlight".to_owned(),
            "Something changed in your account.".to_owned(),
            "porchlight://home".to_owned(),
            None,
        ),
    };
    data.insert("deep_link".to_owned(), link);
    Notification {
        title,
        body,
        data,
        ttl,
    }
}

fn job_event_text(event: &str) -> &'static str {
    match event {
        "proposed" => "new times were proposed",
        "scheduled" => "a date is agreed",
        "rescheduled" => "the date changed",
        "agreement_signed" => "the service agreement is signed",
        "started" => "the work has started",
        "completed" => "the work is done; you have 24 hours to review it",
        "disputed" => "the customer opened a dispute",
        "dispute_resolved" => "the dispute is resolved",
        "confirmed" => "confirmed by Porchlight",
        "cancelled" => "cancelled",
        _ => "updated",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_pro_chosen_by_staff_is_told_the_price_and_what_to_do() {
        let payload = json!({
            "job_id": "j1", "request_id": "r1", "event": "assigned", "by": "staff",
            "price": { "amount_cents": 28_000, "currency": "CAD" },
        });
        let alert = render(EventType::JobAssigned, &payload, Utc::now().naive_utc());
        assert_eq!(alert.title, "You got the job");
        assert!(alert.body.contains("280.00 CAD"), "{}", alert.body);
        assert_eq!(alert.data["deep_link"], "porchlight://jobs/j1");
    }

    #[test]
    fn a_lead_alert_carries_its_ids_a_link_and_the_offer_lifetime() {
        let now = "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let payload = json!({
            "offer_id": "o1", "request_id": "r1", "city": "Toronto", "distance_km": 2.5,
            "expires_at": "2026-11-23T12:30:00Z",
        });
        let alert = render(EventType::LeadOffered, &payload, now.naive_utc());
        assert_eq!(alert.ttl, Some(Duration::from_mins(30)));
        assert_eq!(alert.data["offer_id"], "o1");
        assert_eq!(alert.data["request_id"], "r1");
        assert_eq!(alert.data["kind"], "lead.offered");
        assert_eq!(alert.data["deep_link"], "porchlight://leads/o1");
        assert!(alert.body.contains("Toronto") && alert.body.contains("2.5 km"));
        let late = render(
            EventType::LeadOffered,
            &payload,
            now.naive_utc() + chrono::Duration::hours(1),
        );
        assert_eq!(
            late.ttl,
            Some(Duration::ZERO),
            "an expired offer has no time left"
        );
    }

    #[test]
    fn money_events_say_how_much() {
        let now = "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let payload = json!({
            "job_id": "j1", "payment_id": "p1",
            "amount": { "amount_cents": 14_900, "currency": "CAD" },
        });
        let receipt = render(EventType::PaymentReceipt, &payload, now.naive_utc());
        assert!(receipt.body.contains("149.00 CAD"), "{}", receipt.body);
        assert_eq!(receipt.data["deep_link"], "porchlight://jobs/j1");
        let tip = render(EventType::TipReceived, &payload, now.naive_utc());
        assert!(tip.body.contains("149.00 CAD"), "{}", tip.body);
        let payout = render(
            EventType::PayoutCreated,
            &json!({ "payout_id": "po1", "period": "2026-W48",
                     "amount": { "amount_cents": 50_000, "currency": "CAD" } }),
            now.naive_utc(),
        );
        assert!(payout.body.contains("500.00 CAD") && payout.body.contains("2026-W48"));
        assert_eq!(payout.data["payout_id"], "po1");
    }
}
