//! HTTP handlers of ratings: thin, the rules live in `submit`, `reviews` and `monitoring`.

use actix_web::{get, post, web};
use shared_types::auth::Scope;
use shared_types::ratings::{
    AdminRatingFilter, JobRatings, MonitoringEntry, MonitoringFilter, Rating, RatingInput,
    ReplyInput, Review, StaffNote,
};
use shared_types::{Page, PageParams};

use super::monitoring::{self, StaffAction};
use super::{reviews, submit};
use crate::auth::{RequireRole, roles};
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::jobs::model::Actor;
use crate::state::AppState;

/// Rate the other side of a completed job: the customer rates the pro, the pro the customer.
///
/// Once per job and side (409 `already_rated`), from completion until `RATING_WINDOW_DAYS`
/// after it (409 `rating_window_closed`). Ratings are double-blind: the other side sees this
/// one when they have rated too, or when the window closes.
#[utoipa::path(
    tag = "ratings",
    params(("id" = String, Path, description = "The job's id")),
    request_body = RatingInput,
    responses((status = 200, description = "The rating", body = Rating)),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/rating")]
pub async fn rate_job(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
    body: ValidatedJson<RatingInput>,
) -> ApiResult<web::Json<Rating>> {
    user.require_scope(Scope::JobsWrite)?;
    let actor = Actor::new(user.0.user_id, user.0.role);
    let (now, window) = (state.clock.now(), super::window(&state.settings));
    let rating = state
        .write(move |conn| submit::rate(conn, &actor, &id, &body.0, now, window))
        .await?;
    Ok(web::Json(rating))
}

/// The job's ratings as the caller may see them: their own, and the other side's once
/// published. (Staff see every rating through `GET /v1/admin/ratings`.)
#[utoipa::path(
    tag = "ratings",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The ratings", body = JobRatings)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/ratings")]
pub async fn job_ratings(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<JobRatings>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = Actor::new(user.0.user_id, user.0.role);
    let window = super::window(&state.settings);
    let ratings = state
        .db(move |conn| reviews::of_job(conn, &actor, &id, window))
        .await?;
    Ok(web::Json(ratings))
}

/// A pro's published reviews, newest first, with their replies. Public.
#[utoipa::path(
    tag = "ratings",
    params(("id" = String, Path, description = "The partner's id"), PageParams),
    responses((status = 200, description = "A page of reviews", body = Page<Review>)),
)]
#[get("/partners/{id}/reviews")]
pub async fn partner_reviews(
    state: web::Data<AppState>,
    id: web::Path<String>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Review>>> {
    let reviews = state
        .db(move |conn| reviews::public_reviews(conn, &id, &page.0))
        .await?;
    Ok(web::Json(reviews))
}

/// The pro's one public reply to a published review of them.
#[utoipa::path(
    tag = "ratings",
    params(("id" = String, Path, description = "The rating's id")),
    request_body = ReplyInput,
    responses((status = 200, description = "The review with its reply", body = Rating)),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/ratings/{id}/reply")]
pub async fn reply(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
    body: ValidatedJson<ReplyInput>,
) -> ApiResult<web::Json<Rating>> {
    partner.require_scope(Scope::JobsWrite)?;
    let (partner_id, now) = (partner.0.user_id, state.clock.now());
    let rating = state
        .write(move |conn| reviews::reply(conn, &partner_id, &id, &body.0.text, now))
        .await?;
    Ok(web::Json(rating))
}

/// Hide a rating that breaks the rules, with the reason (audit-logged). It then counts nowhere.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The rating's id")),
    request_body = StaffNote,
    responses((status = 200, description = "The hidden rating", body = Rating)),
    security(("bearer" = [])),
)]
#[post("/admin/ratings/{id}/hide")]
pub async fn hide(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<StaffNote>,
) -> ApiResult<web::Json<Rating>> {
    staff.require_session()?;
    let (staff_id, now) = (staff.0.user_id, state.clock.now());
    let rating = state
        .write(move |conn| reviews::hide(conn, &staff_id, &id, &body.0.note, now))
        .await?;
    Ok(web::Json(rating))
}

