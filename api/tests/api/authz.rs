//! The authorization matrix, generated from the OpenAPI document: every operation the service
//! publishes must have a rule below saying who may call it and whose objects it touches, and the
//! running service must enforce that rule:
//!
//! - anonymous callers get 401 unless the operation is public (and the document agrees);
//! - every role the rule does not allow gets 403;
//! - an object of user A requested by user B of the same role is "not found" (404) and stays as
//!   it was;
//! - an API key without the operation's scope gets 403 (or, for session-only operations, any key),
//!   and the document's `api_key` security requirement names exactly that scope (none for
//!   session-only and public operations);
//! - so does an app's OAuth token without the scope, and a token of an app the user
//!   disconnected gets 401; every scope a role's operations need is one the role can grant
//!   (`Scope::granted_by`), and no other.
//!
//! A new endpoint without a rule fails `every_operation_enforces_its_rule` with its name.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use diesel::prelude::*;
use porchlight::wallet::ledger::{self, Account, AccountKind, Posting};
use reqwest::Method;
use serde_json::{Value, json};
use shared_types::auth::{CreateApiKeyRequest, Role, Scope, SignupRole};
use shared_types::jobs::{Job, JobStatus, Party};
use shared_types::notify::{DeviceInput, Platform};
use shared_types::partners::MoneyInput;
use shared_types::requests::{ApplyInput, OfferStatus, RequestStatus};
use shared_types::wallet::LedgerKind;
use shared_types::webhook_endpoints::WebhookEndpointInput;
use shared_types::{Client, PageParams};

use crate::harness::{TestApp, eventually_some, every_day};
use crate::oauth::{AppClient, matrix_token};

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Access {
    Public,
    /// Any signed-in role.
    Authenticated,
    Roles(&'static [Role]),
}

/// What a personal API key needs for the operation.
#[derive(Clone, Copy)]
enum Keys {
    /// Public operations: keys do not matter.
    Irrelevant,
    /// A key with this scope may call it (if its owner's role may).
    Scope(Scope),
    /// Only a signed-in session; every key gets 403.
    SessionOnly,
}

/// What a path `{id}` names. Owned objects belong to user A, and user B of the same role must
/// not reach them; shared objects (staff-managed) just have to exist.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owned {
    /// No id in the path (or any id will do for the checks).
    Nothing,
    /// One of A's API keys.
    ApiKey,
    /// An app A registered.
    OAuthApp,
    /// An app A connected to the account.
    ConnectedApp,
    /// One of A's push devices.
    Device,
    /// A seeded category (staff manage all of them).
    Category,
    /// A partner with a profile (staff manage all of them).
    Partner,
    /// Customer A's open request.
    Request,
    /// Partner A's offer of an instant-category lead.
    InstantLead,
    /// Partner A's offer of a review-category lead.
    ReviewLead,
    /// Customer A's job with partner A, just assigned.
    Job,
    /// The same, for staff (who manage every job).
    AnyJob,
    /// An assigned job with an open proposal from the side other than the caller.
    ProposedJob,
    /// A job whose agreement customer A has yet to sign; the body carries its version and hash.
    SignableJob,
    /// A job scheduled to start within the hour, its agreement signed, not paid yet.
    SignedJob,
    /// A job scheduled to start within the hour, with its agreement signed and paid.
    ScheduledJob,
    /// A job in progress.
    StartedJob,
    /// A job completed a moment ago (its review window is open).
    CompletedJob,
    /// A disputed job (staff resolve them all).
    DisputedJob,
    /// Customer A's request whose pro cancelled the job.
    ProCancelledRequest,
    /// A review-category request that partner A applied to (staff manage all of them).
    AppliedRequest,
    /// Customer A's published review of partner A (partner A may reply to it).
    PublishedReview,
    /// The same, for staff (who moderate every review).
    AnyReview,
    /// A fresh customer on the monitoring list (staff manage all of them).
    MonitoredUser,
    /// The same, suspended from the list.
    SuspendedUser,
    /// A pending payout (staff manage all of them).
    AnyPayout,
    /// Partner A's pending payout.
    OwnPayout,
    /// A refund the payment provider refused (staff manage all of them).
    FailedRefund,
    /// One of A's webhook endpoints.
    WebhookEndpoint,
    /// A delivery to one of A's webhook endpoints (`{delivery_id}`).
    WebhookDelivery,
    /// The conversation of customer A's job with partner A.
    Conversation,
    /// The same; the body marks its first entry read.
    ReadableConversation,
    /// The conversation of a job partner A cancelled (it may be blocked).
    EndedConversation,
    /// The same, blocked by the caller's side.
    BlockedConversation,
    /// A message the other side wrote to the caller in their job's conversation.
    OtherSideMessage,
    /// A conversation with a message customer A reported (staff may open it).
    ReportedConversation,
    /// An open report of a message (staff resolve them all).
    OpenReport,
    /// A photo in partner A's portfolio.
    PortfolioPhoto,
}

impl Owned {
    fn is_owned(self) -> bool {
        matches!(
            self,
            Self::ApiKey
                | Self::OAuthApp
                | Self::ConnectedApp
                | Self::Device
                | Self::Request
                | Self::InstantLead
                | Self::ReviewLead
                | Self::Job
                | Self::ProposedJob
                | Self::SignableJob
                | Self::SignedJob
                | Self::ScheduledJob
                | Self::StartedJob
                | Self::CompletedJob
                | Self::ProCancelledRequest
                | Self::PublishedReview
                | Self::OwnPayout
                | Self::WebhookEndpoint
                | Self::WebhookDelivery
                | Self::Conversation
                | Self::ReadableConversation
                | Self::EndedConversation
                | Self::BlockedConversation
                | Self::OtherSideMessage
                | Self::PortfolioPhoto
        )
    }
}

#[derive(Clone)]
struct Rule {
    access: Access,
    keys: Keys,
    owned: Owned,
    /// A valid body, so that what is tested is the authorization and not the validation.
    body: Option<Value>,
    /// What a caller let in gets when it is not a success: for an operation whose success
    /// would end the matrix's own sessions (a password change), a body that fails validation;
    /// for one whose outcome depends on the cases before it, each answer it may give.
    let_in_as: Option<&'static [u16]>,
}

fn public() -> Rule {
    Rule {
        access: Access::Public,
        keys: Keys::Irrelevant,
        owned: Owned::Nothing,
        body: None,
        let_in_as: None,
    }
}

fn signed_in(keys: Keys) -> Rule {
    Rule {
        access: Access::Authenticated,
        keys,
        owned: Owned::Nothing,
        body: None,
        let_in_as: None,
    }
}

fn only(roles: &'static [Role], keys: Keys) -> Rule {
    Rule {
        access: Access::Roles(roles),
        ..signed_in(keys)
    }
}

fn on(owned: Owned, rule: Rule) -> Rule {
    Rule { owned, ..rule }
}

fn with_body(body: Value, rule: Rule) -> Rule {
    Rule {
        body: Some(body),
        ..rule
    }
}

const STAFF: &[Role] = &[Role::Staff];
const PARTNER: &[Role] = &[Role::Partner];
const CUSTOMER: &[Role] = &[Role::Customer];
const BOTH_SIDES: &[Role] = &[Role::Customer, Role::Partner];

