//! HTTP handlers of the event feed.

use actix_web::{get, web};
use shared_types::auth::Scope;
use shared_types::events::{EventFeed, EventFeedQuery};

use super::feed;
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::extract::ValidatedQuery;
use crate::notify::stream;
use crate::state::AppState;

/// The caller's events after `after`, oldest first.
///
/// Every event the account is told about (the same ones as the in-app list and the live
/// stream), numbered 1, 2, 3, … without gaps in commit order: read with `after` set to the last
/// `sequence` seen, then to `next_after`, and nothing is missed or repeated. Events are kept 90
/// days by default (`NOTIFICATION_RETENTION_DAYS`, at least 30); a cursor whose next events are
/// gone is 410 `events_expired` (read again from `after=0`).
#[utoipa::path(
    tag = "events",
    params(EventFeedQuery),
    responses(
        (status = 200, description = "A page of the feed", body = EventFeed),
        (status = 410, description = "`events_expired`: the events after `after` are no longer kept", body = shared_types::ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["events:read"])),
)]
#[get("/events/feed")]
pub async fn read_feed(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ValidatedQuery<EventFeedQuery>,
) -> ApiResult<web::Json<EventFeed>> {
    user.require_scope(Scope::EventsRead)?;
    // Whatever committed before this call gets its place first.
    stream::sequence_and_wake(&state).await?;
    let user_id = user.user_id;
    let page = state
        .db(move |conn| feed::read(conn, &user_id, &query.0))
        .await?;
    Ok(web::Json(page))
}
