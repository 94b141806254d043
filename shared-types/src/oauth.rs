//! Third-party apps that act for a user through OAuth 2.1 (authorization code with PKCE): their
//! registration, the apps a user has connected, and the protocol's JSON documents (token,
//! introspection, errors and the server's metadata).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::auth::{Role, Scope, not_blank};

impl Scope {
    /// The scopes an account of `role` can grant: those of the operations its role may call. An
    /// app never gets more than its user has.
    pub fn granted_by(role: Role) -> &'static [Scope] {
        use Scope::{
            EventsRead, JobsRead, JobsWrite, LeadsRead, LeadsWrite, MessagesRead, MessagesWrite,
            PhotosWrite, ProfileRead, ProfileWrite, RequestsRead, RequestsWrite, WalletRead,
            WebhooksWrite,
        };
        match role {
            Role::Customer => &[
                ProfileRead,
                ProfileWrite,
                RequestsRead,
                RequestsWrite,
                JobsRead,
                JobsWrite,
                MessagesRead,
                MessagesWrite,
                PhotosWrite,
                EventsRead,
                WebhooksWrite,
            ],
            Role::Partner => &[
                ProfileRead,
                ProfileWrite,
                LeadsRead,
                LeadsWrite,
                JobsRead,
                JobsWrite,
                MessagesRead,
                MessagesWrite,
                PhotosWrite,
                WalletRead,
                EventsRead,
                WebhooksWrite,
            ],
            Role::Staff => &[ProfileRead, ProfileWrite, EventsRead, WebhooksWrite],
            Role::Unknown => &[],
        }
    }

    /// What the scope lets an app do, in the words the consent page shows.
    pub fn plain_words(self) -> &'static str {
        match self {
            Self::ProfileRead => "See your profile: name, email and phone",
            Self::ProfileWrite => "Change your profile",
            Self::RequestsRead => "See your service requests",
            Self::RequestsWrite => "Make, change and cancel service requests for you",
            Self::LeadsRead => "See the leads offered to you",
            Self::LeadsWrite => "Take, apply to and decline leads for you",
            Self::JobsRead => "See your jobs, their agreements and payments",
            Self::JobsWrite => "Act on your jobs: schedule, sign, start, complete, cancel",
            Self::MessagesRead => "Read your conversations with customers and pros",
            Self::MessagesWrite => "Write messages for you, mark them read, report and block",
            Self::PhotosWrite => "Upload photos for you",
            Self::WalletRead => "See your wallet, earnings and payouts",
            Self::EventsRead => "Follow what happens on your account as it happens",
            Self::WebhooksWrite => "Send your account's events to the app's own web address",
            Self::Unknown => "Something this version does not know",
        }
    }
}

/// `POST /v1/oauth/apps`: an app that will ask users for access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthAppInput {
    /// The name users see on the consent page.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"[^\s\u0085]",
            min_length = 1,
            max_length = 100,
            example = "Acme CRM"
        )
    )]
    pub name: String,
    /// Where users are sent back with the code, compared exactly: `https` URLs, `http` on the
    /// loopback address (127.0.0.1, [::1] or localhost) for desktop apps, or a private-use
    /// scheme named after a domain the developer owns (`com.example.crm:/oauth`) for phone apps.
    /// No fragment.
    #[validate(length(min = 1, max = 10), custom(function = "redirect_uris"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_items = 1, max_items = 10, example = json!(["https://crm.example.com/oauth/callback"]))
    )]
    pub redirect_uris: Vec<String>,
    /// An `https` image shown on the consent page.
    #[validate(length(max = 500), custom(function = "https_url"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 500, example = "https://crm.example.com/logo.png")
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The most the app may ask for; each user grants some or all of them.
    #[validate(length(min = 1, max = 16))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 16))]
    pub scopes: Vec<Scope>,
    /// `true` (default): a server-side app that keeps a client secret. `false`: a phone,
    /// desktop or browser app that cannot keep one (PKCE alone protects its codes).
    #[serde(default = "confidential_default")]
    pub confidential: bool,
}

fn confidential_default() -> bool {
    true
}

/// A registered app, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthApp {
    /// The app's `client_id`.
    pub id: String,
    /// The name users see on the consent page.
    pub name: String,
    /// Where users are sent back with the code; compared exactly.
    pub redirect_uris: Vec<String>,
    /// The `https` image shown on the consent page; null when none was given.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub logo_url: Option<String>,
    /// The most the app may ask for.
    pub scopes: Vec<Scope>,
    /// True for a server-side app that keeps a client secret; false for a public app (PKCE alone).
    pub confidential: bool,
    /// When the app was registered.
    pub created_at: DateTime<Utc>,
}

