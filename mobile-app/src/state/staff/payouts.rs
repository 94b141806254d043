//! Payouts: run the week's payouts, list them with their cheque details, export a run as CSV,
//! read a payout's remittance statement, mark payouts sent and cleared.

use chrono::{DateTime, Utc};
use shared_types::wallet::{
    CarriedBalance, Payout, PayoutFilter, PayoutMark, PayoutRun, PayoutStatement, PayoutStatus,
    PayoutStatusInput,
};

use super::PAGE;
use crate::state::account::SavedFile;
use crate::state::{AppError, Session};

/// Runs this week's payouts (the API makes at most one per pro and week, so running twice is
/// harmless).
pub async fn run_payouts(session: &Session) -> Result<PayoutRun, AppError> {
    let key = format!("console-run-{}", uuid::Uuid::new_v4());
    session
        .call(|c| {
            let key = key.clone();
            async move { c.admin_run_payouts(&key).await }
        })
        .await
}

/// What the payouts screen says above the list: when the run next starts on its own, and the
/// pros whose negative balance is carried into later weeks.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutOverview {
    pub next_run_at: DateTime<Utc>,
    pub carried: Vec<CarriedBalance>,
}

impl PayoutOverview {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let queue = session
            .call(|c| async move { c.admin_queue().await })
            .await?;
        let carried = session
            .call(|c| async move { c.admin_carried_balances().await })
            .await?;
        Ok(Self {
            next_run_at: queue.next_payout_run_at,
            carried,
        })
    }
}

/// Payouts in `status` (all when `None`), newest first.
pub async fn payouts(
    session: &Session,
    status: Option<PayoutStatus>,
) -> Result<Vec<Payout>, AppError> {
    let filter = PayoutFilter {
        status,
        ..PayoutFilter::default()
    };
    let page = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_payouts(&filter, &PAGE).await }
        })
        .await?;
    Ok(page.items)
}

/// Marks a payout mailed or transferred (`Sent`), or cashed (`Cleared`).
pub async fn mark_payout(
    session: &Session,
    payout_id: &str,
    mark: PayoutMark,
) -> Result<Payout, AppError> {
    // One key per payout and mark: pressing twice sends one change.
    let key = format!("console-mark-{payout_id}-{mark:?}");
    session
        .call(|c| {
            let key = key.clone();
            async move {
                c.admin_mark_payout(payout_id, &PayoutStatusInput { status: mark }, &key)
                    .await
            }
        })
        .await
}

/// One run's payouts in `status` (all of them when `None`) as the CSV file the bank or the
/// cheque printer takes: exporting what is to send leaves out what already went.
pub async fn export_run(
    session: &Session,
    period: &str,
    status: Option<PayoutStatus>,
) -> Result<SavedFile, AppError> {
    let filter = PayoutFilter {
        period: Some(period.to_owned()),
        status,
        ..PayoutFilter::default()
    };
    let csv = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_export_payouts(&filter).await }
        })
        .await?;
    let which = status.map_or("all", PayoutStatus::as_str);
    Ok(SavedFile::of_text(
        &format!("payouts-{period}-{which}.csv"),
        "text/csv",
        &csv,
    ))
}

/// A payout's remittance statement, as staff read it.
pub async fn statement(session: &Session, payout_id: &str) -> Result<PayoutStatement, AppError> {
    session
        .call(|c| async move { c.admin_payout_statement(payout_id).await })
        .await
}
