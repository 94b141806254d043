//! Notifications: the devices that receive push alerts, and the outbox staff watch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::auth::not_blank;
use crate::events::EventType;
use crate::partners::message;

open_enum! {
    pub enum Platform {
        /// An Android phone or tablet.
        Android,
        /// An iPhone or iPad.
        Ios,
        /// A web browser.
        Web,
    }
}

/// `POST /v1/devices`: this app install's FCM registration token. Registering a token again
/// (after a sign-in as someone else) moves it to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceInput {
    /// This install's FCM registration token.
    #[validate(length(min = 1, max = 4096), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 4096, pattern = r"[^\s\u0085]")
    )]
    pub token: String,
    /// The device's platform.
    pub platform: Platform,
    /// The app's version, if the app reports it (up to 50 characters).
    #[validate(length(max = 50))]
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    /// The device's id; `DELETE /v1/devices/{id}` stops its push alerts.
    pub id: String,
    /// The device's platform.
    pub platform: Platform,
    /// The app's version, as last reported; `null` when not given.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub app_version: Option<String>,
    /// When the install was first registered.
    pub created_at: DateTime<Utc>,
    /// When it was last registered again (or moved to this account).
    pub updated_at: DateTime<Utc>,
}

open_enum! {
    pub enum OutboxStatus {
        /// Waiting for (another) delivery attempt.
        Pending,
        /// Delivered on every channel the recipient has.
        Sent,
        /// Gave up: see `last_error`.
        Failed,
    }
}

/// One notification, as staff see it in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    /// The message's id.
    pub id: String,
    /// The user it is for.
    pub recipient_id: String,
    /// The event type it tells about.
    pub kind: EventType,
    /// The event's `data` as queued: the resource it is about, as the recipient could see it then.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    /// Where its delivery stands.
    pub status: OutboxStatus,
    /// Delivery attempts made so far.
    pub attempts: i32,
    /// When the next delivery attempt is due (while `pending`).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed; `null` when none has.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_error: Option<String>,
    /// When the message was queued.
    pub created_at: DateTime<Utc>,
}

/// `GET /v1/admin/outbox` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OutboxFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OutboxStatus>,
}

open_enum! {
    /// What a notification is about. Preferences are set per category; every outbox event kind
    /// belongs to one (see [`NotificationCategory::of_kind`]).
    #[derive(Hash, PartialOrd, Ord)]
    pub enum NotificationCategory {
        /// A new lead offered to a pro: the real-time job alert.
        JobAlerts,
        /// A lead taken by another pro, withdrawn or expired.
        LeadUpdates,
        /// A customer's request found (or did not find) a pro.
        RequestUpdates,
        /// Dates, agreement, start, completion, disputes and cancellations of a job.
        JobUpdates,
        /// Payments, tips, payouts and penalties.
        Payments,
        /// Ratings received.
        Ratings,
        /// Messages from the other side of a request or job.
        Messages,
        /// Everything else about the account.
        Account,
    }
}

impl NotificationCategory {
    /// The category an event type is notified under.
    pub fn of_kind(kind: EventType) -> Self {
        use EventType as E;
        match kind {
            E::LeadOffered => Self::JobAlerts,
            E::LeadTaken | E::LeadWithdrawn => Self::LeadUpdates,
            E::RequestAssigned | E::RequestUnfilled => Self::RequestUpdates,
            E::JobAssigned
            | E::JobProposed
            | E::JobScheduled
            | E::JobRescheduled
            | E::JobAgreementSigned
            | E::JobStarted
            | E::JobCompleted
            | E::JobDisputed
            | E::JobDisputeResolved
            | E::JobConfirmed
            | E::JobCancelled => Self::JobUpdates,
            E::PaymentSucceeded
            | E::PaymentReceipt
            | E::PaymentRefunded
            | E::TipReceived
            | E::PayoutCreated
            | E::PayoutSent
            | E::PayoutCleared => Self::Payments,
            E::RatingReceived | E::RatingScoreLow => Self::Ratings,
            E::MessageReceived => Self::Messages,
            E::AccountSuspended
            | E::AccountReinstated
            | E::WebhookEndpointDisabled
            | E::WebhookPing
            | E::Unknown => Self::Account,
        }
    }

