//! Deliveries: one event on its way to one endpoint, and the log of its attempts. A delivery's
//! body is fixed when it is queued, so every attempt (and a redelivery) sends the same bytes with
//! the same `webhook-id` (the event's id).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::events::{Event, EventType};
use shared_types::webhook_endpoints::{
    DeliveryAttempt, DeliveryStatus, QueuedDeliveries, ReplayInput, WebhookDelivery,
};
use shared_types::{Page, PageParams};

use super::endpoints::{self, EndpointRow};
use crate::db::schema::{outbox, webhook_attempts, webhook_deliveries};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::events::feed::{self, EVENT_COLUMNS, EventRow};

/// How long a delivery's log is kept once it is done with.
pub const RETENTION: std::time::Duration = std::time::Duration::from_hours(24 * 30);

/// Deletes the deliveries queued before `before` that are done with (succeeded or failed), with
/// their attempts (the retention sweep); returns how many went.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    let done = webhook_deliveries::table
        .filter(webhook_deliveries::created_at.lt(before))
        .filter(webhook_deliveries::status.ne(Stored(DeliveryStatus::Pending)))
        .select(webhook_deliveries::id);
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(done)))
        .execute(conn)?;
    Ok(diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::created_at.lt(before))
            .filter(webhook_deliveries::status.ne(Stored(DeliveryStatus::Pending))),
    )
    .execute(conn)?)
}

/// Queues `event` for `endpoint`.
pub fn queue(
    conn: &mut DbConnection,
    endpoint_id: &str,
    event: &Event,
    now: NaiveDateTime,
) -> ApiResult<String> {
    let body = serde_json::to_string(event).map_err(ApiError::internal)?;
    insert(conn, endpoint_id, (&event.id, event.event_type, &body), now)
}

