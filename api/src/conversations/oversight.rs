//! What staff do with conversations: read and write in one while its job is disputed or after a
//! side reported a message in it (every read and message audit-logged), and decide reports.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::conversations::{
    Conversation, MessageInput, MessagePage, MessageReport, MessageWindow, ReportFilter,
    ReportOutcome, ReportStatus, ResolveReportInput,
};
use shared_types::events::EventType;
use shared_types::jobs::{JobStatus, Party};
use shared_types::{Page, PageParams};

use super::model::{self, ConversationRow, MessageRow, Reader};
use super::{messages as entries, threads};
use crate::admin::audit;
use crate::db::schema::{
    conversations, jobs, message_reports, messages, outbox, webhook_deliveries,
};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::photos::{PhotoLinks, PhotoViews};

/// A side reports a message the other side wrote. Staff may then read the conversation.
pub fn report(
    conn: &mut DbConnection,
    user_id: &str,
    message_id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<MessageReport> {
    let message: MessageRow = messages::table
        .find(message_id)
        .select(MessageRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("message"))?;
    let (_, side) = model::find_for(conn, &message.conversation_id, user_id)
        .map_err(|_| ApiError::not_found("message"))?;
    if message.sender == side {
        return Err(ApiError::conflict(
            "you can report what the other side wrote, not your own messages",
        ));
    }
    let id = db::new_id();
    let inserted = diesel::insert_into(message_reports::table)
        .values((
            message_reports::id.eq(&id),
            message_reports::message_id.eq(message_id),
            message_reports::reporter_id.eq(user_id),
            message_reports::reason.eq(reason.trim()),
            message_reports::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            return Err(ApiError::conflict("you have already reported this message"));
        }
        Err(error) => return Err(error.into()),
    }
    let mut report = find_report(conn, &id, Reader::Side(user_id))?;
    let row = model::find(conn, &message.conversation_id)?;
    if threads::reads_as_unhired_pro(conn, &row, Reader::Side(user_id))? {
        model::conceal_customer(&mut report.message);
    }
    Ok(report)
}

type ReportRow = (
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<Stored<ReportOutcome>>,
    Option<String>,
);

fn report_columns() -> (
    message_reports::id,
    message_reports::reporter_id,
    message_reports::reason,
    message_reports::created_at,
    message_reports::resolved_at,
    message_reports::outcome,
    message_reports::note,
) {
    (
        message_reports::id,
        message_reports::reporter_id,
        message_reports::reason,
        message_reports::created_at,
        message_reports::resolved_at,
        message_reports::outcome,
        message_reports::note,
    )
}

fn report_view(report: ReportRow, message: &MessageRow, reader: Reader<'_>) -> MessageReport {
    let (id, reporter_id, reason, created_at, resolved_at, outcome, note) = report;
    MessageReport {
        id,
        message: message.to_view(reader),
        reporter_id,
        reason,
        status: if resolved_at.is_some() {
            ReportStatus::Resolved
        } else {
            ReportStatus::Open
        },
        outcome: outcome.map(|stored| stored.0),
        note,
        created_at: created_at.and_utc(),
        resolved_at: resolved_at.map(|at| at.and_utc()),
    }
}

fn find_report(conn: &mut DbConnection, id: &str, reader: Reader<'_>) -> ApiResult<MessageReport> {
    let (report, message): (ReportRow, MessageRow) = message_reports::table
        .inner_join(messages::table)
        .filter(message_reports::id.eq(id))
        .select((report_columns(), MessageRow::as_select()))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("report"))?;
    Ok(report_view(report, &message, reader))
}

/// Reports for staff, oldest first: open ones by default.
pub fn reports(
    conn: &mut DbConnection,
    filter: &ReportFilter,
    page: &PageParams,
) -> ApiResult<Page<MessageReport>> {
    let limit = i64::from(page.limit());
    let mut query = message_reports::table
        .inner_join(messages::table)
        .select((report_columns(), MessageRow::as_select()))
        .order(message_reports::id.asc())
        .limit(limit + 1)
        .into_boxed();
    query = match filter.status.unwrap_or(ReportStatus::Open) {
        ReportStatus::Resolved => query.filter(message_reports::resolved_at.is_not_null()),
        _ => query.filter(message_reports::resolved_at.is_null()),
    };
    if let Some(cursor) = &page.cursor {
        query = query.filter(message_reports::id.gt(cursor.clone()));
    }
    let rows: Vec<(ReportRow, MessageRow)> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |(report, _)| report.0.clone());
    Ok(Page {
        items: rows
            .into_iter()
            .map(|(report, message)| report_view(report, &message, Reader::Staff))
            .collect(),
        next_cursor,
    })
}