    /// Push is on for every category; email only for what is worth an email: job alerts (pros
    /// get them "by email and in the app"), a request's outcome, money, messages left unread
    /// (the service waits before emailing one), and the account's standing (a suspended person
    /// cannot open the app to read why).
    pub fn default_preference(self) -> ChannelPreference {
        let email = matches!(
            self,
            Self::JobAlerts
                | Self::RequestUpdates
                | Self::Payments
                | Self::Messages
                | Self::Account
        );
        ChannelPreference {
            category: self,
            push: true,
            email,
        }
    }
}

/// How one category reaches the user. The in-app list and the live stream always get it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelPreference {
    /// The category this entry sets.
    pub category: NotificationCategory,
    /// Whether push alerts are sent for the category.
    pub push: bool,
    /// Whether emails are sent for the category.
    pub email: bool,
}

/// Local times when push stays silent. Email is not held back (it does not ring), and job
/// alerts still ring unless `include_job_alerts`: a pro who misses a lead misses the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "valid_quiet_hours"))]
pub struct QuietHours {
    /// `HH:MM`, local time; may be after `end` (quiet over midnight).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "22:00", pattern = r"^\d\d:\d\d$")
    )]
    pub start: String,
    /// `HH:MM`, local time, exclusive.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "07:00", pattern = r"^\d\d:\d\d$")
    )]
    pub end: String,
    /// IANA time zone, e.g. `America/Toronto`.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, example = "America/Toronto")
    )]
    pub time_zone: String,
    /// Also silence job alerts (default false: they ring even in quiet hours).
    #[serde(default)]
    pub include_job_alerts: bool,
}

impl QuietHours {
    /// Whether the local time of `at` falls in the quiet stretch.
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        let (Some(start), Some(end), Ok(zone)) = (
            crate::partners::parse_hhmm(&self.start, false),
            crate::partners::parse_hhmm(&self.end, false),
            self.time_zone.parse::<chrono_tz::Tz>(),
        ) else {
            return false;
        };
        let local = at.with_timezone(&zone);
        let minute = chrono::Timelike::hour(&local) * 60 + chrono::Timelike::minute(&local);
        if start < end {
            (start..end).contains(&minute)
        } else {
            minute >= start || minute < end
        }
    }
}

fn valid_quiet_hours(hours: &QuietHours) -> Result<(), ValidationError> {
    let start = crate::partners::parse_hhmm(&hours.start, false)
        .ok_or_else(|| message("start", "times are HH:MM, 00:00 to 23:59"))?;
    let end = crate::partners::parse_hhmm(&hours.end, false)
        .ok_or_else(|| message("end", "times are HH:MM, 00:00 to 23:59"))?;
    if start == end {
        return Err(message("end", "quiet hours must not start and end at once"));
    }
    if hours.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(message("time_zone", "unknown IANA time zone"));
    }
    Ok(())
}

/// `GET/PUT /v1/me/notification-preferences`. A `PUT` replaces the whole setting: a category
/// it leaves out goes back to its default, and `quiet_hours: null` turns them off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "one_entry_per_category"))]
pub struct NotificationPreferences {
    /// One entry per category (at most 8); in a `PUT`, a category left out goes back to its
    /// default.
    #[validate(length(max = 8))]
    #[cfg_attr(feature = "openapi", schema(max_items = 8))]
    pub channels: Vec<ChannelPreference>,
    /// When push stays silent; null: no quiet hours.
    #[validate(nested)]
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
}

fn one_entry_per_category(preferences: &NotificationPreferences) -> Result<(), ValidationError> {
    let mut seen = std::collections::BTreeSet::new();
    for preference in &preferences.channels {
        if !seen.insert(preference.category) {
            return Err(message(
                "channels",
                &format!("{} is listed twice", preference.category.as_str()),
            ));
        }
    }
    Ok(())
}

/// One entry of the in-app notification list, and the data of a live stream event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// The notification's id (for `POST /v1/notifications/read`).
    pub id: String,
    /// The event type it tells about.
    pub kind: EventType,
    /// The preference category it belongs to.
    pub category: NotificationCategory,
    /// The headline, as a push alert shows it.
    pub title: String,
    /// The line of text under the title.
    pub body: String,
    /// Where the app opens it, e.g. `porchlight://leads/{offer_id}`.
    pub deep_link: String,
    /// The ids it is about (`offer_id`, `job_id`, …), as strings.
    pub data: std::collections::BTreeMap<String, String>,
    /// When the notification was created.
    pub created_at: DateTime<Utc>,
    /// When the user marked it read; null while unread.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub read_at: Option<DateTime<Utc>>,
}

