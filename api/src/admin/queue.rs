//! The staff's work queue: how many of each kind of item wait for staff, and the one that has
//! waited longest. Each kind is a count and one indexed "oldest" read.

use chrono::NaiveDateTime;
use diesel::dsl::{count, count_star};
use diesel::prelude::*;
use shared_types::admin::{QueueCount, QueueKind, StaffQueue};
use shared_types::jobs::JobStatus;
use shared_types::notify::OutboxStatus;
use shared_types::ratings::MonitoringStatus;
use shared_types::requests::{OfferStatus, RequestStatus};
use shared_types::wallet::{PayoutStatus, RefundStatus};

use crate::config::Settings;
use crate::db::DbConnection;
use crate::db::schema::{
    jobs, lead_offers, monitoring, outbox, payouts, refunds, service_requests,
};
use crate::error::ApiResult;
use crate::wallet::payouts::next_run_at;

/// Every kind of waiting work as of `now`, in [`QueueKind`] order.
pub fn read(
    conn: &mut DbConnection,
    settings: &Settings,
    now: NaiveDateTime,
) -> ApiResult<StaffQueue> {
    let queues = QueueKind::known()
        .map(|kind| one_kind(conn, kind, now))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(StaffQueue {
        queues,
        next_payout_run_at: next_run_at(now, settings.payout_weekday, settings.payout_time)
            .and_utc(),
        as_of: now.and_utc(),
    })
}

/// (how many wait, (since when, which) for the oldest).
type Waiting = (i64, Option<(NaiveDateTime, String)>);

fn one_kind(conn: &mut DbConnection, kind: QueueKind, now: NaiveDateTime) -> ApiResult<QueueCount> {
    let (count, oldest) = match kind {
        QueueKind::Assignments => assignments(conn)?,
        QueueKind::Confirmations => confirmations(conn, now)?,
        QueueKind::Disputes => disputes(conn)?,
        QueueKind::Monitoring => watched(conn)?,
        QueueKind::FailedRefunds => failed_refunds(conn)?,
        QueueKind::FailedDeliveries => failed_deliveries(conn)?,
        QueueKind::PayoutsToSend | QueueKind::Unknown => payouts_to_send(conn)?,
    };
    let (oldest_since, oldest_id) = oldest.map_or((None, None), |(since, id)| {
        (Some(since.and_utc()), Some(id))
    });
    Ok(QueueCount {
        kind,
        count,
        oldest_since,
        oldest_id,
    })
}

/// Open review-category requests with at least one application; the oldest by first application.
fn assignments(conn: &mut DbConnection) -> ApiResult<Waiting> {
    let waiting = || {
        lead_offers::table
            .inner_join(service_requests::table)
            .filter(lead_offers::status.eq(OfferStatus::Applied.as_str()))
            .filter(service_requests::status.eq(RequestStatus::Open.as_str()))
    };
    let count = waiting()
        .select(count(lead_offers::request_id).aggregate_distinct())
        .first(conn)?;
    let oldest: Option<(Option<NaiveDateTime>, NaiveDateTime, String)> = waiting()
        .order((lead_offers::responded_at.asc(), lead_offers::id.asc()))
        .select((
            lead_offers::responded_at,
            lead_offers::offered_at,
            lead_offers::request_id,
        ))
        .first(conn)
        .optional()?;
    Ok((
        count,
        oldest.map(|(applied, offered, id)| (applied.unwrap_or(offered), id)),
    ))
}

/// Completed jobs whose review window has closed; the oldest by the window's end.
fn confirmations(conn: &mut DbConnection, now: NaiveDateTime) -> ApiResult<Waiting> {
    let waiting = || {
        jobs::table
            .filter(jobs::status.eq(JobStatus::Completed.as_str()))
            .filter(jobs::review_window_ends_at.le(now))
    };
    let count = waiting().select(count_star()).first(conn)?;
    let oldest: Option<(Option<NaiveDateTime>, String)> = waiting()
        .order((jobs::review_window_ends_at.asc(), jobs::id.asc()))
        .select((jobs::review_window_ends_at, jobs::id))
        .first(conn)
        .optional()?;
    Ok((count, oldest.map(|(since, id)| (since.unwrap_or(now), id))))
}

/// Disputed jobs; the oldest by when the dispute was opened.
fn disputes(conn: &mut DbConnection) -> ApiResult<Waiting> {
    let waiting = || jobs::table.filter(jobs::status.eq(JobStatus::Disputed.as_str()));
    let count = waiting().select(count_star()).first(conn)?;
    let oldest: Option<(Option<NaiveDateTime>, NaiveDateTime, String)> = waiting()
        .order((jobs::disputed_at.asc(), jobs::id.asc()))
        .select((jobs::disputed_at, jobs::updated_at, jobs::id))
        .first(conn)
        .optional()?;
    Ok((
        count,
        oldest.map(|(opened, updated, id)| (opened.unwrap_or(updated), id)),
    ))
}

/// Users on the watch list; the oldest by when they were flagged.
fn watched(conn: &mut DbConnection) -> ApiResult<Waiting> {
    let waiting =
        || monitoring::table.filter(monitoring::status.eq(MonitoringStatus::Watching.as_str()));
    let count = waiting().select(count_star()).first(conn)?;
    let oldest = waiting()
        .order((monitoring::flagged_at.asc(), monitoring::user_id.asc()))
        .select((monitoring::flagged_at, monitoring::user_id))
        .first(conn)
        .optional()?;
    Ok((count, oldest))
}

/// Refunds the provider refused; the oldest by when it last changed (when it failed).
fn failed_refunds(conn: &mut DbConnection) -> ApiResult<Waiting> {
    let waiting = || refunds::table.filter(refunds::status.eq(RefundStatus::Failed.as_str()));
    let count = waiting().select(count_star()).first(conn)?;
    let oldest = waiting()
        .order((refunds::updated_at.asc(), refunds::id.asc()))
        .select((refunds::updated_at, refunds::id))
        .first(conn)
        .optional()?;
    Ok((count, oldest))
}

/// Notifications given up on; the oldest by when it was queued.
fn failed_deliveries(conn: &mut DbConnection) -> ApiResult<Waiting> {
    let waiting = || outbox::table.filter(outbox::status.eq(OutboxStatus::Failed.as_str()));
    let count = waiting().select(count_star()).first(conn)?;
    let oldest = waiting()
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .select((outbox::created_at, outbox::id))
        .first(conn)
        .optional()?;
    Ok((count, oldest))
}

/// Payouts made and not sent; the oldest by when the run made it.
fn payouts_to_send(conn: &mut DbConnection) -> ApiResult<Waiting> {
    let waiting = || payouts::table.filter(payouts::status.eq(PayoutStatus::Pending.as_str()));
    let count = waiting().select(count_star()).first(conn)?;
    let oldest = waiting()
        .order((payouts::created_at.asc(), payouts::id.asc()))
        .select((payouts::created_at, payouts::id))
        .first(conn)
        .optional()?;
    Ok((count, oldest))
}
