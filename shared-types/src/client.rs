//! A typed async client for the Porchlight API: the same calls the mobile app and integrators make.
//!
//! ```no_run
//! # async fn demo() -> Result<(), porchlight_types::ClientError> {
//! use porchlight_types::{Client, auth::LoginRequest};
//! let client = Client::new("http://127.0.0.1:8080");
//! let tokens = client
//!     .login(&LoginRequest { email: "pro@example.com".into(), password: "long enough pw".into() })
//!     .await?;
//! let me = client.with_token(tokens.access_token).me().await?;
//! # let _ = me; Ok(()) }
//! ```
//!
//! Every call has a deadline ([`Client::with_timeout`], 30 s by default; the live stream has
//! none). A call refused by a rate limit (429: nothing was done) is sent again after its
//! `Retry-After`; an idempotent call (GET, PUT, DELETE, or one with an `Idempotency-Key`) is
//! also sent again after a 503 or when the API could not be reached, with a growing pause
//! ([`Client::with_retries`], 2 more tries by default; never a wait of more than 30 s).
//! Ids in paths are percent-encoded, so no id can reach another route.

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::account::{
    DataArchive, DataExport, DeviceSession, EmailChangeRequest, EmailVerificationConfirm,
    PasswordConfirmation, PhoneCodeConfirm, PhoneInput, ProfileUpdate,
};
use crate::admin::{AssignmentCase, JobCase, StaffQueue};
use crate::auth::{
    ApiKey, ChangePasswordRequest, CreateApiKeyRequest, CreatedApiKey, LoginRequest,
    PasswordResetConfirm, PasswordResetRequest, RefreshRequest, RegisterRequest, SuspensionInput,
    TokenResponse, User, UserFilter,
};
use crate::conversations::{
    Conversation, Message, MessageInput, MessagePage, MessageReport, MessageWindow, ReadInput,
    ReportFilter, ReportInput, ResolveReportInput, UnreadCount,
};
use crate::events::{EventFeed, EventFeedQuery};
use crate::health::{Health, Readiness};
use crate::jobs::{
    AcceptProposalInput, AdminJobFilter, Agreement, CancelJobInput, CancellationTerms,
    CompleteInput, ConfirmJobsInput, ConfirmJobsResult, DisputeInput, Job, JobEvent, JobFilter,
    JobPhotos, Penalty, PenaltyFilter, Proposal, ProposalInput, ResolveDisputeInput,
    SignAgreementInput,
};
use crate::notify::{
    Device, DeviceInput, MarkReadInput, MarkReadResult, Notification, NotificationFilter,
    NotificationPreferences, OutboxFilter, OutboxMessage, SseParser, StreamEvent,
};
use crate::oauth::{ConnectedApp, CreatedOAuthApp, OAuthApp, OAuthAppInput};
use crate::partners::{
    AuditEntry, AuditFilter, Availability, Category, CategoryInput, ConnectionStats,
    ConnectionsQuery, ContactClick, ContactKind, ContactTarget, PartnerAdminUpdate, PartnerFilter,
    PartnerProfile, PartnerProfileInput, PartnerSearch, PartnerSearchHit, PublicPartner,
};
use crate::photos::{Photo, PortfolioPhotoInput};
use crate::places::{Place, PlaceAt, PlaceSearch};
use crate::ratings::{
    AdminRatingFilter, JobRatings, MonitoringEntry, MonitoringFilter, Rating, RatingInput,
    ReplyInput, Review, StaffNote,
};
use crate::requests::{
    ApplyInput, AssignInput, Assignment, CustomerDetailRead, CustomerDetails, DeclineInput,
    DetailReadFilter, Lead, LeadApplication, LeadFilter, RematchInput, ServiceRequest,
    ServiceRequestInput,
};
use crate::wallet::{
    CarriedBalance, Checkout, CheckoutInput, LedgerCheck, Payment, PaymentInput, Payout,
    PayoutFilter, PayoutMethod, PayoutMethodInput, PayoutRun, PayoutStatement, PayoutStatusInput,
    Receipt, Refund, RefundFilter, RefundRetryInput, TipInput, Wallet, WalletEntry,
};
use crate::webhook_endpoints::{
    QueuedDeliveries, ReplayInput, WebhookDelivery, WebhookEndpoint, WebhookEndpointHealth,
    WebhookEndpointInput, WebhookEndpointUpdate, WebhookEndpointWithSecret, WebhookHealthFilter,
};
use crate::{ErrorCode, Page, PageParams, ProblemDetails};

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The API answered with a problem document.
    #[error("{} {}: {}", .0.status, .0.code.as_str(), .0.detail.as_deref().unwrap_or(&.0.title))]
    Api(Box<ProblemDetails>),
    /// The API answered with something that is neither the expected body nor a problem document.
    #[error("unexpected response {status}: {body}")]
    UnexpectedResponse { status: u16, body: String },
    /// The request did not reach the API or the response could not be read.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// An id that cannot be put in a path (`.` or `..`); nothing was sent.
    #[error("{0:?} is not an id")]
    InvalidId(String),
}

impl ClientError {
    /// The problem document, when the API sent one.
    pub fn problem(&self) -> Option<&ProblemDetails> {
        match self {
            Self::Api(problem) => Some(problem),
            _ => None,
        }
    }

    /// The stable error code, when the API sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        self.problem().map(|problem| problem.code)
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(problem) => Some(problem.status),
            Self::UnexpectedResponse { status, .. } => Some(*status),
            Self::Transport(error) => error.status().map(|status| status.as_u16()),
            Self::InvalidId(_) => None,
        }
    }
}

/// The API client. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
    timeout: Duration,
    retries: u32,
}

