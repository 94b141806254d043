//! Start, completion, the customer's review window, disputes and staff confirmation (000: "a
//! customer has 24 hours to review your job … after 24 hours, and with no customer disputes, the
//! service will be confirmed by staff"). Every move is one conditional update on the status.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::ErrorCode;
use shared_types::jobs::{
    CompleteInput, ConfirmOutcome, ConfirmResult, DisputeInput, DisputeOutcome, Job, JobEventKind,
    JobStatus, ResolveDisputeInput,
};

use super::model::{self, Actor, JobChanges, JobRow};
use super::{JobPolicy, agreement, events};
use crate::admin::audit::{self, Change};
use crate::db::DbConnection;
use crate::db::schema::jobs;
use crate::error::{ApiError, ApiResult};
use crate::photos::AttachedTo;
use crate::photos::model as photos;
use crate::wallet::settlement;

/// How long before the scheduled start the pro may start.
pub const START_LEAD_TIME: chrono::Duration = chrono::Duration::hours(2);

/// Whether the pro may start a job scheduled at `scheduled_start` at `now`.
pub fn may_start(scheduled_start: NaiveDateTime, now: NaiveDateTime) -> bool {
    now >= scheduled_start - START_LEAD_TIME
}

/// Whether the customer may still dispute a job whose window ends at `window_ends_at`.
pub fn in_review_window(window_ends_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    window_ends_at.is_some_and(|ends| now < ends)
}

fn reload(conn: &mut DbConnection, job_id: &str) -> ApiResult<Job> {
    let job = model::find(conn, job_id)?;
    model::view(conn, job)
}

