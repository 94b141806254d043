//! What an outbox event looks like on a phone: a title, a line of text, string-only data for the
//! app (the ids and a deep link), and how long it is worth showing.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use serde_json::{Value, json};
use shared_types::events::{EventData, EventType};
use shared_types::jobs::Party;
use shared_types::wallet::{Receipt, ReceiptLine, ReceiptLineKind, ReceiptLineStatus};

use crate::wallet::format_money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    /// FCM `data`: every value a string.
    pub data: BTreeMap<String, String>,
    /// For a lead offer, its remaining lifetime: an alert about an expired offer is noise.
    pub ttl: Option<Duration>,
}

/// The notification for an outbox row of `kind` whose `data` is `payload`, at `now`. Data that
/// does not read as its type's resource (a row older than the catalogue) gets a plain line.
pub fn render(kind: EventType, payload: &Value, now: NaiveDateTime) -> Notification {
    let event = serde_json::from_value::<EventData>(json!({ "type": kind, "data": payload }));
    let mut data = BTreeMap::from([("kind".to_owned(), kind.as_str().to_owned())]);
    let mut ids = |pairs: &[(&str, &str)]| {
        for (key, value) in pairs {
            data.insert((*key).to_owned(), (*value).to_owned());
        }
    };
    let job_link = |job_id: &str| format!("porchlight://jobs/{job_id}");
    let (title, body, link, ttl) = match &event {
        Ok(EventData::LeadOffered(lead)) => {
            ids(&[("offer_id", &lead.id), ("request_id", &lead.request_id)]);
            // FCM keeps a message at most four weeks.
            let ttl = (lead.expires_at.naive_utc() - now)
                .to_std()
                .unwrap_or_default()
                .min(Duration::from_hours(24 * 28));
            (
                format!("New job near you: {}", lead.category.name),
                format!(
                    "A customer in {} ({} km away) needs a pro: “{}”. Be the first to respond.",
                    lead.city,
                    lead.why.distance_km,
                    excerpt(&lead.description)
                ),
                format!("porchlight://leads/{}", lead.id),
                Some(ttl),
            )
        }
        Ok(EventData::LeadTaken(lead)) => {
            ids(&[("offer_id", &lead.id), ("request_id", &lead.request_id)]);
            (
                "Lead taken".to_owned(),
                format!(
                    "Another pro took the {} job in {}: “{}”.",
                    lead.category.name.to_lowercase(),
                    lead.city,
                    excerpt(&lead.description)
                ),
                "porchlight://leads".to_owned(),
                None,
            )
        }
        Ok(EventData::LeadWithdrawn(lead)) => {
            ids(&[("offer_id", &lead.id), ("request_id", &lead.request_id)]);
            (
                "Lead withdrawn".to_owned(),
                format!(
                    "The customer withdrew the {} request in {}: “{}”.",
                    lead.category.name.to_lowercase(),
                    lead.city,
                    excerpt(&lead.description)
                ),
                "porchlight://leads".to_owned(),
                None,
            )
        }
        Ok(EventData::RequestAssigned(request)) => {
            let job_id = request.job_id.clone().unwrap_or_default();
            ids(&[("request_id", &request.id), ("job_id", &job_id)]);
            (
                "A pro is coming".to_owned(),
                format!(
                    "Your {} request “{}” has a pro. Agree a date in the app.",
                    request.category.name.to_lowercase(),
                    excerpt(&request.description)
                ),
                job_link(&job_id),
                None,
            )
        }
        Ok(EventData::RequestUnfilled(request)) => {
            ids(&[("request_id", &request.id)]);
            (
                "No pro available".to_owned(),
                format!(
                    "No pro could take your {} request “{}” at these times. Try other times in \
                     the app, or ask a pro directly.",
                    request.category.name.to_lowercase(),
                    excerpt(&request.description)
                ),
                format!("porchlight://requests/{}", request.id),
                None,
            )
        }
        Ok(EventData::RatingReceived(ratings)) => {
            let job_id = ratings
                .mine
                .as_ref()
                .or(ratings.theirs.as_ref())
                .map(|rating| rating.job_id.clone())
                .unwrap_or_default();
            ids(&[("job_id", &job_id)]);
            (
                "You received a rating".to_owned(),
                "Rate them back to see it: ratings show once both sides have rated.".to_owned(),
                format!("porchlight://jobs/{job_id}/ratings"),
                None,
            )
        }
        Ok(EventData::MessageReceived(message)) => {
            ids(&[
                ("conversation_id", &message.conversation_id),
                ("message_id", &message.id),
            ]);
            let from = match message.sender {
                Party::Customer => "the customer",
                Party::Partner => "the pro",
                _ => "Porchlight support",
            };
            // A message of photos alone says so.
            let text = match (message.body.trim().is_empty(), message.photos.len()) {
                (true, 1) => "Sent a photo".to_owned(),
                (true, n) if n > 1 => format!("Sent {n} photos"),
                _ => excerpt(&message.body),
            };
            (
                format!("New message from {from}"),
                text,
                format!("porchlight://conversations/{}", message.conversation_id),
                None,
            )
        }
        Ok(EventData::RatingScoreLow(profile)) => (
            "Marketplace leads paused".to_owned(),
            format!(
                "Your Star Score is {}%. Marketplace leads resume at {}%; leads from your profile \
                 still reach you.",
                profile
                    .star_score
                    .map(|score| score.to_string())
                    .unwrap_or_default(),
                crate::ratings::score::MARKETPLACE_MIN_SCORE
            ),
            "porchlight://reviews".to_owned(),
            None,
        ),
        Ok(EventData::PaymentSucceeded(payment)) => {
            ids(&[("job_id", &payment.job_id), ("payment_id", &payment.id)]);
            (
                "Job paid".to_owned(),
                format!(
                    "The customer paid {} for the {}; it is held until the job is done.",
                    format_money(&payment.amount),
                    job_words(&payment.description)
                ),
                job_link(&payment.job_id),
                None,
            )
        }
        Ok(EventData::PaymentReceipt(receipt)) => {
            let paid = receipt.lines.iter().rev().find(|line| {
                line.status == ReceiptLineStatus::Paid && line.kind != ReceiptLineKind::Refund
            });
            let payment_id = paid.map(|line| line.reference.clone()).unwrap_or_default();
            ids(&[("job_id", &receipt.job_id), ("payment_id", &payment_id)]);
            (
                "Payment received".to_owned(),
                receipt_text(receipt, paid),
                job_link(&receipt.job_id),
                None,
            )
        }
        Ok(EventData::PaymentRefunded(refund)) => {
            ids(&[("job_id", &refund.job_id), ("refund_id", &refund.id)]);
            (
                "Refund sent".to_owned(),
                format!(
                    "{} for the {} is on its way back to your card.",
                    format_money(&refund.amount),
                    job_words(&refund.description)
                ),
                job_link(&refund.job_id),
                None,
            )
        }
        Ok(EventData::TipReceived(payment)) => {
            ids(&[("job_id", &payment.job_id), ("payment_id", &payment.id)]);
            (
                "You got a tip".to_owned(),
                format!(
                    "The customer tipped you {} for the {}. It is in your available balance.",
                    format_money(&payment.amount),
                    job_words(&payment.description)
                ),
                job_link(&payment.job_id),
                None,
            )
        }
        Ok(
            EventData::PayoutCreated(payout)
            | EventData::PayoutSent(payout)
            | EventData::PayoutCleared(payout),
        ) => {
            ids(&[("payout_id", &payout.id)]);
            let body = match kind {
                EventType::PayoutCreated => format!(
                    "Your payout of {} for week {} is being prepared.",
                    format_money(&payout.amount),
                    payout.period
                ),
                EventType::PayoutSent => "Your weekly payout has been sent.".to_owned(),
                _ => "Your weekly payout has cleared.".to_owned(),
            };
            let title = match kind {
                EventType::PayoutCreated => "Payout on its way",
                EventType::PayoutSent => "Payout sent",
                _ => "Payout arrived",
            };
            (
                title.to_owned(),
                body,
                "porchlight://payouts".to_owned(),
                None,
            )
        }
        Ok(EventData::JobAssigned(job)) => {
            ids(&[("job_id", &job.id), ("request_id", &job.request_id)]);
            (
                "You got the job".to_owned(),
                format!(
                    "Porchlight gave you the job at your quote of {}. Propose a time in the app.",
                    format_money(&job.price)
                ),
                job_link(&job.id),
                None,
            )
        }
        Ok(
            EventData::JobProposed(job)
            | EventData::JobScheduled(job)
            | EventData::JobRescheduled(job)
            | EventData::JobAgreementSigned(job)
            | EventData::JobStarted(job)
            | EventData::JobCompleted(job)
            | EventData::JobDisputed(job)
            | EventData::JobDisputeResolved(job)
            | EventData::JobConfirmed(job)
            | EventData::JobCancelled(job),
        ) => {
            ids(&[("job_id", &job.id), ("request_id", &job.request_id)]);
            (
                "Job update".to_owned(),
                format!(
                    "“{}” in {}: {}.",
                    excerpt(&job.description),
                    job.city,
                    job_event_text(kind)
                ),
                job_link(&job.id),
                None,
            )
        }
        Ok(EventData::AccountSuspended(account)) => {
            ids(&[("user_id", &account.id)]);
            (
                "Your account is suspended".to_owned(),
                format!(
                    "Porchlight suspended your account: {}. Contact support to talk about it.",
                    account
                        .suspension_reason
                        .as_deref()
                        .unwrap_or("no reason given")
                ),
                "porchlight://home".to_owned(),
                None,
            )
        }
        Ok(EventData::AccountReinstated(account)) => {
            ids(&[("user_id", &account.id)]);
            (
                "Your account is active again".to_owned(),
                "Porchlight lifted the suspension of your account. Sign in to carry on.".to_owned(),
                "porchlight://home".to_owned(),
                None,
            )
        }
        Ok(EventData::WebhookEndpointDisabled(endpoint)) => {
            ids(&[("endpoint_id", &endpoint.id)]);
            (
                "A webhook endpoint was disabled".to_owned(),
                format!(
                    "Porchlight stopped sending events to {}: {}. Fix it and enable it again.",
                    endpoint.url,
                    endpoint
                        .disabled_reason
                        .as_deref()
                        .unwrap_or("it kept failing")
                ),
                "porchlight://settings".to_owned(),
                None,
            )
        }
        Ok(EventData::WebhookPing(_)) | Err(_) => (
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

/// What a receipt says in a notification: what was just paid, then the total with the taxes it
/// includes and the platform's fee.
fn receipt_text(receipt: &Receipt, paid: Option<&ReceiptLine>) -> String {
    let job = format!(
        "the {} ({})",
        receipt.description.to_lowercase(),
        receipt.reference
    );
    let what = match paid {
        Some(line) if line.kind == ReceiptLineKind::Tip => format!(
            "You tipped {} {} for {job}.",
            receipt.pro_name,
            format_money(&line.amount)
        ),
        Some(line) => format!(
            "You paid {} for {job}. We hold it until you're satisfied with the work.",
            format_money(&line.amount)
        ),
        None => format!("Your receipt for {job}."),
    };
    let taxes: Vec<String> = receipt
        .taxes
        .iter()
        .map(|tax| {
            format!(
                "{} ({}%) {}",
                tax.name,
                tax.rate_percent,
                format_money(&tax.amount)
            )
        })
        .collect();
    let total = if taxes.is_empty() {
        format!("Total paid: {}.", format_money(&receipt.total))
    } else {
        format!(
            "Total paid: {}, including {}.",
            format_money(&receipt.total),
            taxes.join(" and ")
        )
    };
    let mut text = vec![what, total];
    if receipt.platform_fee.amount_cents > 0 {
        text.push(format!(
            "Porchlight's fee, {}, is part of the price and paid from the pro's share.",
            format_money(&receipt.platform_fee)
        ));
    }
    text.join(" ")
}

/// A payment's description inside a sentence: `the home cleaning job`.
fn job_words(description: &str) -> String {
    if description.trim().is_empty() {
        "job".to_owned()
    } else {
        description.to_lowercase()
    }
}

/// The start of what the customer wrote, to name a job or a request in one line.
fn excerpt(description: &str) -> String {
    const LONGEST: usize = 40;
    let text = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= LONGEST {
        return text;
    }
    let cut: String = text.chars().take(LONGEST).collect();
    let cut = cut
        .rsplit_once(' ')
        .map_or(cut.as_str(), |(words, _)| words);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

fn job_event_text(kind: EventType) -> &'static str {
    match kind {
        EventType::JobProposed => "new times were proposed",
        EventType::JobScheduled => "a date is agreed",
        EventType::JobRescheduled => "the date changed",
        EventType::JobAgreementSigned => "the service agreement is signed",
        EventType::JobStarted => "the work has started",
        EventType::JobCompleted => "the work is done; you have 24 hours to review it",
        EventType::JobDisputed => "the customer opened a dispute",
        EventType::JobDisputeResolved => "the dispute is resolved",
        EventType::JobConfirmed => "confirmed by Porchlight",
        EventType::JobCancelled => "cancelled",
        _ => "updated",
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde_json::json;

    use super::*;

    fn cad(cents: i64) -> Value {
        json!({ "amount_cents": cents, "currency": "CAD" })
    }

    fn job(price_cents: i64) -> Value {
        json!({
            "id": "j1", "request_id": "r1", "customer_id": "c1", "partner_id": "p1",
            "business_name": "Pat's Plumbing", "category": "plumbing", "description": "Leak",
            "wished_windows": [], "time_zone": "America/Toronto",
            "city": "Toronto", "price": cad(price_cents), "status": "assigned",
            "created_at": "2026-11-23T12:00:00Z", "updated_at": "2026-11-23T12:00:00Z",
        })
    }

    /// A plumbing lead in Toronto, 2.5 km away, expiring at 12:30 on 23 Nov.
    fn lead(status: &str, description: &str) -> Value {
        json!({
            "id": "o1", "request_id": "r1", "kind": "marketplace", "status": status,
            "category": { "id": "cat1", "slug": "plumbing", "name": "Plumbing",
                          "assignment_mode": "instant", "list_price": cad(14_900),
                          "active": true },
            "assignment_mode": "instant", "description": description, "photo_urls": [],
            "windows": [], "time_zone": "America/Toronto", "city": "Toronto", "postal_prefix": "M5V",
            "why": { "distance_km": 2.5 }, "offered_to": 3, "platform_fee_bps": 1500,
            "customer_rating": { "count": 0 }, "expires_at": "2026-11-23T12:30:00Z",
        })
    }

    #[test]
    fn a_pro_chosen_by_staff_is_told_the_price_and_what_to_do() {
        let alert = render(EventType::JobAssigned, &job(28_000), Utc::now().naive_utc());
        assert_eq!(alert.title, "You got the job");
        assert!(alert.body.contains("280.00 CAD"), "{}", alert.body);
        assert_eq!(alert.data["deep_link"], "porchlight://jobs/j1");
        assert_eq!(alert.data["job_id"], "j1");
    }

    #[test]
    fn a_lead_alert_carries_its_ids_a_link_and_the_offer_lifetime() {
        let now = "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let lead = lead("offered", "Leak");
        let alert = render(EventType::LeadOffered, &lead, now.naive_utc());
        assert_eq!(alert.ttl, Some(Duration::from_mins(30)));
        assert_eq!(alert.data["offer_id"], "o1");
        assert_eq!(alert.data["request_id"], "r1");
        assert_eq!(alert.data["kind"], "lead.offered");
        assert_eq!(alert.data["deep_link"], "porchlight://leads/o1");
        assert!(alert.body.contains("Toronto") && alert.body.contains("2.5 km"));
        let late = render(
            EventType::LeadOffered,
            &lead,
            now.naive_utc() + chrono::Duration::hours(1),
        );
        assert_eq!(
            late.ttl,
            Some(Duration::ZERO),
            "an expired offer has no time left"
        );
    }

    #[test]
    fn job_and_lead_alerts_name_the_job() {
        let now = "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let mut described = job(14_900);
        described["description"] = json!("Kitchen sink drips under the trap, cabinet floor soft");
        for kind in [
            EventType::JobProposed,
            EventType::JobScheduled,
            EventType::JobCompleted,
            EventType::JobCancelled,
        ] {
            let alert = render(kind, &described, now.naive_utc());
            assert!(
                alert
                    .body
                    .starts_with("“Kitchen sink drips under the trap…” in Toronto: "),
                "{kind}: {}",
                alert.body
            );
        }
        let lead = lead("taken", "Leak under the sink");
        let taken = render(EventType::LeadTaken, &lead, now.naive_utc());
        assert_eq!(
            taken.body,
            "Another pro took the plumbing job in Toronto: “Leak under the sink”."
        );
        let offered = render(EventType::LeadOffered, &lead, now.naive_utc());
        assert_eq!(offered.title, "New job near you: Plumbing");
    }

    #[test]
    fn excerpts_end_on_a_whole_word() {
        assert_eq!(excerpt("  Leak\n under   the sink "), "Leak under the sink");
        let long = "Paint the living room and hallway, about 40 m² of wall";
        assert_eq!(excerpt(long), "Paint the living room and hallway…");
    }

    #[test]
    fn a_message_of_photos_alone_says_so() {
        let now = "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let photo = json!({
            "id": "ph1", "content_type": "image/jpeg", "width": 800, "height": 600,
            "byte_size": 1000, "url": "https://api/full", "thumbnail_url": "https://api/thumb",
            "links_expire_at": "2026-11-23T12:15:00Z", "caption": null,
        });
        let mut message = json!({
            "id": "m1", "conversation_id": "c1", "sender": "customer", "sender_id": null,
            "body": "", "masked": false, "event": null, "photos": [photo.clone()],
            "hidden": false, "created_at": "2026-11-23T12:00:00Z",
        });
        let one = render(EventType::MessageReceived, &message, now.naive_utc());
        assert_eq!(one.body, "Sent a photo");
        message["photos"] = json!([photo.clone(), photo]);
        let two = render(EventType::MessageReceived, &message, now.naive_utc());
        assert_eq!(two.body, "Sent 2 photos");
        message["body"] = json!("This is the tap");
        let words = render(EventType::MessageReceived, &message, now.naive_utc());
        assert_eq!(words.body, "This is the tap");
    }

    #[test]
    fn money_events_say_how_much() {
        let now = "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let payment = json!({
            "id": "p1", "job_id": "j1", "purpose": "job", "amount": cad(14_900),
            "description": "Home cleaning job",
            "status": "succeeded", "provider": "sandbox", "created_at": "2026-11-23T12:00:00Z",
        });
        let line = |kind: &str, reference: &str, cents: i64| {
            json!({ "kind": kind, "label": kind, "amount": cad(cents), "status": "paid",
                    "reference": reference, "at": "2026-11-23T12:00:00Z" })
        };
        let mut receipt_data = json!({
            "job_id": "j1", "reference": "PL-J1", "description": "Lawn care job",
            "pro_name": "Sam", "lines": [line("price", "p1", 14_900)], "total": cad(14_900),
            "taxes": [{ "name": "HST", "rate_percent": "13", "amount": cad(1_714) }],
            "platform_fee": cad(2_235),
        });
        let receipt = render(EventType::PaymentReceipt, &receipt_data, now.naive_utc());
        assert_eq!(
            receipt.body,
            "You paid 149.00 CAD for the lawn care job (PL-J1). We hold it until you're \
             satisfied with the work. Total paid: 149.00 CAD, including HST (13%) 17.14 CAD. \
             Porchlight's fee, 22.35 CAD, is part of the price and paid from the pro's share."
        );
        assert_eq!(receipt.data["deep_link"], "porchlight://jobs/j1");
        assert_eq!(receipt.data["payment_id"], "p1");
        receipt_data["lines"] = json!([line("price", "p1", 14_900), line("tip", "p2", 2_000)]);
        receipt_data["total"] = cad(16_900);
        receipt_data["taxes"] = json!([]);
        let tipped = render(EventType::PaymentReceipt, &receipt_data, now.naive_utc());
        assert!(
            tipped.body.starts_with(
                "You tipped Sam 20.00 CAD for the lawn care job (PL-J1). Total paid: 169.00 CAD."
            ),
            "{}",
            tipped.body
        );
        assert_eq!(tipped.data["payment_id"], "p2");
        let tip = render(EventType::TipReceived, &payment, now.naive_utc());
        assert_eq!(
            tip.body,
            "The customer tipped you 149.00 CAD for the home cleaning job. It is in your \
             available balance."
        );
        let paid = render(EventType::PaymentSucceeded, &payment, now.naive_utc());
        assert!(
            paid.body.contains("for the home cleaning job"),
            "{}",
            paid.body
        );
        let refund = json!({
            "id": "re1", "job_id": "j1", "payment_id": "p1", "description": "Home cleaning job",
            "amount": cad(14_900), "reason": "cancellation", "status": "succeeded",
            "attempts": 0, "retries": 0, "last_error": null,
            "created_at": "2026-11-23T12:00:00Z", "updated_at": "2026-11-23T12:00:00Z",
        });
        let refunded = render(EventType::PaymentRefunded, &refund, now.naive_utc());
        assert_eq!(
            refunded.body,
            "149.00 CAD for the home cleaning job is on its way back to your card."
        );
        let payout = render(
            EventType::PayoutCreated,
            &json!({ "id": "po1", "partner_id": "p1", "period": "2026-W48",
                     "amount": cad(50_000), "method": "cheque", "status": "pending",
                     "created_at": "2026-11-23T12:00:00Z" }),
            now.naive_utc(),
        );
        assert!(payout.body.contains("500.00 CAD") && payout.body.contains("2026-W48"));
        assert_eq!(payout.data["payout_id"], "po1");
    }

    #[test]
    fn data_that_is_not_its_types_resource_still_reads() {
        let old = json!({ "job_id": "j1", "event": "started" });
        let alert = render(EventType::JobStarted, &old, Utc::now().naive_utc());
        assert_eq!(alert.title, "Porchlight");
        assert_eq!(alert.data["kind"], "job.started");
    }
}
