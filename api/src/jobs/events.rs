//! A job's timeline: every transition, proposal, signature and cancellation, with who and when.
//! Each entry is written in the transaction of the change it records, together with the
//! notification to the other side.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::events::EventData;
use shared_types::jobs::{JobEvent, JobEventKind, Party};

use super::model::{self, Actor, JobRow};
use crate::db::schema::job_events;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::notify::outbox;

/// Records `kind` on the job's timeline and tells the other side (both sides when staff or the
/// service acted) through the outbox as `job.<kind>`, with the job as it is now. Call it after
/// the change is written.
pub fn record(
    conn: &mut DbConnection,
    job: &JobRow,
    kind: JobEventKind,
    actor: &Actor,
    detail: serde_json::Value,
    at: NaiveDateTime,
) -> ApiResult<()> {
    append(conn, &job.id, kind, actor, &detail, at)?;
    let row = model::find(conn, &job.id)?;
    let current = model::view(conn, row)?;
    let event = EventData::of_job_event(kind, current)
        .ok_or_else(|| ApiError::internal("a job event of no known kind"))?;
    for recipient in job.counterparts(actor.party) {
        outbox::enqueue(conn, recipient, event.clone(), at)?;
    }
    Ok(())
}

/// Records `kind` on the timeline without notifying anyone (the caller already does).
pub fn append(
    conn: &mut DbConnection,
    job_id: &str,
    kind: JobEventKind,
    actor: &Actor,
    detail: &serde_json::Value,
    at: NaiveDateTime,
) -> ApiResult<()> {
    // The timeline is read between the conversation's messages, by id. Its entry takes the
    // conversation's turn (as a message does) before its id is made, so that no message with a
    // later id commits before it and a reader polling `after` that message never skips it.
    if let Some(conversation_id) = crate::conversations::oversight::of_job(conn, job_id)? {
        crate::conversations::model::lock(conn, &conversation_id)?;
    }
    diesel::insert_into(job_events::table)
        .values((
            job_events::id.eq(db::new_id()),
            job_events::job_id.eq(job_id),
            job_events::kind.eq(kind.as_str()),
            job_events::actor.eq(actor.party.as_str()),
            job_events::actor_id.eq(actor.id()),
            job_events::detail.eq(detail.to_string()),
            job_events::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The whole timeline, oldest first.
pub fn list(conn: &mut DbConnection, job_id: &str) -> ApiResult<Vec<JobEvent>> {
    type Row = (
        String,
        String,
        Stored<JobEventKind>,
        Stored<Party>,
        Option<String>,
        String,
        NaiveDateTime,
    );
    let rows: Vec<Row> = job_events::table
        .filter(job_events::job_id.eq(job_id))
        .order(job_events::id.asc())
        .select((
            job_events::id,
            job_events::job_id,
            job_events::kind,
            job_events::actor,
            job_events::actor_id,
            job_events::detail,
            job_events::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, job_id, kind, actor, actor_id, detail, at)| JobEvent {
            id,
            job_id,
            kind: kind.0,
            actor: actor.0,
            actor_id,
            detail: serde_json::from_str(&detail).unwrap_or_default(),
            at: at.and_utc(),
        })
        .collect())
}
