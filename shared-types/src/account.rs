//! One's own account: profile, verified email and phone, and signed-in devices.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::auth::{ApiKey, User, not_blank};
use crate::conversations::{Conversation, Message};
use crate::jobs::{Job, JobEvent};
use crate::notify::{Device, Notification, NotificationPreferences};
use crate::partners::PartnerProfile;
use crate::ratings::JobRatings;
use crate::requests::{CustomerDetailRead, Lead, ServiceRequest};
use crate::wallet::{Payment, Payout, Wallet, WalletEntry};
use crate::webhook_endpoints::WebhookEndpoint;

/// The locales the apps and emails speak (Canada's two official languages).
pub const LOCALES: &[&str] = &["en-CA", "fr-CA"];

/// A locale tag from [`LOCALES`].
fn supported_locale(locale: &str) -> Result<(), ValidationError> {
    if LOCALES.contains(&locale) {
        return Ok(());
    }
    let mut error = ValidationError::new("locale");
    error.message = Some(format!("must be one of {}", LOCALES.join(", ")).into());
    Err(error)
}

/// `PATCH /v1/me`: what to change; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Maya Chen", "locale": "fr-CA"})))]
pub struct ProfileUpdate {
    /// The name shown to the other side of a job.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"[^\s\u0085]", min_length = 1, max_length = 100)
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The language of the app and of emails: `en-CA` or `fr-CA`.
    #[validate(custom(function = "supported_locale"))]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(en-CA|fr-CA)$"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// `POST /v1/me/email`: move the account to another address (the current password required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"new_email": "maya.chen@example.com", "current_password": "correct horse battery"})))]
pub struct EmailChangeRequest {
    /// The new address; it becomes the account's once the link sent there is followed.
    #[validate(email, length(max = 254))]
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub new_email: String,
    /// The account's current password, to prove the change comes from its owner.
    #[validate(length(min = 1, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub current_password: String,
}

/// `POST /v1/auth/email/verify`: the token of an emailed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailVerificationConfirm {
    /// The `token` of the link (`plv_…`).
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub token: String,
}

/// `PUT /v1/me/phone`: the account's phone number; a code is sent to it by SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneInput {
    /// E.164, e.g. `+14165550199`.
    #[validate(custom(function = "crate::partners::e164"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^\+[1-9][0-9]{1,14}$", example = "+14165550199")
    )]
    pub phone: String,
}

/// `POST /v1/me/phone/verify`: the code from the SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneCodeConfirm {
    /// The six digits.
    #[validate(length(equal = 6), custom(function = "digits"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[0-9]{6}$", example = "493817")
    )]
    pub code: String,
}

fn digits(code: &str) -> Result<(), ValidationError> {
    if code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    let mut error = ValidationError::new("digits");
    error.message = Some("must be six digits".into());
    Err(error)
}

/// `POST /v1/me/sessions/end-all`: the current password, so that a borrowed unlocked phone
/// cannot lock its owner out of every other device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordConfirmation {
    /// The account's current password.
    #[validate(length(min = 1, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub current_password: String,
}

/// A signed-in device: one sign-in and the refreshes that kept it going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceSession {
    /// The session's id; `DELETE /v1/me/sessions/{id}` signs that device out.
    pub id: String,
    /// What the device said it was at sign-in (its `User-Agent`), if anything.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub user_agent: Option<String>,
    /// When it signed in.
    pub created_at: DateTime<Utc>,
    /// When it last signed in or refreshed its tokens.
    pub last_used_at: DateTime<Utc>,
    /// When it ends unless refreshed.
    pub expires_at: DateTime<Utc>,
    /// True for the session this call was made with.
    pub current: bool,
}

/// An archive of one's data, made by `POST /v1/me/export`; downloadable for 7 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataExport {
    /// The export's id: the archive is read at `GET /v1/me/exports/{id}`.
    pub id: String,
    /// When the archive was made.
    pub created_at: DateTime<Utc>,
    /// After this it is deleted.
    pub expires_at: DateTime<Utc>,
    /// The archive's size in bytes.
    pub size_bytes: u64,
}

/// Everything Porchlight holds about a person, as the API shows each part to them
/// (`GET /v1/me/exports/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataArchive {
    /// When the archive was put together.
    pub generated_at: DateTime<Utc>,
    /// The account itself.
    pub account: User,
    /// The signed-in devices.
    pub sessions: Vec<DeviceSession>,
    /// The personal API keys, without their secrets.
    pub api_keys: Vec<ApiKey>,
    /// Phones registered for push alerts.
    pub devices: Vec<Device>,
    /// How notifications reach the person, per category, and their quiet hours.
    pub notification_preferences: NotificationPreferences,
    /// The in-app notifications (as long as they are kept).
    pub notifications: Vec<Notification>,
    /// The account's webhook endpoints, without their secrets.
    pub webhook_endpoints: Vec<WebhookEndpoint>,
    /// A customer's requests.
    pub requests: Vec<ServiceRequest>,
    /// Jobs on either side, each with its timeline, payments and ratings (the agreement
    /// signature is in the timeline).
    pub jobs: Vec<JobRecord>,
    /// A pro's business profile.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub partner_profile: Option<PartnerProfile>,
    /// The leads offered to a pro, as the pro sees them.
    #[serde(default)]
    pub leads: Vec<Lead>,
    /// A pro's wallet, its entries and payouts.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub wallet: Option<Wallet>,
    /// A pro's wallet entries (empty for a customer).
    pub wallet_entries: Vec<WalletEntry>,
    /// A pro's payouts (empty for a customer).
    pub payouts: Vec<Payout>,
    /// Each time a pro read the customer's contact details.
    pub customer_detail_reads: Vec<CustomerDetailRead>,
    /// The conversations with the other side, each with every message as the person sees it
    /// (the job's timeline is under `jobs`).
    #[serde(default)]
    pub conversations: Vec<ConversationRecord>,
}

/// One conversation in a [`DataArchive`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationRecord {
    /// The conversation, as the person sees it.
    pub conversation: Conversation,
    /// Its messages, oldest first.
    pub messages: Vec<Message>,
}

/// One job in a [`DataArchive`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRecord {
    /// The job, as the person sees it.
    pub job: Job,
    /// The job's timeline, oldest first.
    pub timeline: Vec<JobEvent>,
    /// The job's card charges: its price and any tips.
    pub payments: Vec<Payment>,
    /// The job's ratings, as the person sees them (double-blind until published).
    pub ratings: JobRatings,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_supported_locales_and_six_digit_codes_pass() {
        let update = |locale: &str| ProfileUpdate {
            locale: Some(locale.into()),
            ..ProfileUpdate::default()
        };
        assert!(update("fr-CA").validate().is_ok());
        assert!(update("fr").validate().is_err());
        let code = |code: &str| PhoneCodeConfirm { code: code.into() };
        assert!(code("012345").validate().is_ok());
        assert!(code("12345a").validate().is_err());
        assert!(code("1234567").validate().is_err());
    }
}
