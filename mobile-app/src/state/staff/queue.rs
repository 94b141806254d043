//! The console's home: the work waiting for staff.

use chrono::{DateTime, Utc};
use shared_types::admin::{QueueKind, StaffQueue};

use crate::state::{AppError, Screen, Session};

pub async fn load_queue(session: &Session) -> Result<StaffQueue, AppError> {
    session.call(|c| async move { c.admin_queue().await }).await
}

/// What a queue's line is called in the console.
pub fn queue_label(kind: QueueKind) -> &'static str {
    match kind {
        QueueKind::Assignments => "Applications to assign",
        QueueKind::Confirmations => "Jobs to confirm",
        QueueKind::Disputes => "Open disputes",
        QueueKind::Monitoring => "Watch list",
        QueueKind::FailedRefunds => "Refused refunds",
        QueueKind::FailedDeliveries => "Failed notifications",
        QueueKind::PayoutsToSend => "Payouts to send",
        QueueKind::Unknown => "Other work",
    }
}

/// Where the work of a queue is done.
pub fn queue_screen(kind: QueueKind) -> Option<Screen> {
    match kind {
        QueueKind::Assignments => Some(Screen::Assignments),
        QueueKind::Confirmations => Some(Screen::Confirmations),
        QueueKind::Disputes => Some(Screen::Disputes),
        QueueKind::Monitoring => Some(Screen::Monitoring),
        QueueKind::FailedRefunds => Some(Screen::Money),
        QueueKind::FailedDeliveries => Some(Screen::Records),
        QueueKind::PayoutsToSend => Some(Screen::Payouts),
        QueueKind::Unknown => None,
    }
}

/// `waiting 2 days`, `waiting 3 h`, `waiting 12 min`: how long the oldest item has waited.
pub fn waiting_for(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    if minutes < 60 {
        format!("waiting {minutes} min")
    } else if minutes < 48 * 60 {
        format!("waiting {} h", minutes / 60)
    } else {
        format!("waiting {} days", minutes / (24 * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queue_has_a_name_and_a_screen() {
        for kind in QueueKind::known() {
            assert_ne!(queue_label(kind), "Other work");
            assert!(queue_screen(kind).is_some(), "{kind}");
        }
        assert_eq!(queue_screen(QueueKind::Disputes), Some(Screen::Disputes));
    }

    #[test]
    fn waiting_reads_in_the_largest_sensible_unit() {
        let now: DateTime<Utc> = "2026-11-30T12:00:00Z".parse().unwrap();
        assert_eq!(
            waiting_for(now - chrono::Duration::minutes(5), now),
            "waiting 5 min"
        );
        assert_eq!(
            waiting_for(now - chrono::Duration::hours(30), now),
            "waiting 30 h"
        );
        assert_eq!(
            waiting_for(now - chrono::Duration::days(4), now),
            "waiting 4 days"
        );
    }
}
