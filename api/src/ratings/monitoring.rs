//! The monitoring list (000: "anyone below 3 stars is monitored"): users whose recent ratings
//! average below 3 stars, and what staff did about them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::auth::Role;
use shared_types::ratings::{MonitoringEntry, MonitoringEvent, MonitoringFilter, MonitoringStatus};
use shared_types::{ErrorCode, Page, PageParams};

use super::score;
use crate::admin::audit::{self, Change};
use crate::auth::suspension;
use crate::db::schema::{monitoring, monitoring_events, users};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

type EntryRow = (
    String,
    Stored<MonitoringStatus>,
    String,
    f64,
    i32,
    NaiveDateTime,
    NaiveDateTime,
);

const COLUMNS: (
    monitoring::user_id,
    monitoring::status,
    monitoring::reason,
    monitoring::average_stars,
    monitoring::rating_count,
    monitoring::flagged_at,
    monitoring::updated_at,
) = (
    monitoring::user_id,
    monitoring::status,
    monitoring::reason,
    monitoring::average_stars,
    monitoring::rating_count,
    monitoring::flagged_at,
    monitoring::updated_at,
);

/// Puts `user_id` on the list when their recent ratings call for it (see
/// [`score::needs_watching`]), or refreshes the figures of an open entry. Someone staff cleared
/// comes back only when a new rating (`new_rating`) keeps them below; a suspended account
/// stays as it is.
pub fn check(
    conn: &mut DbConnection,
    user_id: &str,
    recent_stars: &[i32],
    new_rating: bool,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let Some(average) = score::needs_watching(recent_stars) else {
        return Ok(());
    };
    let count = i32::try_from(recent_stars.len()).unwrap_or(i32::MAX);
    let reason = format!(
        "average {average:.2} stars over {count} ratings in the last {} days",
        score::MONITORING_DAYS
    );
    let status: Option<String> = monitoring::table
        .find(user_id)
        .select(monitoring::status)
        .first(conn)
        .optional()?;
    match status.as_deref().and_then(MonitoringStatus::parse) {
        Some(MonitoringStatus::Suspended | MonitoringStatus::Unknown) => Ok(()),
        Some(MonitoringStatus::Cleared) if !new_rating => Ok(()),
        Some(MonitoringStatus::Watching) => {
            diesel::update(monitoring::table.find(user_id))
                .set((
                    monitoring::reason.eq(&reason),
                    monitoring::average_stars.eq(average),
                    monitoring::rating_count.eq(count),
                    monitoring::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(())
        }
        Some(MonitoringStatus::Cleared) | None => {
            if status.is_some() {
                diesel::delete(monitoring::table.find(user_id)).execute(conn)?;
            }
            diesel::insert_into(monitoring::table)
                .values((
                    monitoring::user_id.eq(user_id),
                    monitoring::status.eq(MonitoringStatus::Watching.as_str()),
                    monitoring::reason.eq(&reason),
                    monitoring::average_stars.eq(average),
                    monitoring::rating_count.eq(count),
                    monitoring::flagged_at.eq(now),
                    monitoring::updated_at.eq(now),
                ))
                .execute(conn)?;
            log(conn, user_id, "flagged", &reason, None, now)
        }
    }
}

fn log(
    conn: &mut DbConnection,
    user_id: &str,
    action: &str,
    note: &str,
    actor_id: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::insert_into(monitoring_events::table)
        .values((
            monitoring_events::id.eq(db::new_id()),
            monitoring_events::user_id.eq(user_id),
            monitoring_events::action.eq(action),
            monitoring_events::note.eq(note),
            monitoring_events::actor_id.eq(actor_id),
            monitoring_events::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Staff: the list (by default those being watched), with each entry's history.
pub fn list(
    conn: &mut DbConnection,
    filter: &MonitoringFilter,
    page: &PageParams,
) -> ApiResult<Page<MonitoringEntry>> {
    let limit = i64::from(page.limit());
    let status = filter.status.unwrap_or(MonitoringStatus::Watching);
    let mut query = monitoring::table
        .filter(monitoring::status.eq(status.as_str()))
        .order(monitoring::user_id)
        .limit(limit + 1)
        .select(COLUMNS)
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(monitoring::user_id.gt(cursor));
    }
    let rows: Vec<EntryRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    let items = entries(conn, rows)?;
    Ok(Page { items, next_cursor })
}

fn entries(conn: &mut DbConnection, rows: Vec<EntryRow>) -> ApiResult<Vec<MonitoringEntry>> {
    let ids: Vec<&String> = rows.iter().map(|row| &row.0).collect();
    let people: std::collections::HashMap<String, (String, Role)> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::name, users::role))
        .load::<(String, String, Stored<Role>)>(conn)?
        .into_iter()
        .map(|(id, name, Stored(role))| (id, (name, role)))
        .collect();
    let mut history: std::collections::HashMap<String, Vec<MonitoringEvent>> =
        std::collections::HashMap::new();
    let events: Vec<(String, String, String, Option<String>, NaiveDateTime)> =
        monitoring_events::table
            .filter(monitoring_events::user_id.eq_any(&ids))
            .order(monitoring_events::id)
            .select((
                monitoring_events::user_id,
                monitoring_events::action,
                monitoring_events::note,
                monitoring_events::actor_id,
                monitoring_events::created_at,
            ))
            .load(conn)?;
    for (user_id, action, note, actor_id, at) in events {
        history.entry(user_id).or_default().push(MonitoringEvent {
            action,
            note,
            actor_id,
            at: at.and_utc(),
        });
    }
    rows.into_iter()
        .map(
            |(user_id, status, reason, average_stars, rating_count, flagged, updated)| {
                let (name, role) = people
                    .get(&user_id)
                    .cloned()
                    .ok_or_else(|| ApiError::internal(format!("no account {user_id}")))?;
                Ok(MonitoringEntry {
                    name,
                    role,
                    status: status.0,
                    reason,
                    average_stars,
                    rating_count,
                    flagged_at: flagged.and_utc(),
                    updated_at: updated.and_utc(),
                    history: history.remove(&user_id).unwrap_or_default(),
                    user_id,
                })
            },
        )
        .collect()
}

fn entry(conn: &mut DbConnection, user_id: &str) -> ApiResult<MonitoringEntry> {
    let row: EntryRow = monitoring::table
        .find(user_id)
        .select(COLUMNS)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("monitoring entry"))?;
    entries(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("monitoring entry lost"))
}

/// What staff may do to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    Note,
    Clear,
    Suspend,
    /// Lifts the suspension; the entry goes back to `watching`.
    Reinstate,
}

