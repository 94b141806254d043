//! The in-app notification list: every outbox message addressed to the user, whatever the
//! push and email preferences, with its read state.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use shared_types::events::EventType;
use shared_types::notify::{Notification, NotificationCategory, NotificationFilter};
use shared_types::{Page, PageParams};

use super::message;
use crate::db::schema::outbox;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;

/// The columns a notification is shown from.
pub type NotificationRow = (
    String,
    Stored<EventType>,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

pub const COLUMNS: (
    outbox::id,
    outbox::kind,
    outbox::payload,
    outbox::created_at,
    outbox::read_at,
) = (
    outbox::id,
    outbox::kind,
    outbox::payload,
    outbox::created_at,
    outbox::read_at,
);

/// How a stored message reads in the app at `now`.
pub fn view(row: NotificationRow, now: DateTime<Utc>) -> Notification {
    let (id, Stored(kind), payload, created_at, read_at) = row;
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    let mut rendered = message::render(kind, &payload, now.naive_utc());
    let deep_link = rendered.data.remove("deep_link").unwrap_or_default();
    rendered.data.remove("kind");
    Notification {
        id,
        category: NotificationCategory::of_kind(kind),
        kind,
        title: rendered.title,
        body: rendered.body,
        deep_link,
        data: rendered.data,
        created_at: created_at.and_utc(),
        read_at: read_at.map(|at| at.and_utc()),
    }
}

/// The user's notifications, newest first.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    filter: &NotificationFilter,
    page: &PageParams,
    now: DateTime<Utc>,
) -> ApiResult<Page<Notification>> {
    let limit = i64::from(page.limit());
    let mut query = outbox::table
        .filter(outbox::recipient_id.eq(user_id))
        .select(COLUMNS)
        .order(outbox::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if filter.unread == Some(true) {
        query = query.filter(outbox::read_at.is_null());
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(outbox::id.lt(cursor));
    }
    let rows: Vec<NotificationRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    Ok(Page {
        items: rows.into_iter().map(|row| view(row, now)).collect(),
        next_cursor,
    })
}

/// Marks the user's unread notifications among `ids` (all of them when `None`) as read;
/// returns how many changed. Ids of other users' notifications change nothing.
pub fn mark_read(
    conn: &mut DbConnection,
    user_id: &str,
    ids: Option<&[String]>,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let mine = outbox::table
        .filter(outbox::recipient_id.eq(user_id))
        .filter(outbox::read_at.is_null());
    let marked = match ids {
        Some(ids) => diesel::update(mine.filter(outbox::id.eq_any(ids)))
            .set(outbox::read_at.eq(now.naive_utc()))
            .execute(conn)?,
        None => diesel::update(mine)
            .set(outbox::read_at.eq(now.naive_utc()))
            .execute(conn)?,
    };
    Ok(i64::try_from(marked).unwrap_or(i64::MAX))
}
