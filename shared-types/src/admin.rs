//! What the staff console reads that no single area's endpoint gives: the work waiting for staff,
//! review-category requests waiting for a choice, a job's whole case file, a pro's wallet.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobEvent, Signature};
use crate::partners::{Category, Money};
use crate::requests::TimeWindow;
use crate::wallet::{Payment, Refund};

open_enum! {
    /// A kind of work waiting for staff, in the order the console lists them.
    pub enum QueueKind {
        /// Review-category requests with applications, waiting for staff to choose a pro.
        Assignments,
        /// Completed jobs whose review window has closed, waiting for staff to confirm them.
        Confirmations,
        /// Jobs a customer disputed, waiting for a decision.
        Disputes,
        /// Users rated below 3 stars on average, being watched.
        Monitoring,
        /// Refunds the payment provider refused, waiting for staff to send them again.
        FailedRefunds,
        /// Notifications that could not be delivered.
        FailedDeliveries,
        /// Payouts a run made that have not been sent yet.
        PayoutsToSend,
    }
}

/// How much of one kind of work waits, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCount {
    /// The kind of work.
    pub kind: QueueKind,
    /// How many items of this kind are waiting (0 when none).
    pub count: i64,
    /// When the item that has waited longest started waiting; `null` when nothing waits.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub oldest_since: Option<DateTime<Utc>>,
    /// That item's id (a request, job, user, refund, notification or payout, by `kind`).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub oldest_id: Option<String>,
}

/// `GET /v1/admin/queue`: every kind of staff work, each with its count and oldest item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffQueue {
    /// One entry per kind, in [`QueueKind`] order, zero counts included.
    pub queues: Vec<QueueCount>,
    /// When the weekly payout run next starts on its own (`PAYOUT_WEEKDAY` `PAYOUT_TIME`).
    pub next_payout_run_at: DateTime<Utc>,
    /// When the counts were taken.
    pub as_of: DateTime<Utc>,
}

impl StaffQueue {
    /// The entry of one kind (every kind has one).
    pub fn of(&self, kind: QueueKind) -> Option<&QueueCount> {
        self.queues.iter().find(|queue| queue.kind == kind)
    }
}

/// `GET /v1/admin/assignments`: a review-category request with applications, waiting for staff
/// to choose one (`GET /v1/admin/requests/{id}/applications`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentCase {
    /// The request waiting for staff to choose a pro.
    pub request_id: String,
    /// The category the customer asked for.
    pub category: Category,
    /// What the customer needs, in their words.
    pub description: String,
    /// The city of the work.
    pub city: String,
    /// The postal code's first three characters: the area, not the address.
    pub postal_area: String,
    /// When the customer is available (UTC).
    pub windows: Vec<TimeWindow>,
    /// The IANA zone the customer chose the windows in.
    pub time_zone: String,
    /// The customer's budget; `null` when they gave none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub budget: Option<Money>,
    /// When the customer made the request.
    pub created_at: DateTime<Utc>,
    /// Applications waiting (`applied`).
    pub applications: i64,
    /// When the earliest waiting application came in.
    pub first_applied_at: DateTime<Utc>,
}

/// `GET /v1/admin/jobs/{id}`: what staff need to decide about a job, in one read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCase {
    /// The job, as staff see it.
    pub job: Job,
    /// The customer's name.
    pub customer_name: String,
    /// The job's timeline, oldest first.
    pub timeline: Vec<JobEvent>,
    /// Every card charge of the job (its price and any tips), whatever its status.
    pub payments: Vec<Payment>,
    /// The refunds owed on the job's payments, whatever their status.
    pub refunds: Vec<Refund>,
    /// The customer's signature of the service agreement, if signed.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub agreement: Option<Signature>,
    /// What a dispute's decision would split: the job's earnings while they are pending, with
    /// the platform's fee on them. Zero before completion, once released or refunded, or when
    /// the job was never paid.
    pub held: Money,
    /// The platform fee in basis points (1500 = 15%), for previewing a decision with
    /// [`DisputeSplit`].
    pub platform_fee_bps: u32,
    /// The conversation of the job's customer and pro, if they opened one: staff read it at
    /// `GET /v1/admin/conversations/{id}/messages` while the job is disputed (audit-logged).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub conversation_id: Option<String>,
}

/// A fee in basis points as people read it: `15%`, `12.5%`.
pub fn fee_percent(fee_bps: u32) -> String {
    if fee_bps.is_multiple_of(100) {
        format!("{}%", fee_bps / 100)
    } else {
        format!("{}%", f64::from(fee_bps) / 100.0)
    }
}

/// The platform fee on `amount_cents` at `fee_bps` basis points, rounded half up to the cent.
/// The pro earns the rest, so the two always add up to the amount.
pub fn platform_fee_cents(amount_cents: i64, fee_bps: u32) -> i64 {
    (amount_cents * i64::from(fee_bps) + 5_000) / 10_000
}

/// How a dispute's decision splits what the platform holds for the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisputeSplit {
    /// Back to the customer's card.
    pub refund_cents: i64,
    /// To the pro's available balance.
    pub partner_cents: i64,
    /// The platform's fee on what the pro keeps.
    pub fee_cents: i64,
}

impl DisputeSplit {
    /// `refund_cents` (clamped to what is held) goes back; the rest is the pro's, less the fee.
    pub fn of(held_cents: i64, refund_cents: i64, fee_bps: u32) -> Self {
        let held = held_cents.max(0);
        let refund = refund_cents.clamp(0, held);
        let kept = held - refund;
        let fee = platform_fee_cents(kept, fee_bps);
        Self {
            refund_cents: refund,
            partner_cents: kept - fee,
            fee_cents: fee,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_always_adds_up_to_what_is_held() {
        for (held, refund) in [(14_900, 0), (14_900, 14_900), (14_900, 5_001), (999, 2_000)] {
            let split = DisputeSplit::of(held, refund, 1500);
            assert_eq!(
                split.refund_cents + split.partner_cents + split.fee_cents,
                held
            );
        }
        let half = DisputeSplit::of(10_000, 5_000, 1500);
        assert_eq!((half.partner_cents, half.fee_cents), (4_250, 750));
        assert_eq!(DisputeSplit::of(999, 2_000, 1500).refund_cents, 999);
    }
}