/// An app just registered: the only time its client secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedOAuthApp {
    /// The app as registered.
    pub app: OAuthApp,
    /// For a confidential app: send it with the `client_id` to the token endpoint (HTTP Basic
    /// or form fields). Store it now: it cannot be shown again. None for a public app.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub client_secret: Option<String>,
}

/// An app the user allowed to act for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectedApp {
    /// The connection (the grant); `DELETE /v1/me/connected-apps/{id}` ends it.
    pub id: String,
    /// The app's `client_id`.
    pub app_id: String,
    /// The app's name, as the consent page showed it.
    pub app_name: String,
    /// The app's logo (`https`); null when it has none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub logo_url: Option<String>,
    /// Everything the user allowed the app.
    pub scopes: Vec<Scope>,
    /// When the user allowed the app.
    pub connected_at: DateTime<Utc>,
    /// When the app last called the API for the user (to the minute).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The token endpoint's answer (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthTokens {
    /// Send as `Authorization: Bearer pla_…`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token works.
    pub expires_in: u64,
    /// Works once: exchange it for the next pair before it expires.
    pub refresh_token: String,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// The token, introspection and revocation endpoints' error (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
    pub error_description: String,
}

/// The introspection endpoint's answer (RFC 7662 §2.2): only `active` for a token that does not
/// work or belongs to another app.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user the token acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `access_token` or `refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub revocation_endpoint: String,
    pub introspection_endpoint: String,
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub response_modes_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub authorization_response_iss_parameter_supported: bool,
    pub service_documentation: String,
}

/// Whether `uri` may receive codes: `https`, `http` on loopback, or a private-use scheme with a
/// dot in it (reverse domain name, RFC 8252 §7.1); never a fragment.
pub fn redirect_uri_allowed(uri: &str) -> bool {
    let Ok(parsed) = url::Url::parse(uri) else {
        return false;
    };
    if parsed.fragment().is_some() || uri.len() > 500 || parsed.password().is_some() {
        return false;
    }
    match parsed.scheme() {
        "https" => parsed.host_str().is_some_and(|host| !host.is_empty()),
        "http" => matches!(parsed.host_str(), Some("127.0.0.1" | "[::1]" | "localhost")),
        "javascript" | "data" | "file" | "ftp" | "ws" | "wss" | "blob" | "about" => false,
        scheme => scheme.contains('.'),
    }
}

fn redirect_uris(uris: &[String]) -> Result<(), ValidationError> {
    for (index, uri) in uris.iter().enumerate() {
        if !redirect_uri_allowed(uri) {
            let mut error = ValidationError::new("redirect_uri");
            error.message = Some(
                format!(
                    "redirect_uris[{index}] must be an https URL, http on 127.0.0.1, [::1] or \
                     localhost, or a private-use scheme like com.example.app:/oauth, without a \
                     fragment"
                )
                .into(),
            );
            return Err(error);
        }
    }
    Ok(())
}

fn https_url(url: &str) -> Result<(), ValidationError> {
    use validator::ValidateUrl;
    if url.starts_with("https://") && url.validate_url() {
        return Ok(());
    }
    let mut error = ValidationError::new("url");
    error.message = Some("must be an https URL".into());
    Err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_follow_the_native_and_web_rules() {
        for good in [
            "https://crm.example.com/oauth/callback",
            "https://crm.example.com/cb?tenant=7",
            "http://127.0.0.1:49152/callback",
            "http://[::1]/cb",
            "http://localhost:3000/cb",
            "com.example.crm:/oauth",
        ] {
            assert!(redirect_uri_allowed(good), "{good}");
        }
        for bad in [
            "http://crm.example.com/cb",
            "https://crm.example.com/cb#frag",
            "javascript:alert(1)",
            "data:text/html,hi",
            "crm:/oauth",
            "/relative",
            "",
            "https://user:pw@crm.example.com/cb",
        ] {
            assert!(!redirect_uri_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn every_role_grants_only_known_scopes() {
        for role in [Role::Customer, Role::Partner, Role::Staff] {
            assert!(Scope::granted_by(role).iter().all(|s| *s != Scope::Unknown));
        }
        assert!(!Scope::granted_by(Role::Customer).contains(&Scope::LeadsRead));
        assert!(!Scope::granted_by(Role::Partner).contains(&Scope::RequestsWrite));
    }
}
