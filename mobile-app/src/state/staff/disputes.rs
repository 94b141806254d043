//! Disputes: the open ones, a job's case file, and a decision previewed before it is made.

use shared_types::ErrorCode;
use shared_types::admin::{DisputeSplit, JobCase};
use shared_types::conversations::{Message, MessageWindow};
use shared_types::jobs::{AdminJobFilter, DisputeOutcome, Job, JobStatus, ResolveDisputeInput};
use shared_types::partners::MoneyInput;

use super::staff_jobs;
use crate::state::{AppError, Session, format};

/// Jobs a customer disputed.
pub async fn open_disputes(session: &Session) -> Result<Vec<Job>, AppError> {
    let filter = AdminJobFilter {
        status: Some(JobStatus::Disputed),
        ..AdminJobFilter::default()
    };
    staff_jobs(session, filter).await
}

pub async fn load_case(session: &Session, job_id: &str) -> Result<JobCase, AppError> {
    session
        .call(|c| async move { c.admin_job_case(job_id).await })
        .await
}

/// The messages of the disputed job's conversation, as staff see them (each read is in the
/// audit log); `None` when the two sides never opened one, or staff may not read it (the
/// dispute is decided).
pub async fn load_conversation(
    session: &Session,
    job_id: &str,
) -> Result<Option<Vec<Message>>, AppError> {
    let case = load_case(session, job_id).await?;
    let Some(id) = case.conversation_id else {
        return Ok(None);
    };
    let window = MessageWindow {
        limit: Some(100),
        ..MessageWindow::default()
    };
    let page = session
        .call(|c| {
            let (id, window) = (id.clone(), window.clone());
            async move { c.admin_messages(&id, &window).await }
        })
        .await;
    match page {
        Ok(page) => Ok(Some(page.items)),
        Err(error) if error.code() == Some(ErrorCode::Forbidden) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The job's photos: the pro's of the finished work, the customer's of what is wrong.
pub async fn load_photos(
    session: &Session,
    job_id: &str,
) -> Result<shared_types::jobs::JobPhotos, AppError> {
    session
        .call(|c| async move { c.admin_job_photos(job_id).await })
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
