//! Text messages (phone verification codes) behind one trait: Twilio's Messages API over
//! reqwest when an SMS account is configured, else the service log (a local setup reads its
//! codes there).
//!
//! Twilio: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, HTTP basic auth with the
//! account sid and auth token, a form body of `To`, `From`, `Body`; `201` with the message
//! resource on success, a JSON error (`code`, `message`) otherwise.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;

use crate::config::{Settings, SmsAccount};

pub const DEFAULT_API_URL: &str = "https://api.twilio.com";

/// Why a text could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The provider is unreachable or busy (timeouts, 429, 5xx): worth another try later.
    #[error("the SMS provider is unavailable: {0}")]
    Retry(String),
    /// The provider refused the message (a bad number, a blocked recipient).
    #[error("the SMS provider refused the message: {0}")]
    Refused(String),
}

/// Sends a text message to a phone number (E.164).
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), SmsError>>;
}

/// The sender the settings ask for.
pub fn sender(settings: &Settings) -> Box<dyn SmsSender> {
    if let Some(account) = &settings.sms {
        tracing::info!("phone codes by SMS through {}", settings.sms_api_url);
        Box::new(TwilioSms::new(&settings.sms_api_url, account.clone()))
    } else {
        tracing::info!("SMS is off (SMS_ACCOUNT_SID is not set): phone codes go to the log");
        Box::new(LoggedSms)
    }
}

/// Twilio's Messages API.
pub struct TwilioSms {
    http: reqwest::Client,
    messages_url: String,
    account: SmsAccount,
}

impl TwilioSms {
    pub fn new(api_url: &str, account: SmsAccount) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            http,
            messages_url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                api_url.trim_end_matches('/'),
                account.account_sid
            ),
            account,
        }
    }
}

/// Twilio's error document.
#[derive(Debug, Deserialize)]
struct TwilioError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

impl SmsSender for TwilioSms {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            let response = self
                .http
                .post(&self.messages_url)
                .basic_auth(
                    &self.account.account_sid,
                    Some(self.account.auth_token.expose()),
                )
                .form(&[("To", to), ("From", &self.account.from), ("Body", body)])
                .send()
                .await
                .map_err(|error| SmsError::Retry(error.to_string()))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let error: Option<TwilioError> = response.json().await.ok();
            let detail = match error {
                Some(TwilioError { code, message }) => format!(
                    "{status}: {} ({})",
                    message.unwrap_or_default(),
                    code.map_or_else(String::new, |code| code.to_string())
                ),
                None => status.to_string(),
            };
            if status.as_u16() == 429 || status.is_server_error() {
                Err(SmsError::Retry(detail))
            } else {
                Err(SmsError::Refused(detail))
            }
        })
    }
}

/// Writes each text to the service log instead of sending it (no SMS account configured).
pub struct LoggedSms;

impl SmsSender for LoggedSms {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        tracing::info!(to, body, "SMS (not sent: SMS_ACCOUNT_SID is not set)");
        Box::pin(async { Ok(()) })
    }
}
