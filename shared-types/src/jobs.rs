//! Jobs: what happens between "a pro took it" and "the pro got paid" — date agreement, the
//! service agreement, start and completion, the customer's review window, disputes, staff
//! confirmation, cancellation and its penalties, and the timeline of all of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::auth::not_blank;
use crate::partners::{Money, MoneyInput};
use crate::requests::{TimeWindow, https_urls};

open_enum! {
    /// Where a job is in its life.
    ///
    /// `assigned -> scheduled -> in_progress -> completed -> confirmed`; `cancelled` from `assigned`
    /// or `scheduled`; `disputed` from `completed` (inside the review window), closed by staff as
    /// `confirmed` with a resolution.
    #[derive(Hash)]
    pub enum JobStatus {
        /// A pro has the job; no date agreed yet.
        Assigned,
        /// A date and time are agreed.
        Scheduled,
        /// The pro has started the work.
        InProgress,
        /// The pro marked it done; the customer's review window is open.
        Completed,
        /// Staff confirmed it (or closed a dispute): the pro's earnings are released.
        Confirmed,
        /// Called off before the work started.
        Cancelled,
        /// The customer disputed the work inside the review window; staff decide.
        Disputed,
    }
}

open_enum! {
    /// Who did something to a job.
    pub enum Party {
        /// The job's customer.
        Customer,
        /// The job's pro.
        Partner,
        /// Porchlight staff.
        Staff,
        /// The service itself (e.g. the assignment of an instant lead).
        System,
    }
}

/// A job as its customer, its pro and staff see it. The customer's contact details are not in
/// here: the assigned pro reads them from `GET /v1/jobs/{id}/customer` (each read is logged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    /// The job's id.
    pub id: String,
    /// The service request the job came from.
    pub request_id: String,
    /// The customer's user id.
    pub customer_id: String,
    /// The pro's id (their user id).
    pub partner_id: String,
    /// The pro's business name.
    pub business_name: String,
    /// The category's slug, e.g. `plumbing`.
    pub category: String,
    /// What the customer asked for, in their words.
    pub description: String,
    /// The city of the work; the assigned pro reads the full address at
    /// `GET /v1/jobs/{id}/customer`.
    pub city: String,
    /// The times the customer said suit them (from the request, UTC), for proposing a visit;
    /// show them in `time_zone`.
    pub wished_windows: Vec<TimeWindow>,
    /// The IANA zone the customer chose those times in.
    pub time_zone: String,
    /// The price of the job: the category's list price (instant) or the quote staff chose (review).
    pub price: Money,
    /// Where the job is in its life.
    pub status: JobStatus,
    /// The agreed visit, once a proposal was accepted.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub scheduled: Option<TimeWindow>,
    /// The proposal waiting for an answer, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub open_proposal: Option<Proposal>,
    /// When the customer signed the service agreement.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub agreement_signed_at: Option<DateTime<Utc>>,
    /// When the customer's payment of the price succeeded; the pro can start only after.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub paid_at: Option<DateTime<Utc>>,
    /// When the pro started the work; `null` before.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub started_at: Option<DateTime<Utc>>,
    /// What the pro reported when they finished; `null` until completed.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub completion: Option<Completion>,
    /// The end of the customer's review window (completion + 24 h by default).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub review_window_ends_at: Option<DateTime<Utc>>,
    /// The customer's dispute and, once decided, staff's resolution; `null` unless disputed.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub dispute: Option<Dispute>,
    /// When the job was confirmed and the pro's earnings released; `null` before.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Who cancelled, when, why and whether late; `null` unless cancelled.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub cancellation: Option<Cancellation>,
    /// When the job was created: when the pro got it.
    pub created_at: DateTime<Utc>,
    /// When anything about the job last changed.
    pub updated_at: DateTime<Utc>,
}

