//! The transactional outbox: one row per notification, written with the state change it reports.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::notify::{OutboxFilter, OutboxMessage, OutboxStatus};
use shared_types::{Page, PageParams};

use crate::db::schema::{outbox, outbox_deliveries};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;

/// Deletes the notifications created before `before` that are done with (sent or failed), with
/// their per-channel delivery records (the retention sweep); returns how many went.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    let done = outbox::table
        .filter(outbox::created_at.lt(before))
        .filter(outbox::status.ne(Stored(OutboxStatus::Pending)))
        .select(outbox::id);
    diesel::delete(outbox_deliveries::table.filter(outbox_deliveries::outbox_id.eq_any(done)))
        .execute(conn)?;
    Ok(diesel::delete(
        outbox::table
            .filter(outbox::created_at.lt(before))
            .filter(outbox::status.ne(Stored(OutboxStatus::Pending))),
    )
    .execute(conn)?)
}

/// Queues a notification of `kind` (e.g. `lead.offered`) for `recipient_id`.
pub fn enqueue(
    conn: &mut DbConnection,
    recipient_id: &str,
    kind: &str,
    payload: &serde_json::Value,
    now: NaiveDateTime,
) -> ApiResult<()> {
    enqueue_many(
        conn,
        kind,
        &[(recipient_id.to_owned(), payload.clone())],
        now,
    )
}

/// Queues one notification of `kind` per `(recipient_id, payload)`, in as few statements as
/// the backend allows.
pub fn enqueue_many(
    conn: &mut DbConnection,
    kind: &str,
    notifications: &[(String, serde_json::Value)],
    now: NaiveDateTime,
) -> ApiResult<()> {
    let rows: Vec<_> = notifications
        .iter()
        .map(|(recipient_id, payload)| {
            (
                outbox::id.eq(db::new_id()),
                outbox::recipient_id.eq(recipient_id),
                outbox::kind.eq(kind),
                outbox::payload.eq(payload.to_string()),
                outbox::status.eq(Stored(OutboxStatus::Pending)),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::created_at.eq(now),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        crate::batch_insert!(conn, outbox::table, chunk)?;
    }
    Ok(())
}

type OutboxRow = (
    String,
    String,
    String,
    String,
    Stored<OutboxStatus>,
    i32,
    NaiveDateTime,
    Option<String>,
    NaiveDateTime,
);

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
                    kind,
                    payload: serde_json::from_str(&payload).unwrap_or_default(),
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
