//! Data export: an archive of everything held about the person, each part as the API shows it
//! to them, read from one snapshot and kept for a week to download.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::account::{ConversationRecord, DataArchive, DataExport, JobRecord};
use shared_types::auth::Role;
use shared_types::jobs::JobFilter;
use shared_types::notify::NotificationFilter;
use shared_types::requests::{DetailReadFilter, LeadFilter};
use shared_types::wallet::PayoutFilter;
use shared_types::{Page, PageParams};

use super::{accounts, api_keys, sessions};
use crate::config::Settings;
use crate::db::schema::data_exports;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::events::webhooks::endpoints;
use crate::jobs::{self, customer as job_customer, events as job_events, model::Actor};
use crate::notify::{devices, inbox, preferences};
use crate::partners::profiles;
use crate::ratings::reviews;
use crate::requests::{intake, leads};
use crate::wallet::{balances, payments, payouts};

/// How long an archive can be downloaded.
const KEPT: chrono::Duration = chrono::Duration::days(7);
/// At most this many archives a day: each reads everything.
const PER_DAY: i64 = 3;

/// Every item of a paginated listing, page after page.
fn all<T>(mut page_of: impl FnMut(&PageParams) -> ApiResult<Page<T>>) -> ApiResult<Vec<T>> {
    let mut items = Vec::new();
    let mut params = PageParams {
        limit: Some(100),
        cursor: None,
    };
    loop {
        let page = page_of(&params)?;
        items.extend(page.items);
        match page.next_cursor {
            Some(cursor) => params.cursor = Some(cursor),
            None => return Ok(items),
        }
    }
}

/// Reads the person's archive. Run inside a snapshot read.
pub fn archive(
    conn: &mut DbConnection,
    user_id: &str,
    settings: &Settings,
    now: NaiveDateTime,
) -> ApiResult<DataArchive> {
    let user = accounts::find_by_id(conn, user_id)?;
    let role = user.role;
    let actor = Actor::new(user_id.to_owned(), role);
    let is_customer = role == Role::Customer;
    let is_partner = role == Role::Partner;

    let job_list = if is_customer || is_partner {
        all(|page| jobs::list_own(conn, &actor, &JobFilter::default(), page))?
    } else {
        Vec::new()
    };
    let window = crate::ratings::window(settings);
    let mut job_records = Vec::with_capacity(job_list.len());
    for job in job_list {
        job_records.push(JobRecord {
            timeline: job_events::list(conn, &job.id)?,
            payments: payments::of_job(conn, &actor, &job.id)?,
            ratings: reviews::of_job(conn, &actor, &job.id, window)?,
            job,
        });
    }
    let customer_detail_reads = if is_customer {
        let mut reads = Vec::new();
        for record in &job_records {
            let filter = DetailReadFilter {
                job_id: Some(record.job.id.clone()),
                ..DetailReadFilter::default()
            };
            reads.extend(all(|page| job_customer::detail_reads(conn, &filter, page))?);
        }
        reads
    } else {
        Vec::new()
    };
    let offered = if is_partner {
        all(|page| leads::list(conn, user_id, &LeadFilter::default(), page))?
    } else {
        Vec::new()
    };
    let (partner_profile, wallet, wallet_entries, payout_list) = if is_partner {
        let profile = profiles::find(conn, user_id)?
            .map(|_| profiles::own_profile(conn, user_id))
            .transpose()?;
        let wallet = balances::wallet(conn, user_id, settings, now)?;
        let entries = all(|page| balances::entries(conn, user_id, page))?;
        let filter = PayoutFilter {
            partner_id: Some(user_id.to_owned()),
            ..PayoutFilter::default()
        };
        let paid = all(|page| payouts::list(conn, &filter, page))?;
        (profile, Some(wallet), entries, paid)
    } else {
        (None, None, Vec::new(), Vec::new())
    };
    let mut conversations = Vec::new();
    let side = actor.party;
    let views =
        crate::photos::PhotoViews::new(&crate::photos::PhotoLinks::from_settings(settings), now);
    for conversation in all(|page| crate::conversations::threads::list(conn, user_id, side, page))?
    {
        let reader = crate::conversations::model::Reader::Side(user_id);
        conversations.push(ConversationRecord {
            messages: crate::conversations::messages::written(
                conn,
                &conversation.id,
                reader,
                &views,
            )?,
            conversation,
        });
    }
    Ok(DataArchive {
        generated_at: now.and_utc(),
        account: user.to_view()?,
        sessions: all(|page| sessions::list(conn, user_id, None, page, now))?,
        api_keys: all(|page| api_keys::list(conn, user_id, page))?,
        devices: devices::list_own(conn, user_id)?,
        notification_preferences: preferences::get(conn, user_id)?,
        notifications: all(|page| {
            inbox::list(
                conn,
                user_id,
                &NotificationFilter::default(),
                page,
                now.and_utc(),
            )
        })?,
        webhook_endpoints: endpoints::list_own(conn, user_id)?,
        requests: if is_customer {
            all(|page| intake::list_own(conn, user_id, page))?
        } else {
            Vec::new()
        },
        jobs: job_records,
        partner_profile,
        leads: offered,
        wallet,
        wallet_entries,
        payouts: payout_list,
        customer_detail_reads,
        conversations,
    })
}

