//! Ratings: both sides rate each other after a job, double-blind; a pro's published reviews
//! make their Star Score, which matching reads; anyone rated below 3 stars on average is
//! watched by staff.

mod handlers;
pub mod model;
pub mod monitoring;
pub mod reviews;
pub mod score;
pub mod submit;

use utoipa_actix_web::service_config::ServiceConfig;

use shared_types::ratings::RatingDirection;
use tracing::Instrument as _;

use crate::config::Settings;
use crate::error::ApiResult;
use crate::state::AppState;

/// The sweeper's part: publishes lone ratings whose window closed and refreshes Star Scores
/// older than a day, each job and pro in a transaction of its own. Returns how many of each.
#[tracing::instrument(name = "ratings_sweep", skip_all, fields(published, refreshed))]
pub async fn sweep(state: &AppState) -> ApiResult<(usize, usize)> {
    let (now, window) = (state.clock.now(), window(&state.settings));
    let due = state
        .db(move |conn| submit::due_jobs(conn, now, window))
        .await?;
    let mut published = 0;
    for job_id in due {
        let span = tracing::info_span!("ratings_publish", %job_id);
        let done = state
            .write(move |conn| submit::publish_closed(conn, &job_id, now, window))
            .instrument(span)
            .await?;
        published += usize::from(done);
    }
    let to_refresh = state
        .db(move |conn| submit::stale_scores(conn, now))
        .await?;
    let refreshed = to_refresh.len();
    for partner_id in to_refresh {
        let span = tracing::info_span!("star_score_refresh", %partner_id);
        state
            .write(move |conn| {
                submit::standing_changed(
                    conn,
                    &partner_id,
                    RatingDirection::CustomerToPartner,
                    submit::Change::Recount,
                    now,
                )
            })
            .instrument(span)
            .await?;
    }
    let span = tracing::Span::current();
    span.record("published", published);
    span.record("refreshed", refreshed);
    Ok((published, refreshed))
}

/// How long after completion a job can be rated (`RATING_WINDOW_DAYS`).
pub fn window(settings: &Settings) -> chrono::Duration {
    chrono::Duration::from_std(settings.rating_window).unwrap_or(chrono::Duration::days(14))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::rate_job)
        .service(handlers::job_ratings)
        .service(handlers::partner_reviews)
        .service(handlers::reply)
        .service(handlers::hide)
        .service(handlers::admin_ratings)
        .service(handlers::monitoring_list)
        .service(handlers::monitoring_note)
        .service(handlers::monitoring_clear)
        .service(handlers::monitoring_suspend)
        .service(handlers::monitoring_reinstate);
}
