//! Ratings after a job, reviews on a pro's profile, and the monitoring of low-rated users.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::auth::{Role, not_blank};

open_enum! {
    /// Who rates whom.
    pub enum RatingDirection {
        /// The customer rates the pro: a review, public once published.
        CustomerToPartner,
        /// The pro rates the customer: seen by staff, and summarised to pros offered that
        /// customer's leads.
        PartnerToCustomer,
    }
}

impl RatingDirection {
    #[must_use]
    pub fn opposite(self) -> Self {
        match self {
            Self::CustomerToPartner => Self::PartnerToCustomer,
            Self::PartnerToCustomer => Self::CustomerToPartner,
            Self::Unknown => Self::Unknown,
        }
    }
}

/// `POST /v1/jobs/{id}/rating`: by the customer (rating the pro) or the pro (rating the
/// customer), once per job and side, after completion and within the rating window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingInput {
    /// 1 to 5.
    #[validate(range(min = 1, max = 5))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub stars: i32,
    /// Words to go with the stars (optional, up to 2000 characters).
    #[validate(length(max = 2000))]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    #[serde(default)]
    pub comment: String,
    /// Short labels such as `on_time` or `tidy`.
    #[validate(length(max = 10), custom(function = "valid_tags"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    #[serde(default)]
    pub tags: Vec<String>,
}

fn valid_tags(tags: &[String]) -> Result<(), ValidationError> {
    let valid = |tag: &String| {
        (1..=40).contains(&tag.len())
            && tag
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if tags.iter().all(valid) {
        Ok(())
    } else {
        let mut error = ValidationError::new("tags");
        error.message = Some("tags are 1-40 characters of a-z, 0-9 and _".into());
        Err(error)
    }
}

/// A rating as its author, its subject (once published) and staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    /// The rating's id.
    pub id: String,
    /// The job rated.
    pub job_id: String,
    /// Who rates whom.
    pub direction: RatingDirection,
    /// The user who gave the rating.
    pub rater_id: String,
    /// The user the rating is about.
    pub ratee_id: String,
    /// 1 to 5.
    pub stars: i32,
    /// The rater's comment (may be empty).
    pub comment: String,
    /// Short labels such as `on_time` or `tidy` (may be empty).
    pub tags: Vec<String>,
    /// When the rating was given.
    pub created_at: DateTime<Utc>,
    /// When both sides could see it (`null` while double-blind).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub published_at: Option<DateTime<Utc>>,
    /// The pro's public reply, if any (only a review of a pro can have one).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reply: Option<Reply>,
    /// Set when staff hid it for breaking the rules; it then counts nowhere.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hidden_reason: Option<String>,
}

/// The pro's public answer to a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    /// The reply's text.
    pub text: String,
    /// When the pro replied.
    pub replied_at: DateTime<Utc>,
}

/// `GET /v1/jobs/{id}/ratings`: the caller's own rating, the other side's once published, and
/// until when ratings are taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRatings {
    /// The caller's own rating of the job; `null` until they rate.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub mine: Option<Rating>,
    /// `null` until published: ratings are double-blind.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub theirs: Option<Rating>,
    /// Whether the other side has rated (without what they said).
    pub theirs_submitted: bool,
    /// Ratings are taken until then; when it passes, any rating given is published.
    pub window_closes_at: DateTime<Utc>,
}

/// A published review on a pro's public profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    /// The rating's id; the pro answers it with `POST /v1/ratings/{id}/reply`.
    pub id: String,
    /// 1 to 5.
    pub stars: i32,
    /// The customer's comment (may be empty).
    pub comment: String,
    /// Short labels such as `on_time` or `tidy` (may be empty).
    pub tags: Vec<String>,
    /// The customer's first name and initial, e.g. `Casey C.`.
    pub reviewer: String,
    /// When the review became public.
    pub published_at: DateTime<Utc>,
    /// The pro's public reply, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reply: Option<Reply>,
}

/// `POST /v1/ratings/{id}/reply`: the pro's one public reply to a review of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyInput {
    /// The reply, shown under the review (1 to 2000 characters).
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 2000, pattern = r"[^\s\u0085]")
    )]
    pub text: String,
}

/// A staff decision with its reason (hiding a review, clearing or suspending a user, a note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffNote {
    /// Staff's reason or note (1 to 1000 characters); kept in the audit log.
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 1000, pattern = r"[^\s\u0085]")
    )]
    pub note: String,
}

/// How a user has been rated by the other side: average stars and count of published ratings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingSummary {
    /// Average stars (1 to 5, to two decimals) of the published ratings; `null` when there are
    /// none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub average_stars: Option<f64>,
    /// How many published ratings the average covers.
    pub count: i64,
}

open_enum! {
    pub enum MonitoringStatus {
        /// On the list: the recent average is below 3 stars.
        Watching,
        /// Staff looked and took them off the list (they return if it happens again).
        Cleared,
        /// Staff suspended the account.
        Suspended,
    }
}

/// One step of a monitored user's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringEvent {
    /// `flagged`, `note`, `cleared`, `suspended` or `reinstated`.
    pub action: String,
    /// Staff's note, or, for `flagged`, the platform's reason.
    pub note: String,
    /// `null` when the platform acted (flagging).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub actor_id: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A user on (or once on) the monitoring list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringEntry {
    /// The monitored user.
    pub user_id: String,
    /// The user's name.
    pub name: String,
    /// Whether the user is a customer or a pro.
    pub role: Role,
    /// Where the entry stands.
    pub status: MonitoringStatus,
    /// Why the user is on the list, e.g. `average 2.33 stars over 3 ratings in the last 90 days`.
    pub reason: String,
    /// The average that put them on the list (last 90 days).
    pub average_stars: f64,
    /// How many ratings `average_stars` covers.
    pub rating_count: i32,
    /// When the user was (last) put on the list.
    pub flagged_at: DateTime<Utc>,
    /// When the entry last changed.
    pub updated_at: DateTime<Utc>,
    /// Oldest first.
    pub history: Vec<MonitoringEvent>,
}

/// `GET /v1/admin/monitoring` filter (default: `watching`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MonitoringFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MonitoringStatus>,
}

/// `GET /v1/admin/ratings` filter: every rating, or those a user received (customers'
/// included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AdminRatingFilter {
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratee_id: Option<String>,
}