/// Staff decide a report: keep the message or hide it from both sides. Audit-logged.
pub fn resolve(
    conn: &mut DbConnection,
    staff_id: &str,
    report_id: &str,
    input: &ResolveReportInput,
    now: NaiveDateTime,
) -> ApiResult<MessageReport> {
    let message_id: String = message_reports::table
        .find(report_id)
        .select(message_reports::message_id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("report"))?;
    let decided = diesel::update(
        message_reports::table
            .find(report_id)
            .filter(message_reports::resolved_at.is_null()),
    )
    .set((
        message_reports::resolved_at.eq(now),
        message_reports::resolved_by.eq(staff_id),
        message_reports::outcome.eq(Stored(input.outcome)),
        message_reports::note.eq(input.note.trim()),
    ))
    .execute(conn)?;
    if decided == 0 {
        return Err(ApiError::invalid_transition(
            "report",
            ReportStatus::Resolved.as_str(),
            &[ReportStatus::Open.as_str()],
        ));
    }
    if input.outcome == ReportOutcome::Hidden {
        diesel::update(
            messages::table
                .find(&message_id)
                .filter(messages::hidden_at.is_null()),
        )
        .set(messages::hidden_at.eq(now))
        .execute(conn)?;
        // Nor does it stay in the notifications of it (nor go out by email later).
        let conversation_id: String = messages::table
            .find(&message_id)
            .select(messages::conversation_id)
            .first(conn)?;
        let row = model::find(conn, &conversation_id)?;
        let sides = [row.customer_id.as_str(), row.partner_id.as_str()];
        blank_notifications(conn, &sides, true, |message| {
            message["id"] == message_id.as_str()
        })?;
    }
    let report = find_report(conn, report_id, Reader::Staff)?;
    audit::record(
        conn,
        audit::Change {
            actor_id: staff_id,
            action: "message_report.resolve",
            subject_type: "message",
            subject_id: &message_id,
            before: None,
            after: Some(serde_json::json!({ "outcome": input.outcome })),
            reason: Some(input.note.trim()),
        },
        now,
    )?;
    Ok(report)
}

/// The conversation, if staff may look into it: its job is disputed, or a side reported a
/// message in it. Each look is recorded in the audit log as `action`.
fn open_to_staff(
    conn: &mut DbConnection,
    staff_id: &str,
    conversation_id: &str,
    action: &str,
    now: NaiveDateTime,
) -> ApiResult<ConversationRow> {
    let row = model::find(conn, conversation_id)?;
    if !staff_may_open(conn, &row)? {
        return Err(ApiError::forbidden(
            "staff open a conversation only while its job is disputed or after a side reported \
             a message in it",
        ));
    }
    audit::record(
        conn,
        audit::Change {
            actor_id: staff_id,
            action,
            subject_type: "conversation",
            subject_id: &row.id,
            before: None,
            after: None,
            reason: None,
        },
        now,
    )?;
    Ok(row)
}

/// The conversation as staff see it (audit-logged).
/// Whether staff may open the conversation: its job is disputed, or a side reported a message.
pub fn staff_may_open(conn: &mut DbConnection, row: &ConversationRow) -> ApiResult<bool> {
    let disputed: i64 = jobs::table
        .filter(jobs::request_id.eq(&row.request_id))
        .filter(jobs::partner_id.eq(&row.partner_id))
        .filter(jobs::status.eq(Stored(JobStatus::Disputed)))
        .count()
        .get_result(conn)?;
    let reported: i64 = message_reports::table
        .inner_join(messages::table)
        .filter(messages::conversation_id.eq(&row.id))
        .count()
        .get_result(conn)?;
    Ok(disputed > 0 || reported > 0)
}

