//! Confirmations: completed jobs past their review window, confirmed in bulk.

use shared_types::jobs::{
    AdminJobFilter, ConfirmOutcome, ConfirmResult, Job, JobStatus, ReviewWindow,
};

use super::staff_jobs;
use crate::state::{AppError, Session};

/// Completed jobs whose review window has closed.
pub async fn jobs_to_confirm(session: &Session) -> Result<Vec<Job>, AppError> {
    let filter = AdminJobFilter {
        status: Some(JobStatus::Completed),
        review_window: Some(ReviewWindow::Closed),
        partner_id: None,
    };
    staff_jobs(session, filter).await
}

/// Confirms the jobs; each one's outcome comes back, in order.
pub async fn confirm_jobs(
    session: &Session,
    job_ids: &[String],
) -> Result<Vec<ConfirmOutcome>, AppError> {
    let result = session
        .call(|c| async move { c.admin_confirm_jobs(job_ids).await })
        .await?;
    Ok(result.results)
}

/// One confirmation's outcome in words, and whether it went through.
pub fn confirm_result(result: ConfirmResult) -> (&'static str, bool) {
    match result {
        ConfirmResult::Confirmed => ("Confirmed: the pro's earnings are released", true),
        ConfirmResult::AlreadyConfirmed => ("Already confirmed", true),
        ConfirmResult::InReviewWindow => ("Not yet: the customer's review window is open", false),
        ConfirmResult::Disputed => ("Disputed: decide the dispute instead", false),
        ConfirmResult::NotCompleted => ("Not completed", false),
        ConfirmResult::NotFound => ("No such job", false),
        ConfirmResult::Unknown => ("Changed", false),
    }
}
