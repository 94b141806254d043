//! A job as either side sees it, what each side can do next, and the actions themselves.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use shared_types::ErrorCode;
use shared_types::auth::Role;
use shared_types::jobs::{
    Agreement, CancellationTerms, CompleteInput, DisputeInput, Job, JobEvent, JobEventKind,
    JobFilter, JobStatus, Party, ProposalInput, ProposalStatus, SignAgreementInput,
};
use shared_types::pagination::PageParams;
use shared_types::partners::MoneyInput;
use shared_types::ratings::{JobRatings, RatingInput};
use shared_types::requests::{CustomerDetails, TimeWindow};
use shared_types::wallet::{
    Checkout, CheckoutInput, Payment, PaymentPurpose, PaymentStatus, Receipt, ReceiptLine,
    ReceiptLineStatus,
};

use super::customer::WindowForm;
use super::error::AppError;
use super::format;
use super::session::Session;

pub async fn list(session: &Session) -> Result<Vec<Job>, AppError> {
    let page = session
        .call(|c| async move { c.jobs(&JobFilter::default(), &PageParams::default()).await })
        .await?;
    let mut jobs = page.items;
    name_categories(session, &mut jobs).await?;
    Ok(jobs)
}

/// Jobs carry their category's slug; screens show its name (`cleaning` -> `Home cleaning`).
async fn name_categories(session: &Session, jobs: &mut [Job]) -> Result<(), AppError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let categories = super::partner::active_categories(session).await?;
    for job in jobs {
        if let Some(category) = categories.iter().find(|c| c.slug == job.category) {
            job.category.clone_from(&category.name);
        }
    }
    Ok(())
}

/// Everything the job screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct JobDetail {
    pub job: Job,
    pub timeline: Vec<JobEvent>,
    /// The customer's contact details: only for the assigned pro.
    pub customer: Option<CustomerDetails>,
    /// The service agreement (the customer reads and signs it).
    pub agreement: Option<Agreement>,
    pub payments: Vec<Payment>,
    /// The customer's receipt: every charge and refund, the total, its taxes and the fee.
    pub receipt: Option<Receipt>,
    pub ratings: Option<JobRatings>,
    /// What cancelling costs this user, while the job can be cancelled.
    pub cancellation: Option<CancellationTerms>,
    /// The pro's photos of the finished work and the customer's of what is wrong.
    pub photos: shared_types::jobs::JobPhotos,
}

