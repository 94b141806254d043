//! What the staff console's screens show and do: the work queue, assignments, confirmations,
//! disputes and the watch list. Every action is one call of the API as it stands.

use chrono::{DateTime, Utc};
use shared_types::PageParams;
use shared_types::admin::{AssignmentCase, DisputeSplit, JobCase, QueueKind, StaffQueue};
use shared_types::jobs::{
    AdminJobFilter, ConfirmOutcome, ConfirmResult, DisputeOutcome, Job, JobStatus,
    ResolveDisputeInput, ReviewWindow,
};
use shared_types::partners::MoneyInput;
use shared_types::ratings::{MonitoringEntry, MonitoringFilter, MonitoringStatus, StaffNote};
use shared_types::requests::{Assignment, LeadApplication};

use super::error::AppError;
use super::format;
use super::nav::Screen;
use super::session::Session;

/// The most a list screen loads at once (the API's largest page).
const PAGE: PageParams = PageParams {
    limit: Some(100),
    cursor: None,
};

// --- the queue ---

pub async fn load_queue(session: &Session) -> Result<StaffQueue, AppError> {
    session.call(|c| async move { c.admin_queue().await }).await
}

/// What a queue's line is called in the console.
pub fn queue_label(kind: QueueKind) -> &'static str {
    match kind {
        QueueKind::Assignments => "Applications to assign",
        QueueKind::Confirmations => "Jobs to confirm",
        QueueKind::Disputes => "Open disputes",
        QueueKind::Monitoring => "Watch list",
        QueueKind::FailedRefunds => "Refused refunds",
        QueueKind::FailedDeliveries => "Failed notifications",
        QueueKind::PayoutsToSend => "Payouts to send",
        QueueKind::Unknown => "Other work",
    }
}

/// Where the work of a queue is done, when the console has that screen.
pub fn queue_screen(kind: QueueKind) -> Option<Screen> {
    match kind {
        QueueKind::Assignments => Some(Screen::Assignments),
        QueueKind::Confirmations => Some(Screen::Confirmations),
        QueueKind::Disputes => Some(Screen::Disputes),
        QueueKind::Monitoring => Some(Screen::Monitoring),
        QueueKind::FailedRefunds
        | QueueKind::FailedDeliveries
        | QueueKind::PayoutsToSend
        | QueueKind::Unknown => None,
    }
}

/// `waiting 2 days`, `waiting 3 h`, `waiting 12 min`: how long the oldest item has waited.
pub fn waiting_for(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    if minutes < 60 {
        format!("waiting {minutes} min")
    } else if minutes < 48 * 60 {
        format!("waiting {} h", minutes / 60)
    } else {
        format!("waiting {} days", minutes / (24 * 60))
    }
}

// --- assignments ---

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

// --- confirmations ---

/// Completed jobs whose review window has closed.
pub async fn jobs_to_confirm(session: &Session) -> Result<Vec<Job>, AppError> {
    let filter = AdminJobFilter {
        status: Some(JobStatus::Completed),
        review_window: Some(ReviewWindow::Closed),
        partner_id: None,
    };
    let page = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_jobs(&filter, &PAGE).await }
        })
        .await?;
    Ok(page.items)
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

// --- disputes ---

/// Jobs a customer disputed.
pub async fn open_disputes(session: &Session) -> Result<Vec<Job>, AppError> {
    let filter = AdminJobFilter {
        status: Some(JobStatus::Disputed),
        ..AdminJobFilter::default()
    };
    let page = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_jobs(&filter, &PAGE).await }
        })
        .await?;
    Ok(page.items)
}

pub async fn load_case(session: &Session, job_id: &str) -> Result<JobCase, AppError> {
    session
        .call(|c| async move { c.admin_job_case(job_id).await })
        .await
}

/// A dispute's decision as typed: the outcome, the refund for a partial one, the note.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub outcome: DisputeOutcome,
    /// The amount typed for a partial refund (`49.00`).
    pub refund: String,
    pub note: String,
}

impl Default for Decision {
    fn default() -> Self {
        Self {
            outcome: DisputeOutcome::Release,
            refund: String::new(),
            note: String::new(),
        }
    }
}

