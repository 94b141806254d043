//! Photos: uploaded on their own (`POST /v1/photos`), then attached by id to a message, a
//! request, a job's completion, a dispute or a pro's portfolio. Every photo is re-encoded on
//! upload (no metadata survives, EXIF GPS included) and read through short-lived signed links.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

/// A photo as its viewer may fetch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Photo {
    /// The photo's id: what a request, a message, a completion, a dispute or the portfolio
    /// takes in `photo_ids`.
    pub id: String,
    /// `image/jpeg`, or `image/png` for an image with transparency.
    pub content_type: String,
    /// Width in pixels, upright (the camera's orientation applied), at most 2560.
    pub width: u32,
    /// Height in pixels, upright, at most 2560.
    pub height: u32,
    /// Size of the stored image in bytes.
    pub byte_size: u64,
    /// The image: a signed link, valid until `links_expire_at`, needing no other credential.
    pub url: String,
    /// A copy at most 400 pixels on its longer side, signed the same way.
    pub thumbnail_url: String,
    /// When `url` and `thumbnail_url` stop working (410 `link_expired`); read the object the
    /// photo belongs to again for fresh links.
    pub links_expire_at: DateTime<Utc>,
    /// For a portfolio photo: the pro's words about it; `null` otherwise.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub caption: Option<String>,
}

/// `POST /v1/partners/me/portfolio`: a photo of past work for the pro's public profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioPhotoInput {
    /// A photo the pro uploaded and has not attached to anything yet.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub photo_id: String,
    /// What the photo shows (at most 200 characters).
    #[validate(length(max = 200))]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    #[serde(default)]
    pub caption: Option<String>,
}

/// How many photos fit in a portfolio.
pub const PORTFOLIO_MAX: usize = 30;

/// A list of photo ids in an input: each an id (at most 64 characters), none twice.
pub(crate) fn photo_ids(ids: &[String]) -> Result<(), ValidationError> {
    for (index, id) in ids.iter().enumerate() {
        let problem = if id.is_empty() || id.len() > 64 {
            Some(format!("photo_ids[{index}] is not a photo id"))
        } else if ids[..index].contains(id) {
            Some(format!("photo_ids[{index}] repeats a photo"))
        } else {
            None
        };
        if let Some(message) = problem {
            let mut error = ValidationError::new("photo_id");
            error.message = Some(message.into());
            return Err(error);
        }
    }
    Ok(())
}
