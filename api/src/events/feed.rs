//! The event feed: a recipient's events in the order they committed, numbered 1, 2, 3, …
//! without gaps, kept as long as the outbox keeps them (`NOTIFICATION_RETENTION_DAYS`).

use chrono::NaiveDateTime;
use diesel::dsl::min;
use diesel::prelude::*;
use shared_types::ErrorCode;
use shared_types::events::{Event, EventFeed, EventFeedQuery, EventType};

use crate::db::schema::{event_counters, outbox};
use crate::db::text_enum::Stored;
use crate::db::{DbConnection, snapshot_read};
use crate::error::{ApiError, ApiResult};

/// An event as the outbox holds it: id, position, type, payload, time.
pub type EventRow = (
    String,
    Option<i64>,
    Stored<EventType>,
    String,
    NaiveDateTime,
);

/// The outbox columns of an [`EventRow`].
pub const EVENT_COLUMNS: (
    outbox::id,
    outbox::stream_seq,
    outbox::kind,
    outbox::payload,
    outbox::created_at,
) = (
    outbox::id,
    outbox::stream_seq,
    outbox::kind,
    outbox::payload,
    outbox::created_at,
);

/// The last position given in `recipient_id`'s feed (0 before the first event).
pub fn last_position(conn: &mut DbConnection, recipient_id: &str) -> ApiResult<i64> {
    Ok(event_counters::table
        .find(recipient_id)
        .select(event_counters::last_seq)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// `recipient_id`'s events after `query.after` (0: from the oldest kept), read in one snapshot
/// so that a retention sweep committing meanwhile cannot make it skip events. A cursor whose next
/// events the sweep removed is 410 `events_expired`: reading on would skip them silently. A
/// cursor beyond the newest event reads nothing and comes back as the newest position.
pub fn read(
    conn: &mut DbConnection,
    recipient_id: &str,
    query: &EventFeedQuery,
) -> ApiResult<EventFeed> {
    let types = query.type_filter().map_err(|name| {
        ApiError::invalid_field("types", format!("{name:?} is not an event type"))
    })?;
    let limit = i64::from(query.limit.unwrap_or(EventFeedQuery::DEFAULT_LIMIT));
    snapshot_read(conn, |conn| {
        // Every position up to `last` is given, so the page below cannot miss one.
        let last = last_position(conn, recipient_id)?;
        let oldest_kept: Option<i64> = outbox::table
            .filter(outbox::recipient_id.eq(recipient_id))
            .select(min(outbox::stream_seq))
            .first(conn)?;
        let first_kept = oldest_kept.unwrap_or(last.saturating_add(1));
        let next = query.after.saturating_add(1);
        if query.after > 0 && next < first_kept {
            return Err(ApiError::new(
                ErrorCode::EventsExpired,
                format!(
                    "events {next} to {} are no longer kept; read from after=0 (the oldest \
                     kept is {first_kept})",
                    first_kept - 1
                ),
            ));
        }
        let mut rows = outbox::table
            .filter(outbox::recipient_id.eq(recipient_id))
            .filter(outbox::stream_seq.gt(query.after))
            .filter(outbox::stream_seq.le(last))
            .order(outbox::stream_seq)
            .limit(limit + 1)
            .select(EVENT_COLUMNS)
            .into_boxed();
        if let Some(types) = types {
            rows = rows.filter(outbox::kind.eq_any(types.into_iter().map(Stored)));
        }
        let mut rows: Vec<EventRow> = rows.load(conn)?;
        let has_more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let events: Vec<Event> = rows.into_iter().map(view).collect();
        let next_after = match events.last() {
            Some(event) if has_more => event.sequence,
            _ => last,
        };
        Ok(EventFeed {
            events,
            next_after,
            has_more,
        })
    })
}

/// The event as the feed, the stream and webhooks show it.
pub fn view((id, sequence, Stored(event_type), payload, created_at): EventRow) -> Event {
    Event {
        id,
        event_type,
        created_at: created_at.and_utc(),
        sequence: sequence.unwrap_or_default(),
        data: serde_json::from_str(&payload).unwrap_or_default(),
    }
}
