//! Emails and texts about the account itself (verification and reset links, phone codes, change
//! notices): sent after the answer, whatever the alert settings, so that the answer takes as
//! long whether or not one was sent. Without `SMTP_URL` an email is written to the service log
//! instead, as texts are without an SMS account, so that a local setup can follow its links.

use crate::db;
use crate::notify::message::Notification;
use crate::state::AppState;

/// What kind of account email: a link the person asked for, or a notice of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEmail {
    Requested,
    Notice,
}

/// Sends `message` to `to` in the background.
pub fn email_later(state: &AppState, to: String, message: Notification, kind: AccountEmail) {
    let mailer = state.mailer.clone();
    let link_base = state.settings.app_link_base_url.clone();
    actix_web::rt::spawn(async move {
        let Some(mailer) = mailer else {
            // The link as the email's button would carry it (`{APP_LINK_BASE_URL}/…`).
            let deep_link = message.data.get("deep_link").cloned().unwrap_or_default();
            let path = deep_link
                .strip_prefix("porchlight://")
                .unwrap_or(&deep_link);
            let link = format!("{link_base}/{path}");
            tracing::info!(
                %to,
                subject = %message.title,
                %link,
                "account email (not sent: SMTP_URL is not set)"
            );
            return;
        };
        let id = db::new_id();
        let sent = match kind {
            AccountEmail::Requested => mailer.send_account_email(&to, &message, &id).await,
            AccountEmail::Notice => mailer.send_account_notice(&to, &message, &id).await,
        };
        if let Err(error) = sent {
            tracing::warn!(?error, subject = %message.title, "an account email could not be sent");
        }
    });
}

/// Sends a text to `phone` in the background.
pub fn text_later(state: &AppState, phone: String, body: String) {
    let sms = state.sms.clone();
    actix_web::rt::spawn(async move {
        if let Err(error) = sms.send(&phone, &body).await {
            tracing::warn!(%error, "a verification code could not be texted");
        }
    });
}