/// `GET /v1/notifications` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct NotificationFilter {
    /// Only the unread ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<bool>,
}

/// `POST /v1/notifications/read`: mark these as read, or every one when `ids` is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkReadInput {
    /// The notifications to mark read (1 to 100 ids); absent: every one.
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::pagination::ids")
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(min_items = 1, max_items = 100, value_type = Option<Vec<crate::pagination::Id>>)
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkReadResult {
    /// How many were unread and are now read.
    pub marked: i64,
}

/// One event of the live stream (`GET /v1/events`, Server-Sent Events): `id` is the stream
/// position to send back as `Last-Event-ID`, `event` the kind, `data` a [`Notification`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// Splits a Server-Sent Events body into events as bytes arrive.
#[derive(Debug, Default)]
pub struct SseParser {
    buffer: String,
    current: StreamEvent,
    has_data: bool,
}

impl SseParser {
    /// Feeds received text; returns the events it completed. Comments (keep-alives) and
    /// unknown fields are skipped.
    pub fn feed(&mut self, chunk: &str) -> Vec<StreamEvent> {
        self.buffer.push_str(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.find('\n') {
            let line: String = self.buffer.drain(..=end).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if self.has_data {
                    events.push(std::mem::take(&mut self.current));
                }
                self.current = StreamEvent::default();
                self.has_data = false;
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => self.current.id = Some(value.to_owned()),
                "event" => self.current.event = Some(value.to_owned()),
                "data" => {
                    if self.has_data {
                        self.current.data.push('\n');
                    }
                    self.current.data.push_str(value);
                    self.has_data = true;
                }
                _ => {}
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_are_split_across_chunks_and_keep_alives_skipped() {
        let mut parser = SseParser::default();
        assert!(
            parser
                .feed(": keep-alive\n\nid: 7\nevent: lead.off")
                .is_empty()
        );
        let events = parser.feed("ered\ndata: {\"a\":1}\ndata: x\n\nid: 8\r\ndata: y\r\n\r\n");
        assert_eq!(
            events,
            vec![
                StreamEvent {
                    id: Some("7".into()),
                    event: Some("lead.offered".into()),
                    data: "{\"a\":1}\nx".into(),
                },
                StreamEvent {
                    id: Some("8".into()),
                    event: None,
                    data: "y".into(),
                },
            ]
        );
    }

    #[test]
    fn quiet_hours_may_span_midnight_in_the_users_zone() {
        let hours = QuietHours {
            start: "22:00".into(),
            end: "07:00".into(),
            time_zone: "America/Toronto".into(),
            include_job_alerts: false,
        };
        // 03:30 UTC is 22:30 in Toronto (EST, UTC-5) on 2026-11-24.
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert!(hours.covers(at("2026-11-24T03:30:00Z")));
        assert!(hours.covers(at("2026-11-24T11:59:00Z")), "06:59 local");
        assert!(!hours.covers(at("2026-11-24T12:00:00Z")), "07:00 local");
        assert!(!hours.covers(at("2026-11-24T02:59:00Z")), "21:59 local");
        let day = QuietHours {
            start: "12:00".into(),
            end: "13:00".into(),
            ..hours
        };
        assert!(day.covers(at("2026-11-24T17:30:00Z")));
        assert!(!day.covers(at("2026-11-24T03:30:00Z")));
    }

    #[test]
    fn every_event_type_has_a_category() {
        use crate::events::EventType;
        let category = NotificationCategory::of_kind;
        assert_eq!(
            category(EventType::LeadOffered),
            NotificationCategory::JobAlerts
        );
        assert_eq!(
            category(EventType::LeadTaken),
            NotificationCategory::LeadUpdates
        );
        assert_eq!(
            category(EventType::JobCompleted),
            NotificationCategory::JobUpdates
        );
        assert_eq!(
            category(EventType::PayoutSent),
            NotificationCategory::Payments
        );
        assert_eq!(
            category(EventType::AccountSuspended),
            NotificationCategory::Account
        );
    }
}
