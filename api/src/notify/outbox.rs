//! The transactional outbox: one row per notification, written with the state change it reports.

use chrono::NaiveDateTime;
use std::collections::HashMap;

use diesel::dsl::{max, min};
use diesel::prelude::*;
use shared_types::events::{EventData, EventType};
use shared_types::notify::{OutboxFilter, OutboxMessage, OutboxStatus};
use shared_types::{Page, PageParams};

use crate::db::schema::{outbox, outbox_deliveries};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

/// Deletes the notifications created before `before` that are done with (sent or failed), with
/// their per-channel delivery records (the retention sweep); returns how many went.
///
/// Each recipient loses only a prefix of their feed: everything up to their newest old event,
/// but never their oldest pending one or anything after it. The feed can then tell a cursor that
/// points into what was deleted (410) from one that is merely up to date.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    let newest_old: Vec<(String, Option<i64>)> = outbox::table
        .filter(outbox::created_at.lt(before))
        .group_by(outbox::recipient_id)
        .select((outbox::recipient_id, max(outbox::stream_seq)))
        .load(conn)?;
    let oldest_pending: HashMap<String, Option<i64>> = outbox::table
        .filter(outbox::status.eq(Stored(OutboxStatus::Pending)))
        .group_by(outbox::recipient_id)
        .select((outbox::recipient_id, min(outbox::stream_seq)))
        .load(conn)?
        .into_iter()
        .collect();
    let mut purged = 0;
    for (recipient_id, newest_old) in newest_old {
        let Some(mut through) = newest_old else {
            continue;
        };
        // (A pending message not numbered yet comes after everything numbered.)
        if let Some(Some(pending)) = oldest_pending.get(&recipient_id) {
            through = through.min(pending - 1);
        }
        let gone = outbox::table
            .filter(outbox::recipient_id.eq(&recipient_id))
            .filter(outbox::stream_seq.le(through))
            .select(outbox::id);
        diesel::delete(outbox_deliveries::table.filter(outbox_deliveries::outbox_id.eq_any(gone)))
            .execute(conn)?;
        purged += diesel::delete(
            outbox::table
                .filter(outbox::recipient_id.eq(&recipient_id))
                .filter(outbox::stream_seq.le(through)),
        )
        .execute(conn)?;
    }
    Ok(purged)
}

/// Queues `event` for `recipient_id`.
pub fn enqueue(
    conn: &mut DbConnection,
    recipient_id: &str,
    event: EventData,
    now: NaiveDateTime,
) -> ApiResult<()> {
    enqueue_many(conn, vec![(recipient_id.to_owned(), event)], now)
}

/// Queues one event per `(recipient_id, event)`, in as few statements as the backend allows.
pub fn enqueue_many(
    conn: &mut DbConnection,
    events: Vec<(String, EventData)>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let rows = events
        .into_iter()
        .map(|(recipient_id, event)| {
            let (kind, data) = stored_form(event)?;
            Ok((
                outbox::id.eq(db::new_id()),
                outbox::recipient_id.eq(recipient_id),
                outbox::kind.eq(Stored(kind)),
                outbox::payload.eq(data),
                outbox::status.eq(Stored(OutboxStatus::Pending)),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::created_at.eq(now),
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    for chunk in rows.chunks(1000) {
        crate::batch_insert!(conn, outbox::table, chunk)?;
    }
    Ok(())
}

/// An event as the outbox keeps it: its type, and its `data` as JSON text.
fn stored_form(event: EventData) -> ApiResult<(EventType, String)> {
    let kind = event.event_type();
    let mut tagged = serde_json::to_value(event)
        .map_err(|err| ApiError::internal(format!("event not serialisable: {err}")))?;
    let data = tagged
        .get_mut("data")
        .map(serde_json::Value::take)
        .unwrap_or_default();
    Ok((kind, data.to_string()))
}

type OutboxRow = (
    String,
    String,
    Stored<EventType>,
    String,
    Stored<OutboxStatus>,
    i32,
    NaiveDateTime,
    Option<String>,
    NaiveDateTime,
);

/// A notification's data as staff see it in the outbox: a message's words are left out (staff
/// read a conversation only on a dispute or a report, audit-logged, through its own endpoints).
fn staff_view(kind: EventType, payload: &str) -> serde_json::Value {
    let mut data: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    if kind == EventType::MessageReceived {
        data["body"] = serde_json::Value::from("");
    }
    data
}

/// Staff: the outbox, newest first (`status=failed` shows what never arrived, and why).
pub fn list(
    conn: &mut DbConnection,
    filter: &OutboxFilter,
    page: &PageParams,
) -> ApiResult<Page<OutboxMessage>> {
    let limit = i64::from(page.limit());
    let mut query = outbox::table
        .select((
            outbox::id,
            outbox::recipient_id,
            outbox::kind,
            outbox::payload,
            outbox::status,
            outbox::attempts,
            outbox::next_attempt_at,
            outbox::last_error,
            outbox::created_at,
        ))
        .order(outbox::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(outbox::status.eq(status.as_str()));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(outbox::id.lt(cursor));
    }
    let rows: Vec<OutboxRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    let items = rows
        .into_iter()
        .map(
            |(id, recipient_id, kind, payload, status, attempts, next, last_error, created)| {
                OutboxMessage {
                    id,
                    recipient_id,
                    kind: kind.0,
                    payload: staff_view(kind.0, &payload),
                    status: status.0,
                    attempts,
                    next_attempt_at: next.and_utc(),
                    last_error,
                    created_at: created.and_utc(),
                }
            },
        )
        .collect();
    Ok(Page { items, next_cursor })
}