/// Every rating, or those one user received (`ratee_id`; customers' too), published or not,
/// newest first.
#[utoipa::path(
    tag = "admin",
    params(AdminRatingFilter, PageParams),
    responses((status = 200, description = "A page of ratings", body = Page<Rating>)),
    security(("bearer" = [])),
)]
#[get("/admin/ratings")]
pub async fn admin_ratings(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<AdminRatingFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Rating>>> {
    staff.require_session()?;
    let ratings = state
        .db(move |conn| reviews::received(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(ratings))
}

/// The monitoring list: users whose last 90 days of ratings (3 or more) average below 3 stars,
/// with the reason and history. `status` defaults to `watching`.
#[utoipa::path(
    tag = "admin",
    params(MonitoringFilter, PageParams),
    responses((status = 200, description = "A page of entries", body = Page<MonitoringEntry>)),
    security(("bearer" = [])),
)]
#[get("/admin/monitoring")]
pub async fn monitoring_list(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<MonitoringFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<MonitoringEntry>>> {
    staff.require_session()?;
    let list = state
        .db(move |conn| monitoring::list(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(list))
}

async fn act(
    state: &AppState,
    staff_id: String,
    user_id: String,
    action: StaffAction,
    note: String,
) -> ApiResult<web::Json<MonitoringEntry>> {
    let now = state.clock.now();
    let subject = user_id.clone();
    let entry = state
        .write(move |conn| monitoring::act(conn, &staff_id, &user_id, action, &note, now))
        .await?;
    state.standing.forget(&subject);
    Ok(web::Json(entry))
}

/// Add a note to a monitored user's history.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The monitored user's id")),
    request_body = StaffNote,
    responses((status = 200, description = "The entry", body = MonitoringEntry)),
    security(("bearer" = [])),
)]
#[post("/admin/monitoring/{id}/notes")]
pub async fn monitoring_note(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    user_id: web::Path<String>,
    body: ValidatedJson<StaffNote>,
) -> ApiResult<web::Json<MonitoringEntry>> {
    staff.require_session()?;
    let user_id = user_id.into_inner();
    act(
        &state,
        staff.0.user_id,
        user_id,
        StaffAction::Note,
        body.0.note,
    )
    .await
}

/// Take a watched user off the list (they return if their average falls again).
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The monitored user's id")),
    request_body = StaffNote,
    responses((status = 200, description = "The entry", body = MonitoringEntry)),
    security(("bearer" = [])),
)]
#[post("/admin/monitoring/{id}/clear")]
pub async fn monitoring_clear(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    user_id: web::Path<String>,
    body: ValidatedJson<StaffNote>,
) -> ApiResult<web::Json<MonitoringEntry>> {
    staff.require_session()?;
    let user_id = user_id.into_inner();
    act(
        &state,
        staff.0.user_id,
        user_id,
        StaffAction::Clear,
        body.0.note,
    )
    .await
}

/// Suspend a monitored user (the one suspension rule of `POST /v1/admin/users/{id}/suspend`,
/// with the note as the reason): no sign-in, tokens and API keys stop working, and a pro leaves
/// search and matching and loses their live offers.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The monitored user's id")),
    request_body = StaffNote,
    responses((status = 200, description = "The entry", body = MonitoringEntry)),
    security(("bearer" = [])),
)]
#[post("/admin/monitoring/{id}/suspend")]
pub async fn monitoring_suspend(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    user_id: web::Path<String>,
    body: ValidatedJson<StaffNote>,
) -> ApiResult<web::Json<MonitoringEntry>> {
    staff.require_session()?;
    let user_id = user_id.into_inner();
    act(
        &state,
        staff.0.user_id,
        user_id,
        StaffAction::Suspend,
        body.0.note,
    )
    .await
}

/// Lift a monitored user's suspension (the one rule of `POST /v1/admin/users/{id}/reinstate`);
/// the entry goes back to `watching`.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The monitored user's id")),
    request_body = StaffNote,
    responses((status = 200, description = "The entry", body = MonitoringEntry)),
    security(("bearer" = [])),
)]
#[post("/admin/monitoring/{id}/reinstate")]
pub async fn monitoring_reinstate(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    user_id: web::Path<String>,
    body: ValidatedJson<StaffNote>,
) -> ApiResult<web::Json<MonitoringEntry>> {
    staff.require_session()?;
    let user_id = user_id.into_inner();
    act(
        &state,
        staff.0.user_id,
        user_id,
        StaffAction::Reinstate,
        body.0.note,
    )
    .await
}