/// A pending delivery of the event `(id, type, body)`, due at once.
fn insert(
    conn: &mut DbConnection,
    endpoint_id: &str,
    (event_id, event_type, body): (&str, EventType, &str),
    now: NaiveDateTime,
) -> ApiResult<String> {
    let id = db::new_id();
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(&id),
            webhook_deliveries::endpoint_id.eq(endpoint_id),
            webhook_deliveries::event_id.eq(event_id),
            webhook_deliveries::event_type.eq(Stored(event_type)),
            webhook_deliveries::body.eq(body),
            webhook_deliveries::status.eq(Stored(DeliveryStatus::Pending)),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::created_at.eq(now),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Queues the events just given their feed positions (`sequenced`: outbox id and recipient)
/// for every enabled endpoint of their recipients that wants them. Runs in the sequencer's
/// transaction, so each event is queued exactly once however many replicas run.
pub fn fan_out(
    conn: &mut DbConnection,
    sequenced: &[(String, String)],
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let mut owners: Vec<&str> = sequenced.iter().map(|(_, r)| r.as_str()).collect();
    owners.sort_unstable();
    owners.dedup();
    let mut endpoints_of: HashMap<String, Vec<EndpointRow>> = HashMap::new();
    for chunk in owners.chunks(1000) {
        for endpoint in endpoints::enabled_of(conn, chunk)? {
            endpoints_of
                .entry(endpoint.user_id.clone())
                .or_default()
                .push(endpoint);
        }
    }
    if endpoints_of.is_empty() {
        return Ok(0);
    }
    let ids: Vec<&str> = sequenced
        .iter()
        .filter(|(_, recipient)| endpoints_of.contains_key(recipient))
        .map(|(id, _)| id.as_str())
        .collect();
    let mut queued = 0;
    for chunk in ids.chunks(1000) {
        let rows: Vec<(String, EventRow)> = outbox::table
            .filter(outbox::id.eq_any(chunk))
            .order(outbox::stream_seq)
            .select((outbox::recipient_id, EVENT_COLUMNS))
            .load(conn)?;
        for (recipient, row) in rows {
            let event = feed::view(row);
            for endpoint in endpoints_of.get(&recipient).into_iter().flatten() {
                if endpoint.wants(event.event_type) {
                    queue(conn, &endpoint.id, &event, now)?;
                    queued += 1;
                }
            }
        }
    }
    Ok(queued)
}

/// Queues a `webhook.ping` for the endpoint (a test; never on the feed).
pub fn ping(
    conn: &mut DbConnection,
    endpoint: &EndpointRow,
    now: NaiveDateTime,
) -> ApiResult<QueuedDeliveries> {
    let event = Event {
        id: db::new_id(),
        event_type: EventType::WebhookPing,
        created_at: now.and_utc(),
        sequence: 0,
        data: serde_json::to_value(endpoint.view()).map_err(ApiError::internal)?,
    };
    queue(conn, &endpoint.id, &event, now)?;
    Ok(QueuedDeliveries { queued: 1 })
}

/// The most events one replay queues; a longer period is refused (replay it in parts).
pub const MAX_REPLAY: i64 = 10_000;

/// Queues again the owner's events from `input.since` to `input.until` that are still kept and
/// that the endpoint (or `input.event_types`, when not empty) wants.
pub fn replay(
    conn: &mut DbConnection,
    endpoint: &EndpointRow,
    input: &ReplayInput,
    now: NaiveDateTime,
) -> ApiResult<QueuedDeliveries> {
    let in_period: i64 = outbox::table
        .filter(outbox::recipient_id.eq(&endpoint.user_id))
        .filter(outbox::stream_seq.is_not_null())
        .filter(outbox::created_at.ge(input.since.naive_utc()))
        .filter(outbox::created_at.lt(input.until.naive_utc()))
        .count()
        .get_result(conn)?;
    if in_period > MAX_REPLAY {
        return Err(ApiError::invalid_field(
            "until",
            format!(
                "the period holds {in_period} events; replay at most {MAX_REPLAY} at a time \
                 (a shorter period)"
            ),
        ));
    }
    let rows: Vec<EventRow> = outbox::table
        .filter(outbox::recipient_id.eq(&endpoint.user_id))
        .filter(outbox::stream_seq.is_not_null())
        .filter(outbox::created_at.ge(input.since.naive_utc()))
        .filter(outbox::created_at.lt(input.until.naive_utc()))
        .order(outbox::stream_seq)
        .select(EVENT_COLUMNS)
        .load(conn)?;
    let mut queued = 0;
    for row in rows {
        let event = feed::view(row);
        let wanted = match &input.event_types {
            Some(types) if !types.is_empty() => types.contains(&event.event_type),
            _ => endpoint.wants(event.event_type),
        };
        if wanted {
            queue(conn, &endpoint.id, &event, now)?;
            queued += 1;
        }
    }
    Ok(QueuedDeliveries { queued })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: String,
    event_id: String,
    #[diesel(deserialize_as = Stored<EventType>)]
    event_type: EventType,
    #[diesel(deserialize_as = Stored<DeliveryStatus>)]
    status: DeliveryStatus,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

type AttemptRow = (
    String,
    NaiveDateTime,
    Option<i32>,
    i64,
    Option<String>,
    Option<String>,
);

/// The endpoint's deliveries, newest first, each with its attempts (newest first).
pub fn list(
    conn: &mut DbConnection,
    endpoint_id: &str,
    page: &PageParams,
) -> ApiResult<Page<WebhookDelivery>> {
    let limit = i64::from(page.limit());
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order(webhook_deliveries::id.desc())
        .limit(limit + 1)
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(webhook_deliveries::id.lt(cursor));
    }
    let (rows, next_cursor) = db::split_page(query.load(conn)?, limit, |row| row.id.clone());
    let items = views(conn, rows)?;
    Ok(Page { items, next_cursor })
}

fn views(conn: &mut DbConnection, rows: Vec<DeliveryRow>) -> ApiResult<Vec<WebhookDelivery>> {
    let ids: Vec<&String> = rows.iter().map(|row| &row.id).collect();
    let mut attempts_of: HashMap<String, Vec<DeliveryAttempt>> = HashMap::new();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .order(webhook_attempts::attempted_at.desc())
        .select((
            webhook_attempts::delivery_id,
            webhook_attempts::attempted_at,
            webhook_attempts::status_code,
            webhook_attempts::latency_ms,
            webhook_attempts::response_excerpt,
            webhook_attempts::error,
        ))
        .load(conn)?;
    for (delivery_id, attempted_at, status_code, latency_ms, response_excerpt, error) in attempts {
        attempts_of
            .entry(delivery_id)
            .or_default()
            .push(DeliveryAttempt {
                attempted_at: attempted_at.and_utc(),
                status_code: status_code.and_then(|code| u16::try_from(code).ok()),
                latency_ms,
                response_excerpt,
                error,
            });
    }
    Ok(rows
        .into_iter()
        .map(|row| WebhookDelivery {
            attempt_log: attempts_of.remove(&row.id).unwrap_or_default(),
            id: row.id,
            event_id: row.event_id,
            event_type: row.event_type,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: (row.status == DeliveryStatus::Pending)
                .then(|| row.next_attempt_at.and_utc()),
            created_at: row.created_at.and_utc(),
        })
        .collect())
}

/// Sends one of the endpoint's deliveries again, as a new delivery with the same body.
pub fn redeliver(
    conn: &mut DbConnection,
    endpoint_id: &str,
    delivery_id: &str,
    now: NaiveDateTime,
) -> ApiResult<WebhookDelivery> {
    let (event_id, event_type, body): (String, Stored<EventType>, String) =
        webhook_deliveries::table
            .find(delivery_id)
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .select((
                webhook_deliveries::event_id,
                webhook_deliveries::event_type,
                webhook_deliveries::body,
            ))
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("delivery"))?;
    let id = insert(conn, endpoint_id, (&event_id, event_type.0, &body), now)?;
    let row = webhook_deliveries::table
        .find(&id)
        .select(DeliveryRow::as_select())
        .first(conn)?;
    Ok(views(conn, vec![row])?.remove(0))
}