/// How long a call may take, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `Retry-After` the client waits out before trying again (a longer one is the
/// caller's to decide: the error is returned).
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// What may appear as is in a path segment (RFC 3986 unreserved); the rest is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `value` as one path segment: `a/b?c` becomes `a%2Fb%3Fc` (and `%` itself is encoded). `.`
/// and `..` would still climb to another route: no id is one, so they are refused.
fn segment(value: &str) -> Result<String, ClientError> {
    if value == "." || value == ".." {
        return Err(ClientError::InvalidId(value.to_owned()));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

impl Client {
    /// A client for the API at `base_url` (e.g. `http://127.0.0.1:8080`), without credentials.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::with_user_agent(
            base_url,
            concat!("porchlight-client/", env!("CARGO_PKG_VERSION")),
        )
    }

    /// Like [`Client::new`], saying `user_agent` (the service lists sign-ins by it).
    pub fn with_user_agent(base_url: impl Into<String>, user_agent: &str) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .build()
            .unwrap_or_default();
        Self::with_http_client(http, base_url)
    }

    /// Like [`Client::new`] with a configured reqwest client (timeouts, proxies).
    pub fn with_http_client(http: reqwest::Client, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self {
            http,
            base_url,
            token: None,
            timeout: DEFAULT_TIMEOUT,
            retries: 2,
        }
    }

    /// A copy of this client whose calls each give up after `timeout` (the live stream aside).
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            timeout,
            ..self.clone()
        }
    }

    /// A copy of this client that sends a call at most `retries` more times (0: never again).
    #[must_use]
    pub fn with_retries(&self, retries: u32) -> Self {
        Self {
            retries,
            ..self.clone()
        }
    }

    /// A copy of this client that sends `token` (an access token or an API key) as bearer auth.
    #[must_use]
    pub fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// A copy of this client without credentials.
    #[must_use]
    pub fn anonymous(&self) -> Self {
        Self {
            token: None,
            ..self.clone()
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bearer token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The underlying reqwest client, for calls this type does not wrap.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A request to `path` (starting with `/`), with this client's credentials.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    // --- health ---

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.call(self.request(Method::GET, "/v1/health")).await
    }

    pub async fn ready(&self) -> Result<Readiness, ClientError> {
        self.call(self.request(Method::GET, "/v1/health/ready"))
            .await
    }

    /// The OpenAPI document the server publishes.
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        self.call(self.request(Method::GET, "/v1/openapi.json"))
            .await
    }

    // --- auth ---

    pub async fn register(&self, body: &RegisterRequest) -> Result<User, ClientError> {
        self.send_json(Method::POST, "/v1/auth/register", body)
            .await
    }

    pub async fn login(&self, body: &LoginRequest) -> Result<TokenResponse, ClientError> {
        self.send_json(Method::POST, "/v1/auth/login", body).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, ClientError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.send_json(Method::POST, "/v1/auth/refresh", &body)
            .await
    }

    pub async fn logout(&self, refresh_token: &str) -> Result<(), ClientError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.call_empty(self.request(Method::POST, "/v1/auth/logout").json(&body))
            .await
    }

    /// Changes the password; every session ends, and the answer is a new one for this client.
    pub async fn change_password(
        &self,
        body: &ChangePasswordRequest,
    ) -> Result<TokenResponse, ClientError> {
        self.send_json(Method::POST, "/v1/me/password", body).await
    }

    /// Asks for a reset link by email (the answer is the same whether the account exists).
    pub async fn request_password_reset(&self, email: &str) -> Result<(), ClientError> {
        let body = PasswordResetRequest {
            email: email.to_owned(),
        };
        self.call_empty(
            self.request(Method::POST, "/v1/auth/password-reset")
                .json(&body),
        )
        .await
    }

    /// Sets a new password with a reset link's token.
    pub async fn confirm_password_reset(
        &self,
        body: &PasswordResetConfirm,
    ) -> Result<(), ClientError> {
        self.call_empty(
            self.request(Method::POST, "/v1/auth/password-reset/confirm")
                .json(body),
        )
        .await
    }

    pub async fn me(&self) -> Result<User, ClientError> {
        self.call(self.request(Method::GET, "/v1/me")).await
    }

    // --- one's own account ---

    /// Changes the name or the locale.
    pub async fn update_profile(&self, body: &ProfileUpdate) -> Result<User, ClientError> {
        self.send_json(Method::PATCH, "/v1/me", body).await
    }

    /// Deletes the account (the current password required).
    pub async fn delete_account(&self, current_password: &str) -> Result<(), ClientError> {
        let body = PasswordConfirmation {
            current_password: current_password.to_owned(),
        };
        self.call_empty(self.request(Method::DELETE, "/v1/me").json(&body))
            .await
    }

    /// Makes an archive of everything held about the account (downloadable for 7 days).
    pub async fn export_data(&self) -> Result<DataExport, ClientError> {
        self.call(self.request(Method::POST, "/v1/me/export")).await
    }

    /// The archives that can still be downloaded.
    pub async fn exports(&self) -> Result<Vec<DataExport>, ClientError> {
        self.call(self.request(Method::GET, "/v1/me/exports")).await
    }

    /// Downloads an archive.
    pub async fn download_export(&self, id: &str) -> Result<DataArchive, ClientError> {
        self.call(self.request(Method::GET, &format!("/v1/me/exports/{}", segment(id)?)))
            .await
    }

    /// Asks for another link to confirm the account's email address.
    pub async fn resend_email_verification(&self) -> Result<(), ClientError> {
        self.call_empty(self.request(Method::POST, "/v1/me/email/verification"))
            .await
    }

    /// Asks to move the account to another address (a link goes there).
    pub async fn change_email(&self, body: &EmailChangeRequest) -> Result<(), ClientError> {
        self.call_empty(self.request(Method::POST, "/v1/me/email").json(body))
            .await
    }

    /// Follows an emailed link with its token (needs no sign-in).
    pub async fn confirm_email(&self, token: &str) -> Result<User, ClientError> {
        let body = EmailVerificationConfirm {
            token: token.to_owned(),
        };
        self.send_json(Method::POST, "/v1/auth/email/verify", &body)
            .await
    }

    /// Sets the account's phone number; a code is texted to it.
    pub async fn set_phone(&self, phone: &str) -> Result<User, ClientError> {
        let body = PhoneInput {
            phone: phone.to_owned(),
        };
        self.send_json(Method::PUT, "/v1/me/phone", &body).await
    }

    /// Asks for another code for the unconfirmed number.
    pub async fn resend_phone_code(&self) -> Result<(), ClientError> {
        self.call_empty(self.request(Method::POST, "/v1/me/phone/code"))
            .await
    }

    /// Confirms the phone number with the texted code.
    pub async fn confirm_phone(&self, code: &str) -> Result<User, ClientError> {
        let body = PhoneCodeConfirm {
            code: code.to_owned(),
        };
        self.send_json(Method::POST, "/v1/me/phone/verify", &body)
            .await
    }

    pub async fn remove_phone(&self) -> Result<User, ClientError> {
        self.call(self.request(Method::DELETE, "/v1/me/phone"))
            .await
    }

    /// The devices signed in to the account.
    pub async fn sessions(&self, page: &PageParams) -> Result<Page<DeviceSession>, ClientError> {
        self.call(self.request(Method::GET, "/v1/me/sessions").query(page))
            .await
    }

    /// Signs one device out.
    pub async fn end_session(&self, id: &str) -> Result<(), ClientError> {
        self.call_empty(self.request(Method::DELETE, &format!("/v1/me/sessions/{}", segment(id)?)))
            .await
    }

    /// Signs out everywhere, this device included (the current password required).
    pub async fn end_all_sessions(&self, current_password: &str) -> Result<(), ClientError> {
        let body = PasswordConfirmation {
            current_password: current_password.to_owned(),
        };
        self.call_empty(
            self.request(Method::POST, "/v1/me/sessions/end-all")
                .json(&body),
        )
        .await
    }

    // --- API keys ---

    pub async fn create_api_key(
        &self,
        body: &CreateApiKeyRequest,
    ) -> Result<CreatedApiKey, ClientError> {
        self.send_json(Method::POST, "/v1/api-keys", body).await
    }

    pub async fn list_api_keys(&self, page: &PageParams) -> Result<Page<ApiKey>, ClientError> {
        self.call(self.request(Method::GET, "/v1/api-keys").query(page))
            .await
    }

    pub async fn revoke_api_key(&self, id: &str) -> Result<(), ClientError> {
        self.call_empty(self.request(Method::DELETE, &format!("/v1/api-keys/{}", segment(id)?)))
            .await
    }

    // --- OAuth apps ---

    /// Registers an app that will ask users for access (its client secret is in this answer
    /// only).
    pub async fn register_oauth_app(
        &self,
        body: &OAuthAppInput,
    ) -> Result<CreatedOAuthApp, ClientError> {
        self.send_json(Method::POST, "/v1/oauth/apps", body).await
    }

    pub async fn list_oauth_apps(&self, page: &PageParams) -> Result<Page<OAuthApp>, ClientError> {
        self.call(self.request(Method::GET, "/v1/oauth/apps").query(page))
            .await
    }

    pub async fn delete_oauth_app(&self, id: &str) -> Result<(), ClientError> {
        self.call_empty(self.request(Method::DELETE, &format!("/v1/oauth/apps/{}", segment(id)?)))
            .await
    }

    /// The apps the caller allowed to act for them.
    pub async fn connected_apps(
        &self,
        page: &PageParams,
    ) -> Result<Page<ConnectedApp>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/me/connected-apps")
                .query(page),
        )
        .await
    }

    pub async fn disconnect_app(&self, id: &str) -> Result<(), ClientError> {
        self.call_empty(self.request(
            Method::DELETE,
            &format!("/v1/me/connected-apps/{}", segment(id)?),
        ))
        .await
    }

    // --- partners ---

    pub async fn categories(&self, page: &PageParams) -> Result<Page<Category>, ClientError> {
        self.call(self.request(Method::GET, "/v1/categories").query(page))
            .await
    }

    pub async fn my_partner_profile(&self) -> Result<PartnerProfile, ClientError> {
        self.call(self.request(Method::GET, "/v1/partners/me"))
            .await
    }

    pub async fn put_my_partner_profile(
        &self,
        body: &PartnerProfileInput,
    ) -> Result<PartnerProfile, ClientError> {
        self.send_json(Method::PUT, "/v1/partners/me", body).await
    }

    pub async fn put_my_availability(
        &self,
        body: &Availability,
    ) -> Result<Availability, ClientError> {
        self.send_json(Method::PUT, "/v1/partners/me/availability", body)
            .await
    }

    pub async fn my_connections(
        &self,
        query: &ConnectionsQuery,
    ) -> Result<ConnectionStats, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/partners/me/connections")
                .query(query),
        )
        .await
    }

    /// Places matching what the person typed so far (an address, a postal code, a city), best
    /// first: suggestions for an address field.
    pub async fn search_places(&self, query: &PlaceSearch) -> Result<Page<Place>, ClientError> {
        self.call(self.request(Method::GET, "/v1/places").query(query))
            .await
    }

    /// The address at a point, e.g. the phone's location.
    pub async fn place_at(&self, point: &PlaceAt) -> Result<Place, ClientError> {
        self.call(self.request(Method::GET, "/v1/places/at").query(point))
            .await
    }

    pub async fn search_partners(
        &self,
        query: &PartnerSearch,
        page: &PageParams,
    ) -> Result<Page<PartnerSearchHit>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/partners")
                .query(query)
                .query(page),
        )
        .await
    }

    pub async fn partner(&self, id: &str) -> Result<PublicPartner, ClientError> {
        self.call(self.request(Method::GET, &format!("/v1/partners/{}", segment(id)?)))
            .await
    }

    pub async fn contact_click(
        &self,
        id: &str,
        kind: ContactKind,
    ) -> Result<ContactTarget, ClientError> {
        let path = format!("/v1/partners/{}/contact-clicks", segment(id)?);
        self.send_json(Method::POST, &path, &ContactClick { kind })
            .await
    }

    // --- requests and leads ---

    pub async fn create_request(
        &self,
        body: &ServiceRequestInput,
    ) -> Result<ServiceRequest, ClientError> {
        self.send_json(Method::POST, "/v1/requests", body).await
    }

    /// Like [`Client::create_request`], safe to retry with the same `idempotency_key`.
    pub async fn create_request_once(
        &self,
        body: &ServiceRequestInput,
        idempotency_key: &str,
    ) -> Result<ServiceRequest, ClientError> {
        self.call(
            self.request(Method::POST, "/v1/requests")
                .header("Idempotency-Key", idempotency_key)
                .json(body),
        )
        .await
    }

    pub async fn list_requests(
        &self,
        page: &PageParams,
    ) -> Result<Page<ServiceRequest>, ClientError> {
        self.call(self.request(Method::GET, "/v1/requests").query(page))
            .await
    }

    pub async fn service_request(&self, id: &str) -> Result<ServiceRequest, ClientError> {
        self.call(self.request(Method::GET, &format!("/v1/requests/{}", segment(id)?)))
            .await
    }

    pub async fn cancel_request(&self, id: &str) -> Result<ServiceRequest, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!("/v1/requests/{}/cancel", segment(id)?),
        ))
        .await
    }

    pub async fn leads(
        &self,
        filter: &LeadFilter,
        page: &PageParams,
    ) -> Result<Page<Lead>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/leads")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn lead(&self, id: &str) -> Result<Lead, ClientError> {
        self.call(self.request(Method::GET, &format!("/v1/leads/{}", segment(id)?)))
            .await
    }

    pub async fn confirm_lead(&self, id: &str) -> Result<Assignment, ClientError> {
        self.call(self.request(Method::POST, &format!("/v1/leads/{}/confirm", segment(id)?)))
            .await
    }

    pub async fn apply_lead(&self, id: &str, body: &ApplyInput) -> Result<Lead, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/leads/{}/apply", segment(id)?),
            body,
        )
        .await
    }

    pub async fn decline_lead(&self, id: &str, body: &DeclineInput) -> Result<Lead, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/leads/{}/decline", segment(id)?),
            body,
        )
        .await
    }

    pub async fn rematch_request(
        &self,
        id: &str,
        body: &RematchInput,
    ) -> Result<ServiceRequest, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/requests/{}/rematch", segment(id)?),
            body,
        )
        .await
    }

    // --- events ---

    /// The caller's events after `query.after` (`GET /v1/events/feed`).
    pub async fn event_feed(&self, query: &EventFeedQuery) -> Result<EventFeed, ClientError> {
        self.call(self.request(Method::GET, "/v1/events/feed").query(query))
            .await
    }

    // --- webhooks ---

    pub async fn create_webhook_endpoint(
        &self,
        body: &WebhookEndpointInput,
    ) -> Result<WebhookEndpointWithSecret, ClientError> {
        self.send_json(Method::POST, "/v1/webhook-endpoints", body)
            .await
    }

    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, ClientError> {
        self.call(self.request(Method::GET, "/v1/webhook-endpoints"))
            .await
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<WebhookEndpoint, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/webhook-endpoints/{}", segment(id)?),
        ))
        .await
    }

    pub async fn update_webhook_endpoint(
        &self,
        id: &str,
        body: &WebhookEndpointUpdate,
    ) -> Result<WebhookEndpoint, ClientError> {
        self.send_json(
            Method::PATCH,
            &format!("/v1/webhook-endpoints/{}", segment(id)?),
            body,
        )
        .await
    }

    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<(), ClientError> {
        self.call_empty(self.request(
            Method::DELETE,
            &format!("/v1/webhook-endpoints/{}", segment(id)?),
        ))
        .await
    }

    pub async fn rotate_webhook_secret(
        &self,
        id: &str,
    ) -> Result<WebhookEndpointWithSecret, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!("/v1/webhook-endpoints/{}/rotate-secret", segment(id)?),
        ))
        .await
    }

    /// Queues a `webhook.ping` to the endpoint.
    pub async fn test_webhook_endpoint(&self, id: &str) -> Result<QueuedDeliveries, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!("/v1/webhook-endpoints/{}/test", segment(id)?),
        ))
        .await
    }

    pub async fn webhook_deliveries(
        &self,
        id: &str,
        page: &PageParams,
    ) -> Result<Page<WebhookDelivery>, ClientError> {
        self.call(
            self.request(
                Method::GET,
                &format!("/v1/webhook-endpoints/{}/deliveries", segment(id)?),
            )
            .query(page),
        )
        .await
    }

    pub async fn redeliver_webhook(
        &self,
        id: &str,
        delivery_id: &str,
    ) -> Result<WebhookDelivery, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!(
                "/v1/webhook-endpoints/{}/deliveries/{}/redeliver",
                segment(id)?,
                segment(delivery_id)?
            ),
        ))
        .await
    }

    pub async fn replay_webhook_events(
        &self,
        id: &str,
        body: &ReplayInput,
    ) -> Result<QueuedDeliveries, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/webhook-endpoints/{}/replay", segment(id)?),
            body,
        )
        .await
    }

    /// Staff: every webhook endpoint's health.
    pub async fn admin_webhook_health(
        &self,
        filter: &WebhookHealthFilter,
        page: &PageParams,
    ) -> Result<Page<WebhookEndpointHealth>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/webhook-endpoints")
                .query(filter)
                .query(page),
        )
        .await
    }

    // --- jobs ---

    pub async fn jobs(
        &self,
        filter: &JobFilter,
        page: &PageParams,
    ) -> Result<Page<Job>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/jobs")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn job(&self, id: &str) -> Result<Job, ClientError> {
        self.call(self.request(Method::GET, &format!("/v1/jobs/{}", segment(id)?)))
            .await
    }

    pub async fn propose_slots(
        &self,
        job_id: &str,
        body: &ProposalInput,
    ) -> Result<Proposal, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/jobs/{}/proposals", segment(job_id)?),
            body,
        )
        .await
    }

    pub async fn accept_proposal(
        &self,
        job_id: &str,
        proposal_id: &str,
        slot: u32,
    ) -> Result<Job, ClientError> {
        self.send_json(
            Method::POST,
            &format!(
                "/v1/jobs/{}/proposals/{}/accept",
                segment(job_id)?,
                segment(proposal_id)?
            ),
            &AcceptProposalInput { slot },
        )
        .await
    }

    pub async fn agreement(&self, job_id: &str) -> Result<Agreement, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/agreement", segment(job_id)?),
        ))
        .await
    }

    pub async fn sign_agreement(
        &self,
        job_id: &str,
        body: &SignAgreementInput,
    ) -> Result<Agreement, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/jobs/{}/agreement/sign", segment(job_id)?),
            body,
        )
        .await
    }

    pub async fn start_job(&self, job_id: &str) -> Result<Job, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!("/v1/jobs/{}/start", segment(job_id)?),
        ))
        .await
    }

    pub async fn complete_job(
        &self,
        job_id: &str,
        body: &CompleteInput,
    ) -> Result<Job, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/jobs/{}/complete", segment(job_id)?),
            body,
        )
        .await
    }

    pub async fn dispute_job(&self, job_id: &str, body: &DisputeInput) -> Result<Job, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/jobs/{}/dispute", segment(job_id)?),
            body,
        )
        .await
    }

    /// What cancelling the job would cost the caller, now and once the notice period begins.
    pub async fn cancellation_terms(&self, job_id: &str) -> Result<CancellationTerms, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/cancellation-terms", segment(job_id)?),
        ))
        .await
    }

    pub async fn cancel_job(&self, job_id: &str, reason: &str) -> Result<Job, ClientError> {
        let body = CancelJobInput {
            reason: reason.to_owned(),
        };
        self.send_json(
            Method::POST,
            &format!("/v1/jobs/{}/cancel", segment(job_id)?),
            &body,
        )
        .await
    }

    pub async fn job_events(&self, job_id: &str) -> Result<Vec<JobEvent>, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/events", segment(job_id)?),
        ))
        .await
    }

    pub async fn customer_details(&self, job_id: &str) -> Result<CustomerDetails, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/customer", segment(job_id)?),
        ))
        .await
    }

    // --- notifications ---

    pub async fn register_device(&self, body: &DeviceInput) -> Result<Device, ClientError> {
        self.send_json(Method::POST, "/v1/devices", body).await
    }

    pub async fn devices(&self) -> Result<Vec<Device>, ClientError> {
        self.call(self.request(Method::GET, "/v1/devices")).await
    }

    pub async fn delete_device(&self, id: &str) -> Result<(), ClientError> {
        self.call_empty(self.request(Method::DELETE, &format!("/v1/devices/{}", segment(id)?)))
            .await
    }

    pub async fn notification_preferences(&self) -> Result<NotificationPreferences, ClientError> {
        self.call(self.request(Method::GET, "/v1/me/notification-preferences"))
            .await
    }

    pub async fn put_notification_preferences(
        &self,
        body: &NotificationPreferences,
    ) -> Result<NotificationPreferences, ClientError> {
        self.send_json(Method::PUT, "/v1/me/notification-preferences", body)
            .await
    }

    pub async fn notifications(
        &self,
        filter: &NotificationFilter,
        page: &PageParams,
    ) -> Result<Page<Notification>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/notifications")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn mark_notifications_read(
        &self,
        body: &MarkReadInput,
    ) -> Result<MarkReadResult, ClientError> {
        self.send_json(Method::POST, "/v1/notifications/read", body)
            .await
    }

    /// Opens the live event stream. With `last_event_id` (the `id` of the last event seen), it
    /// first replays everything after it.
    pub async fn events(&self, last_event_id: Option<&str>) -> Result<EventStream, ClientError> {
        let mut request = self
            .request(Method::GET, "/v1/events")
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await?;
            return Err(error_from(status, &bytes));
        }
        Ok(EventStream {
            response,
            parser: SseParser::default(),
            undecoded: Vec::new(),
            ready: std::collections::VecDeque::new(),
        })
    }

    // --- ratings ---

    pub async fn open_lead_conversation(
        &self,
        offer_id: &str,
    ) -> Result<Conversation, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!("/v1/leads/{}/conversation", segment(offer_id)?),
        ))
        .await
    }

    pub async fn open_request_conversation(
        &self,
        request_id: &str,
    ) -> Result<Conversation, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!("/v1/requests/{}/conversation", segment(request_id)?),
        ))
        .await
    }

    pub async fn open_job_conversation(&self, job_id: &str) -> Result<Conversation, ClientError> {
        self.call(self.request(
            Method::POST,
            &format!("/v1/jobs/{}/conversation", segment(job_id)?),
        ))
        .await
    }

    pub async fn conversations(
        &self,
        page: &PageParams,
    ) -> Result<Page<Conversation>, ClientError> {
        self.call(self.request(Method::GET, "/v1/conversations").query(page))
            .await
    }

    pub async fn unread_messages(&self) -> Result<UnreadCount, ClientError> {
        self.call(self.request(Method::GET, "/v1/conversations/unread"))
            .await
    }

    pub async fn conversation(&self, id: &str) -> Result<Conversation, ClientError> {
        self.call(self.request(Method::GET, &format!("/v1/conversations/{}", segment(id)?)))
            .await
    }

    pub async fn messages(
        &self,
        conversation_id: &str,
        window: &MessageWindow,
    ) -> Result<MessagePage, ClientError> {
        self.call(
            self.request(
                Method::GET,
                &format!("/v1/conversations/{}/messages", segment(conversation_id)?),
            )
            .query(window),
        )
        .await
    }

    /// Uploads a photo (the image file's bytes); attach it by its id.
    pub async fn upload_photo(
        &self,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<Photo, ClientError> {
        self.call(
            self.request(Method::POST, "/v1/photos")
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes),
        )
        .await
    }

    /// Fetches an image through a signed link (`Photo.url`, `Photo.thumbnail_url`): its content
    /// type and bytes.
    pub async fn fetch_photo(&self, url: &str) -> Result<(String, Vec<u8>), ClientError> {
        let response = self.send(self.http.get(url)).await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(error_from(status, &bytes));
        }
        Ok((content_type, bytes.to_vec()))
    }

    /// A request's photos, with fresh links: for its customer, the pros offered it, staff.
    pub async fn request_photos(&self, request_id: &str) -> Result<Vec<Photo>, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/requests/{}/photos", segment(request_id)?),
        ))
        .await
    }

    /// A job's completion and dispute photos, with fresh links: for its two sides and staff.
    pub async fn job_photos(&self, job_id: &str) -> Result<JobPhotos, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/photos", segment(job_id)?),
        ))
        .await
    }

    /// Photos of a lead's request, with fresh links, for the pro it was offered to.
    pub async fn lead_photos(&self, lead_id: &str) -> Result<Vec<Photo>, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/leads/{}/photos", segment(lead_id)?),
        ))
        .await
    }

    /// A job's photos, for staff.
    pub async fn admin_job_photos(&self, job_id: &str) -> Result<JobPhotos, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/admin/jobs/{}/photos", segment(job_id)?),
        ))
        .await
    }

    /// A pro's portfolio, for anyone.
    pub async fn portfolio(&self, partner_id: &str) -> Result<Vec<Photo>, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/partners/{}/portfolio", segment(partner_id)?),
        ))
        .await
    }

    /// Adds an uploaded photo to the pro's own portfolio; the portfolio as it is then.
    pub async fn add_portfolio_photo(
        &self,
        input: &PortfolioPhotoInput,
    ) -> Result<Vec<Photo>, ClientError> {
        self.send_json(Method::POST, "/v1/partners/me/portfolio", input)
            .await
    }

    /// Removes a photo from the pro's own portfolio (and deletes it).
    pub async fn remove_portfolio_photo(&self, photo_id: &str) -> Result<(), ClientError> {
        self.call_empty(self.request(
            Method::DELETE,
            &format!("/v1/partners/me/portfolio/{}", segment(photo_id)?),
        ))
        .await
    }

    pub async fn send_message(
        &self,
        conversation_id: &str,
        body: &MessageInput,
    ) -> Result<Message, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/conversations/{}/messages", segment(conversation_id)?),
            body,
        )
        .await
    }

    pub async fn mark_conversation_read(
        &self,
        conversation_id: &str,
        body: &ReadInput,
    ) -> Result<Conversation, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/conversations/{}/read", segment(conversation_id)?),
            body,
        )
        .await
    }

    /// `block` true blocks further messages, false lifts the caller's block.
    pub async fn block_conversation(
        &self,
        conversation_id: &str,
        block: bool,
    ) -> Result<Conversation, ClientError> {
        let action = if block { "block" } else { "unblock" };
        self.call(self.request(
            Method::POST,
            &format!("/v1/conversations/{}/{action}", segment(conversation_id)?),
        ))
        .await
    }

    pub async fn report_message(
        &self,
        message_id: &str,
        body: &ReportInput,
    ) -> Result<MessageReport, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/messages/{}/report", segment(message_id)?),
            body,
        )
        .await
    }

    pub async fn admin_conversation(&self, id: &str) -> Result<Conversation, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/admin/conversations/{}", segment(id)?),
        ))
        .await
    }

    pub async fn admin_messages(
        &self,
        conversation_id: &str,
        window: &MessageWindow,
    ) -> Result<MessagePage, ClientError> {
        self.call(
            self.request(
                Method::GET,
                &format!(
                    "/v1/admin/conversations/{}/messages",
                    segment(conversation_id)?
                ),
            )
            .query(window),
        )
        .await
    }

    pub async fn admin_send_message(
        &self,
        conversation_id: &str,
        body: &MessageInput,
    ) -> Result<Message, ClientError> {
        self.send_json(
            Method::POST,
            &format!(
                "/v1/admin/conversations/{}/messages",
                segment(conversation_id)?
            ),
            body,
        )
        .await
    }

    pub async fn admin_message_reports(
        &self,
        filter: &ReportFilter,
        page: &PageParams,
    ) -> Result<Page<MessageReport>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/message-reports")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn admin_resolve_report(
        &self,
        report_id: &str,
        body: &ResolveReportInput,
    ) -> Result<MessageReport, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/admin/message-reports/{}/resolve", segment(report_id)?),
            body,
        )
        .await
    }

    pub async fn rate_job(&self, job_id: &str, body: &RatingInput) -> Result<Rating, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/jobs/{}/rating", segment(job_id)?),
            body,
        )
        .await
    }

    pub async fn job_ratings(&self, job_id: &str) -> Result<JobRatings, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/ratings", segment(job_id)?),
        ))
        .await
    }

    pub async fn partner_reviews(
        &self,
        partner_id: &str,
        page: &PageParams,
    ) -> Result<Page<Review>, ClientError> {
        self.call(
            self.request(
                Method::GET,
                &format!("/v1/partners/{}/reviews", segment(partner_id)?),
            )
            .query(page),
        )
        .await
    }

    pub async fn reply_to_review(
        &self,
        rating_id: &str,
        body: &ReplyInput,
    ) -> Result<Rating, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/ratings/{}/reply", segment(rating_id)?),
            body,
        )
        .await
    }

    pub async fn admin_hide_rating(
        &self,
        rating_id: &str,
        body: &StaffNote,
    ) -> Result<Rating, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/admin/ratings/{}/hide", segment(rating_id)?),
            body,
        )
        .await
    }

    pub async fn admin_ratings(
        &self,
        filter: &AdminRatingFilter,
        page: &PageParams,
    ) -> Result<Page<Rating>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/ratings")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn admin_monitoring(
        &self,
        filter: &MonitoringFilter,
        page: &PageParams,
    ) -> Result<Page<MonitoringEntry>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/monitoring")
                .query(filter)
                .query(page),
        )
        .await
    }

    /// `action` is `notes`, `clear`, `suspend` or `reinstate`.
    pub async fn admin_monitoring_act(
        &self,
        user_id: &str,
        action: &str,
        body: &StaffNote,
    ) -> Result<MonitoringEntry, ClientError> {
        self.send_json(
            Method::POST,
            &format!(
                "/v1/admin/monitoring/{}/{}",
                segment(user_id)?,
                segment(action)?
            ),
            body,
        )
        .await
    }

    // --- admin ---

    /// Staff: every kind of waiting work, with its count and oldest item.
    pub async fn admin_queue(&self) -> Result<StaffQueue, ClientError> {
        self.call(self.request(Method::GET, "/v1/admin/queue"))
            .await
    }

    /// Staff: review-category requests with applications waiting for a choice, oldest first.
    pub async fn admin_assignments(
        &self,
        page: &PageParams,
    ) -> Result<Page<AssignmentCase>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/assignments")
                .query(page),
        )
        .await
    }

    /// Staff: a job's case file (timeline, money, agreement, what a decision would split).
    pub async fn admin_job_case(&self, job_id: &str) -> Result<JobCase, ClientError> {
        self.call(self.request(Method::GET, &format!("/v1/admin/jobs/{}", segment(job_id)?)))
            .await
    }

    pub async fn admin_outbox(
        &self,
        filter: &OutboxFilter,
        page: &PageParams,
    ) -> Result<Page<OutboxMessage>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/outbox")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn admin_jobs(
        &self,
        filter: &AdminJobFilter,
        page: &PageParams,
    ) -> Result<Page<Job>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/jobs")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn admin_confirm_jobs(
        &self,
        job_ids: &[String],
    ) -> Result<ConfirmJobsResult, ClientError> {
        let body = ConfirmJobsInput {
            job_ids: job_ids.to_vec(),
        };
        self.send_json(Method::POST, "/v1/admin/jobs/confirm", &body)
            .await
    }

    pub async fn admin_resolve_dispute(
        &self,
        job_id: &str,
        body: &ResolveDisputeInput,
    ) -> Result<Job, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/admin/jobs/{}/resolve", segment(job_id)?),
            body,
        )
        .await
    }

    pub async fn admin_job_events(&self, job_id: &str) -> Result<Vec<JobEvent>, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/admin/jobs/{}/events", segment(job_id)?),
        ))
        .await
    }

    pub async fn admin_penalties(
        &self,
        filter: &PenaltyFilter,
        page: &PageParams,
    ) -> Result<Page<Penalty>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/penalties")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn admin_customer_detail_reads(
        &self,
        filter: &DetailReadFilter,
        page: &PageParams,
    ) -> Result<Page<CustomerDetailRead>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/customer-detail-reads")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn admin_applications(
        &self,
        request_id: &str,
    ) -> Result<Vec<LeadApplication>, ClientError> {
        let path = format!("/v1/admin/requests/{}/applications", segment(request_id)?);
        self.call(self.request(Method::GET, &path)).await
    }

    pub async fn admin_assign(
        &self,
        request_id: &str,
        offer_id: &str,
    ) -> Result<Assignment, ClientError> {
        let path = format!("/v1/admin/requests/{}/assign", segment(request_id)?);
        let body = AssignInput {
            offer_id: offer_id.to_owned(),
        };
        self.send_json(Method::POST, &path, &body).await
    }

    /// Staff: every category, retired ones too.
    pub async fn admin_categories(&self, page: &PageParams) -> Result<Page<Category>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/categories")
                .query(page),
        )
        .await
    }

    pub async fn admin_create_category(
        &self,
        body: &CategoryInput,
    ) -> Result<Category, ClientError> {
        self.send_json(Method::POST, "/v1/admin/categories", body)
            .await
    }

    pub async fn admin_update_category(
        &self,
        id: &str,
        body: &CategoryInput,
    ) -> Result<Category, ClientError> {
        self.send_json(
            Method::PUT,
            &format!("/v1/admin/categories/{}", segment(id)?),
            body,
        )
        .await
    }

    pub async fn admin_list_partners(
        &self,
        filter: &PartnerFilter,
        page: &PageParams,
    ) -> Result<Page<PartnerProfile>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/partners")
                .query(filter)
                .query(page),
        )
        .await
    }

    /// Staff: one pro's profile as staff see it.
    pub async fn admin_partner(&self, id: &str) -> Result<PartnerProfile, ClientError> {
        let path = format!("/v1/admin/partners/{}", segment(id)?);
        self.call(self.request(Method::GET, &path)).await
    }

    pub async fn admin_update_partner(
        &self,
        id: &str,
        body: &PartnerAdminUpdate,
    ) -> Result<PartnerProfile, ClientError> {
        self.send_json(
            Method::PATCH,
            &format!("/v1/admin/partners/{}", segment(id)?),
            body,
        )
        .await
    }

    pub async fn admin_audit_log(
        &self,
        filter: &AuditFilter,
        page: &PageParams,
    ) -> Result<Page<AuditEntry>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/audit-log")
                .query(filter)
                .query(page),
        )
        .await
    }

    pub async fn admin_list_users(
        &self,
        filter: &UserFilter,
        page: &PageParams,
    ) -> Result<Page<User>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/users")
                .query(filter)
                .query(page),
        )
        .await
    }

    /// Suspends an account (staff), with the reason the person is told.
    pub async fn admin_suspend_user(
        &self,
        user_id: &str,
        body: &SuspensionInput,
    ) -> Result<User, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/admin/users/{}/suspend", segment(user_id)?),
            body,
        )
        .await
    }

    /// Lifts an account's suspension (staff).
    pub async fn admin_reinstate_user(
        &self,
        user_id: &str,
        body: &SuspensionInput,
    ) -> Result<User, ClientError> {
        self.send_json(
            Method::POST,
            &format!("/v1/admin/users/{}/reinstate", segment(user_id)?),
            body,
        )
        .await
    }

    // --- money ---

    /// Pays the job's price; retry with the same `idempotency_key` (the server requires one).
    pub async fn pay_job(
        &self,
        job_id: &str,
        body: &PaymentInput,
        idempotency_key: &str,
    ) -> Result<Payment, ClientError> {
        self.call(
            self.request(
                Method::POST,
                &format!("/v1/jobs/{}/payment", segment(job_id)?),
            )
            .header("Idempotency-Key", idempotency_key)
            .json(body),
        )
        .await
    }

    /// Tips the pro after completion (one tip per job).
    pub async fn tip_job(
        &self,
        job_id: &str,
        body: &TipInput,
        idempotency_key: &str,
    ) -> Result<Payment, ClientError> {
        self.call(
            self.request(Method::POST, &format!("/v1/jobs/{}/tips", segment(job_id)?))
                .header("Idempotency-Key", idempotency_key)
                .json(body),
        )
        .await
    }

    /// Opens (or finds again) the secure payment page for the job's price or a tip.
    pub async fn checkout(
        &self,
        job_id: &str,
        body: &CheckoutInput,
    ) -> Result<Checkout, ClientError> {
        self.call(
            self.request(
                Method::POST,
                &format!("/v1/jobs/{}/checkout", segment(job_id)?),
            )
            .json(body),
        )
        .await
    }

    pub async fn job_receipt(&self, job_id: &str) -> Result<Receipt, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/receipt", segment(job_id)?),
        ))
        .await
    }

    pub async fn job_payments(&self, job_id: &str) -> Result<Vec<Payment>, ClientError> {
        self.call(self.request(
            Method::GET,
            &format!("/v1/jobs/{}/payments", segment(job_id)?),
        ))
        .await
    }

    pub async fn wallet(&self) -> Result<Wallet, ClientError> {
        self.call(self.request(Method::GET, "/v1/wallet")).await
    }

    pub async fn wallet_entries(
        &self,
        page: &PageParams,
    ) -> Result<Page<WalletEntry>, ClientError> {
        self.call(self.request(Method::GET, "/v1/wallet/entries").query(page))
            .await
    }

    pub async fn set_payout_method(
        &self,
        body: &PayoutMethodInput,
    ) -> Result<PayoutMethod, ClientError> {
        self.send_json(Method::PUT, "/v1/wallet/payout-method", body)
            .await
    }

    pub async fn my_payouts(&self, page: &PageParams) -> Result<Page<Payout>, ClientError> {
        self.call(self.request(Method::GET, "/v1/payouts").query(page))
            .await
    }

    /// The remittance statement of one of the caller's payouts (partner).
    pub async fn my_payout_statement(
        &self,
        payout_id: &str,
    ) -> Result<PayoutStatement, ClientError> {
        let path = format!("/v1/payouts/{}/statement", segment(payout_id)?);
        self.call(self.request(Method::GET, &path)).await
    }

    /// Staff: any payout's remittance statement.
    pub async fn admin_payout_statement(
        &self,
        payout_id: &str,
    ) -> Result<PayoutStatement, ClientError> {
        let path = format!("/v1/admin/payouts/{}/statement", segment(payout_id)?);
        self.call(self.request(Method::GET, &path)).await
    }

    /// Staff: the payouts the filter selects as CSV (a header row, then one row per payout).
    pub async fn admin_export_payouts(&self, filter: &PayoutFilter) -> Result<String, ClientError> {
        self.call_text(
            self.request(Method::GET, "/v1/admin/payouts/export")
                .query(filter),
        )
        .await
    }

    /// Staff: pros whose available balance is below zero, carried into later weeks.
    pub async fn admin_carried_balances(&self) -> Result<Vec<CarriedBalance>, ClientError> {
        self.call(self.request(Method::GET, "/v1/admin/payouts/carried"))
            .await
    }

    /// Staff: a pro's wallet as the pro sees it.
    pub async fn admin_partner_wallet(&self, partner_id: &str) -> Result<Wallet, ClientError> {
        let path = format!("/v1/admin/partners/{}/wallet", segment(partner_id)?);
        self.call(self.request(Method::GET, &path)).await
    }

    /// Staff: a pro's wallet entries, newest first.
    pub async fn admin_partner_wallet_entries(
        &self,
        partner_id: &str,
        page: &PageParams,
    ) -> Result<Page<WalletEntry>, ClientError> {
        let path = format!("/v1/admin/partners/{}/wallet/entries", segment(partner_id)?);
        self.call(self.request(Method::GET, &path).query(page))
            .await
    }

    /// Staff: runs this week's payouts now.
    pub async fn admin_run_payouts(&self, idempotency_key: &str) -> Result<PayoutRun, ClientError> {
        self.call(
            self.request(Method::POST, "/v1/admin/payouts/run")
                .header("Idempotency-Key", idempotency_key),
        )
        .await
    }

    pub async fn admin_payouts(
        &self,
        filter: &PayoutFilter,
        page: &PageParams,
    ) -> Result<Page<Payout>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/payouts")
                .query(filter)
                .query(page),
        )
        .await
    }

    /// Staff: marks a payout `sent` or `cleared`.
    pub async fn admin_mark_payout(
        &self,
        payout_id: &str,
        body: &PayoutStatusInput,
        idempotency_key: &str,
    ) -> Result<Payout, ClientError> {
        self.call(
            self.request(
                Method::POST,
                &format!("/v1/admin/payouts/{}/status", segment(payout_id)?),
            )
            .header("Idempotency-Key", idempotency_key)
            .json(body),
        )
        .await
    }

    /// Staff: refunds, newest first (e.g. `status=failed`: the ones waiting for staff).
    pub async fn admin_refunds(
        &self,
        filter: &RefundFilter,
        page: &PageParams,
    ) -> Result<Page<Refund>, ClientError> {
        self.call(
            self.request(Method::GET, "/v1/admin/refunds")
                .query(filter)
                .query(page),
        )
        .await
    }

    /// Staff: sends a failed refund to the payment provider again.
    pub async fn admin_retry_refund(
        &self,
        refund_id: &str,
        body: &RefundRetryInput,
        idempotency_key: &str,
    ) -> Result<Refund, ClientError> {
        self.call(
            self.request(
                Method::POST,
                &format!("/v1/admin/refunds/{}/retry", segment(refund_id)?),
            )
            .header("Idempotency-Key", idempotency_key)
            .json(body),
        )
        .await
    }

    /// Staff: the ledger recomputed from its entries.
    pub async fn admin_ledger_check(&self) -> Result<LedgerCheck, ClientError> {
        self.call(self.request(Method::GET, "/v1/admin/ledger/check"))
            .await
    }

    // --- plumbing ---

    async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(self.request(method, path).json(body)).await
    }

    /// Sends `request` within the client's deadline, again when the answer allows it (see the
    /// module's documentation).
    async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let request = request.timeout(self.timeout).build()?;
        let idempotent = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ) || request.headers().contains_key("idempotency-key");
        let mut attempt = 0;
        loop {
            // A copy to send while another attempt may follow (a streamed body has none).
            let copy = request.try_clone().filter(|_| attempt < self.retries);
            let Some(copy) = copy else {
                return Ok(self.http.execute(request).await?);
            };
            let outcome = self.http.execute(copy).await;
            let wait = match &outcome {
                Ok(response) => retry_wait(response, idempotent, attempt),
                Err(error) if idempotent && (error.is_connect() || error.is_timeout()) => {
                    Some(backoff(attempt))
                }
                Err(_) => None,
            };
            let Some(wait) = wait else {
                return Ok(outcome?);
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Sends a request and decodes a 2xx JSON body, or the problem document of an error.
    pub async fn call<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = self.send(request).await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(error_from(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|_| ClientError::UnexpectedResponse {
            status: status.as_u16(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// Sends a request that answers 2xx with a text body (e.g. CSV).
    pub async fn call_text(&self, request: RequestBuilder) -> Result<String, ClientError> {
        let response = self.send(request).await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(error_from(status, &bytes));
        }
        String::from_utf8(bytes.to_vec()).map_err(|error| ClientError::UnexpectedResponse {
            status: status.as_u16(),
            body: String::from_utf8_lossy(error.as_bytes()).into_owned(),
        })
    }

    /// Sends a request that answers 2xx with no body.
    pub async fn call_empty(&self, request: RequestBuilder) -> Result<(), ClientError> {
        let response = self.send(request).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await?;
        Err(error_from(status, &bytes))
    }
}

/// The live event stream of [`Client::events`]; dropping it closes the connection.
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    parser: SseParser,
    /// Bytes of a character split across two chunks.
    undecoded: Vec<u8>,
    ready: std::collections::VecDeque<StreamEvent>,
}

impl EventStream {
    /// The next event, or `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, ClientError>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(Ok(event));
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => {
                    self.undecoded.extend_from_slice(&bytes);
                    let valid = match std::str::from_utf8(&self.undecoded) {
                        Ok(text) => text.len(),
                        Err(error) => error.valid_up_to(),
                    };
                    let text = String::from_utf8_lossy(&self.undecoded[..valid]).into_owned();
                    self.undecoded.drain(..valid);
                    self.ready.extend(self.parser.feed(&text));
                }
                Ok(None) => return None,
                Err(error) => return Some(Err(error.into())),
            }
        }
    }
}

/// How long to wait before sending again after `response`, or `None` to return it: a 429 (the
/// API did nothing) after its `Retry-After`; a 503 of an idempotent call after its
/// `Retry-After` or a growing pause.
fn retry_wait(response: &reqwest::Response, idempotent: bool, attempt: u32) -> Option<Duration> {
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let wait = match response.status() {
        StatusCode::TOO_MANY_REQUESTS => retry_after?,
        StatusCode::SERVICE_UNAVAILABLE if idempotent => {
            retry_after.unwrap_or_else(|| backoff(attempt))
        }
        _ => return None,
    };
    (wait <= MAX_RETRY_WAIT).then_some(wait)
}

/// 250 ms, 500 ms, 1 s, … for the `attempt`-th retry.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(7)))
}

fn error_from(status: StatusCode, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ProblemDetails>(body) {
        Ok(problem) => ClientError::Api(Box::new(problem)),
        Err(_) => ClientError::UnexpectedResponse {
            status: status.as_u16(),
            body: String::from_utf8_lossy(body).into_owned(),
        },
    }
}
