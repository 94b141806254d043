//! Assignments: review-category requests and their applicants.

use shared_types::admin::AssignmentCase;
use shared_types::requests::{Assignment, LeadApplication};

use super::PAGE;
use crate::state::{AppError, Session};

/// Review-category requests with applications, oldest first.
pub async fn load_assignments(session: &Session) -> Result<Vec<AssignmentCase>, AppError> {
    let page = session
        .call(|c| async move { c.admin_assignments(&PAGE).await })
        .await?;
    Ok(page.items)
}

/// A request's applications, the cheapest quote first (ties: the first to apply).
pub async fn load_applications(
    session: &Session,
    request_id: &str,
) -> Result<Vec<LeadApplication>, AppError> {
    let mut applications = session
        .call(|c| async move { c.admin_applications(request_id).await })
        .await?;
    applications.sort_by_key(|a| (a.quote.amount_cents, a.applied_at));
    Ok(applications)
}

/// Gives the request to the pro of `offer_id` at their quote; the API tells the others.
pub async fn assign(
    session: &Session,
    request_id: &str,
    offer_id: &str,
) -> Result<Assignment, AppError> {
    session
        .call(|c| async move { c.admin_assign(request_id, offer_id).await })
        .await
}