/// What the pro reported when they finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completion {
    /// What was done, in the pro's words.
    pub summary: String,
    /// `https` URLs of photos of the finished work kept elsewhere (older clients; may be empty).
    pub photo_urls: Vec<String>,
    /// How many photos of the finished work the pro uploaded; `GET /v1/jobs/{id}/photos` gives
    /// them.
    #[serde(default)]
    pub photo_count: u32,
    /// When the pro marked the job done.
    pub completed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispute {
    /// What the customer says is wrong with the work.
    pub reason: String,
    /// How many photos of what is wrong the customer uploaded; `GET /v1/jobs/{id}/photos`
    /// gives them.
    #[serde(default)]
    pub photo_count: u32,
    /// When the customer disputed the work.
    pub opened_at: DateTime<Utc>,
    /// Staff's decision, once made.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    /// `release`, `refund` or `partial`.
    pub outcome: DisputeOutcome,
    /// Staff's explanation of the decision, seen by both sides.
    pub note: String,
    /// What goes back to the customer: the whole price for `refund`, part of it for `partial`,
    /// nothing for `release`.
    pub refund: Money,
    /// When staff decided.
    pub resolved_at: DateTime<Utc>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DisputeOutcome {
    /// The work stands: the pro is paid in full.
    Release,
    /// The customer gets everything back; the pro gets nothing.
    Refund,
    /// The customer gets `refund` back; the pro the rest.
    Partial,
}

text_forms!(DisputeOutcome);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancellation {
    /// Who cancelled the job.
    pub by: Party,
    /// Why, as the canceller put it.
    pub reason: String,
    /// When the job was cancelled.
    pub cancelled_at: DateTime<Utc>,
    /// True when it came less than the notice period (24 h) before the scheduled start.
    pub late: bool,
    /// What the cancelling side owes for a late cancellation.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub penalty: Option<Money>,
}

/// Up to three visit slots one side offers the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    /// The proposal's id (`pid` in `POST /v1/jobs/{id}/proposals/{pid}/accept`).
    pub id: String,
    /// The job it is for.
    pub job_id: String,
    /// Which side offered the slots.
    pub proposed_by: Party,
    /// The offered visit slots, 1 to 3, in UTC.
    pub slots: Vec<TimeWindow>,
    /// Whether it waits for an answer, was accepted, superseded or withdrawn.
    pub status: ProposalStatus,
    /// Which slot was accepted (index into `slots`).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub accepted_slot: Option<u32>,
    /// When it was proposed.
    pub created_at: DateTime<Utc>,
    /// When it was accepted, superseded or withdrawn.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub responded_at: Option<DateTime<Utc>>,
}

open_enum! {
    pub enum ProposalStatus {
        /// Waiting for the other side.
        Open,
        /// The other side chose one of its slots.
        Accepted,
        /// A newer proposal (a counter-proposal) replaced it.
        Superseded,
        /// The job was cancelled before anyone answered.
        Withdrawn,
    }
}

/// `POST /v1/jobs/{id}/proposals`: 1 to 3 slots, each 30 minutes to 12 hours, in the future and
/// inside the pro's working hours. A new proposal replaces the open one (a counter-proposal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalInput {
    /// The visit slots offered, in UTC: 1 to 3, each 30 minutes to 12 hours, in the future and
    /// inside the pro's working hours.
    #[validate(length(min = 1, max = 3), custom(function = "valid_slots"))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 3))]
    pub slots: Vec<TimeWindow>,
}

/// `POST /v1/jobs/{id}/proposals/{pid}/accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptProposalInput {
    /// Index of the chosen slot in the proposal's `slots`.
    #[validate(range(max = 2))]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2))]
    pub slot: u32,
}

/// The service agreement of a job: the text of the current template version with the
/// job's details filled in, and its SHA-256, which the customer echoes back to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agreement {
    /// The job it is for.
    pub job_id: String,
    /// The template version the text was made from; send it back to sign.
    pub version: u32,
    /// The agreement, with the job's details filled in.
    pub text: String,
    /// Lower-case hex SHA-256 of `text` (UTF-8).
    pub text_sha256: String,
    /// The customer's signature; `null` until they sign.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub signature: Option<Signature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    /// The template version signed.
    pub version: u32,
    /// Lower-case hex SHA-256 of the text signed.
    pub text_sha256: String,
    /// The name the customer typed to sign.
    pub typed_name: String,
    /// When the customer signed.
    pub signed_at: DateTime<Utc>,
}

/// `POST /v1/jobs/{id}/agreement/sign`: the version and hash the customer read, and their name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignAgreementInput {
    /// The agreement's `version`, as read from `GET /v1/jobs/{id}/agreement`.
    #[validate(range(min = 1, max = 1000))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub version: u32,
    /// The agreement's `text_sha256`, as read: it must match the current text.
    #[validate(custom(function = "lower_hex_sha256"))]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub text_sha256: String,
    /// The customer's name, typed as their signature (1 to 200 characters).
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"[^\s\u0085]")
    )]
    pub typed_name: String,
}

