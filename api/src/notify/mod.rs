//! Notifications. Every event that someone must hear about is written to the outbox in the same
//! transaction as the event itself; workers deliver it from there (push through FCM HTTP v1), so a
//! request never waits on Google.

pub mod delivery;
pub mod devices;
pub mod fcm;
mod handlers;
pub mod message;
pub mod outbox;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::register_device)
        .service(handlers::list_devices)
        .service(handlers::delete_device)
        .service(handlers::admin_outbox);
}
