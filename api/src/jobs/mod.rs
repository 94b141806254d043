//! Jobs: what an assignment creates, from agreeing a date to staff confirmation.
//!
//! `assigned -> scheduled -> in_progress -> completed -> confirmed`, plus `cancelled` (before the
//! work starts) and `disputed` (inside the customer's review window, closed by staff). Every
//! transition is one transaction with a conditional update on the current status, writes the
//! job's timeline and notifies the other side through the outbox.

pub mod agreement;
pub mod cancellation;
pub mod case;
pub mod customer;
pub mod events;
mod handlers;
pub mod lifecycle;
pub mod model;
pub mod scheduling;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::jobs::{AdminJobFilter, Job, JobFilter, Party, ReviewWindow};
use shared_types::{Page, PageParams};

use crate::config::Settings;
use crate::db::DbConnection;
use crate::db::schema::jobs;
use crate::error::ApiResult;
use model::Actor;

/// The job rules' numbers, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct JobPolicy {
    pub review_window: chrono::Duration,
    pub cancellation_notice: chrono::Duration,
    pub customer_fee_cents: i64,
    pub partner_penalty_cents: i64,
    /// The platform fee and cancellation compensation, for the money each transition moves.
    pub money: crate::wallet::MoneyPolicy,
}

impl From<&Settings> for JobPolicy {
    fn from(settings: &Settings) -> Self {
        let duration = |d: std::time::Duration| {
            chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(24))
        };
        Self {
            review_window: duration(settings.review_window),
            cancellation_notice: duration(settings.cancellation_notice),
            customer_fee_cents: settings.customer_late_cancel_fee_cents,
            partner_penalty_cents: settings.partner_late_cancel_penalty_cents,
            money: crate::wallet::MoneyPolicy::from(settings),
        }
    }
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_jobs)
        .service(handlers::get_job)
        .service(handlers::propose)
        .service(handlers::accept_proposal)
        .service(handlers::get_agreement)
        .service(handlers::sign_agreement)
        .service(handlers::start)
        .service(handlers::complete)
        .service(handlers::dispute)
        .service(handlers::cancel)
        .service(handlers::cancellation_terms)
        .service(handlers::job_events)
        .service(handlers::customer_details)
        .service(handlers::admin_list_jobs)
        .service(handlers::admin_confirm_jobs)
        .service(handlers::admin_resolve_dispute)
        .service(handlers::admin_job_case)
        .service(handlers::admin_job_events)
        .service(handlers::admin_penalties)
        .service(handlers::detail_reads);
}

/// The caller's jobs (as customer or as pro), newest first.
pub fn list_own(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &JobFilter,
    page: &PageParams,
) -> ApiResult<Page<Job>> {
    let mut query = jobs::table.into_boxed();
    query = match actor.party {
        Party::Customer => query.filter(jobs::customer_id.eq(actor.user_id.clone())),
        _ => query.filter(jobs::partner_id.eq(actor.user_id.clone())),
    };
    if let Some(status) = filter.status {
        query = query.filter(jobs::status.eq(status.as_str()));
    }
    model::page(conn, query, page)
}

/// Staff: every job, by status and review window (`completed` + `closed` = ready to confirm).
pub fn list_all(
    conn: &mut DbConnection,
    filter: &AdminJobFilter,
    page: &PageParams,
    now: NaiveDateTime,
) -> ApiResult<Page<Job>> {
    let mut query = jobs::table.into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(jobs::status.eq(status.as_str()));
    }
    if let Some(partner_id) = &filter.partner_id {
        query = query.filter(jobs::partner_id.eq(partner_id.clone()));
    }
    query = match filter.review_window {
        Some(ReviewWindow::Open) => query.filter(jobs::review_window_ends_at.gt(now)),
        Some(ReviewWindow::Closed) => query.filter(jobs::review_window_ends_at.le(now)),
        None => query,
    };
    model::page(conn, query, page)
}

/// The timeline of a job its customer or pro (or staff) may see.
pub fn timeline(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
) -> ApiResult<Vec<shared_types::jobs::JobEvent>> {
    let job = model::find_for(conn, job_id, actor)?;
    events::list(conn, &job.id)
}

/// A job its customer or pro may see.
pub fn get(conn: &mut DbConnection, actor: &Actor, job_id: &str) -> ApiResult<Job> {
    let job = model::find_for(conn, job_id, actor)?;
    model::view(conn, job)
}
