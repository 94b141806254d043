//! Cancellation (000: "both customers and providers will face a penalty if they cancel a service
//! request within 24 hours"). Either side may cancel before the work starts. Less than the notice
//! period (24 h) before the scheduled start, the cancelling side owes a penalty, recorded as a
//! `penalties` row and settled by the wallet in the same transaction (see
//! `wallet::settlement::on_cancelled`). A job with no agreed date can be cancelled freely.
//!
//! When the pro cancels, the request becomes `pro_cancelled` and the customer may have it
//! matched again (`POST /v1/requests/{id}/rematch`); when the customer cancels, the request ends.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::jobs::{
    CancelJobInput, CancellationTerms, Job, JobEventKind, JobStatus, Party, Penalty, PenaltyFilter,
};
use shared_types::partners::Money;
use shared_types::requests::RequestStatus;
use shared_types::{Page, PageParams};

use super::model::{self, Actor, JobChanges};
use super::{JobPolicy, events, scheduling};
use crate::db::schema::penalties;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;
use crate::wallet::settlement;

pub const LATE_CANCELLATION: &str = "late_cancellation";

/// What `party` owes for cancelling at `now` a job scheduled to start at `scheduled_start`:
/// nothing without an agreed date or with at least the notice period to go.
pub fn late_cancellation_penalty(
    party: Party,
    scheduled_start: Option<NaiveDateTime>,
    now: NaiveDateTime,
    policy: &JobPolicy,
) -> Option<i64> {
    let start = scheduled_start?;
    if start - now >= policy.cancellation_notice {
        return None;
    }
    let amount = match party {
        Party::Customer => policy.customer_fee_cents,
        Party::Partner => policy.partner_penalty_cents,
        Party::Staff | Party::System | Party::Unknown => 0,
    };
    (amount > 0).then_some(amount)
}

/// What cancelling `job_id` costs `actor`: free until the notice period before the agreed start,
/// the late fee (or penalty) after it.
pub fn terms(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    policy: &JobPolicy,
    now: NaiveDateTime,
) -> ApiResult<CancellationTerms> {
    let job = model::find_for(conn, job_id, actor)?;
    let cancellable = matches!(job.status(), JobStatus::Assigned | JobStatus::Scheduled);
    let late_fee_cents = match actor.party {
        Party::Customer => policy.customer_fee_cents,
        Party::Partner => policy.partner_penalty_cents,
        Party::Staff | Party::System | Party::Unknown => 0,
    };
    let fee_now = late_cancellation_penalty(actor.party, job.scheduled_start, now, policy)
        .filter(|_| cancellable)
        .map(|cents| job.money(cents));
    Ok(CancellationTerms {
        cancellable,
        notice_hours: policy.cancellation_notice.num_hours(),
        late_fee: job.money(late_fee_cents),
        free_until: job
            .scheduled_start
            .map(|start| (start - policy.cancellation_notice).and_utc()),
        fee_now,
    })
}

