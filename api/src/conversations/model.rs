//! Conversation and message rows, and how each looks to whoever reads it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::conversations::Message;
use shared_types::jobs::{JobEventKind, Party};

use super::masking;
use crate::db::DbConnection;
use crate::db::schema::{conversations, messages};
use crate::db::text_enum::Stored;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conversations)]
pub struct ConversationRow {
    pub id: String,
    pub request_id: String,
    pub customer_id: String,
    pub partner_id: String,
    pub created_at: NaiveDateTime,
    pub last_message_id: Option<String>,
    pub last_activity_at: NaiveDateTime,
    pub activity_key: String,
    pub customer_read_id: Option<String>,
    pub partner_read_id: Option<String>,
    pub customer_unread: i64,
    pub partner_unread: i64,
    blocked_by: Option<String>,
    pub blocked_at: Option<NaiveDateTime>,
}

impl ConversationRow {
    /// The side that blocked further messages, if one did.
    pub fn blocked_by(&self) -> Option<Party> {
        self.blocked_by.as_deref().and_then(Party::parse)
    }

    /// The side `user_id` is on, if they are one of the two.
    pub fn side_of(&self, user_id: &str) -> Option<Party> {
        if user_id == self.customer_id {
            Some(Party::Customer)
        } else if user_id == self.partner_id {
            Some(Party::Partner)
        } else {
            None
        }
    }

    /// `side`'s unread count and read position, and the other side's read position.
    pub fn reading(&self, side: Party) -> (i64, Option<&String>, Option<&String>) {
        match side {
            Party::Customer => (
                self.customer_unread,
                self.customer_read_id.as_ref(),
                self.partner_read_id.as_ref(),
            ),
            Party::Partner => (
                self.partner_unread,
                self.partner_read_id.as_ref(),
                self.customer_read_id.as_ref(),
            ),
            _ => (0, None, None),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    #[diesel(deserialize_as = Stored<Party>, serialize_as = Stored<Party>)]
    pub sender: Party,
    pub sender_id: Option<String>,
    pub body: String,
    pub masked: bool,
    pub hidden_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Who is reading a message: one of the sides, or staff (who see hidden text and who wrote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader<'a> {
    Side(&'a str),
    Staff,
}

impl MessageRow {
    pub fn to_view(&self, reader: Reader<'_>) -> Message {
        let staff = reader == Reader::Staff;
        let hidden = self.hidden_at.is_some();
        let own = matches!(reader, Reader::Side(id) if self.sender_id.as_deref() == Some(id));
        Message {
            id: self.id.clone(),
            conversation_id: self.conversation_id.clone(),
            sender: self.sender,
            // Staff write as "Porchlight support"; who among them is for staff to know.
            sender_id: if self.sender == Party::Staff && !staff {
                None
            } else {
                self.sender_id.clone()
            },
            body: if hidden && !staff {
                String::new()
            } else {
                self.body.clone()
            },
            masked: self.masked,
            note: (own && self.masked).then(|| masking::NOTE.to_owned()),
            event: None,
            photos: Vec::new(),
            hidden,
            created_at: self.created_at.and_utc(),
        }
    }
}

/// Before the hire a pro does not learn who the customer is: their messages come without the
/// customer's id.
pub fn conceal_customer(message: &mut Message) {
    if message.sender == Party::Customer {
        message.sender_id = None;
    }
}

/// An entry of the job's timeline, shown in the conversation as the service's words.
pub fn timeline_entry(
    conversation_id: &str,
    event_id: String,
    kind: JobEventKind,
    at: NaiveDateTime,
) -> Message {
    let body = match kind {
        JobEventKind::Assigned => "The pro was hired for this job.",
        JobEventKind::Proposed => "Dates were proposed.",
        JobEventKind::Scheduled => "A date was agreed.",
        JobEventKind::Rescheduled => "The job was moved to a new date.",
        JobEventKind::AgreementSigned => "The customer signed the service agreement.",
        JobEventKind::Started => "The pro started the work.",
        JobEventKind::Completed => "The pro marked the job done.",
        JobEventKind::Disputed => "The customer disputed the work; Porchlight support will look.",
        JobEventKind::DisputeResolved => "Porchlight support resolved the dispute.",
        JobEventKind::Confirmed => "The job was confirmed.",
        JobEventKind::Cancelled => "The job was cancelled.",
        JobEventKind::Unknown => "The job changed.",
    };
    Message {
        id: event_id,
        conversation_id: conversation_id.to_owned(),
        sender: Party::System,
        sender_id: None,
        body: body.to_owned(),
        masked: false,
        note: None,
        event: Some(kind),
        photos: Vec::new(),
        hidden: false,
        created_at: at.and_utc(),
    }
}

pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<ConversationRow> {
    conversations::table
        .find(id)
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("conversation"))
}

/// The conversation, if `user_id` is one of its sides; anyone else: "not found".
pub fn find_for(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
) -> ApiResult<(ConversationRow, Party)> {
    let row = find(conn, id)?;
    match row.side_of(user_id) {
        Some(side) => Ok((row, side)),
        None => Err(ApiError::not_found("conversation")),
    }
}

/// Takes the conversation's row lock (a no-op update): messages and read receipts of one
/// conversation take turns, so counts and positions agree with the messages.
pub fn lock(conn: &mut DbConnection, id: &str) -> ApiResult<()> {
    let locked = diesel::update(conversations::table.find(id))
        .set(conversations::activity_key.eq(conversations::activity_key))
        .execute(conn)?;
    if locked == 0 {
        return Err(ApiError::not_found("conversation"));
    }
    Ok(())
}
