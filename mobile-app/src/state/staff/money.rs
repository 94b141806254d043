//! Money: refunds the provider refused (and sending them again), penalties, the ledger check.

use shared_types::jobs::{Penalty, PenaltyFilter};
use shared_types::wallet::{LedgerCheck, Refund, RefundFilter, RefundRetryInput, RefundStatus};

use super::PAGE;
use crate::state::{AppError, Session};

/// Everything the money screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyDesk {
    pub failed_refunds: Vec<Refund>,
    pub penalties: Vec<Penalty>,
    pub ledger: LedgerCheck,
}

impl MoneyDesk {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let refused = RefundFilter {
            status: Some(RefundStatus::Failed),
            job_id: None,
        };
        let failed_refunds = session
            .call(|c| {
                let filter = refused.clone();
                async move { c.admin_refunds(&filter, &PAGE).await }
            })
            .await?
            .items;
        let penalties = session
            .call(|c| async move { c.admin_penalties(&PenaltyFilter::default(), &PAGE).await })
            .await?
            .items;
        let ledger = session
            .call(|c| async move { c.admin_ledger_check().await })
            .await?;
        Ok(Self {
            failed_refunds,
            penalties,
            ledger,
        })
    }
}

/// Sends a refused refund to the provider again, with why it should go through now.
pub async fn retry_refund(
    session: &Session,
    refund: &Refund,
    note: &str,
) -> Result<Refund, AppError> {
    if note.trim().is_empty() {
        return Err(AppError::invalid(
            "note",
            "Say why it should go through now: the audit log keeps it",
        ));
    }
    let body = RefundRetryInput {
        note: note.trim().to_owned(),
    };
    // One key per refund and retry count: pressing twice sends it once.
    let key = format!("console-retry-{}-{}", refund.id, refund.retries);
    session
        .call(|c| {
            let (body, key) = (body.clone(), key.clone());
            async move { c.admin_retry_refund(&refund.id, &body, &key).await }
        })
        .await
}
