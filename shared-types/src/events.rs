//! Events: what happened, as the in-app list, the live stream, the event feed and webhooks tell
//! it. The types form one catalogue; an event's `data` is the resource it is about, as the REST
//! API showed it to the recipient when the event happened.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::auth::User;
use crate::conversations::Message;
use crate::jobs::{Job, JobEventKind};
use crate::partners::PartnerProfile;
use crate::ratings::JobRatings;
use crate::requests::{Lead, ServiceRequest};
use crate::wallet::{Payment, Payout, Receipt, Refund};
use crate::webhook_endpoints::WebhookEndpoint;

/// Declares the catalogue once: [`EventType`] (the names) and [`EventData`] (each type with the
/// resource its `data` holds), so the two cannot disagree.
macro_rules! event_catalogue {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:tt ($data:ty),)*) => {
        open_enum! {
            /// The type of an event (`area.what_happened`).
            #[derive(Hash, PartialOrd, Ord)]
            pub enum EventType {
                $($(#[doc = $doc])* #[serde(rename = $name)] #[strum(serialize = $name)] $variant,)*
            }
        }

        impl EventType {
            /// When the event happens and what its `data` is (the variant's description).
            pub fn description(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($($doc),*).trim_ascii_start(),)*
                    Self::Unknown => "A type this build does not know.",
                }
            }

            /// The names of this type's event schema and of its `data`'s schema in the OpenAPI
            /// document (e.g. `LeadOfferedEvent`, `Lead`).
            pub fn schema_names(self) -> Option<(&'static str, &'static str)> {
                match self {
                    $(Self::$variant => Some((concat!(stringify!($variant), "Event"), stringify!($data))),)*
                    Self::Unknown => None,
                }
            }
        }

        /// An event's type together with its `data`: the resource it is about, as the REST API
        /// returns it to the recipient at the time of the event (a pro's events never carry a
        /// customer's contact details).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "data")]
        pub enum EventData {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant($data),)*
        }

        impl EventData {
            pub fn event_type(&self) -> EventType {
                match self {
                    $(Self::$variant(_) => EventType::$variant,)*
                }
            }
        }
    };
}

event_catalogue! {
    /// To a pro: a request near them was offered to them (the real-time job alert). `data`: the
    /// lead.
    LeadOffered = "lead.offered" (Lead),

    /// To a pro: another pro took a lead they were offered. `data`: the lead, now `taken`.
    LeadTaken = "lead.taken" (Lead),

    /// To a pro: the customer cancelled the request (or the pro's offers were withdrawn). `data`:
    /// the lead, now `withdrawn`.
    LeadWithdrawn = "lead.withdrawn" (Lead),

    /// To a customer: a pro took the request. `data`: the request, with its pro and job.
    RequestAssigned = "request.assigned" (ServiceRequest),

    /// To a customer: no pro took the request in time. `data`: the request.
    RequestUnfilled = "request.unfilled" (ServiceRequest),

    /// A job was created for the pro (instant lead, or staff assigned a quote). `data`: the job.
    JobAssigned = "job.assigned" (Job),

    /// Dates were proposed for a job. `data`: the job, with the open proposal.
    JobProposed = "job.proposed" (Job),

    /// A proposed date was accepted. `data`: the job.
    JobScheduled = "job.scheduled" (Job),

    /// A scheduled job got a new agreed date. `data`: the job.
    JobRescheduled = "job.rescheduled" (Job),

    /// The service agreement was signed. `data`: the job.
    JobAgreementSigned = "job.agreement_signed" (Job),

    /// The pro started the work. `data`: the job.
    JobStarted = "job.started" (Job),

    /// The pro marked the job done; the customer's review window opens. `data`: the job.
    JobCompleted = "job.completed" (Job),

    /// The customer disputed the work. `data`: the job.
    JobDisputed = "job.disputed" (Job),

    /// Staff resolved a dispute. `data`: the job.
    JobDisputeResolved = "job.dispute_resolved" (Job),

    /// Staff confirmed the job: the pro's earnings are released. `data`: the job.
    JobConfirmed = "job.confirmed" (Job),

    /// The job was cancelled. `data`: the job.
    JobCancelled = "job.cancelled" (Job),

    /// To a pro: the customer paid the job. `data`: the payment.
    PaymentSucceeded = "payment.succeeded" (Payment),

    /// To a customer: a payment or tip went through. `data`: the job's receipt as it now
    /// stands (the price, the tip, refunds, included taxes and the platform's fee).
    PaymentReceipt = "payment.receipt" (Receipt),

    /// To a customer: money went back to the card. `data`: the refund.
    PaymentRefunded = "payment.refunded" (Refund),

    /// To a pro: the customer tipped. `data`: the tip's payment.
    TipReceived = "tip.received" (Payment),

    /// To a pro: the weekly payout took the available balance. `data`: the payout.
    PayoutCreated = "payout.created" (Payout),

    /// To a pro: the payout was sent. `data`: the payout.
    PayoutSent = "payout.sent" (Payout),

    /// To a pro: the payout reached them. `data`: the payout.
    PayoutCleared = "payout.cleared" (Payout),

    /// To the rated side: the other side rated a job they shared. `data`: the job's ratings as
    /// the recipient sees them (double-blind: the other side's rating shows once both sides have
    /// rated or the window has closed).
    RatingReceived = "rating.received" (JobRatings),

    /// To a pro: their Star Score fell below the marketplace minimum (80%). `data`: the pro's
    /// profile.
    RatingScoreLow = "rating.score_low" (PartnerProfile),

    /// To one side of a conversation: the other side (or staff) wrote. `data`: the message, as
    /// the recipient sees it (contact details masked before hiring).
    MessageReceived = "message.received" (Message),

    /// Staff suspended the account. `data`: the account, with the reason.
    AccountSuspended = "account.suspended" (User),

    /// Staff lifted the suspension. `data`: the account.
    AccountReinstated = "account.reinstated" (User),

    /// The service disabled one of the account's webhook endpoints (it answered 410 Gone, or every
    /// delivery failed for 3 days). `data`: the endpoint, with the reason.
    WebhookEndpointDisabled = "webhook_endpoint.disabled" (WebhookEndpoint),

    /// Sent only to a webhook endpoint, when its owner asks for a test (never on the feed, so its
    /// `sequence` is 0). `data`: the endpoint.
    WebhookPing = "webhook.ping" (WebhookEndpoint),
}