impl Decision {
    /// What goes back to the customer, in cents.
    fn refund_cents(&self, case: &JobCase) -> Result<i64, AppError> {
        match self.outcome {
            DisputeOutcome::Refund => Ok(case.held.amount_cents),
            DisputeOutcome::Partial => {
                let cents = format::parse_cents(&self.refund).ok_or_else(|| {
                    AppError::invalid("refund", "Type the amount to refund, e.g. 49.00")
                })?;
                if cents <= 0 || cents >= case.held.amount_cents {
                    return Err(AppError::invalid(
                        "refund",
                        &format!(
                            "More than nothing and less than {}; refund it all instead",
                            format::money(&case.held)
                        ),
                    ));
                }
                Ok(cents)
            }
            DisputeOutcome::Release => Ok(0),
        }
    }

    /// How the decision splits what is at stake, before it is made.
    pub fn preview(&self, case: &JobCase) -> Result<DisputeSplit, AppError> {
        Ok(DisputeSplit::of(
            case.held.amount_cents,
            self.refund_cents(case)?,
            case.platform_fee_bps,
        ))
    }

    pub fn to_input(&self, case: &JobCase) -> Result<ResolveDisputeInput, AppError> {
        let refund = self.refund_cents(case)?;
        if self.note.trim().is_empty() {
            return Err(AppError::invalid(
                "note",
                "Say why: both sides and the audit log read it",
            ));
        }
        Ok(ResolveDisputeInput {
            outcome: self.outcome,
            note: self.note.trim().to_owned(),
            refund: (self.outcome == DisputeOutcome::Partial).then(|| MoneyInput {
                amount_cents: refund,
                currency: case.held.currency.clone(),
            }),
        })
    }
}

pub async fn resolve(
    session: &Session,
    job_id: &str,
    input: &ResolveDisputeInput,
) -> Result<Job, AppError> {
    session
        .call(|c| async move { c.admin_resolve_dispute(job_id, input).await })
        .await
}

// --- monitoring ---

/// The users on the list with `status` (the watch list by default).
pub async fn watch_list(
    session: &Session,
    status: MonitoringStatus,
) -> Result<Vec<MonitoringEntry>, AppError> {
    let filter = MonitoringFilter {
        status: Some(status),
    };
    let page = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_monitoring(&filter, &PAGE).await }
        })
        .await?;
    Ok(page.items)
}

/// What staff can do about a watched user; each takes a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchAction {
    Note,
    Clear,
    Suspend,
    Reinstate,
}

impl WatchAction {
    fn path(self) -> &'static str {
        match self {
            Self::Note => "notes",
            Self::Clear => "clear",
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Note => "Add note",
            Self::Clear => "Clear from the list",
            Self::Suspend => "Suspend account",
            Self::Reinstate => "Reinstate account",
        }
    }

    /// What staff may do to an entry in `status`.
    pub fn available(status: MonitoringStatus) -> Vec<Self> {
        match status {
            MonitoringStatus::Watching => vec![Self::Note, Self::Clear, Self::Suspend],
            MonitoringStatus::Suspended => vec![Self::Note, Self::Reinstate],
            MonitoringStatus::Cleared | MonitoringStatus::Unknown => vec![Self::Note],
        }
    }
}

pub async fn act_on_watched(
    session: &Session,
    user_id: &str,
    action: WatchAction,
    note: &str,
) -> Result<MonitoringEntry, AppError> {
    if note.trim().is_empty() {
        return Err(AppError::invalid(
            "note",
            "Write a note: it goes in the history",
        ));
    }
    let body = StaffNote {
        note: note.trim().to_owned(),
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.admin_monitoring_act(user_id, action.path(), &body).await }
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queue_has_a_name_and_the_main_ones_a_screen() {
        for kind in QueueKind::known() {
            assert_ne!(queue_label(kind), "Other work");
        }
        assert_eq!(queue_screen(QueueKind::Disputes), Some(Screen::Disputes));
    }

    #[test]
    fn waiting_reads_in_the_largest_sensible_unit() {
        let now: DateTime<Utc> = "2026-11-30T12:00:00Z".parse().unwrap();
        assert_eq!(
            waiting_for(now - chrono::Duration::minutes(5), now),
            "waiting 5 min"
        );
        assert_eq!(
            waiting_for(now - chrono::Duration::hours(30), now),
            "waiting 30 h"
        );
        assert_eq!(
            waiting_for(now - chrono::Duration::days(4), now),
            "waiting 4 days"
        );
    }
}
