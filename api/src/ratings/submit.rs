//! Rating a job, and publishing ratings: double-blind until both sides rated or the window
//! closed, then both at once, with the pro's Star Score and everyone's monitoring updated in
//! the same transaction.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::ErrorCode;
use shared_types::events::EventData;
use shared_types::jobs::{JobStatus, Party};
use shared_types::ratings::{Rating, RatingDirection, RatingInput};

use super::model::RatingRow;
use super::{monitoring, reviews, score};
use crate::auth::accounts;
use crate::db::schema::{jobs, partner_profiles, ratings};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::jobs::model::{self as job_model, Actor};
use crate::notify::outbox;
use crate::partners::profiles;
use crate::requests::cards::{self, Affected};

/// Job statuses after completion: the work is done, so both sides can say how it went.
const RATEABLE: [JobStatus; 3] = [
    JobStatus::Completed,
    JobStatus::Confirmed,
    JobStatus::Disputed,
];

/// Records `actor`'s rating of the other side of `job_id`. Run inside a write transaction.
pub fn rate(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    input: &RatingInput,
    now: NaiveDateTime,
    window: Duration,
) -> ApiResult<Rating> {
    // Ratings of one job queue behind each other here (a row lock on the job, taken before
    // reading it), so the second always sees the first and publishes both.
    lock_job(conn, job_id)?;
    let job = job_model::find_for(conn, job_id, actor)?;
    let (direction, ratee_id) = match actor.party {
        Party::Customer => (RatingDirection::CustomerToPartner, job.partner_id.clone()),
        Party::Partner => (RatingDirection::PartnerToCustomer, job.customer_id.clone()),
        Party::Staff | Party::System | Party::Unknown => {
            return Err(ApiError::forbidden(
                "only the customer and the pro rate a job",
            ));
        }
    };
    if !RATEABLE.contains(&job.status()) {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "a job can be rated once the work is completed; this one is {}",
                job.status().as_str()
            ),
        ));
    }
    let completed_at = job
        .completed_at
        .ok_or_else(|| ApiError::internal(format!("job {} has no completion time", job.id)))?;
    if now > completed_at + window {
        return Err(ApiError::new(
            ErrorCode::RatingWindowClosed,
            format!(
                "ratings were taken until {}",
                (completed_at + window).and_utc()
            ),
        ));
    }
    let row = RatingRow {
        id: db::new_id(),
        job_id: job.id.clone(),
        direction,
        rater_id: actor.user_id.clone(),
        ratee_id,
        stars: input.stars,
        comment: input.comment.trim().to_owned(),
        tags: serde_json::to_string(&input.tags).unwrap_or_else(|_| "[]".into()),
        created_at: now,
        published_at: None,
        reply: None,
        replied_at: None,
        hidden_at: None,
        hidden_reason: None,
    };
    match diesel::insert_into(ratings::table)
        .values(row.clone())
        .execute(conn)
    {
        Ok(_) => {}
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            return Err(already_rated());
        }
        Err(error) => return Err(error.into()),
    }
    let other_side: i64 = ratings::table
        .filter(ratings::job_id.eq(&job.id))
        .filter(ratings::direction.eq(direction.opposite().as_str()))
        .count()
        .get_result(conn)?;
    if other_side > 0 {
        publish(conn, &job.id, now)?;
    }
    let ratee = Actor {
        user_id: row.ratee_id.clone(),
        party: match direction {
            RatingDirection::CustomerToPartner => Party::Partner,
            _ => Party::Customer,
        },
    };
    let as_ratee_sees_them = reviews::of_job(conn, &ratee, &job.id, window)?;
    outbox::enqueue(
        conn,
        &row.ratee_id,
        EventData::RatingReceived(as_ratee_sees_them),
        now,
    )?;
    let stored = ratings::table
        .find(&row.id)
        .select(RatingRow::as_select())
        .first(conn)?;
    Ok(stored.to_view())
}

fn already_rated() -> ApiError {
    ApiError::new(ErrorCode::AlreadyRated, "you have already rated this job")
}

/// A row lock on the job: ratings and publications of one job take turns.
fn lock_job(conn: &mut DbConnection, job_id: &str) -> ApiResult<()> {
    crate::jobs::model::lock(conn, job_id)
}

/// Publishes the job's unpublished ratings and updates what depends on them. The caller holds
/// the job's lock.
fn publish(conn: &mut DbConnection, job_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    // In user order, so that two transactions lock the same users in the same order.
    let unpublished: Vec<RatingRow> = ratings::table
        .filter(ratings::job_id.eq(job_id))
        .filter(ratings::published_at.is_null())
        .order(ratings::ratee_id)
        .select(RatingRow::as_select())
        .load(conn)?;
    diesel::update(
        ratings::table
            .filter(ratings::job_id.eq(job_id))
            .filter(ratings::published_at.is_null()),
    )
    .set(ratings::published_at.eq(now))
    .execute(conn)?;
    for rating in unpublished {
        standing_changed(
            conn,
            &rating.ratee_id,
            rating.direction(),
            Change::NewRating,
            now,
        )?;
    }
    Ok(())
}