/// Turns "not available in this state" into `None`; other errors stay errors.
fn optional<T>(result: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error)
            if matches!(
                error.code(),
                Some(
                    ErrorCode::NotFound
                        | ErrorCode::Forbidden
                        | ErrorCode::InvalidTransition
                        | ErrorCode::Conflict
                        | ErrorCode::TooEarly
                )
            ) =>
        {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

impl JobDetail {
    /// What cancelling costs now, in a sentence for the cancel step.
    pub fn cancellation_note(&self, zone: Tz) -> Option<String> {
        let terms = self.cancellation.as_ref().filter(|t| t.cancellable)?;
        let late_fee = format::money(&terms.late_fee);
        Some(match (&terms.fee_now, terms.free_until) {
            (Some(fee), _) => format!(
                "Cancelling now costs {}: it is less than {} hours before the visit.",
                format::money(fee),
                terms.notice_hours
            ),
            (None, Some(until)) => format!(
                "Free to cancel until {}; after that it costs {late_fee}.",
                format::date_time(until, zone)
            ),
            (None, None) => format!(
                "Free to cancel while no date is agreed; from {} hours before the visit it costs \
                 {late_fee}.",
                terms.notice_hours
            ),
        })
    }

    /// What booking `slot` at `now` means for cancelling, said before the customer books it.
    pub fn booking_note(&self, slot: &TimeWindow, now: DateTime<Utc>, zone: Tz) -> Option<String> {
        let terms = self.cancellation.as_ref()?;
        let late_fee = format::money(&terms.late_fee);
        let free_until = slot.start - Duration::hours(terms.notice_hours);
        Some(if free_until > now {
            format!(
                "Free to cancel until {}; after that it costs {late_fee}.",
                format::date_time(free_until, zone)
            )
        } else {
            format!(
                "Less than {} hours away: cancelling this time would cost {late_fee}.",
                terms.notice_hours
            )
        })
    }

    pub async fn load(session: &Session, job_id: &str) -> Result<Self, AppError> {
        let role = session.role().ok_or(AppError::SignedOut)?;
        let mut job = session.call(|c| async move { c.job(job_id).await }).await?;
        name_categories(session, std::slice::from_mut(&mut job)).await?;
        let timeline = session
            .call(|c| async move { c.job_events(job_id).await })
            .await?;
        let customer = if role == Role::Partner {
            optional(
                session
                    .call(|c| async move { c.customer_details(job_id).await })
                    .await,
            )?
        } else {
            None
        };
        let agreement = if role == Role::Customer {
            optional(
                session
                    .call(|c| async move { c.agreement(job_id).await })
                    .await,
            )?
        } else {
            None
        };
        let (payments, receipt) = if role == Role::Customer {
            let payments = session
                .call(|c| async move { c.job_payments(job_id).await })
                .await?;
            let receipt = session
                .call(|c| async move { c.job_receipt(job_id).await })
                .await?;
            (payments, Some(receipt))
        } else {
            (Vec::new(), None)
        };
        let ratings = optional(
            session
                .call(|c| async move { c.job_ratings(job_id).await })
                .await,
        )?;
        let cancellation = if matches!(job.status, JobStatus::Assigned | JobStatus::Scheduled) {
            Some(
                session
                    .call(|c| async move { c.cancellation_terms(job_id).await })
                    .await?,
            )
        } else {
            None
        };
        let photographed = job.completion.as_ref().is_some_and(|c| c.photo_count > 0)
            || job.dispute.as_ref().is_some_and(|d| d.photo_count > 0);
        let photos = if photographed {
            session
                .call(|c| async move { c.job_photos(job_id).await })
                .await?
        } else {
            shared_types::jobs::JobPhotos::default()
        };
        Ok(Self {
            job,
            timeline,
            customer,
            agreement,
            payments,
            receipt,
            ratings,
            cancellation,
            photos,
        })
    }

    pub fn tipped(&self) -> bool {
        self.payments
            .iter()
            .any(|p| p.purpose == PaymentPurpose::Tip && p.status == PaymentStatus::Succeeded)
    }

    /// Whether `payment` (opened on a payment page) has yet to go through or fail.
    pub fn awaits(&self, payment: &Payment) -> bool {
        self.payments
            .iter()
            .find(|known| known.id == payment.id)
            .is_none_or(|known| known.status == PaymentStatus::Processing)
    }

    /// What `role` can do now, most pressing first.
    pub fn next_steps(&self, role: Role, now: DateTime<Utc>) -> Vec<JobAction> {
        let job = &self.job;
        let open_from = |party: Party| {
            job.open_proposal
                .as_ref()
                .is_some_and(|p| p.status == ProposalStatus::Open && p.proposed_by == party)
        };
        let finished = matches!(job.status, JobStatus::Completed | JobStatus::Confirmed);
        let can_rate = finished
            && self
                .ratings
                .as_ref()
                .is_some_and(|r| r.mine.is_none() && r.window_closes_at > now);
        let mut steps = Vec::new();
        match (role, job.status) {
            (Role::Partner, JobStatus::Assigned) if !open_from(Party::Partner) => {
                if open_from(Party::Customer) {
                    steps.push(JobAction::AcceptSlot);
                }
                steps.push(JobAction::ProposeSlots);
            }
            (Role::Partner, JobStatus::Scheduled) if job.paid_at.is_some() => {
                steps.push(JobAction::Start);
            }
            (Role::Partner, JobStatus::InProgress) => steps.push(JobAction::Complete),
            (Role::Customer, JobStatus::Assigned) if open_from(Party::Partner) => {
                steps.push(JobAction::AcceptSlot);
            }
            (Role::Customer, JobStatus::Scheduled) => {
                if job.agreement_signed_at.is_none() {
                    steps.push(JobAction::SignAgreement);
                } else if job.paid_at.is_none() {
                    steps.push(JobAction::Pay);
                }
            }
            (Role::Customer, JobStatus::Completed)
                if job.review_window_ends_at.is_some_and(|end| end > now) =>
            {
                steps.push(JobAction::Dispute);
            }
            _ => {}
        }
        if role == Role::Customer && finished && !self.tipped() {
            steps.push(JobAction::Tip);
        }
        if can_rate {
            steps.push(JobAction::Rate);
        }
        if matches!(job.status, JobStatus::Assigned | JobStatus::Scheduled) {
            steps.push(JobAction::Cancel);
        }
        steps
    }

    /// What the job is waiting for, in words, for the side looking at it.
    pub fn waiting_for(&self, role: Role) -> Option<&'static str> {
        let job = &self.job;
        match (role, job.status) {
            (Role::Partner, JobStatus::Assigned) if job.open_proposal.is_some() => {
                Some("Waiting for the customer to pick a time")
            }
            (Role::Partner, JobStatus::Scheduled) if job.agreement_signed_at.is_none() => {
                Some("Waiting for the customer to sign the agreement")
            }
            (Role::Partner, JobStatus::Scheduled) if job.paid_at.is_none() => {
                Some("Waiting for the customer's payment")
            }
            (Role::Customer, JobStatus::Assigned) if job.open_proposal.is_none() => {
                Some("Your pro will propose times shortly")
            }
            (Role::Customer, JobStatus::Scheduled) if job.paid_at.is_some() => {
                Some("Paid: the money is held until you're satisfied")
            }
            (_, JobStatus::Completed) => Some("Done: in the review window"),
            (_, JobStatus::Disputed) => Some("In dispute: our team is reviewing it"),
            _ => None,
        }
    }
}

