//! Rate limits. Every `/v1` and `/oauth` call spends from its caller's token bucket: a signed-in
//! user's, an API key's, an app's for one user, a confidential app's at the token endpoints, or,
//! without a credential, the client address's (see [`crate::client_ip`]), at a cost per route
//! ([`cost`]). Answers carry `RateLimit-Policy` and `RateLimit` (the IETF
//! httpapi rate-limit fields); a call the bucket cannot pay for is 429 `rate_limited` with
//! `Retry-After`, and nothing of it runs. Health checks, the contract and the payment
//! provider's webhook are not limited.

pub mod bucket;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, ResponseError, web};

use self::bucket::{Decision, Local, Quota, Shared};
use crate::auth::api_keys::{self, API_KEY_PREFIX};
use crate::auth::extract::bearer_token;
use crate::client_ip::ClientIp;
use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;

pub const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const REMAINING: HeaderName = HeaderName::from_static("ratelimit");

/// The buckets and the quotas of the two kinds of caller.
pub struct RateLimits {
    buckets: Buckets,
    credential: Quota,
    anonymous: Quota,
}

enum Buckets {
    Local(Local),
    Shared(Box<Shared>),
}

/// Who pays for a call.
struct Payer {
    /// `credential` or `anonymous`: the policy's name in the headers.
    policy: &'static str,
    bucket: String,
}

impl RateLimits {
    /// In Redis when `REDIS_URL` is set (checked when the settings load), else in process.
    pub fn from_settings(settings: &Settings) -> Self {
        let shared = settings.redis_url.as_deref().and_then(|url| {
            Shared::new(url, &settings.redis_key_prefix)
                .map_err(|error| tracing::error!(%error, "REDIS_URL unusable; limits in process"))
                .ok()
        });
        Self {
            buckets: shared.map_or_else(
                || Buckets::Local(Local::default()),
                |shared| Buckets::Shared(Box::new(shared)),
            ),
            credential: Quota::per_minute(settings.rate_limit_per_minute),
            anonymous: Quota::per_minute(settings.rate_limit_anonymous_per_minute),
        }
    }

    /// Spends `cost` from `bucket`; `None` when the shared store cannot answer (the call then
    /// passes: an outage of Redis does not stop the service).
    async fn take(&self, bucket: &str, now: i64, quota: Quota, cost: u32) -> Option<Decision> {
        match &self.buckets {
            Buckets::Local(local) => Some(local.take(bucket, now, quota, cost)),
            Buckets::Shared(shared) => shared
                .take(bucket, now, quota, cost)
                .await
                .map_err(|error| tracing::warn!(%error, "rate limits unavailable"))
                .ok(),
        }
    }
}

/// Writes that check a password, a token or a code (slow on purpose, or worth guessing at);
/// `/v1/me` is the account's deletion (and its profile edits).
const COSTLY_WRITES: &[&str] = &[
    "/v1/me",
    "/v1/me/password",
    "/v1/me/email",
    "/v1/me/phone/verify",
    "/v1/me/sessions/end-all",
];

/// What a call costs: a POST to `/v1/auth/…` or another write that checks a password, token or
/// code 5, other writes 2, reads 1.
pub fn cost(method: &Method, path: &str) -> u32 {
    if *method == Method::GET || *method == Method::HEAD {
        1
    } else if path.starts_with("/v1/auth/")
        || path.starts_with("/oauth/")
        || COSTLY_WRITES.contains(&path)
    {
        5
    } else {
        2
    }
}

/// Whether calls to `path` spend from a bucket (the OAuth endpoints too: they check secrets).
pub fn limited(path: &str) -> bool {
    path.starts_with("/oauth/")
        || path.starts_with("/v1/")
            && !path.starts_with("/v1/health")
            && !path.starts_with("/v1/webhooks/payments/")
            && path != "/v1/openapi.json"
}

/// A session by its user (the token's signature checked), an API key by its visible prefix, an
/// app's token by its grant's tag (both checked later by the handler: a wrong one is refused
/// there), an app at the OAuth token endpoints by its client id (its secret checked there too),
/// anyone else by address.
fn payer(req: &HttpRequest, state: &AppState) -> Payer {
    if let Some(client_id) = crate::oauth::authenticating_client(req) {
        return Payer {
            policy: "credential",
            bucket: format!("client:{client_id}"),
        };
    }
    if let Ok(token) = bearer_token(req) {
        if token.starts_with(API_KEY_PREFIX) {
            return Payer {
                policy: "credential",
                bucket: format!("key:{}", api_keys::visible_prefix(&token)),
            };
        }
        if token.starts_with(crate::oauth::ACCESS_TOKEN_PREFIX) {
            return Payer {
                policy: "credential",
                bucket: format!("app:{}", crate::oauth::grants::visible_prefix(&token)),
            };
        }
        if let Ok(claims) = state.jwt.verify_access(&token) {
            return Payer {
                policy: "credential",
                bucket: format!("user:{}", claims.sub),
            };
        }
    }
    Payer {
        policy: "anonymous",
        bucket: format!("ip:{}", ClientIp::of(req).text()),
    }
}

/// The middleware: charges the call to its payer before anything else runs.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let charge = match state {
        Some(state) if limited(req.path()) => {
            let payer = payer(req.request(), &state);
            let limits = &state.limits;
            let quota = if payer.policy == "credential" {
                limits.credential
            } else {
                limits.anonymous
            };
            let now = state.clock.now().and_utc().timestamp_micros();
            let cost = cost(req.method(), req.path());
            match quota.units {
                0 => None,
                _ => limits
                    .take(&payer.bucket, now, quota, cost)
                    .await
                    .map(|decision| (payer.policy, quota, decision)),
            }
        }
        _ => None,
    };
    let Some((policy, quota, decision)) = charge else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if !decision.allowed {
        let refusal = ApiError::RateLimited {
            retry_after_secs: decision.retry_after_secs,
            what: "this caller's rate limit is spent (see the RateLimit-Policy header)",
        }
        .error_response();
        let mut response = req.into_response(refusal);
        add_headers(response.headers_mut(), policy, quota, decision);
        return Ok(response.map_into_right_body());
    }
    let mut response = next.call(req).await?;
    add_headers(response.headers_mut(), policy, quota, decision);
    Ok(response.map_into_left_body())
}

/// `RateLimit-Policy: "credential";q=600;w=60` and `RateLimit: "credential";r=598;t=1`.
fn add_headers(
    headers: &mut actix_web::http::header::HeaderMap,
    policy: &str,
    quota: Quota,
    decision: Decision,
) {
    let window_secs = quota.window_micros / 1_000_000;
    let values = [
        (
            POLICY,
            format!("\"{policy}\";q={};w={window_secs}", quota.units),
        ),
        (
            REMAINING,
            format!(
                "\"{policy}\";r={};t={}",
                decision.remaining, decision.full_in_secs
            ),
        ),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_the_work_a_call_makes() {
        assert_eq!(cost(&Method::GET, "/v1/leads"), 1);
        assert_eq!(cost(&Method::POST, "/v1/requests"), 2);
        assert_eq!(cost(&Method::DELETE, "/v1/api-keys/k"), 2);
        assert_eq!(cost(&Method::POST, "/v1/auth/login"), 5);
        assert!(limited("/v1/leads"));
        assert!(!limited("/v1/health/ready"));
        assert!(!limited("/v1/webhooks/payments/stripe"));
        assert!(!limited("/docs/"));
    }
}