pub fn conversation(
    conn: &mut DbConnection,
    staff_id: &str,
    conversation_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Conversation> {
    let row = open_to_staff(conn, staff_id, conversation_id, "conversation.read", now)?;
    threads::view(conn, &row, Reader::Staff)
}

/// A window of the conversation as staff see it (hidden text too; audit-logged).
pub fn window(
    conn: &mut DbConnection,
    staff_id: &str,
    conversation_id: &str,
    window: &MessageWindow,
    links: &PhotoLinks,
    now: NaiveDateTime,
) -> ApiResult<MessagePage> {
    let row = open_to_staff(conn, staff_id, conversation_id, "conversation.read", now)?;
    let views = PhotoViews::for_staff(links, now);
    entries::window(conn, &row, Reader::Staff, window, &views)
}

/// Staff write into the conversation as Porchlight support (audit-logged); both sides are told.
pub fn send(
    conn: &mut DbConnection,
    staff_id: &str,
    conversation_id: &str,
    input: &MessageInput,
    links: &PhotoLinks,
    now: NaiveDateTime,
) -> ApiResult<shared_types::conversations::Message> {
    open_to_staff(conn, staff_id, conversation_id, "conversation.message", now)?;
    entries::send(
        conn,
        entries::Writer::Staff(staff_id),
        conversation_id,
        input,
        links,
        now,
    )
}

/// The sides' words are theirs: a deleted account's messages and report reasons are erased
/// (the entries stay, empty, so the other side's replies keep their place), and so are the
/// words in the other side's notifications of them.
pub fn erase_words_of(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    diesel::update(
        messages::table
            .filter(messages::sender_id.eq(user_id))
            .filter(messages::sender.ne(Stored(Party::Staff))),
    )
    .set(messages::body.eq(""))
    .execute(conn)?;
    diesel::update(message_reports::table.filter(message_reports::reporter_id.eq(user_id)))
        .set(message_reports::reason.eq(""))
        .execute(conn)?;
    let theirs: Vec<(String, String, String)> = conversations::table
        .filter(
            conversations::customer_id
                .eq(user_id)
                .or(conversations::partner_id.eq(user_id)),
        )
        .select((
            conversations::id,
            conversations::customer_id,
            conversations::partner_id,
        ))
        .load(conn)?;
    for (conversation_id, customer_id, partner_id) in theirs {
        let (side, other) = if customer_id == user_id {
            (Party::Customer, partner_id)
        } else {
            (Party::Partner, customer_id)
        };
        blank_notifications(conn, &[other.as_str()], false, |message| {
            message["conversation_id"] == conversation_id.as_str()
                && message["sender"] == side.as_str()
        })?;
    }
    Ok(())
}

/// Empties the body of the `message.received` notifications to `recipients` whose message
/// `matches` (marking them hidden when `hidden`): what the in-app list, the feed and a
/// still-waiting email would show.
fn blank_notifications(
    conn: &mut DbConnection,
    recipients: &[&str],
    hidden: bool,
    matches: impl Fn(&serde_json::Value) -> bool,
) -> ApiResult<()> {
    let told: Vec<(String, String)> = outbox::table
        .filter(outbox::recipient_id.eq_any(recipients))
        .filter(outbox::kind.eq(Stored(EventType::MessageReceived)))
        .select((outbox::id, outbox::payload))
        .load(conn)?;
    for (id, payload) in told {
        let mut message: serde_json::Value = serde_json::from_str(&payload)
            .map_err(|error| ApiError::internal(format!("outbox {id}: {error}")))?;
        if !matches(&message) {
            continue;
        }
        message["body"] = serde_json::Value::from("");
        if hidden {
            message["hidden"] = serde_json::Value::from(true);
        }
        diesel::update(outbox::table.find(&id))
            .set(outbox::payload.eq(message.to_string()))
            .execute(conn)?;
        // The copies queued for the recipient's webhook endpoints carry the same words.
        let copies: Vec<(String, String)> = webhook_deliveries::table
            .filter(webhook_deliveries::event_id.eq(&id))
            .select((webhook_deliveries::id, webhook_deliveries::body))
            .load(conn)?;
        for (delivery_id, body) in copies {
            let mut event: serde_json::Value = serde_json::from_str(&body)
                .map_err(|error| ApiError::internal(format!("delivery {delivery_id}: {error}")))?;
            event["data"] = message.clone();
            diesel::update(webhook_deliveries::table.find(&delivery_id))
                .set(webhook_deliveries::body.eq(event.to_string()))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The id of the conversation of a job's request and pro, if one was opened.
pub fn of_job(conn: &mut DbConnection, job_id: &str) -> ApiResult<Option<String>> {
    let pair: Option<(String, String)> = jobs::table
        .find(job_id)
        .select((jobs::request_id, jobs::partner_id))
        .first(conn)
        .optional()?;
    let Some((request_id, partner_id)) = pair else {
        return Ok(None);
    };
    Ok(conversations::table
        .filter(conversations::request_id.eq(request_id))
        .filter(conversations::partner_id.eq(partner_id))
        .select(conversations::id)
        .first(conn)
        .optional()?)
}
