//! Signed photo links: `GET /v1/photos/{id}/{variant}?audience=…&expires=…&signature=…`, an
//! HMAC-SHA256 over the photo, the variant, the audience and when the link stops working.
//! A link is made only inside an answer to someone who may see what the photo belongs to; it
//! needs no other credential (an `<img>` can load it), works for minutes, and is checked again
//! when followed: the photo must still be there, and a message staff hid shows its photos to
//! staff's links only.
//!
//! Expiry times are rounded to half the lifetime, so a reader gets the same link for a while and
//! the image stays cached between reads.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared_types::ErrorCode;
use subtle::ConstantTimeEq;

use super::store::Variant;
use crate::error::{ApiError, ApiResult};

/// Who a link was made for: the people who may see what the photo belongs to, or staff
/// (who also see the photos of a message they hid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Members,
    Staff,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Members => "members",
            Self::Staff => "staff",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "members" => Some(Self::Members),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct PhotoLinks {
    key: Vec<u8>,
    base_url: String,
    ttl: Duration,
}

impl PhotoLinks {
    /// `secret` is the service's signing secret; the links' key is derived from it, so a link
    /// can never pass for a token or the other way round.
    pub fn new(secret: &str, base_url: &str, ttl: Duration) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(b"porchlight photo links v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            ttl,
        }
    }

    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self::new(
            settings.jwt_secret.expose(),
            &settings.public_base_url,
            settings.photo_link_ttl,
        )
    }

    /// When links made at `now` stop working: between half the lifetime and the whole of it
    /// from now, the same for every link made in that half.
    pub fn expiry(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let step = i64::try_from(self.ttl.as_secs() / 2).unwrap_or(1).max(1);
        let until = now.timestamp() + step * 2;
        DateTime::from_timestamp(until - until.rem_euclid(step), 0).unwrap_or(now)
    }

    pub fn url(
        &self,
        photo_id: &str,
        variant: Variant,
        audience: Audience,
        expires: DateTime<Utc>,
    ) -> String {
        let expires = expires.timestamp();
        let signature = self.signature(photo_id, variant, audience.as_str(), expires);
        format!(
            "{}/v1/photos/{photo_id}/{}?audience={}&expires={expires}&signature={signature}",
            self.base_url,
            variant.as_str(),
            audience.as_str(),
        )
    }

    fn signature(&self, photo_id: &str, variant: Variant, audience: &str, expires: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        for part in [photo_id, variant.as_str(), audience, &expires.to_string()] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// Checks a followed link: 400 `invalid_signature` when it was not made by us for exactly
    /// this photo, variant, audience and expiry; 410 `link_expired` after its time.
    pub fn check(
        &self,
        photo_id: &str,
        variant: Variant,
        audience: &str,
        expires: i64,
        signature: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let expected = self.signature(photo_id, variant, audience, expires);
        if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
            return Err(ApiError::new(
                ErrorCode::InvalidSignature,
                "the link's signature does not match it: use a link as the API gave it",
            ));
        }
        if now.timestamp() >= expires {
            return Err(ApiError::new(
                ErrorCode::LinkExpired,
                "the link has expired: read what the photo belongs to again for a fresh one",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> PhotoLinks {
        PhotoLinks::new("secret", "http://api.test/", Duration::from_mins(15))
    }

    #[test]
    fn expiry_is_shared_within_half_the_lifetime() {
        let links = links();
        let now = DateTime::from_timestamp(1_000_000_000, 0).unwrap();
        for offset in [0, 1, 100, 449, 450, 899] {
            let at = now + chrono::Duration::seconds(offset);
            let expiry = links.expiry(at);
            let left = (expiry - at).num_seconds();
            assert!((450..=900).contains(&left), "{offset}: {left}");
        }
        assert_eq!(
            links.expiry(now),
            links.expiry(now + chrono::Duration::seconds(10))
        );
    }

    #[test]
    fn a_link_works_only_as_made() {
        let links = links();
        let now = DateTime::from_timestamp(1_000_000_000, 0).unwrap();
        let expires = links.expiry(now);
        let url = links.url("p1", Variant::Full, Audience::Members, expires);
        let signature = url.rsplit_once("signature=").unwrap().1;
        let e = expires.timestamp();
        assert!(
            links
                .check("p1", Variant::Full, "members", e, signature, now)
                .is_ok()
        );
        for (photo, variant, audience, expires) in [
            ("p2", Variant::Full, "members", e),
            ("p1", Variant::Thumb, "members", e),
            ("p1", Variant::Full, "staff", e),
            ("p1", Variant::Full, "members", e + 60),
        ] {
            let error = links
                .check(photo, variant, audience, expires, signature, now)
                .unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidSignature);
        }
        let later = expires + chrono::Duration::seconds(1);
        let error = links
            .check("p1", Variant::Full, "members", e, signature, later)
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::LinkExpired);
    }
}
