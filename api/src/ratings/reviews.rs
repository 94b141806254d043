//! Reading ratings: a pro's public reviews, a job's two ratings as each side may see them, a
//! customer's summary for pros, and staff views; plus the pro's reply and staff hiding.

use shared_types::partners::PartnerStatus;
use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use shared_types::jobs::Party;
use shared_types::ratings::{
    AdminRatingFilter, JobRatings, Rating, RatingDirection, RatingSummary, Review,
};
use shared_types::{ErrorCode, Page, PageParams};

use super::model::{RatingRow, public_name};
use super::{score, submit};
use crate::admin::audit::{self, Change};
use crate::db::schema::{partner_profiles, ratings, users};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::jobs::model::{self as job_model, Actor};

/// Published reviews of an active pro, newest first.
pub fn public_reviews(
    conn: &mut DbConnection,
    partner_id: &str,
    page: &PageParams,
) -> ApiResult<Page<Review>> {
    let active: i64 = partner_profiles::table
        .filter(partner_profiles::user_id.eq(partner_id))
        .filter(partner_profiles::status.eq(Stored(PartnerStatus::Active)))
        .count()
        .get_result(conn)?;
    if active == 0 {
        return Err(ApiError::not_found("partner"));
    }
    let limit = i64::from(page.limit());
    let mut query = ratings::table
        .filter(ratings::ratee_id.eq(partner_id))
        .filter(ratings::direction.eq(RatingDirection::CustomerToPartner.as_str()))
        .filter(ratings::published_at.is_not_null())
        .filter(ratings::hidden_at.is_null())
        .order(ratings::id.desc())
        .limit(limit + 1)
        .select(RatingRow::as_select())
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(ratings::id.lt(cursor));
    }
    let rows: Vec<RatingRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    let raters: Vec<&String> = rows.iter().map(|row| &row.rater_id).collect();
    // A reviewer who deleted their account is "A former customer".
    let names: HashMap<String, String> = users::table
        .filter(users::id.eq_any(&raters))
        .select((users::id, users::name, users::deleted_at))
        .load::<(String, String, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(id, name, deleted_at)| match deleted_at {
            Some(_) => (id, "A former customer".to_owned()),
            None => (id, public_name(&name)),
        })
        .collect();
    let items = rows
        .into_iter()
        .map(|row| Review {
            reviewer: names
                .get(&row.rater_id)
                .cloned()
                .unwrap_or_else(|| public_name("")),
            stars: row.stars,
            comment: row.comment.clone(),
            tags: row.tags(),
            published_at: row.published_at.unwrap_or(row.created_at).and_utc(),
            reply: row.reply(),
            id: row.id,
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// The job's ratings as `actor` (its customer or pro) may see them: their own, and the other
/// side's once published.
pub fn of_job(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    window: Duration,
) -> ApiResult<JobRatings> {
    let job = job_model::find_for(conn, job_id, actor)?;
    let rows: Vec<RatingRow> = ratings::table
        .filter(ratings::job_id.eq(&job.id))
        .select(RatingRow::as_select())
        .load(conn)?;
    let by = |direction: RatingDirection| rows.iter().find(|row| row.direction() == direction);
    let (mine, theirs) = if actor.party == Party::Partner {
        (
            by(RatingDirection::PartnerToCustomer),
            by(RatingDirection::CustomerToPartner),
        )
    } else {
        (
            by(RatingDirection::CustomerToPartner),
            by(RatingDirection::PartnerToCustomer),
        )
    };
    let completed = job.completed_at.unwrap_or(job.created_at);
    Ok(JobRatings {
        mine: mine.map(RatingRow::to_view),
        theirs: theirs
            .filter(|row| row.published_at.is_some())
            .map(RatingRow::to_view),
        theirs_submitted: theirs.is_some(),
        window_closes_at: (completed + window).and_utc(),
    })
}

/// How pros rated each of these customers (published, not hidden).
pub fn customer_summaries(
    conn: &mut DbConnection,
    customer_ids: &[String],
) -> ApiResult<HashMap<String, RatingSummary>> {
    let rows: Vec<(String, i32)> = ratings::table
        .filter(ratings::ratee_id.eq_any(customer_ids))
        .filter(ratings::direction.eq(RatingDirection::PartnerToCustomer.as_str()))
        .filter(ratings::published_at.is_not_null())
        .filter(ratings::hidden_at.is_null())
        .select((ratings::ratee_id, ratings::stars))
        .load(conn)?;
    let mut stars: HashMap<String, Vec<i32>> = HashMap::new();
    for (customer, given) in rows {
        stars.entry(customer).or_default().push(given);
    }
    Ok(customer_ids
        .iter()
        .map(|id| {
            let given = stars.get(id).map_or(&[][..], Vec::as_slice);
            let summary = RatingSummary {
                average_stars: score::average(given),
                count: i64::try_from(given.len()).unwrap_or(i64::MAX),
            };
            (id.clone(), summary)
        })
        .collect())
}

/// Staff: every rating (or those `ratee_id` received), published or not, newest first.
pub fn received(
    conn: &mut DbConnection,
    filter: &AdminRatingFilter,
    page: &PageParams,
) -> ApiResult<Page<Rating>> {
    let limit = i64::from(page.limit());
    let mut query = ratings::table
        .order(ratings::id.desc())
        .limit(limit + 1)
        .select(RatingRow::as_select())
        .into_boxed();
    if let Some(ratee) = &filter.ratee_id {
        query = query.filter(ratings::ratee_id.eq(ratee));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(ratings::id.lt(cursor));
    }
    let rows: Vec<RatingRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    Ok(Page {
        items: rows.iter().map(RatingRow::to_view).collect(),
        next_cursor,
    })
}

fn find(conn: &mut DbConnection, rating_id: &str) -> ApiResult<RatingRow> {
    ratings::table
        .find(rating_id)
        .select(RatingRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("rating"))
}

/// The pro's one public reply to a published review of them.
pub fn reply(
    conn: &mut DbConnection,
    partner_id: &str,
    rating_id: &str,
    text: &str,
    now: NaiveDateTime,
) -> ApiResult<Rating> {
    let rating = find(conn, rating_id)?;
    if rating.ratee_id != partner_id || rating.direction() != RatingDirection::CustomerToPartner {
        return Err(ApiError::not_found("rating"));
    }
    if rating.published_at.is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            "a review can be answered once it is published",
        ));
    }
    let replied = diesel::update(
        ratings::table
            .find(rating_id)
            .filter(ratings::reply.is_null()),
    )
    .set((ratings::reply.eq(text.trim()), ratings::replied_at.eq(now)))
    .execute(conn)?;
    if replied == 0 {
        return Err(ApiError::conflict("this review already has your reply"));
    }
    Ok(find(conn, rating_id)?.to_view())
}

/// Staff hide a rating that breaks the rules: it leaves the profile and every figure.
pub fn hide(
    conn: &mut DbConnection,
    staff_id: &str,
    rating_id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<Rating> {
    let rating = find(conn, rating_id)?;
    let hidden = diesel::update(
        ratings::table
            .find(rating_id)
            .filter(ratings::hidden_at.is_null()),
    )
    .set((
        ratings::hidden_at.eq(now),
        ratings::hidden_reason.eq(reason.trim()),
    ))
    .execute(conn)?;
    if hidden == 0 {
        return Err(ApiError::conflict("this rating is already hidden"));
    }
    audit::record(
        conn,
        Change {
            actor_id: staff_id,
            action: "rating.hide",
            subject_type: "rating",
            subject_id: rating_id,
            before: None,
            after: Some(serde_json::json!({ "hidden": true })),
            reason: Some(reason.trim()),
        },
        now,
    )?;
    submit::standing_changed(
        conn,
        &rating.ratee_id,
        rating.direction(),
        submit::Change::Recount,
        now,
    )?;
    Ok(find(conn, rating_id)?.to_view())
}
