//! Job rows, who may act on them, the one conditional update every transition goes through, and
//! the views both sides see.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::Page;
use shared_types::auth::Role;
use shared_types::jobs::{
    Cancellation, Completion, Dispute, DisputeOutcome, Job, JobStatus, Party, Resolution,
};
use shared_types::partners::Money;
use shared_types::requests::TimeWindow;

use super::scheduling;
use crate::db::schema::{
    agreement_signatures, categories, jobs, partner_profiles, penalties, service_requests,
};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::photos::AttachedTo;
use crate::photos::model as photos;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: String,
    pub request_id: String,
    pub customer_id: String,
    pub partner_id: String,
    #[diesel(deserialize_as = Stored<JobStatus>)]
    pub status: JobStatus,
    pub price_cents: i64,
    pub currency: String,
    pub scheduled_start: Option<NaiveDateTime>,
    pub scheduled_end: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub review_window_ends_at: Option<NaiveDateTime>,
    pub completion_summary: Option<String>,
    pub completion_photos: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub disputed_at: Option<NaiveDateTime>,
    pub dispute_reason: Option<String>,
    pub resolution: Option<String>,
    pub resolution_note: Option<String>,
    pub refund_cents: Option<i64>,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
}

impl JobRow {
    pub fn status(&self) -> JobStatus {
        self.status
    }

    pub fn price(&self) -> Money {
        self.money(self.price_cents)
    }

    pub fn money(&self, amount_cents: i64) -> Money {
        Money {
            amount_cents,
            currency: self.currency.clone(),
        }
    }

    /// The user on the other side of `party` (both sides for staff and the service itself).
    pub fn counterparts(&self, party: Party) -> Vec<&str> {
        match party {
            Party::Customer => vec![&self.partner_id],
            Party::Partner => vec![&self.customer_id],
            Party::Staff | Party::System => vec![&self.customer_id, &self.partner_id],
            Party::Unknown => Vec::new(),
        }
    }
}

/// The fields a transition may change; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = jobs)]
pub struct JobChanges {
    pub status: Option<String>,
    pub scheduled_start: Option<NaiveDateTime>,
    pub scheduled_end: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub review_window_ends_at: Option<NaiveDateTime>,
    pub completion_summary: Option<String>,
    pub completion_photos: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub disputed_at: Option<NaiveDateTime>,
    pub dispute_reason: Option<String>,
    pub resolution: Option<String>,
    pub resolution_note: Option<String>,
    pub refund_cents: Option<i64>,
    pub resolved_at: Option<NaiveDateTime>,
    pub paid_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl JobChanges {
    /// No change but `updated_at`: with [`transition`], claims the row while checking its status.
    pub fn touch(now: NaiveDateTime) -> Self {
        Self {
            updated_at: Some(now),
            ..Self::default()
        }
    }

    /// A move to `status` at `now`.
    pub fn to(status: JobStatus, now: NaiveDateTime) -> Self {
        Self {
            status: Some(status.as_str().to_owned()),
            updated_at: Some(now),
            ..Self::default()
        }
    }
}

/// Who is acting on a job, and as which side.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub party: Party,
}

impl Actor {
    pub fn new(user_id: String, role: Role) -> Self {
        let party = match role {
            Role::Customer => Party::Customer,
            Role::Partner => Party::Partner,
            Role::Staff => Party::Staff,
            Role::Unknown => Party::Unknown,
        };
        Self { user_id, party }
    }

    /// The id to record, `None` for the service itself.
    pub fn id(&self) -> Option<&str> {
        (self.party != Party::System).then_some(self.user_id.as_str())
    }
}

/// Applies `changes` if the job is still in one of `from`: the database decides between
/// concurrent transitions. Otherwise 409 `invalid_transition` naming the current status.
pub fn transition(
    conn: &mut DbConnection,
    job_id: &str,
    from: &[JobStatus],
    changes: &JobChanges,
) -> ApiResult<()> {
    let from_stored: Vec<Stored<JobStatus>> = from.iter().copied().map(Stored).collect();
    let updated = diesel::update(
        jobs::table
            .filter(jobs::id.eq(job_id))
            .filter(jobs::status.eq_any(&from_stored)),
    )
    .set(changes)
    .execute(conn)?;
    if updated == 1 {
        return Ok(());
    }
    let Stored(current) = jobs::table
        .find(job_id)
        .select(jobs::status)
        .first::<Stored<JobStatus>>(conn)?;
    Err(invalid_transition(current, from))
}