/// Jobs with a rating still hidden although the window has closed.
pub fn due_jobs(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    window: Duration,
) -> ApiResult<Vec<String>> {
    Ok(ratings::table
        .inner_join(jobs::table)
        .filter(ratings::published_at.is_null())
        .filter(jobs::completed_at.le(now - window))
        .select(ratings::job_id)
        .distinct()
        .order(ratings::job_id)
        .limit(500)
        .load(conn)?)
}

/// Publishes a job's lone rating once its window has closed. One job per transaction, so that
/// it takes its locks in the same order as a rating does. Returns whether anything changed.
pub fn publish_closed(
    conn: &mut DbConnection,
    job_id: &str,
    now: NaiveDateTime,
    window: Duration,
) -> ApiResult<bool> {
    lock_job(conn, job_id)?;
    let completed: Option<Option<NaiveDateTime>> = jobs::table
        .find(job_id)
        .select(jobs::completed_at)
        .first(conn)
        .optional()?;
    if completed.flatten().is_none_or(|at| at + window > now) {
        return Ok(false);
    }
    publish(conn, job_id, now)?;
    Ok(true)
}

/// Pros whose Star Score was worked out more than a day ago: it weighs reviews by age, so it
/// drifts as they get older even without new ones.
pub fn stale_scores(conn: &mut DbConnection, now: NaiveDateTime) -> ApiResult<Vec<String>> {
    Ok(partner_profiles::table
        .filter(partner_profiles::review_count.gt(0))
        .filter(
            partner_profiles::star_score_at
                .is_null()
                .or(partner_profiles::star_score_at.lt(now - Duration::days(1))),
        )
        .order(partner_profiles::star_score_at)
        .limit(500)
        .select(partner_profiles::user_id)
        .load(conn)?)
}

/// What changed a user's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A rating of theirs was published.
    NewRating,
    /// A rating was hidden, or time passed.
    Recount,
}

/// After a rating of `user_id` was published or hidden: the pro's Star Score and review
/// figures, and the monitoring list.
pub fn standing_changed(
    conn: &mut DbConnection,
    user_id: &str,
    direction: RatingDirection,
    change: Change,
    now: NaiveDateTime,
) -> ApiResult<()> {
    // One update of a user's standing at a time (a row lock on the user), each reading every
    // rating the one before it committed.
    accounts::lock(conn, user_id)?;
    let counted: Vec<(i32, NaiveDateTime)> = ratings::table
        .filter(ratings::ratee_id.eq(user_id))
        .filter(ratings::direction.eq(direction.as_str()))
        .filter(ratings::hidden_at.is_null())
        .filter(ratings::published_at.is_not_null())
        .select((ratings::stars, ratings::created_at))
        .load(conn)?;
    if direction == RatingDirection::CustomerToPartner {
        update_partner_score(conn, user_id, &counted, now)?;
    } else {
        // Every lead of theirs shows how pros rated them.
        cards::refresh(conn, Affected::Customer(user_id))?;
    }
    let since = now - Duration::days(score::MONITORING_DAYS);
    let recent: Vec<i32> = counted
        .iter()
        .filter(|(_, at)| *at >= since)
        .map(|(stars, _)| *stars)
        .collect();
    monitoring::check(conn, user_id, &recent, change == Change::NewRating, now)
}

fn update_partner_score(
    conn: &mut DbConnection,
    partner_id: &str,
    counted: &[(i32, NaiveDateTime)],
    now: NaiveDateTime,
) -> ApiResult<()> {
    #[allow(clippy::cast_precision_loss, reason = "ages in seconds fit a double")]
    let aged: Vec<(i32, f64)> = counted
        .iter()
        .map(|(stars, at)| (*stars, (now - *at).num_seconds() as f64 / 86_400.0))
        .collect();
    let stars: Vec<i32> = counted.iter().map(|(stars, _)| *stars).collect();
    let new_score = score::star_score(&aged);
    let Some(old_score) = profiles::find(conn, partner_id)?.map(|row| row.star_score) else {
        // A pro without a profile has nothing to show the score on.
        return Ok(());
    };
    profiles::set_score(
        conn,
        partner_id,
        profiles::Score {
            star_score: new_score,
            review_count: i64::try_from(stars.len()).unwrap_or(i64::MAX),
            average_stars: score::average(&stars),
        },
        now,
    )?;
    let eligible = |score: Option<f64>| score.is_none_or(|s| s >= score::MARKETPLACE_MIN_SCORE);
    if eligible(old_score) && !eligible(new_score) {
        let profile = profiles::own_profile(conn, partner_id)?;
        outbox::enqueue(conn, partner_id, EventData::RatingScoreLow(profile), now)?;
    }
    Ok(())
}
