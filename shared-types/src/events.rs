//! Events: what happened, as the in-app list, the live stream and the event feed tell it. The
//! types form one catalogue; an event's `data` holds the ids (and a few facts) of what it is
//! about, read in full through the REST API with the same credential.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::jobs::JobEventKind;

open_enum! {
    /// The type of an event (`area.what_happened`).
    #[derive(Hash, PartialOrd, Ord)]
    pub enum EventType {
        /// To a pro: a request near them was offered to them (the real-time job alert). `data`: `offer_id`, `request_id`, `city`, `distance_km`, `expires_at`.
        #[serde(rename = "lead.offered")]
        #[strum(serialize = "lead.offered")]
        LeadOffered,
        /// To a pro: another pro took a lead they were offered. `data`: `request_id`.
        #[serde(rename = "lead.taken")]
        #[strum(serialize = "lead.taken")]
        LeadTaken,
        /// To a pro: the customer cancelled the request (or the pro's offers were withdrawn). `data`: `request_id`.
        #[serde(rename = "lead.withdrawn")]
        #[strum(serialize = "lead.withdrawn")]
        LeadWithdrawn,
        /// To a customer: a pro took the request. `data`: `request_id`, `job_id`, `partner`.
        #[serde(rename = "request.assigned")]
        #[strum(serialize = "request.assigned")]
        RequestAssigned,
        /// To a customer: no pro took the request in time. `data`: `request_id`.
        #[serde(rename = "request.unfilled")]
        #[strum(serialize = "request.unfilled")]
        RequestUnfilled,
        /// A job was created for the pro (instant lead, or staff assigned a quote). `data`: `job_id`, `request_id`, `event`, `by`, `price`.
        #[serde(rename = "job.assigned")]
        #[strum(serialize = "job.assigned")]
        JobAssigned,
        /// Dates were proposed for a job. `data`: `job_id`, `request_id`, `event`, `by`, `detail`.
        #[serde(rename = "job.proposed")]
        #[strum(serialize = "job.proposed")]
        JobProposed,
        /// A proposed date was accepted. `data` as `job.proposed`.
        #[serde(rename = "job.scheduled")]
        #[strum(serialize = "job.scheduled")]
        JobScheduled,
        /// A scheduled job got a new agreed date. `data` as `job.proposed`.
        #[serde(rename = "job.rescheduled")]
        #[strum(serialize = "job.rescheduled")]
        JobRescheduled,
        /// The service agreement was signed. `data` as `job.proposed`.
        #[serde(rename = "job.agreement_signed")]
        #[strum(serialize = "job.agreement_signed")]
        JobAgreementSigned,
        /// The pro started the work. `data` as `job.proposed`.
        #[serde(rename = "job.started")]
        #[strum(serialize = "job.started")]
        JobStarted,
        /// The pro marked the job done; the customer's review window opens. `data` as `job.proposed`.
        #[serde(rename = "job.completed")]
        #[strum(serialize = "job.completed")]
        JobCompleted,
        /// The customer disputed the work. `data` as `job.proposed`.
        #[serde(rename = "job.disputed")]
        #[strum(serialize = "job.disputed")]
        JobDisputed,
        /// Staff resolved a dispute. `data` as `job.proposed`.
        #[serde(rename = "job.dispute_resolved")]
        #[strum(serialize = "job.dispute_resolved")]
        JobDisputeResolved,
        /// Staff confirmed the job: the pro's earnings are released. `data` as `job.proposed`.
        #[serde(rename = "job.confirmed")]
        #[strum(serialize = "job.confirmed")]
        JobConfirmed,
        /// The job was cancelled. `data` as `job.proposed`.
        #[serde(rename = "job.cancelled")]
        #[strum(serialize = "job.cancelled")]
        JobCancelled,
        /// To a pro: the customer paid the job. `data`: `job_id`, `payment_id`, `amount`.
        #[serde(rename = "payment.succeeded")]
        #[strum(serialize = "payment.succeeded")]
        PaymentSucceeded,
        /// To a customer: the receipt of a payment or tip. `data`: `job_id`, `payment_id`, `amount`.
        #[serde(rename = "payment.receipt")]
        #[strum(serialize = "payment.receipt")]
        PaymentReceipt,
        /// To a customer: money went back to the card. `data`: `job_id`, `refund_id`, `amount`.
        #[serde(rename = "payment.refunded")]
        #[strum(serialize = "payment.refunded")]
        PaymentRefunded,
        /// To a pro: the customer tipped. `data`: `job_id`, `payment_id`, `amount`.
        #[serde(rename = "tip.received")]
        #[strum(serialize = "tip.received")]
        TipReceived,
        /// To a pro: the weekly payout took the available balance. `data`: `payout_id`, `amount`, `period`.
        #[serde(rename = "payout.created")]
        #[strum(serialize = "payout.created")]
        PayoutCreated,
        /// To a pro: the payout was sent. `data`: `payout_id`.
        #[serde(rename = "payout.sent")]
        #[strum(serialize = "payout.sent")]
        PayoutSent,
        /// To a pro: the payout reached them. `data`: `payout_id`.
        #[serde(rename = "payout.cleared")]
        #[strum(serialize = "payout.cleared")]
        PayoutCleared,
        /// Both sides rated (or the window closed): a rating of the recipient was published. `data`: `job_id`, `rating_id`.
        #[serde(rename = "rating.received")]
        #[strum(serialize = "rating.received")]
        RatingReceived,
        /// To a pro: their Star Score fell below the marketplace minimum. `data`: `star_score`, `minimum`.
        #[serde(rename = "rating.score_low")]
        #[strum(serialize = "rating.score_low")]
        RatingScoreLow,
        /// Staff suspended the account. `data`: `user_id`, `reason`.
        #[serde(rename = "account.suspended")]
        #[strum(serialize = "account.suspended")]
        AccountSuspended,
        /// Staff lifted the suspension. `data`: `user_id`, `reason`.
        #[serde(rename = "account.reinstated")]
        #[strum(serialize = "account.reinstated")]
        AccountReinstated,
        /// The service disabled one of the account's webhook endpoints (it answered 410 Gone, or
        /// every delivery failed for 3 days). `data`: `endpoint_id`, `url`, `reason`.
        #[serde(rename = "webhook_endpoint.disabled")]
        #[strum(serialize = "webhook_endpoint.disabled")]
        WebhookEndpointDisabled,
        /// Sent only to a webhook endpoint, when its owner asks for a test (never on the feed).
        /// `data`: `endpoint_id`.
        #[serde(rename = "webhook.ping")]
        #[strum(serialize = "webhook.ping")]
        WebhookPing,
    }
}