/// Cancels the job for `actor`, with the penalty the rule gives. Run inside a write transaction.
pub fn cancel(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    input: &CancelJobInput,
    policy: &JobPolicy,
    now: NaiveDateTime,
) -> ApiResult<Job> {
    let job = model::find_for(conn, job_id, actor)?;
    let changes = JobChanges {
        cancelled_at: Some(now),
        cancelled_by: Some(actor.party.as_str().to_owned()),
        cancel_reason: Some(input.reason.trim().to_owned()),
        ..JobChanges::to(JobStatus::Cancelled, now)
    };
    model::transition(
        conn,
        &job.id,
        &[JobStatus::Assigned, JobStatus::Scheduled],
        &changes,
    )?;
    scheduling::withdraw_open(conn, &job.id, now)?;

    let penalty = late_cancellation_penalty(actor.party, job.scheduled_start, now, policy);
    if let Some(amount_cents) = penalty {
        diesel::insert_into(penalties::table)
            .values((
                penalties::id.eq(db::new_id()),
                penalties::job_id.eq(&job.id),
                penalties::user_id.eq(&actor.user_id),
                penalties::party.eq(actor.party.as_str()),
                penalties::reason.eq(LATE_CANCELLATION),
                penalties::amount_cents.eq(amount_cents),
                penalties::currency.eq(&job.currency),
                penalties::status.eq("pending"),
                penalties::created_at.eq(now),
            ))
            .execute(conn)?;
    }

    settlement::on_cancelled(conn, &job, actor.party, penalty, &policy.money, now)?;

    let request_status = match actor.party {
        Party::Partner => RequestStatus::ProCancelled,
        _ => RequestStatus::Cancelled,
    };
    crate::requests::intake::close_after_cancellation(conn, &job.request_id, request_status, now)?;

    events::record(
        conn,
        &job,
        JobEventKind::Cancelled,
        actor,
        serde_json::json!({
            "reason": input.reason.trim(),
            "late": penalty.is_some(),
            "penalty": penalty.map(|cents| job.money(cents)),
        }),
        now,
    )?;
    let job = model::find(conn, &job.id)?;
    model::view(conn, job)
}

type PenaltyRow = (
    String,
    String,
    String,
    Stored<Party>,
    String,
    i64,
    String,
    String,
    NaiveDateTime,
);

/// Staff: penalties, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &PenaltyFilter,
    page: &PageParams,
) -> ApiResult<Page<Penalty>> {
    let limit = i64::from(page.limit());
    let mut query = penalties::table
        .select((
            penalties::id,
            penalties::job_id,
            penalties::user_id,
            penalties::party,
            penalties::reason,
            penalties::amount_cents,
            penalties::currency,
            penalties::status,
            penalties::created_at,
        ))
        .order(penalties::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(user_id) = &filter.user_id {
        query = query.filter(penalties::user_id.eq(user_id));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(penalties::id.lt(cursor));
    }
    let rows: Vec<PenaltyRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    let items = rows
        .into_iter()
        .map(
            |(id, job_id, user_id, party, reason, amount_cents, currency, status, created_at)| {
                Ok(Penalty {
                    id,
                    job_id,
                    user_id,
                    party: party.0,
                    reason,
                    amount: Money {
                        amount_cents,
                        currency,
                    },
                    status,
                    created_at: created_at.and_utc(),
                })
            },
        )
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor })
}

/// The job's pending penalties are settled (the wallet area, once it has posted them).
pub fn settle_penalties(conn: &mut DbConnection, job_id: &str) -> ApiResult<()> {
    diesel::update(
        penalties::table
            .filter(penalties::job_id.eq(job_id))
            .filter(penalties::status.eq("pending")),
    )
    .set(penalties::status.eq("settled"))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn policy() -> JobPolicy {
        JobPolicy {
            review_window: chrono::Duration::hours(24),
            cancellation_notice: chrono::Duration::hours(24),
            customer_fee_cents: 2_500,
            partner_penalty_cents: 5_000,
            money: crate::wallet::MoneyPolicy {
                platform_fee_bps: 1500,
                compensation_bps: 8500,
            },
        }
    }

    fn day(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn the_24_hour_rule() {
        let policy = policy();
        let visit = Some(day(25, 10));
        let penalty = |party, now| late_cancellation_penalty(party, visit, now, &policy);
        // Exactly 24 h ahead is in time; a second later is not.
        assert_eq!(penalty(Party::Customer, day(24, 10)), None);
        assert_eq!(
            penalty(Party::Customer, day(24, 10) + chrono::Duration::seconds(1)),
            Some(2_500)
        );
        assert_eq!(penalty(Party::Partner, day(25, 9)), Some(5_000));
        assert_eq!(penalty(Party::Partner, day(23, 9)), None);
        assert_eq!(
            penalty(Party::Partner, day(25, 12)),
            Some(5_000),
            "after the visit should have started is late too"
        );
        assert_eq!(
            late_cancellation_penalty(Party::Customer, None, day(25, 9), &policy),
            None,
            "no agreed date, no penalty"
        );
    }
}
