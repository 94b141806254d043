//! Events for integrators: the caller's ordered event feed (and, built on it, webhooks). The
//! outbox is the source: every event is an outbox row, numbered in its recipient's feed by the
//! sequencer (`notify::stream::sequence`).

pub mod feed;
mod handlers;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::read_feed);
}
