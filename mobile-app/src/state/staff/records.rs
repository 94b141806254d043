//! Records: the audit log of staff changes, who read customers' details, and notifications that
//! could not be delivered; each filterable.

use std::collections::BTreeMap;

use shared_types::auth::{Role, UserFilter};
use shared_types::notify::{OutboxFilter, OutboxMessage, OutboxStatus};
use shared_types::partners::{AuditEntry, AuditFilter};
use shared_types::requests::{CustomerDetailRead, DetailReadFilter};

use super::PAGE;
use crate::state::{AppError, Session};

/// The filters as typed: blank means "any".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordFilters {
    /// Audit log: an action or its start (`payout.`).
    pub action: String,
    /// Audit log: the subject's id (a job, a pro, a payout…).
    pub subject: String,
    /// Detail reads: the reading pro's id.
    pub reader: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|text| !text.is_empty())
}

/// Everything the records screen shows, filtered.
#[derive(Debug, Clone, PartialEq)]
pub struct Records {
    pub audit: Vec<AuditEntry>,
    /// Staff members' names by id, to say who did what.
    pub staff_names: BTreeMap<String, String>,
    pub detail_reads: Vec<CustomerDetailRead>,
    pub failed_deliveries: Vec<OutboxMessage>,
}

impl Records {
    pub async fn load(session: &Session, filters: &RecordFilters) -> Result<Self, AppError> {
        let audit_filter = AuditFilter {
            subject_id: given(&filters.subject),
            action: given(&filters.action),
            actor_id: None,
        };
        let audit = session
            .call(|c| {
                let filter = audit_filter.clone();
                async move { c.admin_audit_log(&filter, &PAGE).await }
            })
            .await?
            .items;
        let reads_filter = DetailReadFilter {
            job_id: None,
            partner_id: given(&filters.reader),
        };
        let detail_reads = session
            .call(|c| {
                let filter = reads_filter.clone();
                async move { c.admin_customer_detail_reads(&filter, &PAGE).await }
            })
            .await?
            .items;
        let failed = OutboxFilter {
            status: Some(OutboxStatus::Failed),
        };
        let failed_deliveries = session
            .call(|c| {
                let filter = failed.clone();
                async move { c.admin_outbox(&filter, &PAGE).await }
            })
            .await?
            .items;
        let staff_filter = UserFilter {
            role: Some(Role::Staff),
        };
        let staff_names = session
            .call(|c| {
                let filter = staff_filter.clone();
                async move { c.admin_list_users(&filter, &PAGE).await }
            })
            .await?
            .items
            .into_iter()
            .map(|user| (user.id, user.name))
            .collect();
        Ok(Self {
            audit,
            staff_names,
            detail_reads,
            failed_deliveries,
        })
    }
}