pub fn invalid_transition(current: JobStatus, allowed: &[JobStatus]) -> ApiError {
    let allowed: Vec<&str> = allowed.iter().map(|status| status.as_str()).collect();
    ApiError::invalid_transition("job", current.as_str(), &allowed)
}

/// The job an assignment creates (the requests area's one way to make one); returns its id.
pub fn create_assigned(
    conn: &mut DbConnection,
    request_id: &str,
    customer_id: &str,
    partner_id: &str,
    price: &Money,
    now: NaiveDateTime,
) -> ApiResult<String> {
    let job_id = db::new_id();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(&job_id),
            jobs::request_id.eq(request_id),
            jobs::customer_id.eq(customer_id),
            jobs::partner_id.eq(partner_id),
            jobs::status.eq(Stored(JobStatus::Assigned)),
            jobs::price_cents.eq(price.amount_cents),
            jobs::currency.eq(&price.currency),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(job_id)
}

/// Marks the job paid (the wallet area, when the customer's payment succeeds).
pub fn mark_paid(conn: &mut DbConnection, job_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    diesel::update(jobs::table.find(job_id))
        .set(jobs::paid_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Takes the job's row lock (a no-op update), so that work on one job takes turns.
pub fn lock(conn: &mut DbConnection, job_id: &str) -> ApiResult<()> {
    diesel::update(jobs::table.find(job_id))
        .set(jobs::updated_at.eq(jobs::updated_at))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, job_id: &str) -> ApiResult<JobRow> {
    jobs::table
        .find(job_id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("job"))
}

/// The job, if `actor` is its customer or its pro (or staff); anyone else: "not found".
pub fn find_for(conn: &mut DbConnection, job_id: &str, actor: &Actor) -> ApiResult<JobRow> {
    let job = find(conn, job_id)?;
    let mine = match actor.party {
        Party::Customer => job.customer_id == actor.user_id,
        Party::Partner => job.partner_id == actor.user_id,
        Party::Staff | Party::System => true,
        Party::Unknown => false,
    };
    if mine {
        Ok(job)
    } else {
        Err(ApiError::not_found("job"))
    }
}

/// The live (not cancelled) job of a request, if any.
pub fn live_for_request(conn: &mut DbConnection, request_id: &str) -> ApiResult<Option<JobRow>> {
    Ok(jobs::table
        .filter(jobs::request_id.eq(request_id))
        .filter(jobs::status.ne(JobStatus::Cancelled.as_str()))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn view(conn: &mut DbConnection, row: JobRow) -> ApiResult<Job> {
    let mut views = views(conn, vec![row])?;
    views
        .pop()
        .ok_or_else(|| ApiError::internal("job view lost"))
}

/// Views of `rows`, in order, with a handful of queries whatever their number.
/// What a job shows of its request: the category's slug, the description, the city, the wished
/// windows (JSON) and their time zone.
type RequestPart = (String, String, String, String, String);

pub fn views(conn: &mut DbConnection, rows: Vec<JobRow>) -> ApiResult<Vec<Job>> {
    let job_ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let request_ids: Vec<&str> = rows.iter().map(|row| row.request_id.as_str()).collect();
    let partner_ids: Vec<&str> = rows.iter().map(|row| row.partner_id.as_str()).collect();

    let requests: HashMap<String, RequestPart> = service_requests::table
        .inner_join(categories::table)
        .filter(service_requests::id.eq_any(&request_ids))
        .select((
            service_requests::id,
            (
                categories::slug,
                service_requests::description,
                service_requests::city,
                service_requests::windows,
                service_requests::time_zone,
            ),
        ))
        .load::<(String, RequestPart)>(conn)?
        .into_iter()
        .collect();
    let businesses: HashMap<String, String> = partner_profiles::table
        .filter(partner_profiles::user_id.eq_any(&partner_ids))
        .select((partner_profiles::user_id, partner_profiles::business_name))
        .load(conn)?
        .into_iter()
        .collect();
    let signed: HashMap<String, NaiveDateTime> = agreement_signatures::table
        .filter(agreement_signatures::job_id.eq_any(&job_ids))
        .select((
            agreement_signatures::job_id,
            agreement_signatures::signed_at,
        ))
        .load(conn)?
        .into_iter()
        .collect();
    let penalties: HashMap<String, i64> = penalties::table
        .filter(penalties::job_id.eq_any(&job_ids))
        .filter(penalties::reason.eq("late_cancellation"))
        .select((penalties::job_id, penalties::amount_cents))
        .load(conn)?
        .into_iter()
        .collect();
    let mut proposals = scheduling::open_proposals(conn, &job_ids)?;
    let completion_photos = photos::counts(conn, AttachedTo::Completion, &job_ids)?;
    let dispute_photos = photos::counts(conn, AttachedTo::Dispute, &job_ids)?;

    Ok(rows
        .into_iter()
        .map(|row| {
            let (category, description, city, windows, time_zone) =
                requests.get(&row.request_id).cloned().unwrap_or_default();
            let penalty = penalties.get(&row.id).map(|cents| row.money(*cents));
            let mut job = view_of_row(&row, penalty);
            if let Some(completion) = &mut job.completion {
                completion.photo_count = completion_photos.get(&row.id).copied().unwrap_or(0);
            }
            if let Some(dispute) = &mut job.dispute {
                dispute.photo_count = dispute_photos.get(&row.id).copied().unwrap_or(0);
            }
            Job {
                business_name: businesses.get(&row.partner_id).cloned().unwrap_or_default(),
                category,
                description,
                city,
                wished_windows: serde_json::from_str(&windows).unwrap_or_default(),
                time_zone,
                open_proposal: proposals.remove(&row.id),
                agreement_signed_at: signed.get(&row.id).map(NaiveDateTime::and_utc),
                ..job
            }
        })
        .collect())
}

/// The parts of the view that come from the row alone.
fn view_of_row(row: &JobRow, penalty: Option<Money>) -> Job {
    let scheduled = match (row.scheduled_start, row.scheduled_end) {
        (Some(start), Some(end)) => Some(TimeWindow {
            start: start.and_utc(),
            end: end.and_utc(),
        }),
        _ => None,
    };
    let completion = match (&row.completion_summary, row.completed_at) {
        (Some(summary), Some(completed_at)) => Some(Completion {
            summary: summary.clone(),
            photo_urls: row
                .completion_photos
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default(),
            photo_count: 0,
            completed_at: completed_at.and_utc(),
        }),
        _ => None,
    };
    let resolution = match (
        row.resolution.as_deref().and_then(DisputeOutcome::parse),
        row.resolved_at,
    ) {
        (Some(outcome), Some(resolved_at)) => Some(Resolution {
            outcome,
            note: row.resolution_note.clone().unwrap_or_default(),
            refund: row.money(row.refund_cents.unwrap_or(0)),
            resolved_at: resolved_at.and_utc(),
        }),
        _ => None,
    };
    let dispute = match (&row.dispute_reason, row.disputed_at) {
        (Some(reason), Some(opened_at)) => Some(Dispute {
            reason: reason.clone(),
            photo_count: 0,
            opened_at: opened_at.and_utc(),
            resolution,
        }),
        _ => None,
    };
    let cancellation = match (
        row.cancelled_by.as_deref().and_then(Party::parse),
        row.cancelled_at,
    ) {
        (Some(by), Some(cancelled_at)) => Some(Cancellation {
            by,
            reason: row.cancel_reason.clone().unwrap_or_default(),
            cancelled_at: cancelled_at.and_utc(),
            late: penalty.is_some(),
            penalty,
        }),
        _ => None,
    };
    Job {
        id: row.id.clone(),
        request_id: row.request_id.clone(),
        customer_id: row.customer_id.clone(),
        partner_id: row.partner_id.clone(),
        business_name: String::new(),
        category: String::new(),
        description: String::new(),
        city: String::new(),
        wished_windows: Vec::new(),
        time_zone: String::new(),
        price: row.price(),
        status: row.status(),
        scheduled,
        open_proposal: None,
        agreement_signed_at: None,
        paid_at: row.paid_at.map(|at| at.and_utc()),
        started_at: row.started_at.map(|at| at.and_utc()),
        completion,
        review_window_ends_at: row.review_window_ends_at.map(|at| at.and_utc()),
        dispute,
        confirmed_at: row.confirmed_at.map(|at| at.and_utc()),
        cancellation,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// One page of jobs, newest first; `query` narrows them (to a user, a status, …).
pub fn page(
    conn: &mut DbConnection,
    query: jobs::BoxedQuery<'static, db::MultiBackend>,
    page: &shared_types::PageParams,
) -> ApiResult<Page<Job>> {
    let limit = i64::from(page.limit());
    // The default selection is every column in table order, which is `JobRow`'s order.
    let mut query = query.order(jobs::id.desc()).limit(limit + 1);
    if let Some(cursor) = &page.cursor {
        query = query.filter(jobs::id.lt(cursor.clone()));
    }
    let rows: Vec<JobRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    Ok(Page {
        items: views(conn, rows)?,
        next_cursor,
    })
}
