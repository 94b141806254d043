//! Firebase Cloud Messaging, HTTP v1, on reqwest + jsonwebtoken.
//!
//! Authentication is the OAuth 2.0 service-account flow: sign an RS256 JWT assertion with the
//! account's private key, exchange it at the account's `token_uri` for an access token, cache
//! that until a minute before it expires. Sending is `POST {base}/v1/projects/{id}/messages:send`.
//! Errors are read from the `google.firebase.fcm.v1.FcmError` entry of `error.details`, then
//! from `error.status`, then from the HTTP status (a 502 may come back as HTML).

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared_types::events::EventType;
use shared_types::notify::NotificationCategory;
use tokio::sync::Mutex;

use super::message::Notification;

pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
pub const DEFAULT_BASE_URL: &str = "https://fcm.googleapis.com";
const FCM_ERROR_TYPE: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
/// FCM asks for at least a minute before retrying after `QUOTA_EXCEEDED`.
const QUOTA_BACKOFF: Duration = Duration::from_mins(1);

/// The fields of a Google service-account JSON key that we use. Its `Debug` hides the key.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    pub private_key: String,
    #[serde(default)]
    pub private_key_id: Option<String>,
    pub token_uri: String,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("private_key", &"***")
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .finish()
    }
}

impl ServiceAccount {
    /// Reads a service-account JSON key and checks that it can sign: a readable file, the
    /// fields above, an RSA private key in PEM. Errors never quote the file's content.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let json = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let account: Self = serde_json::from_str(&json).map_err(|error| {
            let what = match error.classify() {
                serde_json::error::Category::Data => {
                    let message = error.to_string();
                    // serde's own words quote wrong values, which may be secret.
                    if message.starts_with("missing field") {
                        message
                            .split(" at line ")
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    } else {
                        format!(
                            "a field has the wrong type (line {}, column {})",
                            error.line(),
                            error.column()
                        )
                    }
                }
                _ => format!(
                    "not JSON (line {}, column {})",
                    error.line(),
                    error.column()
                ),
            };
            format!("{} is not a service-account key: {what}", path.display())
        })?;
        account.signing_key()?;
        Ok(account)
    }

    fn signing_key(&self) -> Result<EncodingKey, String> {
        EncodingKey::from_rsa_pem(self.private_key.as_bytes())
            .map_err(|error| format!("the service account's private key: {error}"))
    }
}

/// Why one message to one device did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// The token is no longer valid (`UNREGISTERED`, or `INVALID_ARGUMENT` about the token):
    /// forget the device.
    DeadToken(String),
    /// Worth trying again, no sooner than `after` when FCM said so.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// Will not work by retrying (e.g. `SENDER_ID_MISMATCH`, `THIRD_PARTY_AUTH_ERROR`).
    Fatal(String),
}

impl std::fmt::Display for PushError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DeadToken(reason) => write!(f, "dead token: {reason}"),
            Self::Retry { reason, .. } => write!(f, "retryable: {reason}"),
            Self::Fatal(reason) => write!(f, "fatal: {reason}"),
        }
    }
}

#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

struct CachedToken {
    value: String,
    refresh_at: std::time::Instant,
}

pub struct FcmSender {
    http: reqwest::Client,
    account: ServiceAccount,
    key: EncodingKey,
    send_url: String,
    token: Mutex<Option<CachedToken>>,
}

impl FcmSender {
    /// Reads the service-account JSON at `path`; `base_url` is FCM's (tests point it at 127.0.0.1).
    pub fn from_file(path: &Path, base_url: &str) -> Result<Self, String> {
        Self::new(ServiceAccount::from_file(path)?, base_url)
    }