impl EventData {
    /// The event that tells a job's sides about an entry of its timeline, carrying the job.
    pub fn of_job_event(kind: JobEventKind, job: Job) -> Option<Self> {
        Some(match kind {
            JobEventKind::Assigned => Self::JobAssigned(job),
            JobEventKind::Proposed => Self::JobProposed(job),
            JobEventKind::Scheduled => Self::JobScheduled(job),
            JobEventKind::Rescheduled => Self::JobRescheduled(job),
            JobEventKind::AgreementSigned => Self::JobAgreementSigned(job),
            JobEventKind::Started => Self::JobStarted(job),
            JobEventKind::Completed => Self::JobCompleted(job),
            JobEventKind::Disputed => Self::JobDisputed(job),
            JobEventKind::DisputeResolved => Self::JobDisputeResolved(job),
            JobEventKind::Confirmed => Self::JobConfirmed(job),
            JobEventKind::Cancelled => Self::JobCancelled(job),
            JobEventKind::Unknown => return None,
        })
    }
}

/// One event of the caller's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Unique; the same event keeps its id wherever it is delivered (feed, stream, webhook).
    pub id: String,
    /// The event's type, e.g. `lead.offered`; it decides the schema of `data`.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the event happened (UTC).
    pub created_at: DateTime<Utc>,
    /// The event's place in the recipient's feed: 1, 2, 3, … without gaps, in commit order.
    pub sequence: i64,
    /// The resource the event is about, as it was then; its schema depends on `type` (see
    /// [`EventData`] and [`Event::decode`]).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

impl Event {
    /// The event's `data` as its type's resource; an error for a type this build does not know
    /// (`Unknown`) or data that does not match its type.
    pub fn decode(&self) -> Result<EventData, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "type": self.event_type, "data": self.data }))
    }
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
    /// Only these types, comma-separated (e.g. `lead.offered,lead.taken`; left out: every
    /// type); the sequence still counts every event, so a filtered read shows gaps where other
    /// types were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        param(value_type = Option<Vec<EventType>>, style = Form, explode = false, min_items = 1)
    )]
    pub types: Option<String>,
}

impl EventFeedQuery {
    pub const DEFAULT_LIMIT: u32 = 100;

    /// The types asked for (`None`: every type), or the first name that is not a type (an
    /// empty one too: `types=` names none, leave it out for every type).
    pub fn type_filter(&self) -> Result<Option<Vec<EventType>>, String> {
        let Some(types) = &self.types else {
            return Ok(None);
        };
        types
            .split(',')
            .map(str::trim)
            .map(|name| EventType::parse(name).ok_or_else(|| name.to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventFeed {
    /// The events after `after`, oldest first, at most `limit`; empty when there is nothing new.
    pub events: Vec<Event>,
    /// Pass as `after` to read on: the last sequence this page covered (with a type filter it
    /// may be past the last event shown).
    pub next_after: i64,
    /// More events are waiting: read on at once.
    pub has_more: bool,
}