/// `POST /v1/jobs/{id}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteInput {
    /// What was done.
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 2000, pattern = r"[^\s\u0085]")
    )]
    pub summary: String,
    /// Up to 10 https URLs of photos of the finished work kept elsewhere (prefer `photo_ids`).
    #[validate(length(max = 10), custom(function = "https_urls"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    #[serde(default)]
    pub photo_urls: Vec<String>,
    /// Up to 10 photos of the finished work: the pro's proof, uploaded first with `POST /v1/photos`; each
    /// must be the caller's own and not attached to anything yet.
    #[validate(length(max = 10), custom(function = "crate::photos::photo_ids"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    #[serde(default)]
    pub photo_ids: Vec<String>,
}

/// `POST /v1/jobs/{id}/dispute`: why the work is not right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisputeInput {
    /// What is wrong with the work (10 to 2000 characters); the pro and staff see it.
    #[validate(length(min = 10, max = 2000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 10, max_length = 2000, pattern = r"[^\s\u0085]")
    )]
    pub reason: String,
    /// Up to 10 photos of what is wrong: the evidence staff weigh, uploaded first with `POST /v1/photos`; each
    /// must be the caller's own and not attached to anything yet.
    #[validate(length(max = 10), custom(function = "crate::photos::photo_ids"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    #[serde(default)]
    pub photo_ids: Vec<String>,
}

/// `GET /v1/jobs/{id}/photos`: a job's photos, with links for the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobPhotos {
    /// The pro's photos of the finished work, in their order.
    pub completion: Vec<crate::photos::Photo>,
    /// The customer's photos of what is wrong, in their order.
    pub dispute: Vec<crate::photos::Photo>,
}

/// `GET /v1/jobs/{id}/cancellation-terms`: what cancelling the job costs the caller, now and
/// once the notice period has begun, to show before booking a time and before cancelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancellationTerms {
    /// Whether the job can still be cancelled (before the work starts).
    pub cancellable: bool,
    /// Cancelling is free until this many hours before the agreed start.
    pub notice_hours: i64,
    /// What the caller owes for cancelling later than that: the customer's late-cancellation fee
    /// or the pro's penalty.
    pub late_fee: Money,
    /// The last moment cancelling is free; `null` while no date is agreed (free until one is).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub free_until: Option<DateTime<Utc>>,
    /// What cancelling now would cost the caller; `null` when it is free (or no longer possible).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub fee_now: Option<Money>,
}

/// `POST /v1/jobs/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelJobInput {
    /// Why the job is cancelled (1 to 1000 characters); both sides see it on the job.
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 1000, pattern = r"[^\s\u0085]")
    )]
    pub reason: String,
}

/// `POST /v1/admin/jobs/{id}/resolve`: staff's decision on a dispute. `refund` is required for
/// `partial` (more than nothing, less than the price) and must be absent otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "refund_matches_outcome", skip_on_field_errors = true))]
pub struct ResolveDisputeInput {
    /// `release` (the pro is paid in full), `refund` (the customer gets everything back) or
    /// `partial`.
    pub outcome: DisputeOutcome,
    /// Staff's explanation (1 to 2000 characters), shown to both sides with the resolution.
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 2000, pattern = r"[^\s\u0085]")
    )]
    pub note: String,
    /// For `partial` only: what goes back to the customer.
    #[validate(nested)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<MoneyInput>,
}

/// `POST /v1/admin/jobs/confirm`: jobs to confirm in one go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmJobsInput {
    /// The ids of the jobs to confirm, 1 to 100.
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::pagination::ids")
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(min_items = 1, max_items = 100, value_type = Vec<crate::pagination::Id>)
    )]
    pub job_ids: Vec<String>,
}

/// What happened to each job of a bulk confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmJobsResult {
    /// One outcome per id sent, in the order sent.
    pub results: Vec<ConfirmOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmOutcome {
    /// The job id, as sent.
    pub job_id: String,
    /// What happened to that job.
    pub result: ConfirmResult,
}