/// A button on the job screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAction {
    ProposeSlots,
    AcceptSlot,
    SignAgreement,
    Pay,
    Start,
    Complete,
    Tip,
    Dispute,
    Rate,
    Cancel,
}

pub fn status_label(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Assigned => "Assigned",
        JobStatus::Scheduled => "Scheduled",
        JobStatus::InProgress => "In progress",
        JobStatus::Completed => "Completed",
        JobStatus::Confirmed => "Confirmed",
        JobStatus::Cancelled => "Cancelled",
        JobStatus::Disputed => "Disputed",
        JobStatus::Unknown => "Updated",
    }
}

/// One line of the timeline.
pub fn event_label(event: &JobEvent) -> &'static str {
    match event.kind {
        JobEventKind::Assigned => "Pro assigned",
        JobEventKind::Proposed => "Times proposed",
        JobEventKind::Scheduled => "Scheduled",
        JobEventKind::Rescheduled => "Rescheduled",
        JobEventKind::AgreementSigned => "Agreement signed",
        JobEventKind::Started => "Work started",
        JobEventKind::Completed => "Marked complete",
        JobEventKind::Disputed => "Dispute opened",
        JobEventKind::DisputeResolved => "Dispute resolved",
        JobEventKind::Confirmed => "Confirmed",
        JobEventKind::Cancelled => "Cancelled",
        JobEventKind::Unknown => "Updated",
    }
}

/// The pro's proposal form, started from the customer's wished times that are still ahead (up to
/// three, as local dates and times in `zone`); one blank row when none is.
pub fn slots_from_wishes(job: &Job, now: DateTime<Utc>, zone: Tz) -> Vec<WindowForm> {
    let wishes: Vec<WindowForm> = job
        .wished_windows
        .iter()
        .filter(|window| window.start > now)
        .take(3)
        .map(|window| {
            let local = window.start.with_timezone(&zone);
            WindowForm {
                date: local.format("%Y-%m-%d").to_string(),
                start: local.format("%H:%M").to_string(),
                hours: (window.end - window.start).num_hours().max(1).to_string(),
            }
        })
        .collect();
    if wishes.is_empty() {
        vec![WindowForm::blank()]
    } else {
        wishes
    }
}

/// A slot typed as a local date, start time and length in hours, in `zone`.
pub fn slot_from_local(
    date: &str,
    start: &str,
    hours: &str,
    zone: Tz,
) -> Result<TimeWindow, AppError> {
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("slots", "date as YYYY-MM-DD"))?;
    let time = NaiveTime::parse_from_str(start.trim(), "%H:%M")
        .map_err(|_| AppError::invalid("slots", "start time as HH:MM"))?;
    let hours: i64 = hours
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("slots", "length in whole hours"))?;
    let start = zone
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .ok_or_else(|| AppError::invalid("slots", "that time does not exist here"))?
        .with_timezone(&Utc);
    Ok(TimeWindow {
        start,
        end: start + Duration::hours(hours),
    })
}

// --- actions (each refreshes the screen afterwards) ---

