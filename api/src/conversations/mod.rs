//! Conversations between a customer and a pro about one request: the pro's questions before
//! quoting (profile and review leads), then the job's own conversation with its timeline in
//! between. Contact details are masked until the pro is hired; each side's unread count and
//! read position live on the conversation; staff step in on disputes and reports.

mod handlers;
pub mod masking;
pub mod messages;
pub mod model;
pub mod oversight;
pub mod threads;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // `/conversations/unread` before `/conversations/{id}`, which would take it as an id.
    cfg.service(handlers::open_from_lead)
        .service(handlers::open_from_request)
        .service(handlers::open_from_job)
        .service(handlers::list)
        .service(handlers::unread)
        .service(handlers::get)
        .service(handlers::window)
        .service(handlers::send)
        .service(handlers::mark_read)
        .service(handlers::block_conversation)
        .service(handlers::unblock_conversation)
        .service(handlers::report_message)
        .service(handlers::admin_get)
        .service(handlers::admin_window)
        .service(handlers::admin_send)
        .service(handlers::admin_reports)
        .service(handlers::admin_resolve);
}
