//! Messages: writing one (masked before hiring, delivered to the other side as
//! `message.received`), and reading a window of a conversation with the job's timeline in
//! between.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::ErrorCode;
use shared_types::conversations::{Message, MessageInput, MessagePage, MessageWindow};
use shared_types::events::EventData;
use shared_types::jobs::{JobEventKind, Party};

use super::masking;
use super::model::{self, ConversationRow, MessageRow, Reader};
use super::threads;
use crate::db::schema::{conversations, job_events, messages};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::notify::outbox;
use crate::photos::{AttachedTo, PhotoLinks, PhotoViews};

/// Who writes: one of the sides, or staff (as Porchlight support).
#[derive(Debug, Clone, Copy)]
pub enum Writer<'a> {
    Side(&'a str),
    Staff(&'a str),
}

/// Writes the message (its words and photos) into the conversation and tells the other side
/// (both, for staff). Before the pro is hired, contact details are masked in either direction.
/// Run inside a write transaction.
pub fn send(
    conn: &mut DbConnection,
    writer: Writer<'_>,
    conversation_id: &str,
    input: &MessageInput,
    links: &PhotoLinks,
    now: NaiveDateTime,
) -> ApiResult<Message> {
    let body = input.body.as_str();
    let (sender, sender_id) = match writer {
        Writer::Side(user_id) => (model::find_for(conn, conversation_id, user_id)?.1, user_id),
        Writer::Staff(staff_id) => (Party::Staff, staff_id),
    };
    // Messages of one conversation take turns: ids, counts and read positions stay in order.
    model::lock(conn, conversation_id)?;
    let row = model::find(conn, conversation_id)?;
    let (hired, open) = threads::standing(conn, &row)?;
    if sender != Party::Staff && !open {
        return Err(ApiError::new(
            ErrorCode::ConversationClosed,
            match row.blocked_by() {
                Some(by) => format!("the {} blocked further messages", by.as_str()),
                None => "the lead closed before the pro was hired".to_owned(),
            },
        ));
    }
    let (text, masked) = if hired || sender == Party::Staff {
        (body.trim().to_owned(), false)
    } else {
        masking::mask_contact_details(body.trim())
    };
    let message = MessageRow {
        id: db::new_id(),
        conversation_id: row.id.clone(),
        sender,
        sender_id: Some(sender_id.to_owned()),
        body: text,
        masked,
        hidden_at: None,
        created_at: now,
    };
    diesel::insert_into(messages::table)
        .values(message.clone())
        .execute(conn)?;
    crate::photos::model::attach(
        conn,
        sender_id,
        &input.photo_ids,
        AttachedTo::Message,
        &message.id,
        now,
    )?;
    let photos = crate::photos::model::attached_to(conn, AttachedTo::Message, &[&message.id])?
        .remove(&message.id)
        .unwrap_or_default();
    let shown = PhotoViews::new(links, now).show(&photos);
    let target = conversations::table.find(&row.id);
    let activity = (
        conversations::last_message_id.eq(&message.id),
        conversations::activity_key.eq(&message.id),
        conversations::last_activity_at.eq(now),
    );
    match sender {
        Party::Customer => diesel::update(target)
            .set((
                activity,
                conversations::partner_unread.eq(conversations::partner_unread + 1),
            ))
            .execute(conn)?,
        Party::Partner => diesel::update(target)
            .set((
                activity,
                conversations::customer_unread.eq(conversations::customer_unread + 1),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((
                activity,
                conversations::customer_unread.eq(conversations::customer_unread + 1),
                conversations::partner_unread.eq(conversations::partner_unread + 1),
            ))
            .execute(conn)?,
    };
    let recipients = [
        (Party::Customer, &row.customer_id),
        (Party::Partner, &row.partner_id),
    ];
    let events = recipients
        .into_iter()
        .filter(|(side, _)| *side != sender)
        .map(|(_, user_id)| {
            let mut seen = message.to_view(Reader::Side(user_id));
            seen.photos.clone_from(&shown);
            if !hired && *user_id == row.partner_id {
                model::conceal_customer(&mut seen);
            }
            (user_id.clone(), EventData::MessageReceived(seen))
        })
        .collect();
    outbox::enqueue_many(conn, events, now)?;
    let mut sent = message.to_view(match writer {
        Writer::Side(user_id) => Reader::Side(user_id),
        Writer::Staff(_) => Reader::Staff,
    });
    sent.photos = shown;
    Ok(sent)
}

/// Puts each message's photos on it, as `views` shows them: none on a hidden message unless
/// staff read it.
fn with_photos(
    conn: &mut DbConnection,
    entries: &mut [Message],
    reader: Reader<'_>,
    views: &PhotoViews,
) -> ApiResult<()> {
    let shown = |entry: &Message| {
        entry.sender != Party::System && (!entry.hidden || reader == Reader::Staff)
    };
    let ids: Vec<String> = entries
        .iter()
        .filter(|entry| shown(entry))
        .map(|entry| entry.id.clone())
        .collect();
    let mut photos = views.of(conn, AttachedTo::Message, &ids)?;
    for entry in entries.iter_mut().filter(|entry| shown(entry)) {
        entry.photos = photos.remove(&entry.id).unwrap_or_default();
    }
    Ok(())
}

/// A window of the conversation, oldest first: its messages and the entries of its job's
/// timeline, interleaved by time.
pub fn window(
    conn: &mut DbConnection,
    row: &ConversationRow,
    reader: Reader<'_>,
    window: &MessageWindow,
    views: &PhotoViews,
) -> ApiResult<MessagePage> {
    let limit = i64::from(window.limit.unwrap_or(50));
    for (field, cursor) in [("before", &window.before), ("after", &window.after)] {
        if let Some(cursor) = cursor
            && !is_entry_of(conn, row, cursor)?
        {
            return Err(ApiError::invalid_field(
                field,
                "not a message of this conversation",
            ));
        }
    }
    if window.before.is_some() && window.after.is_some() {
        return Err(ApiError::invalid_field(
            "before",
            "give `before` or `after`, not both",
        ));
    }
    let job_ids = threads::job_ids(conn, row)?;
    let forward = window.after.is_some();
    let mut written = messages::table
        .filter(messages::conversation_id.eq(&row.id))
        .select(MessageRow::as_select())
        .limit(limit + 1)
        .into_boxed();
    let mut timeline = job_events::table
        .filter(job_events::job_id.eq_any(&job_ids))
        .select((job_events::id, job_events::kind, job_events::created_at))
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = &window.after {
        written = written
            .filter(messages::id.gt(after.clone()))
            .order(messages::id.asc());
        timeline = timeline
            .filter(job_events::id.gt(after.clone()))
            .order(job_events::id.asc());
    } else {
        if let Some(before) = &window.before {
            written = written.filter(messages::id.lt(before.clone()));
            timeline = timeline.filter(job_events::id.lt(before.clone()));
        }
        written = written.order(messages::id.desc());
        timeline = timeline.order(job_events::id.desc());
    }
    let concealed = threads::reads_as_unhired_pro(conn, row, reader)?;
    let mut entries: Vec<Message> = written
        .load::<MessageRow>(conn)?
        .iter()
        .map(|message| message.to_view(reader))
        .collect();
    if concealed {
        entries.iter_mut().for_each(model::conceal_customer);
    }
    with_photos(conn, &mut entries, reader, views)?;
    if !job_ids.is_empty() {
        let events: Vec<(String, Stored<JobEventKind>, NaiveDateTime)> = timeline.load(conn)?;
        entries.extend(
            events
                .into_iter()
                .map(|(id, kind, at)| model::timeline_entry(&row.id, id, kind.0, at)),
        );
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    if !forward {
        entries.reverse();
    }
    let more = entries.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if !forward {
        entries.reverse();
    }
    let first = entries.first().map(|entry| entry.id.clone());
    let last = entries.last().map(|entry| entry.id.clone());
    Ok(if forward {
        MessagePage {
            before_cursor: first.or_else(|| window.after.clone()),
            after_cursor: last.or_else(|| window.after.clone()),
            more_after: more,
            items: entries,
        }
    } else {
        MessagePage {
            before_cursor: if more { first } else { None },
            after_cursor: last.or_else(|| window.before.clone()),
            more_after: window.before.is_some(),
            items: entries,
        }
    })
}

/// Whether `id` is a message of the conversation or an entry of its job's timeline.
pub fn is_entry_of(conn: &mut DbConnection, row: &ConversationRow, id: &str) -> ApiResult<bool> {
    let written: i64 = messages::table
        .filter(messages::id.eq(id))
        .filter(messages::conversation_id.eq(&row.id))
        .count()
        .get_result(conn)?;
    if written > 0 {
        return Ok(true);
    }
    let job_ids = threads::job_ids(conn, row)?;
    let logged: i64 = job_events::table
        .filter(job_events::id.eq(id))
        .filter(job_events::job_id.eq_any(&job_ids))
        .count()
        .get_result(conn)?;
    Ok(logged > 0)
}

/// Every message of the conversation as `reader` sees it, oldest first (the data export).
pub fn written(
    conn: &mut DbConnection,
    conversation_id: &str,
    reader: Reader<'_>,
    views: &PhotoViews,
) -> ApiResult<Vec<Message>> {
    let row = model::find(conn, conversation_id)?;
    let concealed = threads::reads_as_unhired_pro(conn, &row, reader)?;
    let mut entries: Vec<Message> = messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .order(messages::id.asc())
        .select(MessageRow::as_select())
        .load::<MessageRow>(conn)?
        .iter()
        .map(|message| message.to_view(reader))
        .collect();
    if concealed {
        entries.iter_mut().for_each(model::conceal_customer);
    }
    with_photos(conn, &mut entries, reader, views)?;
    Ok(entries)
}
