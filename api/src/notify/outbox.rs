//! The transactional outbox: one row per notification, written with the state change it reports.

use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;

/// Queues a notification of `kind` (e.g. `lead.offered`) for `recipient_id`.
pub fn enqueue(
    conn: &mut DbConnection,
    recipient_id: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> ApiResult<()> {
    let now = db::now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(db::new_id()),
            outbox::recipient_id.eq(recipient_id),
            outbox::kind.eq(kind),
            outbox::payload.eq(payload.to_string()),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
