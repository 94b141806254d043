//! The audit log: every change staff make, with who, what, when, before and after. Written in
//! the same transaction as the change itself.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::partners::{AuditEntry, AuditFilter};
use shared_types::{Page, PageParams};

use crate::db::schema::audit_log;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;

/// What changed; `before`/`after` are JSON snapshots of the subject (absent on create/delete).
pub struct Change<'a> {
    pub actor_id: &'a str,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<&'a str>,
}

pub fn record(conn: &mut DbConnection, change: Change<'_>, now: NaiveDateTime) -> ApiResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(db::new_id()),
            audit_log::actor_id.eq(change.actor_id),
            audit_log::action.eq(change.action),
            audit_log::subject_type.eq(change.subject_type),
            audit_log::subject_id.eq(change.subject_id),
            audit_log::before_json.eq(change.before.map(|v| v.to_string())),
            audit_log::after_json.eq(change.after.map(|v| v.to_string())),
            audit_log::reason.eq(change.reason),
            audit_log::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: String,
    actor_id: String,
    action: String,
    subject_type: String,
    subject_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    reason: Option<String>,
    created_at: NaiveDateTime,
}

/// Newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: &PageParams,
) -> ApiResult<Page<AuditEntry>> {
    let limit = i64::from(page.limit());
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(subject) = &filter.subject_id {
        query = query.filter(audit_log::subject_id.eq(subject));
    }
    if let Some(actor) = &filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(action) = &filter.action {
        // Actions are lower-case; SQLite's LIKE ignores ASCII case and PostgreSQL's does not.
        let prefix = db::starting_with(&action.to_ascii_lowercase());
        query = query.filter(audit_log::action.like(prefix).escape('\\'));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(audit_log::id.lt(cursor));
    }
    let rows: Vec<AuditRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    let parse = |json: Option<String>| json.and_then(|text| serde_json::from_str(&text).ok());
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| AuditEntry {
                id: row.id,
                actor_id: row.actor_id,
                action: row.action,
                subject_type: row.subject_type,
                subject_id: row.subject_id,
                before: parse(row.before_json),
                after: parse(row.after_json),
                reason: row.reason,
                created_at: row.created_at.and_utc(),
            })
            .collect(),
        next_cursor,
    })
}
