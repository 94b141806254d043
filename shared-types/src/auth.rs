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
    /// A homeowner who asks for work.
    Customer,
    /// A pro who does the work.
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
    /// `customer` to ask for work, `partner` to do it; staff accounts cannot sign up.
    pub role: SignupRole,
}

/// `POST /v1/me/password`: a new password, with the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// The password in use now.
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
    /// The account's email; the answer is the same whether or not an account has it.
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
    /// The account's email (case and surrounding spaces do not matter).
    #[validate(length(min = 1, max = 254))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 254))]
    pub email: String,
    /// The account's password.
    #[validate(length(min = 1, max = 128))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub password: String,
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The session's latest refresh token: a refresh uses it up (and returns a new one), a logout
    /// ends the session.
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
    /// The account's id.
    pub id: String,
    /// The sign-in email address, trimmed and lower-cased.
    pub email: String,
    /// The name shown to the other side of a job.
    pub name: String,
    /// What the account is: `customer`, `partner` or `staff`.
    pub role: Role,
    /// When the account was registered.
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
    /// Why (1 to 1000 characters): the person is told, and the audit log keeps it.
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
        /// See the profile: name, email and phone.
        #[serde(rename = "profile:read")]
        #[strum(serialize = "profile:read")]
        ProfileRead,
        /// Change the profile.
        #[serde(rename = "profile:write")]
        #[strum(serialize = "profile:write")]
        ProfileWrite,
        /// See the service requests.
        #[serde(rename = "requests:read")]
        #[strum(serialize = "requests:read")]
        RequestsRead,
        /// Make, change and cancel service requests.
        #[serde(rename = "requests:write")]
        #[strum(serialize = "requests:write")]
        RequestsWrite,
        /// See the leads offered.
        #[serde(rename = "leads:read")]
        #[strum(serialize = "leads:read")]
        LeadsRead,
        /// Take, apply to and decline leads.
        #[serde(rename = "leads:write")]
        #[strum(serialize = "leads:write")]
        LeadsWrite,
        /// See the jobs, their agreements and payments.
        #[serde(rename = "jobs:read")]
        #[strum(serialize = "jobs:read")]
        JobsRead,
        /// Act on jobs: schedule, sign, start, complete, cancel.
        #[serde(rename = "jobs:write")]
        #[strum(serialize = "jobs:write")]
        JobsWrite,
        /// See the wallet, earnings and payouts.
        #[serde(rename = "wallet:read")]
        #[strum(serialize = "wallet:read")]
        WalletRead,
        /// Read the conversations with customers and pros.
        #[serde(rename = "messages:read")]
        #[strum(serialize = "messages:read")]
        MessagesRead,
        /// Open conversations, write messages, mark them read, report and block.
        #[serde(rename = "messages:write")]
        #[strum(serialize = "messages:write")]
        MessagesWrite,
        /// Upload photos (to attach to requests, messages, completions, disputes, the portfolio).
        #[serde(rename = "photos:write")]
        #[strum(serialize = "photos:write")]
        PhotosWrite,
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
    /// The key's id; `DELETE /v1/api-keys/{id}` revokes it.
    pub id: String,
    /// What the key is for, as given when it was created.
    pub name: String,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    /// What the key may do.
    pub scopes: Vec<Scope>,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
    /// When the key stops working; null when it never expires.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub expires_at: Option<DateTime<Utc>>,
    /// When the key last authenticated a call (to the minute); null if never used.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The new key, as lists show it.
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
