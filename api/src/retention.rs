//! Retention: what the service stores only for a while is deleted once its time is up, so that
//! no table grows forever. Each area owns its rule (`purge`); this runs them, each in a
//! transaction of its own, every `RETENTION_INTERVAL_SECS`.
//!
//! - stored Idempotency-Key answers: `IDEMPOTENCY_KEY_RETENTION_HOURS` after their first use;
//! - refresh tokens and signed-in sessions: `SESSION_RETENTION_DAYS` after they expired or
//!   ended; password reset links, email verification links and phone codes as long;
//! - sent or failed notifications (the outbox, the in-app list, the live stream's history):
//!   `NOTIFICATION_RETENTION_DAYS` after they were written (the event feed too);
//! - webhook deliveries done with (succeeded or failed), with their attempt log: 30 days after
//!   they were queued.
//!
//! - data archives (`POST /v1/me/export`): when their week is over;
//! - photos uploaded and never attached to anything: after a day; the images of removed photos
//!   (those, and a deleted account's) are then deleted from the object store;
//! - deleted accounts' signature evidence (typed name, IP address, browser):
//!   `DELETED_ACCOUNT_RETENTION_DAYS` after the deletion.
//!
//! Ledger entries, payments, payouts, ratings and the audit log are records and are never
//! purged here.

use std::time::Duration;

use crate::auth::{deletion, export, password_changes, phone, sessions, verification};
use crate::error::ApiResult;
use crate::events::webhooks::deliveries;
use crate::idempotency;
use crate::notify::outbox;
use crate::state::AppState;

/// What one run deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RetentionReport {
    pub idempotency_keys: usize,
    pub refresh_tokens: usize,
    /// Password reset links (kept as long as sessions).
    pub password_resets: usize,
    /// Email verification links and phone codes (kept as long as sessions).
    pub verifications: usize,
    /// Data archives past their week.
    pub data_exports: usize,
    /// Signatures of deleted accounts whose evidence was erased.
    pub deleted_accounts: usize,
    pub notifications: usize,
    pub webhook_deliveries: usize,
    /// Photos uploaded a day ago or more and never attached.
    pub abandoned_photos: usize,
    /// Removed photos whose images were deleted from the object store.
    pub photo_objects_deleted: usize,
}

/// Deletes what has outlived its retention period, by the service's clock.
#[tracing::instrument(name = "retention_sweep", skip_all)]
pub async fn run(state: &AppState) -> ApiResult<RetentionReport> {
    let now = state.clock.now();
    let before = |period: Duration| now - chrono::Duration::from_std(period).unwrap_or_default();
    let settings = &state.settings;
    let keys_before = before(settings.idempotency_key_retention);
    let sessions_before = before(settings.session_retention);
    let notifications_before = before(settings.notification_retention);
    let deliveries_before = before(deliveries::RETENTION);
    let deleted_before = before(settings.deleted_account_retention);
    let (abandoned_photos, photo_objects_deleted) = crate::photos::sweep(state).await?;
    Ok(RetentionReport {
        abandoned_photos,
        photo_objects_deleted,
        idempotency_keys: state
            .write(move |conn| idempotency::purge(conn, keys_before))
            .await?,
        refresh_tokens: state
            .write(move |conn| sessions::purge(conn, sessions_before))
            .await?,
        password_resets: state
            .write(move |conn| password_changes::purge(conn, sessions_before))
            .await?,
        verifications: state
            .write(move |conn| {
                Ok(verification::purge(conn, sessions_before)?
                    + phone::purge(conn, sessions_before)?)
            })
            .await?,
        data_exports: state.write(move |conn| export::purge(conn, now)).await?,
        deleted_accounts: state
            .write(move |conn| deletion::purge(conn, deleted_before))
            .await?,
        notifications: state
            .write(move |conn| outbox::purge(conn, notifications_before))
            .await?,
        webhook_deliveries: state
            .write(move |conn| deliveries::purge(conn, deliveries_before))
            .await?,
    })
}

/// Runs [`run`] every `RETENTION_INTERVAL_SECS` (none when it is 0).
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.settings.retention_interval;
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            match run(&state).await {
                Ok(report) if report != RetentionReport::default() => {
                    tracing::info!(?report, "retention sweep deleted expired records");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "the retention sweep failed"),
            }
        }
    }))
}