/// Staff act on an entry, with a note that joins its history (and the audit log). Clearing
/// takes a watched user off the list; suspending blocks new sessions (and a pro's profile).
pub fn act(
    conn: &mut DbConnection,
    staff_id: &str,
    user_id: &str,
    action: StaffAction,
    note: &str,
    now: NaiveDateTime,
) -> ApiResult<MonitoringEntry> {
    let before = entry(conn, user_id)?;
    let (name, allowed_from, to) = match action {
        StaffAction::Note => (
            "note",
            &[
                MonitoringStatus::Watching,
                MonitoringStatus::Cleared,
                MonitoringStatus::Suspended,
            ][..],
            None,
        ),
        StaffAction::Clear => (
            "cleared",
            &[MonitoringStatus::Watching][..],
            Some(MonitoringStatus::Cleared),
        ),
        StaffAction::Suspend => (
            "suspended",
            &[MonitoringStatus::Watching, MonitoringStatus::Cleared][..],
            Some(MonitoringStatus::Suspended),
        ),
        StaffAction::Reinstate => (
            "reinstated",
            &[MonitoringStatus::Suspended][..],
            Some(MonitoringStatus::Watching),
        ),
    };
    if let Some(to) = to {
        let from: Vec<&str> = allowed_from.iter().map(|s| s.as_str()).collect();
        let moved = diesel::update(
            monitoring::table
                .find(user_id)
                .filter(monitoring::status.eq_any(&from)),
        )
        .set((
            monitoring::status.eq(to.as_str()),
            monitoring::updated_at.eq(now),
        ))
        .execute(conn)?;
        if moved == 0 {
            return Err(ApiError::new(
                ErrorCode::InvalidTransition,
                format!("this entry is {}", before.status.as_str()),
            ));
        }
    }
    let decision = suspension::Decision {
        staff_id,
        user_id,
        reason: note,
        now,
    };
    match action {
        StaffAction::Suspend => {
            suspension::suspend(conn, decision)?;
        }
        StaffAction::Reinstate => {
            suspension::reinstate(conn, decision)?;
        }
        StaffAction::Note | StaffAction::Clear => {}
    }
    log(conn, user_id, name, note.trim(), Some(staff_id), now)?;
    audit::record(
        conn,
        Change {
            actor_id: staff_id,
            action: &format!("monitoring.{name}"),
            subject_type: "user",
            subject_id: user_id,
            before: Some(serde_json::json!({ "status": before.status.as_str() })),
            after: to.map(|to| serde_json::json!({ "status": to.as_str() })),
            reason: Some(note.trim()),
        },
        now,
    )?;
    entry(conn, user_id)
}
