//! Conversations between a customer and a pro: questions before hiring (profile and review
//! leads) and everything after, with read receipts, unread counts, reports and blocking.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::auth::not_blank;
use crate::jobs::{JobEventKind, Party};

open_enum! {
    /// Where a conversation stands between its two sides.
    pub enum ConversationStage {
        /// The pro is not hired (yet): phone numbers, email addresses and links are masked in
        /// both directions, and the pro sees neither the customer's name nor their address.
        PreHire,
        /// The pro is hired for the request (a job that is not cancelled): messages go as
        /// written.
        Hired,
    }
}

/// One side of a conversation, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    /// The user's id; `null` for the customer to a pro who is not hired (their identity is not
    /// shown before the hire).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub id: Option<String>,
    /// A pro's business name; a customer's name, or "A customer in <city>" to a pro who is not
    /// hired.
    pub name: String,
}

/// A conversation as one of its sides (or staff) sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    /// The conversation's id.
    pub id: String,
    /// The request it is about.
    pub request_id: String,
    /// The job, once the pro is hired for the request; `null` before.
    pub job_id: Option<String>,
    /// What the request is, e.g. "Plumbing in Toronto".
    pub title: String,
    /// Before or after hiring: decides whether contact details are masked.
    pub stage: ConversationStage,
    /// The customer.
    pub customer: Participant,
    /// The pro.
    pub partner: Participant,
    /// Messages the caller has not read (their own and timeline entries do not count).
    pub unread: i64,
    /// The newest message, if any.
    pub last_message: Option<Message>,
    /// The other side has read every message up to this one (a read receipt); `null` before
    /// they read anything.
    pub read_by_other_up_to: Option<String>,
    /// Whether the caller may write: not when the conversation is blocked, nor before hiring
    /// once the pro's offer is closed.
    pub can_send: bool,
    /// Which side blocked further messages, if one did.
    pub blocked_by: Option<Party>,
    /// When the conversation was opened.
    pub created_at: DateTime<Utc>,
    /// When the last message was written (or the conversation opened).
    pub last_activity_at: DateTime<Utc>,
}

/// One entry of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// The message's id; ids grow with time, so they order a conversation.
    pub id: String,
    /// The conversation.
    pub conversation_id: String,
    /// Who wrote it: `customer`, `partner`, `staff` (Porchlight support), or `system` for an
    /// entry of the job's timeline.
    pub sender: Party,
    /// The writer's id; `null` for staff, timeline entries, and the customer's messages to a
    /// pro who is not hired.
    pub sender_id: Option<String>,
    /// The text, as the other side sees it (contact details masked before hiring). Empty when
    /// staff hid the message.
    pub body: String,
    /// Whether contact details were masked out of the text.
    pub masked: bool,
    /// For the writer of a masked message: why, in words to show them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a timeline entry: what happened to the job.
    pub event: Option<JobEventKind>,
    /// The photos sent with it, in order (none once staff hid the message).
    #[serde(default)]
    pub photos: Vec<crate::photos::Photo>,
    /// Whether staff hid it after a report.
    pub hidden: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// `POST /v1/conversations/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "words_or_photos"))]
pub struct MessageInput {
    /// The text, at most 4000 characters; it may be empty (or left out) when the message
    /// carries photos, and must not be blank otherwise.
    #[validate(length(max = 4000))]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    #[serde(default)]
    pub body: String,
    /// Up to 4 photos to send with it, uploaded first with `POST /v1/photos`; each
    /// must be the caller's own and not attached to anything yet.
    #[validate(length(max = 4), custom(function = "crate::photos::photo_ids"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 4))]
    #[serde(default)]
    pub photo_ids: Vec<String>,
}

impl MessageInput {
    /// A message of words alone.
    pub fn text(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            photo_ids: Vec::new(),
        }
    }
}

/// A message says something, in words or in photos.
fn words_or_photos(input: &MessageInput) -> Result<(), ValidationError> {
    if input.photo_ids.is_empty() {
        not_blank(&input.body)?;
    }
    Ok(())
}

/// `GET /v1/conversations/{id}/messages`: a window of the conversation, oldest first. With
/// neither cursor: the newest messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MessageWindow {
    /// The messages just before this one (a page's `before_cursor`): scrolling back.
    #[validate(length(max = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The messages just after this one (a page's `after_cursor`): what is new.
    #[validate(length(max = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// How many at most (1..=100, default 50).
    #[validate(range(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A window of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    /// Oldest first.
    pub items: Vec<Message>,
    /// Pass as `before` for the older messages; `null` when there are none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub before_cursor: Option<String>,
    /// Pass as `after` for messages newer than these (the newest message read so far; `null`
    /// only while the conversation is empty).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub after_cursor: Option<String>,
    /// Whether newer messages than these exist already.
    pub more_after: bool,
}

/// `POST /v1/conversations/{id}/read`: the caller has read every message up to `up_to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadInput {
    /// A message of the conversation. A position older than the one recorded changes nothing.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub up_to: String,
}

/// `GET /v1/conversations/unread`: for the app's badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCount {
    /// Conversations with at least one unread message.
    pub conversations: i64,
    /// Unread messages in all of them.
    pub messages: i64,
}

/// `POST /v1/messages/{id}/report`: a message from the other side that breaks the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportInput {
    /// What is wrong with it (1 to 1000 characters).
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 1000, pattern = r"[^\s\u0085]")
    )]
    pub reason: String,
}

open_enum! {
    /// What staff decided about a reported message.
    pub enum ReportOutcome {
        /// The message stays.
        Dismissed,
        /// The message is hidden from both sides (staff still see it).
        Hidden,
    }
}

open_enum! {
    /// Where a report stands.
    pub enum ReportStatus {
        /// Waiting for staff.
        Open,
        /// Staff decided.
        Resolved,
    }
}

/// A reported message, for its reporter and staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageReport {
    /// The report's id.
    pub id: String,
    /// The message as written (staff see hidden text too).
    pub message: Message,
    /// Who reported it.
    pub reporter_id: String,
    /// Why.
    pub reason: String,
    /// Open or resolved.
    pub status: ReportStatus,
    /// Staff's decision, once resolved.
    pub outcome: Option<ReportOutcome>,
    /// Staff's note, once resolved.
    pub note: Option<String>,
    /// When it was reported.
    pub created_at: DateTime<Utc>,
    /// When staff resolved it.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// `GET /v1/admin/message-reports` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReportFilter {
    /// `open` (the default) or `resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReportStatus>,
}

/// `POST /v1/admin/message-reports/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveReportInput {
    /// Keep the message (`dismissed`) or hide it from both sides (`hidden`).
    pub outcome: ReportOutcome,
    /// Why (1 to 1000 characters); recorded in the audit log.
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 1000, pattern = r"[^\s\u0085]")
    )]
    pub note: String,
}
