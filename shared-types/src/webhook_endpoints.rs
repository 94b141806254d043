//! Webhook endpoints: URLs of an account's own that receive its events as signed HTTP POSTs
//! (Standard Webhooks; see [`crate::webhooks`] to verify them), with a delivery log, redelivery
//! and replay.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::events::EventType;

/// An account's webhook endpoint, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// The endpoint's id.
    pub id: String,
    /// The `https` URL events are POSTed to.
    pub url: String,
    /// The owner's label for it (may be empty).
    pub description: String,
    /// The event types sent here; empty means every type.
    pub event_types: Vec<EventType>,
    /// Disabled endpoints receive nothing: their pending deliveries wait until re-enabled, and
    /// events while disabled are not queued (replay them).
    pub enabled: bool,
    /// Why it was disabled by the service (it answered 410 Gone, or failed for 3 days).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed (none while deliveries succeed).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub failing_since: Option<DateTime<Utc>>,
    /// Until then deliveries are also signed with the secret before the last rotation.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When the endpoint was created.
    pub created_at: DateTime<Utc>,
    /// When the endpoint last changed.
    pub updated_at: DateTime<Utc>,
}

/// `POST /v1/webhook-endpoints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointInput {
    /// An `https` URL on the public internet (see the README for development set-ups).
    #[validate(length(min = 1, max = 2000))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 2000,
            example = "https://crm.example.com/hooks/porchlight"
        )
    )]
    pub url: String,
    /// A label for your own use (up to 200 characters).
    #[serde(default)]
    #[validate(length(max = 200))]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub description: String,
    /// Only these types (empty or absent: every type; a type listed twice counts once).
    #[serde(default)]
    #[validate(length(max = 64))]
    #[cfg_attr(feature = "openapi", schema(max_items = 64))]
    pub event_types: Vec<EventType>,
    /// Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `PATCH /v1/webhook-endpoints/{id}`: what is given changes, the rest stays. Enabling an
/// endpoint the service disabled clears its failure record; its pending deliveries go out, and
/// `POST …/replay` sends what happened while it was off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointUpdate {
    /// A new `https` URL on the public internet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 2000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub url: Option<String>,
    /// A new label (up to 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 200))]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub description: Option<String>,
    /// A new type filter, replacing the old one (empty: every type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[cfg_attr(feature = "openapi", schema(max_items = 64))]
    pub event_types: Option<Vec<EventType>>,
    /// `false` stops deliveries; `true` turns them back on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// An endpoint just created, or its secret just rotated: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointWithSecret {
    /// The endpoint, as lists show it.
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: verify every delivery's `webhook-signature` with it. Store it now.
    pub secret: String,
}

open_enum! {
    /// Where a delivery is.
    pub enum DeliveryStatus {
        /// Waiting for its next attempt (`next_attempt_at`).
        Pending,
        /// The endpoint answered 2xx.
        Succeeded,
        /// Every retry failed (about 3 days), or the endpoint answered 410 Gone.
        Failed,
    }
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    /// When the attempt was made.
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status; none when no answer came (timeout, refused connection).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub status_code: Option<u16>,
    /// How long the attempt took, in milliseconds.
    pub latency_ms: i64,
    /// The first 2 KB of the endpoint's answer.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub response_excerpt: Option<String>,
    /// What went wrong, when no answer came or it was not 2xx.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub error: Option<String>,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The delivery's id (a redelivery is a new delivery of the same event).
    pub id: String,
    /// The event's id: the `webhook-id` header, the same for every attempt and redelivery.
    pub event_id: String,
    /// The event's type.
    pub event_type: EventType,
    /// Where the delivery stands.
    pub status: DeliveryStatus,
    /// HTTP attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the delivery was queued.
    pub created_at: DateTime<Utc>,
    /// Newest first.
    pub attempt_log: Vec<DeliveryAttempt>,
}

/// `POST /v1/webhook-endpoints/{id}/replay`: send again the account's events of a period that
/// are still kept (and that the endpoint subscribes to), at most 10 000 per call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "replay_period"))]
pub struct ReplayInput {
    /// Start of the period, inclusive: events that happened at or after it.
    pub since: DateTime<Utc>,
    /// End of the period, exclusive.
    pub until: DateTime<Utc>,
    /// Only these types (absent or empty: the endpoint's own filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[cfg_attr(feature = "openapi", schema(max_items = 64))]
    pub event_types: Option<Vec<EventType>>,
}

fn replay_period(input: &ReplayInput) -> Result<(), ValidationError> {
    if input.since >= input.until {
        let mut error = ValidationError::new("period");
        error.message = Some("`since` must be before `until`".into());
        return Err(error);
    }
    Ok(())
}

/// How many deliveries a replay (or a test ping) queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuedDeliveries {
    /// How many deliveries were queued.
    pub queued: i64,
}

/// A webhook endpoint's health, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointHealth {
    /// The endpoint, without its secret.
    pub endpoint: WebhookEndpoint,
    /// The account it belongs to.
    pub owner_id: String,
    /// Deliveries waiting for an attempt.
    pub pending_deliveries: i64,
    /// The last attempt, if any: when and what the endpoint answered.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_attempt: Option<DeliveryAttempt>,
}

/// `GET /v1/admin/webhook-endpoints` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct WebhookHealthFilter {
    /// Only endpoints that are failing now (or were disabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhealthy: Option<bool>,
}
