//! Monitoring: users rated below 3 stars, and what staff do about them.

use shared_types::PageParams;
use shared_types::ratings::{
    AdminRatingFilter, MonitoringEntry, MonitoringFilter, MonitoringStatus, Rating, StaffNote,
};

use super::PAGE;
use crate::state::{AppError, Session};

/// A user on the list with the ratings they received, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    pub entry: MonitoringEntry,
    pub ratings: Vec<Rating>,
}

/// The users on the list with `status` (the watch list by default), each with the ratings that
/// put them there.
pub async fn watch_list(
    session: &Session,
    status: MonitoringStatus,
) -> Result<Vec<Watched>, AppError> {
    let entries = entries(session, status).await?;
    let mut watched = Vec::with_capacity(entries.len());
    for entry in entries {
        let filter = AdminRatingFilter {
            ratee_id: Some(entry.user_id.clone()),
        };
        let recent = PageParams {
            limit: Some(20),
            cursor: None,
        };
        let ratings = session
            .call(|c| {
                let (filter, recent) = (filter.clone(), recent.clone());
                async move { c.admin_ratings(&filter, &recent).await }
            })
            .await?
            .items;
        watched.push(Watched { entry, ratings });
    }
    Ok(watched)
}

async fn entries(
    session: &Session,
    status: MonitoringStatus,
) -> Result<Vec<MonitoringEntry>, AppError> {
    let filter = MonitoringFilter {
        status: Some(status),
    };
    let page = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_monitoring(&filter, &PAGE).await }
        })
        .await?;
    Ok(page.items)
}

/// What staff can do about a watched user; each takes a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchAction {
    Note,
    Clear,
    Suspend,
    Reinstate,
}

impl WatchAction {
    fn path(self) -> &'static str {
        match self {
            Self::Note => "notes",
            Self::Clear => "clear",
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Note => "Add note",
            Self::Clear => "Clear from the list",
            Self::Suspend => "Suspend account",
            Self::Reinstate => "Reinstate account",
        }
    }

    /// What staff may do to an entry in `status`.
    pub fn available(status: MonitoringStatus) -> Vec<Self> {
        match status {
            MonitoringStatus::Watching => vec![Self::Note, Self::Clear, Self::Suspend],
            MonitoringStatus::Suspended => vec![Self::Note, Self::Reinstate],
            MonitoringStatus::Cleared | MonitoringStatus::Unknown => vec![Self::Note],
        }
    }
}

pub async fn act_on_watched(
    session: &Session,
    user_id: &str,
    action: WatchAction,
    note: &str,
) -> Result<MonitoringEntry, AppError> {
    if note.trim().is_empty() {
        return Err(AppError::invalid(
            "note",
            "Write a note: it goes in the history",
        ));
    }
    let body = StaffNote {
        note: note.trim().to_owned(),
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.admin_monitoring_act(user_id, action.path(), &body).await }
        })
        .await
}