/// The table: one rule per operation, keyed `METHOD /path` as in the OpenAPI document.
fn matrix() -> BTreeMap<&'static str, Rule> {
    let staff = || only(STAFF, Keys::SessionOnly);
    BTreeMap::from([
        ("GET /v1/health", public()),
        ("GET /v1/health/ready", public()),
        ("POST /v1/auth/register", public()),
        ("POST /v1/auth/login", public()),
        ("POST /v1/auth/refresh", public()),
        ("POST /v1/auth/logout", public()),
        ("GET /v1/me", signed_in(Keys::Scope(Scope::ProfileRead))),
        // A wrong current password: the callers let in get 422, and nobody's password changes
        // (a change would end the sessions the matrix goes on with).
        (
            "POST /v1/me/password",
            Rule {
                let_in_as: Some(&[422]),
                ..with_body(
                    json!({ "current_password": "not the password", "new_password": "a long new password" }),
                    signed_in(Keys::SessionOnly),
                )
            },
        ),
        // A wrong password: the callers let in get 422, and nobody's account is deleted.
        (
            "DELETE /v1/me",
            Rule {
                let_in_as: Some(&[422]),
                ..with_body(
                    json!({ "current_password": "not the password" }),
                    signed_in(Keys::SessionOnly),
                )
            },
        ),
        ("POST /v1/me/export", signed_in(Keys::SessionOnly)),
        ("GET /v1/me/exports", signed_in(Keys::SessionOnly)),
        // Ownership is checked in deletion.rs; here no such archive is the caller's.
        (
            "GET /v1/me/exports/{id}",
            Rule {
                let_in_as: Some(&[404]),
                ..signed_in(Keys::SessionOnly)
            },
        ),
        (
            "PATCH /v1/me",
            with_body(
                json!({ "locale": "en-CA" }),
                signed_in(Keys::Scope(Scope::ProfileWrite)),
            ),
        ),
        (
            "POST /v1/me/email",
            Rule {
                let_in_as: Some(&[422]),
                ..with_body(
                    json!({ "new_email": "moved@example.com", "current_password": "not the password" }),
                    signed_in(Keys::SessionOnly),
                )
            },
        ),
        // The matrix's accounts are confirmed already.
        (
            "POST /v1/me/email/verification",
            Rule {
                let_in_as: Some(&[409]),
                ..signed_in(Keys::SessionOnly)
            },
        ),
        (
            "POST /v1/auth/email/verify",
            with_body(json!({ "token": "plv_not_a_token" }), public()),
        ),
        (
            "PUT /v1/me/phone",
            with_body(
                json!({ "phone": "+14165550111" }),
                signed_in(Keys::SessionOnly),
            ),
        ),
        // Whether a code may be sent depends on the cases before (a number set, a code sent
        // less than a minute ago): any of those answers, never 401 or 403.
        (
            "POST /v1/me/phone/code",
            Rule {
                let_in_as: Some(&[202, 409, 429]),
                ..signed_in(Keys::SessionOnly)
            },
        ),
        (
            "POST /v1/me/phone/verify",
            Rule {
                let_in_as: Some(&[422]),
                ..with_body(json!({ "code": "000000" }), signed_in(Keys::SessionOnly))
            },
        ),
        ("DELETE /v1/me/phone", signed_in(Keys::SessionOnly)),
        ("GET /v1/me/sessions", signed_in(Keys::SessionOnly)),
        // Ownership is checked in accounts.rs; here no such session is the caller's.
        (
            "DELETE /v1/me/sessions/{id}",
            Rule {
                let_in_as: Some(&[404]),
                ..signed_in(Keys::SessionOnly)
            },
        ),
        // A wrong password: signing the matrix's users out everywhere would end its run.
        (
            "POST /v1/me/sessions/end-all",
            Rule {
                let_in_as: Some(&[422]),
                ..with_body(
                    json!({ "current_password": "not the password" }),
                    signed_in(Keys::SessionOnly),
                )
            },
        ),
        (
            "POST /v1/auth/password-reset",
            with_body(json!({ "email": "nobody@example.com" }), public()),
        ),
        (
            "POST /v1/auth/password-reset/confirm",
            with_body(
                json!({ "token": "plp_not_a_token", "new_password": "a long new password" }),
                public(),
            ),
        ),
        (
            "POST /v1/api-keys",
            with_body(
                json!({ "name": "matrix", "scopes": ["profile:read"] }),
                signed_in(Keys::SessionOnly),
            ),
        ),
        ("GET /v1/api-keys", signed_in(Keys::SessionOnly)),
        (
            "DELETE /v1/api-keys/{id}",
            on(Owned::ApiKey, signed_in(Keys::SessionOnly)),
        ),
        (
            "POST /v1/oauth/apps",
            with_body(
                json!({
                    "name": "matrix app",
                    "redirect_uris": ["https://crm.example.com/cb"],
                    "scopes": ["jobs:read"]
                }),
                signed_in(Keys::SessionOnly),
            ),
        ),
        ("GET /v1/oauth/apps", signed_in(Keys::SessionOnly)),
        (
            "DELETE /v1/oauth/apps/{id}",
            on(Owned::OAuthApp, signed_in(Keys::SessionOnly)),
        ),
        ("GET /v1/me/connected-apps", signed_in(Keys::SessionOnly)),
        (
            "DELETE /v1/me/connected-apps/{id}",
            on(Owned::ConnectedApp, signed_in(Keys::SessionOnly)),
        ),
        ("GET /v1/admin/queue", staff()),
        ("GET /v1/admin/users", staff()),
        (
            "POST /v1/devices",
            with_body(
                json!({ "token": "matrix-device-token", "platform": "ios" }),
                signed_in(Keys::SessionOnly),
            ),
        ),
        ("GET /v1/devices", signed_in(Keys::SessionOnly)),
        (
            "DELETE /v1/devices/{id}",
            on(Owned::Device, signed_in(Keys::SessionOnly)),
        ),
        (
            "GET /v1/me/notification-preferences",
            signed_in(Keys::SessionOnly),
        ),
        (
            "PUT /v1/me/notification-preferences",
            with_body(
                json!({ "channels": [{ "category": "ratings", "push": false, "email": false }] }),
                signed_in(Keys::SessionOnly),
            ),
        ),
        ("GET /v1/notifications", signed_in(Keys::SessionOnly)),
        (
            "POST /v1/notifications/read",
            with_body(json!({}), signed_in(Keys::SessionOnly)),
        ),
        ("GET /v1/events", signed_in(Keys::Scope(Scope::EventsRead))),
        (
            "GET /v1/events/feed",
            signed_in(Keys::Scope(Scope::EventsRead)),
        ),
        ("GET /v1/admin/webhook-endpoints", staff()),
        (
            "POST /v1/webhook-endpoints",
            with_body(
                json!({ "url": "https://crm.example.com/hooks" }),
                signed_in(Keys::Scope(Scope::WebhooksWrite)),
            ),
        ),
        (
            "GET /v1/webhook-endpoints",
            signed_in(Keys::Scope(Scope::WebhooksWrite)),
        ),
        (
            "GET /v1/webhook-endpoints/{id}",
            on(
                Owned::WebhookEndpoint,
                signed_in(Keys::Scope(Scope::WebhooksWrite)),
            ),
        ),
        (
            "PATCH /v1/webhook-endpoints/{id}",
            on(
                Owned::WebhookEndpoint,
                with_body(
                    json!({ "url": "https://elsewhere.example.com/hooks" }),
                    signed_in(Keys::Scope(Scope::WebhooksWrite)),
                ),
            ),
        ),
        (
            "DELETE /v1/webhook-endpoints/{id}",
            on(
                Owned::WebhookEndpoint,
                signed_in(Keys::Scope(Scope::WebhooksWrite)),
            ),
        ),
        (
            "POST /v1/webhook-endpoints/{id}/rotate-secret",
            on(
                Owned::WebhookEndpoint,
                signed_in(Keys::Scope(Scope::WebhooksWrite)),
            ),
        ),
        (
            "POST /v1/webhook-endpoints/{id}/test",
            on(
                Owned::WebhookEndpoint,
                signed_in(Keys::Scope(Scope::WebhooksWrite)),
            ),
        ),
        (
            "GET /v1/webhook-endpoints/{id}/deliveries",
            on(
                Owned::WebhookEndpoint,
                signed_in(Keys::Scope(Scope::WebhooksWrite)),
            ),
        ),
        (
            "POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver",
            on(
                Owned::WebhookDelivery,
                signed_in(Keys::Scope(Scope::WebhooksWrite)),
            ),
        ),
        (
            "POST /v1/webhook-endpoints/{id}/replay",
            on(
                Owned::WebhookEndpoint,
                with_body(
                    json!({
                        "since": "2026-01-01T00:00:00Z", "until": "2027-01-01T00:00:00Z",
                    }),
                    signed_in(Keys::Scope(Scope::WebhooksWrite)),
                ),
            ),
        ),
        (
            "POST /v1/leads/{id}/conversation",
            on(
                Owned::ReviewLead,
                only(PARTNER, Keys::Scope(Scope::MessagesWrite)),
            ),
        ),
        (
            "POST /v1/requests/{id}/conversation",
            on(
                Owned::Request,
                only(CUSTOMER, Keys::Scope(Scope::MessagesWrite)),
            ),
        ),
        (
            "POST /v1/jobs/{id}/conversation",
            on(
                Owned::Job,
                only(BOTH_SIDES, Keys::Scope(Scope::MessagesWrite)),
            ),
        ),
        (
            "GET /v1/conversations",
            only(BOTH_SIDES, Keys::Scope(Scope::MessagesRead)),
        ),
        (
            "GET /v1/conversations/unread",
            only(BOTH_SIDES, Keys::Scope(Scope::MessagesRead)),
        ),
        (
            "GET /v1/conversations/{id}",
            on(
                Owned::Conversation,
                only(BOTH_SIDES, Keys::Scope(Scope::MessagesRead)),
            ),
        ),
        (
            "GET /v1/conversations/{id}/messages",
            on(
                Owned::Conversation,
                only(BOTH_SIDES, Keys::Scope(Scope::MessagesRead)),
            ),
        ),
        (
            "POST /v1/conversations/{id}/messages",
            on(
                Owned::Conversation,
                with_body(
                    json!({ "body": "Is Tuesday morning fine?" }),
                    only(BOTH_SIDES, Keys::Scope(Scope::MessagesWrite)),
                ),
            ),
        ),
        (
            "POST /v1/conversations/{id}/read",
            on(
                Owned::ReadableConversation,
                only(BOTH_SIDES, Keys::Scope(Scope::MessagesWrite)),
            ),
        ),
        (
            "POST /v1/conversations/{id}/block",
            on(
                Owned::EndedConversation,
                only(BOTH_SIDES, Keys::Scope(Scope::MessagesWrite)),
            ),
        ),
        (
            "POST /v1/conversations/{id}/unblock",
            on(
                Owned::BlockedConversation,
                only(BOTH_SIDES, Keys::Scope(Scope::MessagesWrite)),
            ),
        ),
        (
            "POST /v1/messages/{id}/report",
            on(
                Owned::OtherSideMessage,
                with_body(
                    json!({ "reason": "Rude" }),
                    only(BOTH_SIDES, Keys::Scope(Scope::MessagesWrite)),
                ),
            ),
        ),
        (
            "GET /v1/admin/conversations/{id}",
            on(Owned::ReportedConversation, staff()),
        ),
        (
            "GET /v1/admin/conversations/{id}/messages",
            on(Owned::ReportedConversation, staff()),
        ),
        (
            "POST /v1/admin/conversations/{id}/messages",
            on(
                Owned::ReportedConversation,
                with_body(json!({ "body": "Porchlight support here." }), staff()),
            ),
        ),
        ("GET /v1/admin/message-reports", staff()),
        // The matrix's JSON body is not an image: the callers let in get 415.
        (
            "POST /v1/photos",
            Rule {
                let_in_as: Some(&[415]),
                ..with_body(
                    json!({ "not": "an image" }),
                    only(BOTH_SIDES, Keys::Scope(Scope::PhotosWrite)),
                )
            },
        ),
        // A signed link is its own credential.
        ("GET /v1/photos/{id}/{variant}", public()),
        (
            "GET /v1/requests/{id}/photos",
            on(
                Owned::Request,
                only(CUSTOMER, Keys::Scope(Scope::RequestsRead)),
            ),
        ),
        (
            "GET /v1/leads/{id}/photos",
            on(
                Owned::ReviewLead,
                only(PARTNER, Keys::Scope(Scope::LeadsRead)),
            ),
        ),
        (
            "GET /v1/jobs/{id}/photos",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        (
            "GET /v1/admin/jobs/{id}/photos",
            on(Owned::DisputedJob, staff()),
        ),
        ("GET /v1/partners/{id}/portfolio", public()),
        // No such photo of the caller's: the callers let in get 422.
        (
            "POST /v1/partners/me/portfolio",
            Rule {
                let_in_as: Some(&[422]),
                ..with_body(
                    json!({ "photo_id": "00000000-0000-7000-8000-000000000000" }),
                    only(PARTNER, Keys::Scope(Scope::ProfileWrite)),
                )
            },
        ),
        (
            "DELETE /v1/partners/me/portfolio/{id}",
            on(
                Owned::PortfolioPhoto,
                only(PARTNER, Keys::Scope(Scope::ProfileWrite)),
            ),
        ),
        (
            "POST /v1/admin/message-reports/{id}/resolve",
            on(
                Owned::OpenReport,
                with_body(
                    json!({ "outcome": "dismissed", "note": "Within the rules" }),
                    staff(),
                ),
            ),
        ),
        (
            "POST /v1/jobs/{id}/rating",
            on(
                Owned::CompletedJob,
                with_body(
                    json!({ "stars": 4, "comment": "Good work" }),
                    only(BOTH_SIDES, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "GET /v1/jobs/{id}/ratings",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        (
            "GET /v1/partners/{id}/reviews",
            on(Owned::Partner, public()),
        ),
        (
            "POST /v1/ratings/{id}/reply",
            on(
                Owned::PublishedReview,
                with_body(
                    json!({ "text": "Thanks!" }),
                    only(PARTNER, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "POST /v1/admin/ratings/{id}/hide",
            on(
                Owned::AnyReview,
                with_body(json!({ "note": "Off-topic" }), staff()),
            ),
        ),
        ("GET /v1/admin/ratings", staff()),
        ("GET /v1/admin/monitoring", staff()),
        (
            "POST /v1/admin/monitoring/{id}/notes",
            on(
                Owned::MonitoredUser,
                with_body(json!({ "note": "Called them" }), staff()),
            ),
        ),
        (
            "POST /v1/admin/monitoring/{id}/clear",
            on(
                Owned::MonitoredUser,
                with_body(json!({ "note": "Resolved" }), staff()),
            ),
        ),
        (
            "POST /v1/admin/monitoring/{id}/suspend",
            on(
                Owned::MonitoredUser,
                with_body(json!({ "note": "Repeated abuse" }), staff()),
            ),
        ),
        (
            "POST /v1/admin/monitoring/{id}/reinstate",
            on(
                Owned::SuspendedUser,
                with_body(json!({ "note": "Apologised" }), staff()),
            ),
        ),
        (
            "POST /v1/admin/users/{id}/suspend",
            on(
                Owned::MonitoredUser,
                with_body(json!({ "reason": "Chargebacks" }), staff()),
            ),
        ),
        (
            "POST /v1/admin/users/{id}/reinstate",
            on(
                Owned::SuspendedUser,
                with_body(json!({ "reason": "Resolved" }), staff()),
            ),
        ),
        ("GET /v1/admin/outbox", staff()),
        ("GET /v1/admin/audit-log", staff()),
        ("GET /v1/categories", public()),
        ("GET /v1/admin/categories", staff()),
        (
            "POST /v1/admin/categories",
            with_body(
                json!({ "slug": "matrix-category", "name": "Matrix", "assignment_mode": "review" }),
                staff(),
            ),
        ),
        (
            "PUT /v1/admin/categories/{id}",
            on(
                Owned::Category,
                with_body(
                    json!({ "slug": "plumbing", "name": "Plumbing", "assignment_mode": "review" }),
                    staff(),
                ),
            ),
        ),
        (
            "GET /v1/partners/me",
            only(PARTNER, Keys::Scope(Scope::ProfileRead)),
        ),
        (
            "PUT /v1/partners/me",
            with_body(
                partner_profile(),
                only(PARTNER, Keys::Scope(Scope::ProfileWrite)),
            ),
        ),
        (
            "PUT /v1/partners/me/availability",
            // The hours partner A already has (around the clock), so that later operations
            // that schedule jobs are not affected.
            with_body(
                serde_json::to_value(every_day("UTC", "00:00", "24:00")).unwrap(),
                only(PARTNER, Keys::Scope(Scope::ProfileWrite)),
            ),
        ),
        (
            "GET /v1/partners/me/connections",
            only(PARTNER, Keys::Scope(Scope::ProfileRead)),
        ),
        ("GET /v1/partners", public()),
        ("GET /v1/places", public()),
        ("GET /v1/places/at", public()),
        ("GET /v1/partners/{id}", public()),
        ("POST /v1/partners/{id}/contact-clicks", public()),
        ("GET /v1/admin/partners", staff()),
        (
            "PATCH /v1/admin/partners/{id}",
            on(
                Owned::Partner,
                with_body(
                    json!({ "status": "active", "reason": "matrix check" }),
                    staff(),
                ),
            ),
        ),
        (
            "POST /v1/requests",
            with_body(
                request_body("cleaning", None),
                only(CUSTOMER, Keys::Scope(Scope::RequestsWrite)),
            ),
        ),
        (
            "GET /v1/requests",
            only(CUSTOMER, Keys::Scope(Scope::RequestsRead)),
        ),
        (
            "GET /v1/requests/{id}",
            on(
                Owned::Request,
                only(CUSTOMER, Keys::Scope(Scope::RequestsRead)),
            ),
        ),
        (
            "POST /v1/requests/{id}/cancel",
            on(
                Owned::Request,
                only(CUSTOMER, Keys::Scope(Scope::RequestsWrite)),
            ),
        ),
        (
            "GET /v1/leads",
            only(PARTNER, Keys::Scope(Scope::LeadsRead)),
        ),
        (
            "GET /v1/leads/{id}",
            on(
                Owned::ReviewLead,
                only(PARTNER, Keys::Scope(Scope::LeadsRead)),
            ),
        ),
        (
            "POST /v1/leads/{id}/confirm",
            on(
                Owned::InstantLead,
                only(PARTNER, Keys::Scope(Scope::LeadsWrite)),
            ),
        ),
        (
            "POST /v1/leads/{id}/apply",
            on(
                Owned::ReviewLead,
                with_body(
                    json!({ "message": "Can do Tuesday", "quote": { "amount_cents": 25000, "currency": "CAD" } }),
                    only(PARTNER, Keys::Scope(Scope::LeadsWrite)),
                ),
            ),
        ),
        (
            "POST /v1/leads/{id}/decline",
            on(
                Owned::ReviewLead,
                with_body(json!({}), only(PARTNER, Keys::Scope(Scope::LeadsWrite))),
            ),
        ),
        (
            "POST /v1/requests/{id}/rematch",
            on(
                Owned::ProCancelledRequest,
                with_body(json!({}), only(CUSTOMER, Keys::Scope(Scope::RequestsWrite))),
            ),
        ),
        (
            "GET /v1/jobs/{id}/customer",
            on(Owned::Job, only(PARTNER, Keys::Scope(Scope::JobsRead))),
        ),
        (
            "GET /v1/jobs",
            only(BOTH_SIDES, Keys::Scope(Scope::JobsRead)),
        ),
        (
            "GET /v1/jobs/{id}",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        (
            "POST /v1/jobs/{id}/proposals",
            on(
                Owned::Job,
                with_body(
                    json!({ "slots": [slot_in(chrono::Duration::days(2))] }),
                    only(BOTH_SIDES, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "POST /v1/jobs/{id}/proposals/{pid}/accept",
            on(
                Owned::ProposedJob,
                with_body(
                    json!({ "slot": 0 }),
                    only(BOTH_SIDES, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "GET /v1/jobs/{id}/agreement",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        (
            "POST /v1/jobs/{id}/agreement/sign",
            on(
                Owned::SignableJob,
                only(CUSTOMER, Keys::Scope(Scope::JobsWrite)),
            ),
        ),
        (
            "POST /v1/jobs/{id}/start",
            on(
                Owned::ScheduledJob,
                only(PARTNER, Keys::Scope(Scope::JobsWrite)),
            ),
        ),
        (
            "POST /v1/jobs/{id}/complete",
            on(
                Owned::StartedJob,
                with_body(
                    json!({ "summary": "Replaced the trap and resealed the sink" }),
                    only(PARTNER, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "POST /v1/jobs/{id}/dispute",
            on(
                Owned::CompletedJob,
                with_body(
                    json!({ "reason": "The sink still leaks under the trap" }),
                    only(CUSTOMER, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "POST /v1/jobs/{id}/cancel",
            on(
                Owned::Job,
                with_body(
                    json!({ "reason": "Plans changed" }),
                    only(BOTH_SIDES, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "GET /v1/jobs/{id}/cancellation-terms",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        (
            "GET /v1/jobs/{id}/events",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        ("GET /v1/admin/jobs", staff()),
        (
            "POST /v1/admin/jobs/confirm",
            with_body(
                json!({ "job_ids": ["00000000-0000-7000-8000-000000000000"] }),
                staff(),
            ),
        ),
        (
            "POST /v1/admin/jobs/{id}/resolve",
            on(
                Owned::DisputedJob,
                with_body(
                    json!({ "outcome": "release", "note": "Photos show the work done" }),
                    staff(),
                ),
            ),
        ),
        ("GET /v1/admin/jobs/{id}", on(Owned::AnyJob, staff())),
        ("GET /v1/admin/jobs/{id}/events", on(Owned::AnyJob, staff())),
        ("GET /v1/admin/penalties", staff()),
        ("GET /v1/admin/customer-detail-reads", staff()),
        ("GET /v1/admin/assignments", staff()),
        (
            "GET /v1/admin/requests/{id}/applications",
            on(Owned::AppliedRequest, staff()),
        ),
        (
            "POST /v1/admin/requests/{id}/assign",
            on(Owned::AppliedRequest, staff()),
        ),
        (
            "POST /v1/jobs/{id}/payment",
            on(
                Owned::SignedJob,
                with_body(
                    json!({ "card_token": "tok_visa" }),
                    only(CUSTOMER, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "POST /v1/jobs/{id}/tips",
            on(
                Owned::CompletedJob,
                with_body(
                    json!({ "amount": { "amount_cents": 500, "currency": "CAD" }, "card_token": "tok_visa" }),
                    only(CUSTOMER, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "POST /v1/jobs/{id}/checkout",
            on(
                Owned::SignedJob,
                with_body(
                    json!({ "purpose": "job" }),
                    only(CUSTOMER, Keys::Scope(Scope::JobsWrite)),
                ),
            ),
        ),
        (
            "GET /v1/jobs/{id}/payments",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        (
            "GET /v1/jobs/{id}/receipt",
            on(Owned::Job, only(BOTH_SIDES, Keys::Scope(Scope::JobsRead))),
        ),
        ("POST /v1/webhooks/payments/stripe", public()),
        (
            "GET /v1/wallet",
            only(PARTNER, Keys::Scope(Scope::WalletRead)),
        ),
        (
            "GET /v1/wallet/entries",
            only(PARTNER, Keys::Scope(Scope::WalletRead)),
        ),
        (
            "PUT /v1/wallet/payout-method",
            with_body(
                json!({ "method": "cheque", "mailing_address": "1 Front St W, Toronto ON M5J 1A1" }),
                only(PARTNER, Keys::SessionOnly),
            ),
        ),
        (
            "GET /v1/payouts",
            only(PARTNER, Keys::Scope(Scope::WalletRead)),
        ),
        ("POST /v1/admin/payouts/run", staff()),
        ("GET /v1/admin/payouts", staff()),
        ("GET /v1/admin/payouts/export", staff()),
        ("GET /v1/admin/payouts/carried", staff()),
        (
            "GET /v1/admin/payouts/{id}/statement",
            on(Owned::AnyPayout, staff()),
        ),
        (
            "GET /v1/payouts/{id}/statement",
            on(
                Owned::OwnPayout,
                only(PARTNER, Keys::Scope(Scope::WalletRead)),
            ),
        ),
        ("GET /v1/admin/partners/{id}", on(Owned::Partner, staff())),
        (
            "GET /v1/admin/partners/{id}/wallet",
            on(Owned::Partner, staff()),
        ),
        (
            "GET /v1/admin/partners/{id}/wallet/entries",
            on(Owned::Partner, staff()),
        ),
        (
            "POST /v1/admin/payouts/{id}/status",
            on(
                Owned::AnyPayout,
                with_body(json!({ "status": "sent" }), staff()),
            ),
        ),
        ("GET /v1/admin/refunds", staff()),
        (
            "POST /v1/admin/refunds/{id}/retry",
            on(
                Owned::FailedRefund,
                with_body(json!({ "note": "The card was reopened" }), staff()),
            ),
        ),
        ("GET /v1/admin/ledger/check", staff()),
    ])
}

fn partner_profile() -> Value {
    json!({
        "business_name": "Matrix Plumbing",
        "categories": ["plumbing", "cleaning"],
        "service_area": { "city": "Toronto", "lat": 43.65, "lon": -79.38, "radius_km": 25.0 }
    })
}

/// A valid request body: a marketplace lead, or a profile lead for `partner_id`.
fn request_body(category: &str, partner_id: Option<&str>) -> Value {
    let start = chrono::Utc::now() + chrono::Duration::days(2);
    let mut body = json!({
        "category": category,
        "description": "Please fix the kitchen sink",
        "address": {
            "street": "1 Front St W", "city": "Toronto", "postal_code": "M5J 1A1",
            "country": "CA", "lat": 43.6455, "lon": -79.3807
        },
        "windows": [{ "start": start, "end": start + chrono::Duration::hours(3) }]
    });
    if let Some(partner_id) = partner_id {
        body["partner_id"] = json!(partner_id);
    }
    body
}

/// A visit slot of two hours starting `from_now` from now, as JSON.
fn slot_in(from_now: chrono::Duration) -> Value {
    let start = chrono::Utc::now() + from_now;
    json!({ "start": start, "end": start + chrono::Duration::hours(2) })
}

/// Two signed-in users of each role (A and B), for role and ownership checks. Partners have
/// a profile and work around the clock.
struct Cast {
    users: Vec<(Role, Client, Client)>,
    address: String,
    /// The app the matrix's OAuth tokens are issued to (it may ask for every scope).
    crm: AppClient,
    /// The app users connect for `Owned::ConnectedApp`.
    connectable: AppClient,
    /// The app each user connects and disconnects, for a token that must no longer work.
    disconnectable: AppClient,
    /// Access tokens by role and scopes, made once.
    oauth_tokens: tokio::sync::Mutex<HashMap<String, String>>,
    customer_a: Client,
    partner_a: Client,
    partner_a_id: String,
    anonymous: Client,
    state: porchlight::state::AppState,
}

impl Cast {
    async fn new(app: &TestApp) -> Self {
        let mut users = Vec::new();
        let mut partner_a_id = String::new();
        let always = every_day("UTC", "00:00", "24:00");
        for role in [SignupRole::Customer, SignupRole::Partner] {
            let (a_user, _, a) = app.signed_up(role).await;
            let (_, _, b) = app.signed_up(role).await;
            if role == SignupRole::Partner {
                let profile = serde_json::from_value(partner_profile()).unwrap();
                for partner in [&a, &b] {
                    partner.put_my_partner_profile(&profile).await.unwrap();
                    partner.put_my_availability(&always).await.unwrap();
                }
                partner_a_id = a_user.id;
            }
            users.push((role.into(), a, b));
        }
        let (_, a) = app.staff().await;
        let (_, b) = app.staff().await;
        users.push((Role::Staff, a, b));
        let (_, developer) = app.customer().await;
        let every_scope: Vec<Scope> = Scope::known().collect();
        let address = app.address.as_str();
        Self {
            crm: AppClient::register(address, &developer, &every_scope, true).await,
            connectable: AppClient::register(address, &developer, &[Scope::ProfileRead], true)
                .await,
            disconnectable: AppClient::register(address, &developer, &[Scope::ProfileRead], false)
                .await,
            oauth_tokens: tokio::sync::Mutex::default(),
            address: app.address.clone(),
            customer_a: users[0].1.clone(),
            partner_a: users[1].1.clone(),
            users,
            partner_a_id,
            anonymous: app.client.clone(),
            state: app.state.clone(),
        }
    }

    /// An access token of the matrix's app for `user` (of `role`), with `scopes`.
    async fn oauth_token(&self, role: Role, user: &Client, scopes: &[Scope]) -> String {
        let key = format!("{role:?}: {scopes:?}");
        let mut tokens = self.oauth_tokens.lock().await;
        if let Some(token) = tokens.get(&key) {
            return token.clone();
        }
        let email = user.me().await.unwrap().email;
        let token = matrix_token(&self.crm, &email, scopes).await;
        tokens.insert(key, token.clone());
        token
    }

    /// An access token of an app `user` (of `role`) has disconnected.
    async fn disconnected_token(&self, role: Role, user: &Client) -> String {
        let key = format!("{role:?}: disconnected");
        let mut tokens = self.oauth_tokens.lock().await;
        if let Some(token) = tokens.get(&key) {
            return token.clone();
        }
        let email = user.me().await.unwrap().email;
        let token = self
            .disconnectable
            .tokens_for(&email, Scope::ProfileRead.as_str())
            .await
            .access_token;
        let connected = user.connected_apps(&PageParams::default()).await.unwrap();
        let grant = connected
            .items
            .iter()
            .find(|app| app.app_id == self.disconnectable.client_id)
            .unwrap();
        user.disconnect_app(&grant.id).await.unwrap();
        tokens.insert(key, token.clone());
        token
    }

    /// A profile lead from customer A to partner A; returns the request and its offer.
    async fn profile_lead(&self, category: &str) -> (String, String) {
        let body = request_body(category, Some(&self.partner_a_id));
        let request = self
            .customer_a
            .create_request(&serde_json::from_value(body).unwrap())
            .await
            .unwrap();
        let leads = self
            .partner_a
            .leads(
                &shared_types::requests::LeadFilter::default(),
                &PageParams::default(),
            )
            .await
            .unwrap();
        let offer = leads
            .items
            .iter()
            .find(|lead| lead.request_id == request.id)
            .unwrap();
        (request.id, offer.id.clone())
    }

    /// A pending payout of 10.00 CAD to partner A, as a weekly run leaves it.
    fn payout(&self) -> String {
        use diesel::connection::SimpleConnection as _;
        let id = uuid::Uuid::now_v7().to_string();
        let sql = format!(
            "INSERT INTO payouts (id, partner_id, period, amount_cents, currency, method, status, \
             created_at) VALUES ('{id}', '{}', '{id}', 1000, 'CAD', 'cheque', 'pending', \
             CURRENT_TIMESTAMP)",
            self.partner_a_id
        );
        let mut conn = self.state.pool.get().unwrap();
        conn.batch_execute(&sql).unwrap();
        // Its posting, as the run writes it: the statement reads the books.
        let posting = Posting::new(LedgerKind::Payout, "Weekly payout")
            .for_payout(&id)
            .debit(Account::available(&self.partner_a_id, "CAD"), 1000)
            .credit(
                Account::platform(AccountKind::PayoutsInTransit, "CAD"),
                1000,
            );
        ledger::post(&mut conn, &posting, self.state.clock.now()).unwrap();
        id
    }

    /// A refund the provider refused: customer A paid with a card that is closed by the time
    /// partner A cancels.
    async fn failed_refund(&self) -> String {
        use porchlight::db::schema::refunds;
        let job = self.signed_job().await;
        self.customer_a
            .pay_job(
                &job.id,
                &shared_types::wallet::PaymentInput {
                    card_token: "tok_refund_fails".into(),
                },
                &format!("pay-{}", job.id),
            )
            .await
            .unwrap();
        self.partner_a
            .cancel_job(&job.id, "Van broke down")
            .await
            .unwrap();
        let what = format!("a refused refund of job {}", job.id);
        eventually_some(Duration::from_secs(30), &what, || {
            let mut conn = self.state.pool.get().unwrap();
            let failed: Option<String> = refunds::table
                .filter(refunds::job_id.eq(&job.id))
                .filter(refunds::status.eq("failed"))
                .select(refunds::id)
                .first(&mut conn)
                .optional()
                .unwrap();
            std::future::ready(failed)
        })
        .await
    }

    /// A job of customer A with partner A, just assigned.
    /// The conversation of a new job of customer A with partner A.
    async fn conversation(&self) -> String {
        let job = self.job().await;
        self.customer_a
            .open_job_conversation(&job.id)
            .await
            .unwrap()
            .id
    }

    async fn job(&self) -> Job {
        let (_, offer) = self.profile_lead("cleaning").await;
        let job_id = self.partner_a.confirm_lead(&offer).await.unwrap().job_id;
        self.partner_a.job(&job_id).await.unwrap()
    }

    /// An assigned job with a proposal from `proposer`; returns the job and the proposal.
    async fn proposed_job(&self, proposer: &Client) -> (Job, String) {
        let job = self.job().await;
        let slots = json!({ "slots": [slot_in(chrono::Duration::minutes(30))] });
        let proposal = proposer
            .propose_slots(&job.id, &serde_json::from_value(slots).unwrap())
            .await
            .unwrap();
        (job, proposal.id)
    }

    /// The body that signs the job's current agreement.
    async fn signature_for(&self, job_id: &str) -> Value {
        let agreement = self.customer_a.agreement(job_id).await.unwrap();
        json!({
            "version": agreement.version,
            "text_sha256": agreement.text_sha256,
            "typed_name": "Customer A",
        })
    }

    /// A job scheduled to start in half an hour, its agreement signed and the job paid.
    async fn scheduled_job(&self) -> Job {
        let job = self.signed_job().await;
        self.customer_a
            .pay_job(
                &job.id,
                &shared_types::wallet::PaymentInput {
                    card_token: "tok_visa".into(),
                },
                &format!("pay-{}", job.id),
            )
            .await
            .unwrap();
        job
    }

    /// A job scheduled to start in half an hour, its agreement signed, not paid.
    async fn signed_job(&self) -> Job {
        let (job, proposal) = self.proposed_job(&self.partner_a).await;
        self.customer_a
            .accept_proposal(&job.id, &proposal, 0)
            .await
            .unwrap();
        let signature = self.signature_for(&job.id).await;
        self.customer_a
            .sign_agreement(&job.id, &serde_json::from_value(signature).unwrap())
            .await
            .unwrap();
        job
    }

    async fn started_job(&self) -> Job {
        let job = self.scheduled_job().await;
        self.partner_a.start_job(&job.id).await.unwrap()
    }

    async fn completed_job(&self) -> Job {
        let job = self.started_job().await;
        let done = serde_json::from_value(json!({ "summary": "Deep clean done" })).unwrap();
        self.partner_a.complete_job(&job.id, &done).await.unwrap()
    }

    /// Customer A's published review of partner A: both sides rated a completed job.
    async fn published_review(&self) -> String {
        let job = self.completed_job().await;
        let rating = serde_json::from_value(json!({ "stars": 5 })).unwrap();
        let review = self.customer_a.rate_job(&job.id, &rating).await.unwrap();
        self.partner_a.rate_job(&job.id, &rating).await.unwrap();
        review.id
    }

    /// A new customer, put on the monitoring list by three low ratings.
    async fn monitored_user(&self) -> String {
        let email = TestApp::unique_email("monitored");
        let user = self
            .anonymous
            .register(
                &serde_json::from_value(json!({
                    "email": email, "password": "monitored user password", "name": "Monitored",
                    "role": "customer",
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        let (id, now) = (user.id.clone(), self.state.clock.now());
        self.state
            .write(move |conn| {
                porchlight::ratings::monitoring::check(conn, &id, &[1, 2, 1], true, now)
            })
            .await
            .unwrap();
        user.id
    }
}

/// The plumbing category seeded by the migrations.
const PLUMBING_ID: &str = "0192f000-0000-7000-8000-000000000001";

/// What a rule's path and body are filled with.
struct Target {
    /// For `{id}`.
    id: String,
    /// For `{pid}`, when the path has one.
    pid: Option<String>,
    /// A body naming this very object, replacing the rule's.
    body: Option<Value>,
}

impl Target {
    fn id(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            pid: None,
            body: None,
        }
    }
}

/// An object of `kind` for the path, made as `owner` (of `role`) when it is owned.
async fn create_owned(kind: Owned, owner: &Client, role: Role, cast: &Cast) -> Target {
    match kind {
        Owned::Nothing => Target::id("00000000-0000-7000-8000-000000000000"),
        Owned::Category => Target::id(PLUMBING_ID),
        Owned::Partner => Target::id(cast.partner_a_id.clone()),
        Owned::ApiKey => {
            let key = owner
                .create_api_key(&CreateApiKeyRequest {
                    name: "owned by A".into(),
                    scopes: vec![Scope::ProfileRead],
                    expires_in_days: None,
                })
                .await
                .unwrap();
            Target::id(key.api_key.id)
        }
        Owned::OAuthApp => {
            let registered =
                AppClient::register(&cast.address, owner, &[Scope::ProfileRead], true).await;
            Target::id(registered.client_id)
        }
        Owned::ConnectedApp => {
            let email = owner.me().await.unwrap().email;
            cast.connectable
                .tokens_for(&email, Scope::ProfileRead.as_str())
                .await;
            let connected = owner.connected_apps(&PageParams::default()).await.unwrap();
            let grant = connected
                .items
                .iter()
                .find(|app| app.app_id == cast.connectable.client_id)
                .unwrap();
            Target::id(grant.id.clone())
        }
        Owned::WebhookEndpoint | Owned::WebhookDelivery => {
            let endpoint = owner
                .create_webhook_endpoint(&WebhookEndpointInput {
                    url: "https://crm.example.com/owned-by-a".into(),
                    description: String::new(),
                    event_types: vec![],
                    enabled: None,
                })
                .await
                .unwrap()
                .endpoint;
            if kind == Owned::WebhookEndpoint {
                return Target::id(endpoint.id);
            }
            owner.test_webhook_endpoint(&endpoint.id).await.unwrap();
            let delivery = owner
                .webhook_deliveries(&endpoint.id, &PageParams::default())
                .await
                .unwrap()
                .items
                .remove(0);
            Target {
                pid: Some(delivery.id),
                ..Target::id(endpoint.id)
            }
        }
        Owned::Device => {
            let device = owner
                .register_device(&DeviceInput {
                    token: format!("matrix-{}", uuid::Uuid::new_v4()),
                    platform: Platform::Android,
                    app_version: None,
                })
                .await
                .unwrap();
            Target::id(device.id)
        }
        Owned::Request => Target::id(cast.profile_lead("plumbing").await.0),
        Owned::InstantLead => Target::id(cast.profile_lead("cleaning").await.1),
        Owned::ReviewLead => Target::id(cast.profile_lead("plumbing").await.1),
        Owned::Job | Owned::AnyJob => Target::id(cast.job().await.id),
        Owned::Conversation => Target::id(cast.conversation().await),
        Owned::ReadableConversation => {
            let id = cast.conversation().await;
            let page = cast
                .customer_a
                .messages(&id, &shared_types::conversations::MessageWindow::default())
                .await
                .unwrap();
            Target {
                body: Some(json!({ "up_to": page.items[0].id })),
                ..Target::id(id)
            }
        }
        Owned::EndedConversation | Owned::BlockedConversation => {
            let job = cast.job().await;
            cast.partner_a
                .cancel_job(&job.id, "Van broke down")
                .await
                .unwrap();
            let id = cast
                .customer_a
                .open_job_conversation(&job.id)
                .await
                .unwrap()
                .id;
            if kind == Owned::BlockedConversation {
                owner.block_conversation(&id, true).await.unwrap();
            }
            Target::id(id)
        }
        Owned::OtherSideMessage => {
            let id = cast.conversation().await;
            let other = if role == Role::Customer {
                &cast.partner_a
            } else {
                &cast.customer_a
            };
            let body = serde_json::from_value(json!({ "body": "See you then" })).unwrap();
            Target::id(other.send_message(&id, &body).await.unwrap().id)
        }
        Owned::PortfolioPhoto => {
            let photo = owner
                .upload_photo(crate::photos::phone_photo(), "image/jpeg")
                .await
                .unwrap();
            let input = serde_json::from_value(json!({ "photo_id": photo.id })).unwrap();
            owner.add_portfolio_photo(&input).await.unwrap();
            Target::id(photo.id)
        }
        Owned::ReportedConversation | Owned::OpenReport => {
            let id = cast.conversation().await;
            let body =
                serde_json::from_value(json!({ "body": "Pay cash, it is cheaper" })).unwrap();
            let message = cast.partner_a.send_message(&id, &body).await.unwrap();
            let reason = serde_json::from_value(json!({ "reason": "Asks for cash" })).unwrap();
            let report = cast
                .customer_a
                .report_message(&message.id, &reason)
                .await
                .unwrap();
            Target::id(if kind == Owned::OpenReport {
                report.id
            } else {
                id
            })
        }
        Owned::ProposedJob => {
            // The other side proposes; the caller accepts.
            let proposer = if role == Role::Customer {
                &cast.partner_a
            } else {
                &cast.customer_a
            };
            let (job, proposal) = cast.proposed_job(proposer).await;
            Target {
                pid: Some(proposal),
                ..Target::id(job.id)
            }
        }
        Owned::SignableJob => {
            let job = cast.job().await;
            Target {
                body: Some(cast.signature_for(&job.id).await),
                ..Target::id(job.id)
            }
        }
        Owned::SignedJob => Target::id(cast.signed_job().await.id),
        Owned::ScheduledJob => Target::id(cast.scheduled_job().await.id),
        Owned::AnyPayout | Owned::OwnPayout => Target::id(cast.payout()),
        Owned::FailedRefund => Target::id(cast.failed_refund().await),
        Owned::StartedJob => Target::id(cast.started_job().await.id),
        Owned::CompletedJob => Target::id(cast.completed_job().await.id),
        Owned::PublishedReview | Owned::AnyReview => Target::id(cast.published_review().await),
        Owned::MonitoredUser => Target::id(cast.monitored_user().await),
        Owned::SuspendedUser => {
            let id = cast.monitored_user().await;
            let (user_id, now) = (id.clone(), cast.state.clock.now());
            cast.state
                .write(move |conn| {
                    let staff_id = porchlight::auth::accounts::list_users(
                        conn,
                        Some(Role::Staff),
                        &PageParams::default(),
                    )?
                    .items
                    .remove(0)
                    .id;
                    porchlight::ratings::monitoring::act(
                        conn,
                        &staff_id,
                        &user_id,
                        porchlight::ratings::monitoring::StaffAction::Suspend,
                        "Repeated abuse",
                        now,
                    )
                })
                .await
                .unwrap();
            Target::id(id)
        }
        Owned::DisputedJob => {
            let job = cast.completed_job().await;
            let reason = json!({ "reason": "The grout is still dirty everywhere" });
            cast.customer_a
                .dispute_job(&job.id, &serde_json::from_value(reason).unwrap())
                .await
                .unwrap();
            Target::id(job.id)
        }
        Owned::ProCancelledRequest => {
            let job = cast.job().await;
            cast.partner_a
                .cancel_job(&job.id, "Van broke down")
                .await
                .unwrap();
            Target::id(job.request_id)
        }
        Owned::AppliedRequest => {
            let (request, offer) = cast.profile_lead("plumbing").await;
            let apply = ApplyInput {
                message: "Available".into(),
                quote: MoneyInput {
                    amount_cents: 30_000,
                    currency: "CAD".into(),
                },
            };
            cast.partner_a.apply_lead(&offer, &apply).await.unwrap();
            Target {
                body: Some(json!({ "offer_id": offer })),
                ..Target::id(request)
            }
        }
    }
}

/// True when the object is still there, unchanged, as its owner sees it.
async fn still_intact(kind: Owned, cast: &Cast, owner: &Client, target: &Target) -> bool {
    let id = target.id.as_str();
    let job_status = |status: JobStatus| async move {
        let job = cast.partner_a.job(id).await.unwrap();
        job.status == status && job.cancellation.is_none()
    };
    match kind {
        Owned::ApiKey => {
            // The matrix makes many keys of each account: look through all of them.
            let mut page = PageParams {
                limit: Some(100),
                cursor: None,
            };
            loop {
                let keys = owner.list_api_keys(&page).await.unwrap();
                if keys.items.iter().any(|key| key.id == id) {
                    break true;
                }
                match keys.next_cursor {
                    Some(cursor) => page.cursor = Some(cursor),
                    None => break false,
                }
            }
        }
        Owned::OAuthApp => owner
            .list_oauth_apps(&PageParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .any(|app| app.id == id),
        Owned::ConnectedApp => owner
            .connected_apps(&PageParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .any(|app| app.id == id),
        Owned::WebhookEndpoint => owner
            .webhook_endpoint(id)
            .await
            .is_ok_and(|endpoint| endpoint.url == "https://crm.example.com/owned-by-a"),
        Owned::WebhookDelivery => owner
            .webhook_deliveries(id, &PageParams::default())
            .await
            .is_ok_and(|page| page.items.len() == 1),
        Owned::Device => owner
            .devices()
            .await
            .unwrap()
            .iter()
            .any(|device| device.id == id),
        Owned::Request => {
            let request = cast.customer_a.service_request(id).await.unwrap();
            request.status == RequestStatus::Open
        }
        Owned::InstantLead | Owned::ReviewLead => {
            let lead = cast.partner_a.lead(id).await.unwrap();
            lead.status == OfferStatus::Offered
        }
        Owned::Job | Owned::AnyJob => {
            job_status(JobStatus::Assigned).await
                && cast.partner_a.customer_details(id).await.is_ok()
        }
        Owned::ProposedJob => {
            let job = cast.partner_a.job(id).await.unwrap();
            job.status == JobStatus::Assigned && job.open_proposal.map(|p| p.id) == target.pid
        }
        Owned::SignableJob => {
            let agreement = cast.customer_a.agreement(id).await.unwrap();
            agreement.signature.is_none()
        }
        Owned::SignedJob => owner.job(&target.id).await.unwrap().paid_at.is_none(),
        Owned::ScheduledJob => job_status(JobStatus::Scheduled).await,
        Owned::StartedJob => job_status(JobStatus::InProgress).await,
        Owned::CompletedJob => job_status(JobStatus::Completed).await,
        Owned::ProCancelledRequest => {
            let request = cast.customer_a.service_request(id).await.unwrap();
            request.status == RequestStatus::ProCancelled
        }
        Owned::Conversation | Owned::ReadableConversation | Owned::EndedConversation => {
            let conversation = owner.conversation(id).await.unwrap();
            let page = owner
                .messages(id, &shared_types::conversations::MessageWindow::default())
                .await
                .unwrap();
            conversation.blocked_by.is_none()
                && conversation.read_by_other_up_to.is_none()
                && conversation.unread == 0
                && page.items.iter().all(|entry| entry.sender == Party::System)
        }
        Owned::BlockedConversation => {
            let conversation = owner.conversation(id).await.unwrap();
            conversation.blocked_by.is_some()
        }
        Owned::OtherSideMessage => {
            let message_id = id.to_owned();
            let reports: i64 = cast
                .state
                .db(move |conn| {
                    use porchlight::db::schema::message_reports;
                    Ok(message_reports::table
                        .filter(message_reports::message_id.eq(message_id))
                        .count()
                        .get_result(conn)?)
                })
                .await
                .unwrap();
            reports == 0
        }
        Owned::PortfolioPhoto => {
            let portfolio = owner.portfolio(&cast.partner_a_id).await.unwrap();
            portfolio.iter().any(|photo| photo.id == *id)
        }
        Owned::PublishedReview => {
            let reviews = cast
                .partner_a
                .partner_reviews(&cast.partner_a_id, &PageParams::default())
                .await
                .unwrap();
            reviews
                .items
                .iter()
                .any(|review| review.id == *id && review.reply.is_none())
        }
        Owned::Nothing
        | Owned::Category
        | Owned::Partner
        | Owned::AppliedRequest
        | Owned::DisputedJob
        | Owned::AnyReview
        | Owned::MonitoredUser
        | Owned::SuspendedUser
        | Owned::AnyPayout
        | Owned::OwnPayout
        | Owned::FailedRefund
        | Owned::ReportedConversation
        | Owned::OpenReport => true,
    }
}

async fn status(client: &Client, method: &Method, path: &str, body: Option<&Value>) -> u16 {
    // Money POSTs require a key; a fresh one each time makes every call a first call.
    let mut request = client
        .request(method.clone(), path)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap().status().as_u16()
}

/// One operation's checks; failures are appended to `failures`, returns the cases run.
async fn check_operation(
    app: &TestApp,
    cast: &Cast,
    method: &Method,
    path: &str,
    rule: &Rule,
    failures: &mut Vec<String>,
) -> usize {
    let name = format!("{method} {path}");
    let mut cases = 0;
    let mut expect = |label: String, got: u16, ok: bool| {
        cases += 1;
        if !ok {
            failures.push(format!("{name}: {label} got {got}"));
        }
    };
    let at = |target: &Target| {
        let path = path
            .replace("{id}", &target.id)
            .replace("{variant}", "full");
        match &target.pid {
            Some(pid) => path.replace("{pid}", pid).replace("{delivery_id}", pid),
            None => path
                .replace("{pid}", "00000000-0000-7000-8000-000000000000")
                .replace("{delivery_id}", "00000000-0000-7000-8000-000000000000"),
        }
    };
    let body_for = |target: &Target| target.body.clone().or_else(|| rule.body.clone());

    let dummy = create_owned(Owned::Nothing, &app.client, Role::Staff, cast).await;
    let got = status(&app.client, method, &at(&dummy), rule.body.as_ref()).await;
    expect("anonymous expects 401".into(), got, got == 401);

    for (role, a, b) in &cast.users {
        let allowed = match rule.access {
            Access::Public | Access::Authenticated => true,
            Access::Roles(roles) => roles.contains(role),
        };
        if !allowed {
            let got = status(a, method, &at(&dummy), rule.body.as_ref()).await;
            expect(format!("{role:?} expects 403"), got, got == 403);
            continue;
        }
        let target = create_owned(rule.owned, a, *role, cast).await;
        let body = body_for(&target);

        // B (same role) cannot reach A's object, and it stays as it was.
        if rule.owned.is_owned() {
            let got = status(b, method, &at(&target), body.as_ref()).await;
            expect(
                format!("{role:?} B on A's object expects 404"),
                got,
                got == 404,
            );
            let intact = still_intact(rule.owned, cast, a, &target).await;
            expect(
                format!("{role:?} A's object after B's call is intact"),
                got,
                intact,
            );
        }

        // API keys: without the scope (or at all, for session-only operations) -> 403. A key
        // holds only scopes its owner's role can grant.
        let granted = Scope::granted_by(*role);
        let (wrong_scopes, right_scope) = match rule.keys {
            Keys::Scope(scope) => {
                let others = granted.iter().copied().filter(|s| *s != scope).collect();
                (others, Some(scope))
            }
            Keys::SessionOnly | Keys::Irrelevant => (granted.to_vec(), None),
        };
        let key = |scopes: Vec<Scope>| {
            let a = a.clone();
            async move {
                a.create_api_key(&CreateApiKeyRequest {
                    name: "matrix key".into(),
                    scopes,
                    expires_in_days: None,
                })
                .await
                .unwrap()
                .secret
            }
        };
        let lacking = a.with_token(key(wrong_scopes).await);
        let got = status(&lacking, method, &at(&target), body.as_ref()).await;
        expect(
            format!("{role:?} key without the scope expects 403"),
            got,
            got == 403,
        );
        if let Some(scope) = right_scope {
            let holding = a.with_token(key(vec![scope]).await);
            let got = status(&holding, method, &at(&target), body.as_ref()).await;
            expect(
                format!("{role:?} key with {} is let through", scope.as_str()),
                got,
                got != 401 && got != 403,
            );
        }

        // An app's OAuth token: the same as a key, within what the role can grant at all.
        let lacking_scopes: Vec<Scope> = granted
            .iter()
            .copied()
            .filter(|granted| Some(*granted) != right_scope)
            .collect();
        let lacking = a.with_token(cast.oauth_token(*role, a, &lacking_scopes).await);
        let got = status(&lacking, method, &at(&target), body.as_ref()).await;
        expect(
            format!("{role:?} app token without the scope expects 403"),
            got,
            got == 403,
        );
        if let Some(scope) = right_scope {
            if granted.contains(&scope) {
                let holding = a.with_token(cast.oauth_token(*role, a, &[scope]).await);
                let got = status(&holding, method, &at(&target), body.as_ref()).await;
                expect(
                    format!("{role:?} app token with {} is let through", scope.as_str()),
                    got,
                    got != 401 && got != 403,
                );
            } else {
                expect(
                    format!("{role:?} can grant {} (Scope::granted_by)", scope.as_str()),
                    0,
                    false,
                );
            }
        }
        let disconnected = a.with_token(cast.disconnected_token(*role, a).await);
        let got = status(&disconnected, method, &at(&target), body.as_ref()).await;
        expect(
            format!("{role:?} token of a disconnected app expects 401"),
            got,
            got == 401,
        );

        // The owner (or any allowed caller) is let through, on a fresh object.
        let target = create_owned(rule.owned, a, *role, cast).await;
        let body = body_for(&target);
        let got = status(a, method, &at(&target), body.as_ref()).await;
        let success = rule
            .let_in_as
            .map_or(got < 400, |statuses| statuses.contains(&got));
        expect(format!("{role:?} A expects success"), got, success);
    }
    cases
}

/// The scopes the operation's `security` requirements give API keys (`api_key: [scope]`), or
/// `None` when no requirement names API keys.
fn documented_key_scopes(operation: &Value) -> Option<Vec<String>> {
    let requirements = operation.get("security").and_then(Value::as_array)?;
    let mut scopes: Option<Vec<String>> = None;
    for requirement in requirements {
        if let Some(listed) = requirement.get("api_key").and_then(Value::as_array) {
            scopes.get_or_insert_with(Vec::new).extend(
                listed
                    .iter()
                    .map(|scope| scope.as_str().unwrap_or_default().to_owned()),
            );
        }
    }
    scopes
}

#[tokio::test]
async fn every_operation_enforces_its_rule() {
    // Every case sets up webhook endpoints for the same users.
    let app = TestApp::spawn_with(&[("WEBHOOK_MAX_ENDPOINTS", "100")]).await;
    let spec = app.client.openapi().await.unwrap();
    let matrix = matrix();
    let cast = Cast::new(&app).await;

    let mut missing = Vec::new();
    let mut failures = Vec::new();
    let mut operations = 0;
    let mut cases = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let name = format!("{method} {path}");
            let Some(rule) = matrix.get(name.as_str()) else {
                missing.push(name);
                continue;
            };
            operations += 1;
            let documented_public = operation
                .get("security")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
            let public = matches!(rule.access, Access::Public);
            if documented_public != public {
                failures.push(format!(
                    "{name}: the document says public={documented_public}"
                ));
            }
            let documented_keys = documented_key_scopes(operation);
            let enforced_keys = match rule.keys {
                Keys::Scope(scope) => Some(vec![scope.as_str().to_owned()]),
                Keys::SessionOnly | Keys::Irrelevant => None,
            };
            if documented_keys != enforced_keys {
                failures.push(format!(
                    "{name}: the document says API keys need {documented_keys:?}, the service \
                     enforces {enforced_keys:?}"
                ));
            }
            if !public {
                cases += check_operation(&app, &cast, &method, path, rule, &mut failures).await;
            }
        }
    }

    // What each role can grant an app is exactly what its operations need.
    for role in [Role::Customer, Role::Partner, Role::Staff] {
        let mut needed: Vec<Scope> = matrix
            .values()
            .filter(|rule| match rule.access {
                Access::Public => false,
                Access::Authenticated => true,
                Access::Roles(roles) => roles.contains(&role),
            })
            .filter_map(|rule| match rule.keys {
                Keys::Scope(scope) => Some(scope),
                Keys::SessionOnly | Keys::Irrelevant => None,
            })
            .collect();
        needed.sort();
        needed.dedup();
        let mut granted = Scope::granted_by(role).to_vec();
        granted.sort();
        if needed != granted {
            failures.push(format!(
                "{role:?} can grant {granted:?}, its operations need {needed:?}"
            ));
        }
    }

    let mut summary = format!(
        "authorization matrix: {operations} operations checked, {cases} cases run, {} failures",
        failures.len() + missing.len()
    );
    for line in missing
        .iter()
        .map(|m| format!("no rule for {m}"))
        .chain(failures.clone())
    {
        let _ = write!(summary, "\n  {line}");
    }
    println!("{summary}");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("authz-summary.txt");
    let _ = std::fs::write(out, format!("{summary}\n"));
    assert!(
        missing.is_empty(),
        "operations without a rule in the matrix: {missing:?}"
    );
    assert!(failures.is_empty(), "{summary}");
}
