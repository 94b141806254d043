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

use crate::config::Settings;

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
        .service(handlers::monitoring_suspend);
}