pub async fn propose_slots(
    session: &Session,
    job_id: &str,
    slots: Vec<TimeWindow>,
) -> Result<(), AppError> {
    let body = ProposalInput { slots };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.propose_slots(job_id, &body).await }
        })
        .await
        .map(drop)
}

pub async fn accept_slot(session: &Session, job: &Job, slot: u32) -> Result<(), AppError> {
    let proposal = job
        .open_proposal
        .as_ref()
        .ok_or_else(|| AppError::Unexpected("no times to choose from".into()))?;
    session
        .call(|c| async move { c.accept_proposal(&job.id, &proposal.id, slot).await })
        .await
        .map(drop)
}

/// Signs exactly the text shown (its version and hash), with the typed name.
pub async fn sign_agreement(
    session: &Session,
    agreement: &Agreement,
    typed_name: &str,
) -> Result<(), AppError> {
    let body = SignAgreementInput {
        version: agreement.version,
        text_sha256: agreement.text_sha256.clone(),
        typed_name: typed_name.trim().to_owned(),
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.sign_agreement(&agreement.job_id, &body).await }
        })
        .await
        .map(drop)
}

/// Opens the secure payment page for the job's price: the card is typed there (Stripe's page,
/// or the sandbox's with its test cards), never in the app. Asking again while it is open gives
/// the same page. The page sends the customer back to the job, whose payment then shows as paid.
pub async fn payment_page(session: &Session, job_id: &str) -> Result<Checkout, AppError> {
    session
        .call(|c| async move { c.checkout(job_id, &CheckoutInput::job()).await })
        .await
}

/// The payment page for a tip of `amount` (typed text: `10`, `12.50`) in the job's currency.
pub async fn tip_page(session: &Session, job: &Job, amount: &str) -> Result<Checkout, AppError> {
    let amount_cents =
        format::parse_cents(amount).ok_or_else(|| AppError::invalid("tip", "enter an amount"))?;
    let input = CheckoutInput::tip(MoneyInput {
        amount_cents,
        currency: job.price.currency.clone(),
    });
    session
        .call(|c| {
            let input = input.clone();
            async move { c.checkout(&job.id, &input).await }
        })
        .await
}

pub async fn start(session: &Session, job_id: &str) -> Result<(), AppError> {
    session
        .call(|c| async move { c.start_job(job_id).await })
        .await
        .map(drop)
}

/// The pro reports the work done, with the photos of it they picked (already uploaded).
pub async fn complete(
    session: &Session,
    job_id: &str,
    summary: &str,
    photo_ids: Vec<String>,
) -> Result<(), AppError> {
    let body = CompleteInput {
        summary: summary.trim().to_owned(),
        photo_urls: Vec::new(),
        photo_ids,
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.complete_job(job_id, &body).await }
        })
        .await
        .map(drop)
}

/// The customer disputes the work, with the photos of what is wrong they picked.
pub async fn dispute(
    session: &Session,
    job_id: &str,
    reason: &str,
    photo_ids: Vec<String>,
) -> Result<(), AppError> {
    let body = DisputeInput {
        reason: reason.trim().to_owned(),
        photo_ids,
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.dispute_job(job_id, &body).await }
        })
        .await
        .map(drop)
}

pub async fn cancel(session: &Session, job_id: &str, reason: &str) -> Result<(), AppError> {
    let reason = reason.trim().to_owned();
    session
        .call(|c| {
            let reason = reason.clone();
            async move { c.cancel_job(job_id, &reason).await }
        })
        .await
        .map(drop)
}

/// Rates the other side of the job (1–5 stars).
pub async fn rate(
    session: &Session,
    job_id: &str,
    stars: i32,
    comment: &str,
) -> Result<(), AppError> {
    let body = RatingInput {
        stars,
        comment: comment.trim().to_owned(),
        tags: Vec::new(),
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.rate_job(job_id, &body).await }
        })
        .await
        .map(drop)
}

/// A receipt line as the app shows it: what it is, and where its money stands when not settled.
pub fn receipt_line_label(line: &ReceiptLine) -> String {
    let state = match line.status {
        ReceiptLineStatus::Processing => " (being paid)",
        ReceiptLineStatus::RefundPending => " (on its way back)",
        ReceiptLineStatus::Refunded => " (back on your card)",
        ReceiptLineStatus::RefundFailed => " (delayed: we are sending it again)",
        ReceiptLineStatus::Paid | ReceiptLineStatus::Unknown => "",
    };
    format!("{}{state}", line.label)
}