/// The pro starts the work: from `scheduled`, with the agreement signed and the job paid, no
/// earlier than two hours before the scheduled start.
pub fn start(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Job> {
    let job = model::find_for(conn, job_id, actor)?;
    if job.status() == JobStatus::Scheduled {
        if !agreement::is_signed(conn, &job.id)? {
            return Err(ApiError::new(
                ErrorCode::AgreementUnsigned,
                "the customer has not signed the service agreement yet",
            ));
        }
        if job.paid_at.is_none() {
            return Err(ApiError::new(
                ErrorCode::JobUnpaid,
                "the customer has not paid the job yet; it can be started once paid",
            ));
        }
        if let Some(scheduled_start) = job.scheduled_start
            && !may_start(scheduled_start, now)
        {
            return Err(ApiError::new(
                ErrorCode::TooEarly,
                format!(
                    "the visit starts at {}; the job can be started from two hours before",
                    scheduled_start.and_utc().to_rfc3339()
                ),
            ));
        }
    }
    let changes = JobChanges {
        started_at: Some(now),
        ..JobChanges::to(JobStatus::InProgress, now)
    };
    model::transition(conn, &job.id, &[JobStatus::Scheduled], &changes)?;
    events::record(
        conn,
        &job,
        JobEventKind::Started,
        actor,
        serde_json::json!({}),
        now,
    )?;
    reload(conn, &job.id)
}

/// The pro reports the work done; the customer's review window opens.
pub fn complete(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    input: &CompleteInput,
    policy: &JobPolicy,
    now: NaiveDateTime,
) -> ApiResult<Job> {
    let job = model::find_for(conn, job_id, actor)?;
    let window_ends = now + policy.review_window;
    let changes = JobChanges {
        completed_at: Some(now),
        review_window_ends_at: Some(window_ends),
        completion_summary: Some(input.summary.trim().to_owned()),
        completion_photos: Some(
            serde_json::to_string(&input.photo_urls).map_err(ApiError::internal)?,
        ),
        ..JobChanges::to(JobStatus::Completed, now)
    };
    model::transition(conn, &job.id, &[JobStatus::InProgress], &changes)?;
    photos::attach(
        conn,
        &actor.user_id,
        &input.photo_ids,
        AttachedTo::Completion,
        &job.id,
        now,
    )?;
    settlement::on_completed(conn, &job, &policy.money, now)?;
    events::record(
        conn,
        &job,
        JobEventKind::Completed,
        actor,
        serde_json::json!({
            "summary": input.summary.trim(),
            "photo_urls": input.photo_urls,
            "photo_count": input.photo_ids.len(),
            "review_window_ends_at": window_ends.and_utc(),
        }),
        now,
    )?;
    reload(conn, &job.id)
}

/// The customer disputes the work inside the review window.
pub fn dispute(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    input: &DisputeInput,
    now: NaiveDateTime,
) -> ApiResult<Job> {
    let job = model::find_for(conn, job_id, actor)?;
    if job.status() == JobStatus::Completed && !in_review_window(job.review_window_ends_at, now) {
        return Err(ApiError::new(
            ErrorCode::ReviewWindowClosed,
            "the review window has closed; contact support",
        ));
    }
    let changes = JobChanges {
        disputed_at: Some(now),
        dispute_reason: Some(input.reason.trim().to_owned()),
        ..JobChanges::to(JobStatus::Disputed, now)
    };
    // The window is part of the condition, so a confirmation cannot slip in between.
    let updated = diesel::update(
        jobs::table
            .filter(jobs::id.eq(&job.id))
            .filter(jobs::status.eq(JobStatus::Completed.as_str()))
            .filter(jobs::review_window_ends_at.gt(now)),
    )
    .set(&changes)
    .execute(conn)?;
    if updated == 0 {
        let current = model::find(conn, &job.id)?;
        return Err(model::invalid_transition(
            current.status,
            &[JobStatus::Completed],
        ));
    }
    photos::attach(
        conn,
        &actor.user_id,
        &input.photo_ids,
        AttachedTo::Dispute,
        &job.id,
        now,
    )?;
    events::record(
        conn,
        &job,
        JobEventKind::Disputed,
        actor,
        serde_json::json!({ "reason": input.reason.trim(), "photo_count": input.photo_ids.len() }),
        now,
    )?;
    reload(conn, &job.id)
}

/// Staff close a dispute. The job ends `confirmed` with the resolution recorded: the pro is paid
/// the price less the refund (all of it for `release`, nothing for `refund`), and the refund goes
/// back to the customer's card.
pub fn resolve(
    conn: &mut DbConnection,
    staff: &Actor,
    job_id: &str,
    input: &ResolveDisputeInput,
    policy: &JobPolicy,
    now: NaiveDateTime,
) -> ApiResult<Job> {
    let job = model::find(conn, job_id)?;
    let refund_cents = match (input.outcome, &input.refund) {
        (DisputeOutcome::Release, _) => 0,
        (DisputeOutcome::Refund, _) => job.price_cents,
        (DisputeOutcome::Partial, Some(refund)) => {
            if refund.currency != job.currency {
                return Err(ApiError::invalid_field(
                    "refund.currency",
                    format!("the job is priced in {}", job.currency),
                ));
            }
            if refund.amount_cents >= job.price_cents {
                return Err(ApiError::invalid_field(
                    "refund.amount_cents",
                    "a partial refund is less than the price; use `refund` for all of it",
                ));
            }
            refund.amount_cents
        }
        (DisputeOutcome::Partial, None) => {
            return Err(ApiError::invalid_field(
                "refund",
                "a partial outcome needs the refund amount",
            ));
        }
    };
    let changes = JobChanges {
        resolution: Some(input.outcome.as_str().to_owned()),
        resolution_note: Some(input.note.trim().to_owned()),
        refund_cents: Some(refund_cents),
        resolved_at: Some(now),
        confirmed_at: Some(now),
        ..JobChanges::to(JobStatus::Confirmed, now)
    };
    model::transition(conn, &job.id, &[JobStatus::Disputed], &changes)?;
    settlement::on_dispute_resolved(conn, &job, input.outcome, refund_cents, &policy.money, now)?;
    let detail = serde_json::json!({
        "outcome": input.outcome.as_str(),
        "note": input.note.trim(),
        "refund": job.money(refund_cents),
    });
    audit::record(
        conn,
        Change {
            actor_id: &staff.user_id,
            action: "job.resolve_dispute",
            subject_type: "job",
            subject_id: &job.id,
            before: Some(serde_json::json!({ "status": job.status })),
            after: Some(detail.clone()),
            reason: Some(input.note.trim()),
        },
        now,
    )?;
    events::record(
        conn,
        &job,
        JobEventKind::DisputeResolved,
        staff,
        detail,
        now,
    )?;
    reload(conn, &job.id)
}

/// Staff confirm completed jobs whose review window has closed; each id is reported as confirmed
/// or why not. Run inside a write transaction.
pub fn confirm_many(
    conn: &mut DbConnection,
    staff: &Actor,
    job_ids: &[String],
    now: NaiveDateTime,
) -> ApiResult<Vec<ConfirmOutcome>> {
    let mut outcomes = Vec::with_capacity(job_ids.len());
    for job_id in job_ids {
        let result = confirm_one(conn, staff, job_id, now)?;
        outcomes.push(ConfirmOutcome {
            job_id: job_id.clone(),
            result,
        });
    }
    Ok(outcomes)
}

fn confirm_one(
    conn: &mut DbConnection,
    staff: &Actor,
    job_id: &str,
    now: NaiveDateTime,
) -> ApiResult<ConfirmResult> {
    let job: Option<JobRow> = jobs::table
        .find(job_id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()?;
    let Some(job) = job else {
        return Ok(ConfirmResult::NotFound);
    };
    let changes = JobChanges {
        confirmed_at: Some(now),
        ..JobChanges::to(JobStatus::Confirmed, now)
    };
    let updated = diesel::update(
        jobs::table
            .filter(jobs::id.eq(&job.id))
            .filter(jobs::status.eq(JobStatus::Completed.as_str()))
            .filter(jobs::review_window_ends_at.le(now)),
    )
    .set(&changes)
    .execute(conn)?;
    if updated == 0 {
        // Re-read: the answer must describe the row as it is now.
        let current = model::find(conn, &job.id)?;
        return Ok(match current.status() {
            JobStatus::Confirmed => ConfirmResult::AlreadyConfirmed,
            JobStatus::Disputed => ConfirmResult::Disputed,
            JobStatus::Completed => ConfirmResult::InReviewWindow,
            _ => ConfirmResult::NotCompleted,
        });
    }
    settlement::on_confirmed(conn, &job, now)?;
    audit::record(
        conn,
        Change {
            actor_id: &staff.user_id,
            action: "job.confirm",
            subject_type: "job",
            subject_id: &job.id,
            before: Some(serde_json::json!({ "status": job.status })),
            after: Some(serde_json::json!({ "status": JobStatus::Confirmed.as_str() })),
            reason: None,
        },
        now,
    )?;
    events::record(
        conn,
        &job,
        JobEventKind::Confirmed,
        staff,
        serde_json::json!({}),
        now,
    )?;
    Ok(ConfirmResult::Confirmed)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    #[test]
    fn a_job_starts_from_two_hours_before_its_slot() {
        let scheduled = at(14, 0);
        assert!(!may_start(scheduled, at(11, 59)));
        assert!(may_start(scheduled, at(12, 0)));
        assert!(may_start(scheduled, at(15, 0)), "late is still allowed");
    }

    #[test]
    fn the_review_window_excludes_its_end() {
        let ends = Some(at(12, 0));
        assert!(in_review_window(ends, at(11, 59)));
        assert!(!in_review_window(ends, at(12, 0)));
        assert!(
            !in_review_window(None, at(0, 0)),
            "not completed: no window"
        );
    }
}
