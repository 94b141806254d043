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
    cfg.service(handlers::open_lead_conversation)
        .service(handlers::open_request_conversation)
        .service(handlers::open_job_conversation)
        .service(handlers::list_conversations)
        .service(handlers::unread_counts)
        .service(handlers::get_conversation)
        .service(handlers::list_messages)
        .service(handlers::send_message)
        .service(handlers::mark_conversation_read)
        .service(handlers::block_conversation)
        .service(handlers::unblock_conversation)
        .service(handlers::report_message)
        .service(handlers::admin_get_conversation)
        .service(handlers::admin_list_messages)
        .service(handlers::admin_send_message)
        .service(handlers::admin_message_reports)
        .service(handlers::admin_resolve_report);
}