impl EventType {
    /// The event that tells a job's sides about an entry of its timeline.
    pub fn of_job_event(kind: JobEventKind) -> Self {
        match kind {
            JobEventKind::Assigned => Self::JobAssigned,
            JobEventKind::Proposed => Self::JobProposed,
            JobEventKind::Scheduled => Self::JobScheduled,
            JobEventKind::Rescheduled => Self::JobRescheduled,
            JobEventKind::AgreementSigned => Self::JobAgreementSigned,
            JobEventKind::Started => Self::JobStarted,
            JobEventKind::Completed => Self::JobCompleted,
            JobEventKind::Disputed => Self::JobDisputed,
            JobEventKind::DisputeResolved => Self::JobDisputeResolved,
            JobEventKind::Confirmed => Self::JobConfirmed,
            JobEventKind::Cancelled => Self::JobCancelled,
            JobEventKind::Unknown => Self::Unknown,
        }
    }
}

/// One event of the caller's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Unique; the same event keeps its id wherever it is delivered (feed, stream, webhook).
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub created_at: DateTime<Utc>,
    /// The event's place in the recipient's feed: 1, 2, 3, … without gaps, in commit order.
    pub sequence: i64,
    /// The ids and facts of what it is about (see the type's description).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

/// `GET /v1/events/feed`: the caller's events after `after`, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EventFeedQuery {
    /// The last `sequence` already read (0, the default, reads from the oldest event kept; a
    /// position beyond the newest reads nothing and `next_after` comes back as the newest).
    #[serde(default)]
    #[validate(range(min = 0))]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub after: i64,
    /// At most this many events (default 100, at most 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(min = 1, max = 500))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<u32>,
    /// Only these types, comma-separated (e.g. `lead.offered,lead.taken`; empty: every type);
    /// the sequence still counts every event, so a filtered read shows gaps where other types
    /// were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        param(value_type = Option<Vec<EventType>>, style = Form, explode = false)
    )]
    pub types: Option<String>,
}

impl EventFeedQuery {
    pub const DEFAULT_LIMIT: u32 = 100;

    /// The types asked for (`None`: every type, also for an empty list), or the first name
    /// that is not a type.
    pub fn type_filter(&self) -> Result<Option<Vec<EventType>>, String> {
        let Some(types) = &self.types else {
            return Ok(None);
        };
        let types = types
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| EventType::parse(name).ok_or_else(|| name.to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((!types.is_empty()).then_some(types))
    }
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventFeed {
    pub events: Vec<Event>,
    /// Pass as `after` to read on: the last sequence this page covered (with a type filter it
    /// may be past the last event shown).
    pub next_after: i64,
    /// More events are waiting: read on at once.
    pub has_more: bool,
}
