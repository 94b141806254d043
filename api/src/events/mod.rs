//! Events for integrators: the caller's ordered event feed, and webhooks built on it. The
//! outbox is the source: every event is an outbox row, numbered in its recipient's feed by the
//! sequencer (`notify::stream::sequence`), which also queues it for the recipient's webhooks.

pub mod feed;
mod handlers;
pub mod webhooks;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use webhooks::handlers as hooks;
    cfg.service(handlers::read_feed)
        .service(hooks::create_endpoint)
        .service(hooks::list_endpoints)
        .service(hooks::get_endpoint)
        .service(hooks::update_endpoint)
        .service(hooks::delete_endpoint)
        .service(hooks::rotate_secret)
        .service(hooks::send_test)
        .service(hooks::list_deliveries)
        .service(hooks::redeliver)
        .service(hooks::replay)
        .service(hooks::admin_health);
}
