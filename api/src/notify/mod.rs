//! Notifications. Every event that someone must hear about is written to the outbox in the same
//! transaction as the event itself; from there workers deliver it by push (FCM HTTP v1) and
//! email (SMTP) as the recipient's preferences allow, the live stream (`GET /v1/events`) sends
//! it to the open app, and the in-app list shows it. A request never waits on Google or SMTP.

pub mod delivery;
pub mod devices;
pub mod email;
pub mod fcm;
mod handlers;
pub mod inbox;
pub mod message;
pub mod outbox;
pub mod preferences;
pub mod signal;
pub mod sms;
pub mod stream;

use std::sync::{Arc, Weak};

use crate::config::DatabaseUrl;
use crate::state::AppState;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::register_device)
        .service(handlers::list_devices)
        .service(handlers::delete_device)
        .service(handlers::get_preferences)
        .service(handlers::put_preferences)
        .service(handlers::list_notifications)
        .service(handlers::mark_read)
        .service(handlers::events)
        .service(handlers::admin_outbox);
}

/// Starts the background side: the stream sequencer, the PostgreSQL listener (while `alive`
/// lasts), and the delivery worker unless `OUTBOX_POLL_INTERVAL_MS` is 0.
pub fn start(state: &AppState, alive: Weak<()>) -> Vec<tokio::task::JoinHandle<()>> {
    let settings = Arc::clone(&state.settings);
    if let DatabaseUrl::Postgres(url) = &settings.database_url {
        stream::spawn_listener(url.clone(), state.wakeups.clone(), alive);
    }
    let mut tasks = vec![stream::spawn_sequencer(state.clone())];
    if settings.outbox_poll_interval.is_zero() {
        return tasks;
    }
    let delivery = Arc::new(delivery::Delivery {
        fcm: push_sender(&settings),
        mailer: mailer(&settings),
        max_attempts: settings.outbox_max_attempts,
        message_email_after: settings.message_email_after,
    });
    tasks.push(delivery::spawn(
        state.clone(),
        delivery,
        settings.outbox_poll_interval,
    ));
    tasks
}

/// The FCM sender. The service account was read and checked with the settings (a bad one
/// stops the service there), so what can still fail here is the HTTP client.
fn push_sender(settings: &crate::config::Settings) -> Option<fcm::FcmSender> {
    let Some(account) = &settings.fcm_service_account else {
        tracing::info!("push alerts are off: FCM_SERVICE_ACCOUNT_FILE is not set");
        return None;
    };
    match fcm::FcmSender::new(account.clone(), &settings.fcm_base_url) {
        Ok(sender) => {
            tracing::info!(project = sender.project_id(), "push alerts through FCM");
            Some(sender)
        }
        Err(error) => {
            tracing::error!(%error, "push alerts are off: the FCM service account is unusable");
            None
        }
    }
}

/// The mailer. `SMTP_URL` and `EMAIL_FROM` were checked with the settings.
pub fn mailer(settings: &crate::config::Settings) -> Option<email::Mailer> {
    let Some(url) = &settings.smtp_url else {
        tracing::info!("email alerts are off: SMTP_URL is not set");
        return None;
    };
    match email::Mailer::new(
        url.expose(),
        &settings.email_from,
        &settings.app_link_base_url,
    ) {
        Ok(mailer) => {
            tracing::info!(from = %settings.email_from, "email alerts through SMTP");
            Some(mailer)
        }
        Err(error) => {
            tracing::error!(%error, "email alerts are off: the SMTP settings are unusable");
            None
        }
    }
}
