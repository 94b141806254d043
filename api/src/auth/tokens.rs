//! Access tokens (HS256 JWTs), and the random secrets behind refresh tokens and API keys, which
//! are stored only as SHA-256 hashes (they carry enough entropy that a slow hash adds nothing).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared_types::ErrorCode;
use shared_types::auth::Role;

use crate::config::Secret;
use crate::error::{ApiError, ApiResult};

const ISSUER: &str = "porchlight";
/// The `typ` claim of access tokens; anything else is refused as an access token.
const ACCESS: &str = "access";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    /// Unique per token, for audit trails.
    pub jti: String,
    pub iss: String,
    pub typ: String,
    /// The account's session epoch when issued (see `UserRow::session_epoch`).
    #[serde(default)]
    pub epoch: i32,
    /// The sign-in (session) the token belongs to; absent on tokens made outside a sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
        }
    }

    /// A signed access token for `user_id` in session epoch `epoch`, valid for `ttl_secs`.
    pub fn issue_access(
        &self,
        user_id: &str,
        role: Role,
        epoch: i32,
        ttl_secs: u64,
    ) -> ApiResult<String> {
        self.issue_session_access(user_id, role, epoch, None, ttl_secs)
    }

    /// Like [`JwtKeys::issue_access`], for the sign-in `session_id`.
    pub fn issue_session_access(
        &self,
        user_id: &str,
        role: Role,
        epoch: i32,
        session_id: Option<&str>,
        ttl_secs: u64,
    ) -> ApiResult<String> {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user_id.to_owned(),
            role,
            iat: now,
            exp: now + i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
            jti: uuid::Uuid::new_v4().to_string(),
            iss: ISSUER.to_owned(),
            typ: ACCESS.to_owned(),
            epoch,
            sid: session_id.map(str::to_owned),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims; tests use it to forge expired or odd tokens with the real key.
    pub fn sign(&self, claims: &AccessClaims) -> ApiResult<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// Checks signature, issuer, expiry and kind. Expired -> `token_expired`; anything else
    /// wrong -> `invalid_token`.
    pub fn verify_access(&self, token: &str) -> ApiResult<AccessClaims> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::new(ErrorCode::TokenExpired, "the access token has expired")
                }
                _ => ApiError::new(ErrorCode::InvalidToken, "the access token is not valid"),
            })?;
        if data.claims.typ != ACCESS || data.claims.role == Role::Unknown {
            return Err(ApiError::new(
                ErrorCode::InvalidToken,
                "this token is not an access token",
            ));
        }
        Ok(data.claims)
    }
}

/// `bytes` random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// The stored form of a refresh token or API key.
pub fn hash_secret(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> JwtKeys {
        JwtKeys::new(&Secret::new(secret))
    }

    #[test]
    fn a_token_verifies_with_its_key_only() {
        let a = keys("a-secret-that-is-long-enough-for-hs256-0000");
        let b = keys("b-secret-that-is-long-enough-for-hs256-0000");
        let token = a.issue_access("user-1", Role::Partner, 0, 60).unwrap();
        let claims = a.verify_access(&token).unwrap();
        assert_eq!(claims.sub, "user-1");
        assert_eq!(claims.role, Role::Partner);
        assert_eq!(
            b.verify_access(&token).unwrap_err().code(),
            ErrorCode::InvalidToken
        );
    }

    #[test]
    fn expired_and_wrong_kind_tokens_are_refused() {
        let k = keys("a-secret-that-is-long-enough-for-hs256-0000");
        let now = Utc::now().timestamp();
        let mut claims = AccessClaims {
            sub: "u".into(),
            role: Role::Customer,
            iat: now - 3600,
            exp: now - 600,
            jti: "j".into(),
            iss: ISSUER.into(),
            typ: ACCESS.into(),
            epoch: 0,
            sid: None,
        };
        let expired = k.sign(&claims).unwrap();
        assert_eq!(
            k.verify_access(&expired).unwrap_err().code(),
            ErrorCode::TokenExpired
        );

        claims.exp = now + 600;
        claims.typ = "refresh".into();
        let wrong_kind = k.sign(&claims).unwrap();
        assert_eq!(
            k.verify_access(&wrong_kind).unwrap_err().code(),
            ErrorCode::InvalidToken
        );
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(random_token(32).len(), 43);
        assert_eq!(hash_secret("x"), hash_secret("x"));
        assert_ne!(hash_secret("x"), hash_secret("y"));
    }
}
