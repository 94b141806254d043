//! Accounts, sessions (access + refresh tokens) and personal API keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

open_enum! {
    /// What an account is.
    #[derive(Hash)]
    pub enum Role {
        /// A homeowner who asks for work.
        Customer,
        /// A pro who does the work.
        Partner,
        /// Porchlight staff.
        Staff,
    }
}

/// The roles one can sign up for; staff accounts are made by an operator (`porchlight create-staff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignupRole {
    Customer,
    Partner,
}

impl From<SignupRole> for Role {
    fn from(role: SignupRole) -> Self {
        match role {
            SignupRole::Customer => Self::Customer,
            SignupRole::Partner => Self::Partner,
        }
    }
}

/// Shortest and longest password accepted.
pub const PASSWORD_LENGTH: std::ops::RangeInclusive<u64> = 10..=128;

/// `POST /v1/auth/register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// Compared case-insensitively; stored trimmed and lower-cased.
    #[validate(email, length(max = 254))]
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub email: String,
    /// 10 to 128 characters.
    #[validate(length(min = 10, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 128))]
    pub password: String,
    /// The name shown to the other side of a job.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"[^\s\u0085]", min_length = 1, max_length = 100)
    )]
    pub name: String,
    pub role: SignupRole,
}

/// `POST /v1/me/password`: a new password, with the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub current_password: String,
    /// 10 to 128 characters.
    #[validate(length(min = 10, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 128))]
    pub new_password: String,
}

/// `POST /v1/auth/password-reset`: where to send a reset link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    #[validate(email, length(max = 254))]
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub email: String,
}

/// `POST /v1/auth/password-reset/confirm`: the link's token and the new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetConfirm {
    /// The `token` of the emailed link (`plp_…`).
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub token: String,
    /// 10 to 128 characters.
    #[validate(length(min = 10, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 128))]
    pub new_password: String,
}

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub password: String,
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub refresh_token: String,
}

/// A fresh session: a short-lived access token and a single-use refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque; works once at `POST /v1/auth/refresh`, which returns a new one.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// An account as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Whether the email address was confirmed through an emailed link. Customers need it to
    /// ask for work, pros to receive leads.
    #[serde(default)]
    pub email_verified: bool,
    /// The account's phone number (E.164), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Whether `phone` was confirmed with an SMS code. Only a confirmed number is ever shared
    /// with a pro.
    #[serde(default)]
    pub phone_verified: bool,
    /// The language of the app and of emails (`en-CA`, `fr-CA`).
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Set while staff keep the account suspended (only staff ever see a suspended account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_at: Option<DateTime<Utc>>,
    /// Why it is suspended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension_reason: Option<String>,
    /// When the person deleted the account (only staff ever see a deleted account; its
    /// personal data is erased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

fn default_locale() -> String {
    crate::account::LOCALES[0].to_owned()
}

/// `POST /v1/admin/users/{id}/suspend` and `/reinstate`: why (told to the person, kept in the
/// audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspensionInput {
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 1000, pattern = r"[^\s\u0085]")
    )]
    pub reason: String,
}

open_enum! {
    /// What a personal API key may do. A key acts as its owner, limited to its scopes; the owner's role
    /// still decides which endpoints are open to it.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum Scope {
        #[serde(rename = "profile:read")]
        #[strum(serialize = "profile:read")]
        ProfileRead,
        #[serde(rename = "profile:write")]
        #[strum(serialize = "profile:write")]
        ProfileWrite,
        #[serde(rename = "requests:read")]
        #[strum(serialize = "requests:read")]
        RequestsRead,
        #[serde(rename = "requests:write")]
        #[strum(serialize = "requests:write")]
        RequestsWrite,
        #[serde(rename = "leads:read")]
        #[strum(serialize = "leads:read")]
        LeadsRead,
        #[serde(rename = "leads:write")]
        #[strum(serialize = "leads:write")]
        LeadsWrite,
        #[serde(rename = "jobs:read")]
        #[strum(serialize = "jobs:read")]
        JobsRead,
        #[serde(rename = "jobs:write")]
        #[strum(serialize = "jobs:write")]
        JobsWrite,
        #[serde(rename = "wallet:read")]
        #[strum(serialize = "wallet:read")]
        WalletRead,
        /// Read the account's event feed and live stream.
        #[serde(rename = "events:read")]
        #[strum(serialize = "events:read")]
        EventsRead,
        /// Manage the account's webhook endpoints, their deliveries and replays.
        #[serde(rename = "webhooks:write")]
        #[strum(serialize = "webhooks:write")]
        WebhooksWrite,
    }
}

/// `POST /v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    /// What the key is for, e.g. "CRM sync".
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"[^\s\u0085]", min_length = 1, max_length = 100)
    )]
    pub name: String,
    /// At least one scope.
    #[validate(length(min = 1, max = 16))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 16))]
    pub scopes: Vec<Scope>,
    /// Days until the key stops working (1..=365); absent: it never expires.
    #[validate(range(min = 1, max = 365))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

/// A personal API key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    /// Send as `Authorization: Bearer plk_…`. Store it now: it cannot be shown again.
    pub secret: String,
}

/// Text with nothing but white space is blank. "White space" is what the contract's pattern
/// `[^\s\u0085]` excludes (JSON Schema's `\s`, from ECMA-262, plus U+0085), which is exactly
/// Rust's white space plus U+FEFF, so the schema and the server agree on every string.
pub(crate) fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.chars().all(|c| c.is_whitespace() || c == '\u{feff}') {
        let mut error = ValidationError::new("blank");
        error.message = Some("must not be blank".into());
        return Err(error);
    }
    Ok(())
}

/// `GET /v1/admin/users` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct UserFilter {
    /// Only accounts of this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

#[cfg(test)]
mod tests {
    use super::not_blank;

    #[test]
    fn blank_means_white_space_as_the_contract_pattern_says() {
        for blank in [
            "",
            " ",
            "\t\n",
            "\u{85}",
            "\u{a0}",
            "\u{feff}",
            "\u{3000} \u{2028}",
        ] {
            assert!(not_blank(blank).is_err(), "{blank:?} is blank");
        }
        for text in ["x", " x ", "\u{180e}", "\u{85}a"] {
            assert!(not_blank(text).is_ok(), "{text:?} is not blank");
        }
    }
}