/// 429 when the person made three archives in the last day (checked before reading one, and
/// again when storing it).
pub fn check_quota(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    let today: i64 = data_exports::table
        .filter(data_exports::user_id.eq(user_id))
        .filter(data_exports::created_at.gt(now - chrono::Duration::days(1)))
        .count()
        .get_result(conn)?;
    if today >= PER_DAY {
        return Err(ApiError::RateLimited {
            retry_after_secs: 3600,
            what: "this account made its archives for today",
        });
    }
    Ok(())
}

/// Stores an archive for a week, unless the account was deleted meanwhile (404) or made its
/// three for the day (429). Run inside a write transaction.
pub fn store(
    conn: &mut DbConnection,
    user_id: &str,
    archive: &DataArchive,
    now: NaiveDateTime,
) -> ApiResult<DataExport> {
    accounts::lock(conn, user_id)?;
    if accounts::find_by_id(conn, user_id)?.deleted_at.is_some() {
        return Err(ApiError::not_found("user"));
    }
    check_quota(conn, user_id, now)?;
    let content = serde_json::to_string_pretty(archive).map_err(ApiError::internal)?;
    let export = DataExport {
        id: db::new_id(),
        created_at: now.and_utc(),
        expires_at: (now + KEPT).and_utc(),
        size_bytes: content.len() as u64,
    };
    diesel::insert_into(data_exports::table)
        .values((
            data_exports::id.eq(&export.id),
            data_exports::user_id.eq(user_id),
            data_exports::content.eq(&content),
            data_exports::size_bytes.eq(i64::try_from(export.size_bytes).unwrap_or(i64::MAX)),
            data_exports::created_at.eq(now),
            data_exports::expires_at.eq(now + KEPT),
        ))
        .execute(conn)?;
    Ok(export)
}

type ExportRow = (String, i64, NaiveDateTime, NaiveDateTime);

fn view((id, size, created_at, expires_at): ExportRow) -> DataExport {
    DataExport {
        id,
        created_at: created_at.and_utc(),
        expires_at: expires_at.and_utc(),
        size_bytes: u64::try_from(size).unwrap_or_default(),
    }
}

/// The person's archives that can still be downloaded, newest first.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<DataExport>> {
    let rows: Vec<ExportRow> = data_exports::table
        .filter(data_exports::user_id.eq(user_id))
        .filter(data_exports::expires_at.gt(now))
        .order(data_exports::id.desc())
        .select((
            data_exports::id,
            data_exports::size_bytes,
            data_exports::created_at,
            data_exports::expires_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(view).collect())
}

/// One archive's JSON, if it is the person's and not expired (else 404).
pub fn content(
    conn: &mut DbConnection,
    user_id: &str,
    export_id: &str,
    now: NaiveDateTime,
) -> ApiResult<(DataExport, String)> {
    let (row, content): (ExportRow, String) = data_exports::table
        .find(export_id)
        .filter(data_exports::user_id.eq(user_id))
        .filter(data_exports::expires_at.gt(now))
        .select((
            (
                data_exports::id,
                data_exports::size_bytes,
                data_exports::created_at,
                data_exports::expires_at,
            ),
            data_exports::content,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("export"))?;
    Ok((view(row), content))
}

/// Deletes the archives that expired before `before` (the retention sweep).
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    Ok(
        diesel::delete(data_exports::table.filter(data_exports::expires_at.lt(before)))
            .execute(conn)?,
    )
}

/// Deletes every archive of `user_id` (the account's deletion).
pub fn delete_all(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    diesel::delete(data_exports::table.filter(data_exports::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}
