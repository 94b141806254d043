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
///
/// `mine` is the caller's rating, `theirs` the other side's once published (both sides have rated
/// or the window has closed), `theirs_submitted` whether the other side has rated at all, and
/// `window_closes_at` when rating ends. A rating staff hid is still shown here, with
/// `hidden_reason`. 404 `not_found` for anyone but the job's customer and pro; API keys and app
/// tokens need `jobs:read`.
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
///
/// Needs no sign-in. Only customers' ratings of the pro that are published and not hidden by staff;
/// the reviewer is shown by first name and last initial ("A former customer" after they deleted
/// their account). 404 `not_found` for an unknown or suspended partner; paged with `cursor`.
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
///
/// Only to a customer's review of the caller (404 `not_found` otherwise), once it is published (409
/// `invalid_transition` before), and only once: a second reply is 409 `conflict`, and a reply
/// cannot be edited. It shows under the review in `GET /v1/partners/{id}/reviews`. API keys and app
/// tokens need `jobs:write`.
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
///
/// The rating leaves the pro's public reviews and stops counting in the Star Score, the review
/// figures and the customer rating pros see on leads, which are recomputed at once; the job's two
/// sides still see it in `GET /v1/jobs/{id}/ratings`, with `hidden_reason`. 404 `not_found` for an
/// unknown rating, 409 `conflict` when it is hidden already. Recorded in the audit log as
/// `rating.hide`.
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
///
/// Both directions, with unpublished ratings (still blind to the other side) and hidden ones (with
/// `hidden_reason`). Filter by `ratee_id`; ordered by id, newest first, paged with `cursor`.
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
///
/// Each entry gives the user's name and role, the average and count behind the flag, when they were
/// flagged, and the history of flags, notes and staff actions, oldest first. `status` is
/// `watching`, `cleared` or `suspended`; it changes only through the monitoring actions, so a
/// suspension made at `POST /v1/admin/users/{id}/suspend` leaves the entry as it was. Ordered by
/// user id, paged with `cursor`.
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
///
/// Allowed in any status, and changes nothing else. The note is also recorded in the audit log
/// (`monitoring.note`). 404 `not_found` when the user was never on the list.
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
///
/// Only a `watching` entry (409 `invalid_transition` otherwise; 404 `not_found` when the user was
/// never on the list); the account itself is not touched. The note joins the history and the audit
/// log (`monitoring.cleared`). A cleared user is flagged again only when a new rating keeps their
/// 90-day average below 3 stars.
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
///
/// From `watching` or `cleared` (409 `invalid_transition` when already `suspended`; 404 `not_found`
/// when the user was never on the list). The note becomes the suspension reason and joins the
/// history and the audit log (`monitoring.suspended` and `account.suspend`); the person gets an
/// `account.suspended` notification. An account already suspended elsewhere stays as it is, and
/// only the entry moves.
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
///
/// Only a `suspended` entry (409 `invalid_transition` otherwise; 404 `not_found` when the user was
/// never on the list). The note joins the history and the audit log (`monitoring.reinstated`); if
/// the account is still suspended it is reinstated with the note as the reason, and the person gets
/// an `account.reinstated` notification and signs in again.
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