    pub fn new(account: ServiceAccount, base_url: &str) -> Result<Self, String> {
        let key = account.signing_key()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| error.to_string())?;
        Ok(Self {
            send_url: format!(
                "{}/v1/projects/{}/messages:send",
                base_url.trim_end_matches('/'),
                account.project_id
            ),
            http,
            account,
            key,
            token: Mutex::new(None),
        })
    }

    pub fn project_id(&self) -> &str {
        &self.account.project_id
    }

    /// A valid access token, from the cache or a fresh exchange.
    async fn access_token(&self) -> Result<String, PushError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && std::time::Instant::now() < token.refresh_at
        {
            return Ok(token.value.clone());
        }
        let now = Utc::now().timestamp();
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(&self.account.private_key_id);
        let assertion = jsonwebtoken::encode(
            &header,
            &Assertion {
                iss: &self.account.client_email,
                scope: SCOPE,
                aud: &self.account.token_uri,
                iat: now,
                exp: now + 3600,
            },
            &self.key,
        )
        .map_err(|error| PushError::Fatal(format!("signing the assertion: {error}")))?;
        let response = self
            .http
            .post(&self.account.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|error| PushError::Retry {
                after: None,
                reason: format!("token exchange: {error}"),
            })?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let reason = format!("token exchange answered {status}: {}", snippet(&body));
            return Err(if status.is_server_error() {
                PushError::Retry {
                    after: None,
                    reason,
                }
            } else {
                PushError::Fatal(reason)
            });
        }
        let answer: TokenAnswer = response.json().await.map_err(|error| PushError::Retry {
            after: None,
            reason: format!("token exchange answer: {error}"),
        })?;
        let lifetime = Duration::from_secs(answer.expires_in.saturating_sub(60));
        *cached = Some(CachedToken {
            value: answer.access_token.clone(),
            refresh_at: std::time::Instant::now() + lifetime,
        });
        Ok(answer.access_token)
    }

    /// Sends `notification` to one device. `collapse_id` (the outbox id) makes a repeated send
    /// replace the earlier one on the device instead of showing twice.
    pub async fn send(
        &self,
        device_token: &str,
        notification: &Notification,
        collapse_id: &str,
    ) -> Result<(), PushError> {
        let access_token = self.access_token().await?;
        let body = message_body(device_token, notification, collapse_id);
        let response = self
            .http
            .post(&self.send_url)
            .header(AUTHORIZATION, format!("Bearer {access_token}"))
            .json(&body)
            .send()
            .await
            .map_err(|error| PushError::Retry {
                after: None,
                reason: format!("FCM unreachable: {error}"),
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.unwrap_or_default();
        if status == StatusCode::UNAUTHORIZED {
            // The access token was refused: drop it so the next try exchanges a new one.
            *self.token.lock().await = None;
        }
        Err(classify(status, retry_after, &text))
    }
}

/// The Android notification channel of job alerts: high importance, with sound (the app
/// creates it at start, `mobile-app/platform/android`).
pub const JOB_ALERTS_CHANNEL: &str = "job_alerts";
/// The channel of everything else: default importance.
pub const UPDATES_CHANNEL: &str = "updates";

/// The HTTP v1 message: notification, string-only data, high priority, time to live, the
/// collapse key / tag that make a repeat replace the first, and what makes a phone ring: a job
/// alert goes to the `job_alerts` channel with sound and, on iOS, as time-sensitive (it breaks
/// through a Focus the person allowed it to); other notifications are `active` on the `updates`
/// channel.
pub fn message_body(device_token: &str, notification: &Notification, collapse_id: &str) -> Value {
    let ttl_secs = notification.ttl.map(|ttl| ttl.as_secs().max(1));
    let job_alert = notification
        .data
        .get("kind")
        .and_then(|kind| EventType::parse(kind))
        .is_some_and(|kind| NotificationCategory::of_kind(kind) == NotificationCategory::JobAlerts);
    let (channel, interruption) = if job_alert {
        (JOB_ALERTS_CHANNEL, "time-sensitive")
    } else {
        (UPDATES_CHANNEL, "active")
    };
    let mut android_notification = json!({
        "tag": collapse_id,
        "channel_id": channel,
        "default_sound": true,
    });
    if job_alert {
        android_notification["notification_priority"] = json!("PRIORITY_HIGH");
    }
    let mut android = json!({
        "priority": "high",
        "collapse_key": collapse_id,
        "notification": android_notification,
    });
    let aps = json!({ "sound": "default", "interruption-level": interruption });
    let mut apns_headers = json!({ "apns-priority": "10", "apns-collapse-id": collapse_id });
    let mut webpush_headers = json!({ "Urgency": "high" });
    if let Some(ttl) = ttl_secs {
        android["ttl"] = json!(format!("{ttl}s"));
        let expires = Utc::now().timestamp() + i64::try_from(ttl).unwrap_or(i64::MAX / 2);
        apns_headers["apns-expiration"] = json!(expires.to_string());
        webpush_headers["TTL"] = json!(ttl.to_string());
    }
    json!({
        "message": {
            "token": device_token,
            "notification": { "title": notification.title, "body": notification.body },
            "data": notification.data,
            "android": android,
            "apns": { "headers": apns_headers, "payload": { "aps": aps } },
            "webpush": { "headers": webpush_headers, "notification": { "tag": collapse_id } },
        }
    })
}

/// Reads an FCM error answer. See the module docs for the order of the sources.
pub fn classify(status: StatusCode, retry_after: Option<Duration>, body: &str) -> PushError {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let error = parsed.as_ref().and_then(|value| value.get("error"));
    let fcm_code = error
        .and_then(|error| error.get("details"))
        .and_then(Value::as_array)
        .and_then(|details| {
            details
                .iter()
                .find(|detail| detail.get("@type").and_then(Value::as_str) == Some(FCM_ERROR_TYPE))
        })
        .and_then(|detail| detail.get("errorCode"))
        .and_then(Value::as_str);
    let status_name = error
        .and_then(|error| error.get("status"))
        .and_then(Value::as_str);
    let message = error
        .and_then(|error| error.get("message"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| snippet(body));
    let code = fcm_code.or(status_name).unwrap_or_default();
    let reason = format!("{status} {code}: {message}");
    match code {
        "UNREGISTERED" => PushError::DeadToken(reason),
        "INVALID_ARGUMENT" if message.to_lowercase().contains("token") => {
            PushError::DeadToken(reason)
        }
        "QUOTA_EXCEEDED" => PushError::Retry {
            after: Some(retry_after.unwrap_or(QUOTA_BACKOFF).max(QUOTA_BACKOFF)),
            reason,
        },
        "UNAVAILABLE" | "INTERNAL" => PushError::Retry {
            after: retry_after,
            reason,
        },
        "SENDER_ID_MISMATCH" | "THIRD_PARTY_AUTH_ERROR" | "INVALID_ARGUMENT" => {
            PushError::Fatal(reason)
        }
        _ if status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::UNAUTHORIZED =>
        {
            PushError::Retry {
                after: retry_after,
                reason,
            }
        }
        _ => PushError::Fatal(reason),
    }
}

fn snippet(body: &str) -> &str {
    let end = body
        .char_indices()
        .nth(200)
        .map_or(body.len(), |(index, _)| index);
    &body[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fcm_error(http: u16, status: &str, code: Option<&str>, message: &str) -> String {
        let details = code.map_or_else(Vec::new, |code| {
            vec![json!({ "@type": FCM_ERROR_TYPE, "errorCode": code })]
        });
        json!({ "error": { "code": http, "message": message, "status": status, "details": details } })
            .to_string()
    }

    #[test]
    fn errors_are_read_from_the_fcm_details_first() {
        let unregistered = fcm_error(404, "NOT_FOUND", Some("UNREGISTERED"), "gone");
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, None, &unregistered),
            PushError::DeadToken(_)
        ));
        let bad_token = fcm_error(
            400,
            "INVALID_ARGUMENT",
            Some("INVALID_ARGUMENT"),
            "The registration token is not a valid FCM registration token",
        );
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, None, &bad_token),
            PushError::DeadToken(_)
        ));
        let bad_payload = fcm_error(400, "INVALID_ARGUMENT", None, "data must be strings");
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, None, &bad_payload),
            PushError::Fatal(_)
        ));
        let mismatch = fcm_error(403, "PERMISSION_DENIED", Some("SENDER_ID_MISMATCH"), "no");
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, None, &mismatch),
            PushError::Fatal(_)
        ));
    }

    #[test]
    fn job_alerts_ring_on_their_channel_and_break_through_as_time_sensitive() {
        let notification = |kind: &str| Notification {
            title: "t".into(),
            body: "b".into(),
            data: [("kind".to_owned(), kind.to_owned())].into(),
            ttl: None,
        };
        let alert = message_body("tok", &notification("lead.offered"), "o1");
        let android = &alert["message"]["android"]["notification"];
        assert_eq!(android["channel_id"], JOB_ALERTS_CHANNEL);
        assert_eq!(android["default_sound"], true);
        assert_eq!(android["notification_priority"], "PRIORITY_HIGH");
        let aps = &alert["message"]["apns"]["payload"]["aps"];
        assert_eq!(aps["sound"], "default");
        assert_eq!(aps["interruption-level"], "time-sensitive");

        let update = message_body("tok", &notification("job.started"), "o2");
        let android = &update["message"]["android"]["notification"];
        assert_eq!(android["channel_id"], UPDATES_CHANNEL);
        assert!(android.get("notification_priority").is_none());
        let aps = &update["message"]["apns"]["payload"]["aps"];
        assert_eq!(aps["interruption-level"], "active");
    }

    #[test]
    fn quota_waits_at_least_a_minute_and_honours_retry_after() {
        let quota = fcm_error(
            429,
            "RESOURCE_EXHAUSTED",
            Some("QUOTA_EXCEEDED"),
            "slow down",
        );
        let wait = |retry_after| match classify(StatusCode::TOO_MANY_REQUESTS, retry_after, &quota)
        {
            PushError::Retry { after, .. } => after,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(None), Some(Duration::from_mins(1)));
        assert_eq!(
            wait(Some(Duration::from_secs(5))),
            Some(Duration::from_mins(1))
        );
        assert_eq!(
            wait(Some(Duration::from_mins(5))),
            Some(Duration::from_mins(5))
        );
    }

    #[test]
    fn an_html_502_is_retried() {
        let error = classify(
            StatusCode::BAD_GATEWAY,
            None,
            "<html><body>502 Bad Gateway</body></html>",
        );
        assert!(matches!(error, PushError::Retry { .. }), "{error:?}");
    }
}