open_enum! {
    pub enum ConfirmResult {
        /// Confirmed now: the pro's earnings are released.
        Confirmed,
        /// Was already confirmed (nothing changed).
        AlreadyConfirmed,
        /// The customer's review window is still open.
        InReviewWindow,
        /// The customer disputed it: resolve the dispute instead.
        Disputed,
        /// Not completed yet (or cancelled).
        NotCompleted,
        /// No job has this id.
        NotFound,
    }
}

/// One entry of a job's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobEvent {
    /// The entry's id.
    pub id: String,
    /// The job it belongs to.
    pub job_id: String,
    /// What happened.
    pub kind: JobEventKind,
    /// Which side acted (`system` for the service itself).
    pub actor: Party,
    /// The user who acted (`null` for the service itself).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub actor_id: Option<String>,
    /// What changed, e.g. the proposed slots or the cancellation reason.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
    /// When it happened.
    pub at: DateTime<Utc>,
}

open_enum! {
    pub enum JobEventKind {
        /// The pro got the job.
        Assigned,
        /// One side proposed visit slots.
        Proposed,
        /// A proposal was accepted: the first agreed date.
        Scheduled,
        /// A proposal was accepted on an already scheduled job.
        Rescheduled,
        /// The customer signed the service agreement.
        AgreementSigned,
        /// The pro started the work.
        Started,
        /// The pro marked the job done.
        Completed,
        /// The customer disputed the work.
        Disputed,
        /// Staff resolved the dispute.
        DisputeResolved,
        /// The job was confirmed: the pro's earnings are released.
        Confirmed,
        /// The job was cancelled.
        Cancelled,
    }
}

/// `GET /v1/jobs` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct JobFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
}

/// `GET /v1/admin/jobs` filter: e.g. `status=completed&review_window=closed` lists what staff
/// can confirm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AdminJobFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_window: Option<ReviewWindow>,
    /// Only this pro's jobs.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewWindow {
    /// The customer's review window is still open.
    Open,
    /// The review window has closed.
    Closed,
}

/// Money a user owes for breaking a rule (a late cancellation), settled by the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Penalty {
    /// The penalty's id.
    pub id: String,
    /// The job that was cancelled late.
    pub job_id: String,
    /// Who owes it.
    pub user_id: String,
    /// The side of the job that owes it.
    pub party: Party,
    /// Why: `late_cancellation`.
    pub reason: String,
    /// What is owed.
    pub amount: Money,
    /// `pending` until the wallet settles it.
    pub status: String,
    /// When the penalty was imposed.
    pub created_at: DateTime<Utc>,
}

/// `GET /v1/admin/penalties` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PenaltyFilter {
    /// Only this user's penalties.
    #[validate(length(max = 64))]
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Slots are 30 minutes to 12 hours long; "in the future" and "inside the pro's hours" are the
/// server's to check (it owns the clock and the hours).
fn valid_slots(slots: &[TimeWindow]) -> Result<(), ValidationError> {
    for (index, slot) in slots.iter().enumerate() {
        let minutes = (slot.end - slot.start).num_minutes();
        let problem = if slot.end <= slot.start {
            Some("must end after it starts")
        } else if !(30..=12 * 60).contains(&minutes) {
            Some("must last 30 minutes to 12 hours")
        } else {
            None
        };
        if let Some(problem) = problem {
            let mut error = ValidationError::new("slot");
            error.message = Some(format!("slots[{index}] {problem}").into());
            return Err(error);
        }
    }
    Ok(())
}

fn refund_matches_outcome(input: &ResolveDisputeInput) -> Result<(), ValidationError> {
    let problem = match (input.outcome, &input.refund) {
        (DisputeOutcome::Partial, None) => Some("a partial outcome needs the refund amount"),
        (DisputeOutcome::Partial, Some(refund)) if refund.amount_cents == 0 => {
            Some("a partial refund must be more than nothing")
        }
        (DisputeOutcome::Release | DisputeOutcome::Refund, Some(_)) => {
            Some("only a partial outcome takes a refund amount")
        }
        _ => None,
    };
    match problem {
        Some(problem) => {
            let mut error = ValidationError::new("refund");
            error.message = Some(problem.into());
            error.add_param("field".into(), &"refund");
            Err(error)
        }
        None => Ok(()),
    }
}

fn lower_hex_sha256(value: &str) -> Result<(), ValidationError> {
    if value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        let mut error = ValidationError::new("sha256");
        error.message = Some("64 lower-case hex digits (SHA-256)".into());
        Err(error)
    }
}
