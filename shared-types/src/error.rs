//! The error contract: every error the API returns is an RFC 9457 `application/problem+json`
//! document carrying a stable machine-readable [`ErrorCode`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Stable, machine-readable error codes. Clients match on these, never on `title` or `detail`.
/// What each means, when it happens and what to do: [`ErrorCode::meaning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ValidationFailed,
    MalformedJson,
    UnsupportedMediaType,
    PayloadTooLarge,
    NotFound,
    MethodNotAllowed,
    Conflict,
    EmailTaken,
    LeadTaken,
    LeadExpired,
    EventsExpired,
    LinkExpired,
    InvalidTransition,
    AgreementUnsigned,
    AgreementOutdated,
    ReviewWindowClosed,
    TooEarly,
    AlreadyRated,
    RatingWindowClosed,
    ConversationClosed,
    IdempotencyKeyReused,
    IdempotencyKeyInFlight,
    IdempotencyKeyMissing,
    PaymentDeclined,
    AlreadyPaid,
    JobUnpaid,
    InvalidSignature,
    PaymentProviderUnavailable,
    Unauthenticated,
    InvalidToken,
    TokenExpired,
    InvalidCredentials,
    RefreshTokenReused,
    Forbidden,
    AccountSuspended,
    EmailUnverified,
    InsufficientScope,
    RateLimited,
    ServiceUnavailable,
    Internal,
    /// A code this version of the types does not know yet (never sent by the server).
    #[serde(other, skip_serializing)]
    Unknown,
}

impl ErrorCode {
    /// When the code is answered and what the caller should do: one line of the catalogue
    /// (README and the contract's `ErrorCode` description).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::ValidationFailed => {
                "The body or query parsed but broke a rule: `errors` maps each field to its messages. Fix those fields and send again; nothing was changed."
            }
            Self::MalformedJson => "The body is not well-formed JSON. Send valid JSON.",
            Self::UnsupportedMediaType => {
                "The body is not `application/json`. Send JSON with that `Content-Type`."
            }
            Self::PayloadTooLarge => {
                "The body is larger than the server accepts. Send less (e.g. fewer items per call)."
            }
            Self::NotFound => {
                "No such resource, or not one the caller may see (another account's objects read as not found). Check the id and the credentials."
            }
            Self::MethodNotAllowed => {
                "The path exists but not with this method. Use a method the `Allow` header lists."
            }
            Self::Conflict => {
                "The request conflicts with the current state (a duplicate, or something that changed meanwhile). Read the resource again, then decide."
            }
            Self::EmailTaken => {
                "An account with this email already exists. Sign in, or reset the password."
            }
            Self::LeadTaken => {
                "Another pro took this lead first (or staff assigned it). Nothing to do: the lead is closed for this pro."
            }
            Self::LeadExpired => {
                "The offer expired before it was answered. Nothing to do: it went to other pros."
            }
            Self::EventsExpired => {
                "The event feed no longer keeps the events after this cursor. Read from `after=0` (the oldest kept) and reconcile what was missed through the REST API."
            }
            Self::LinkExpired => {
                "The signed link to this photo has expired (they last minutes). Read the object the photo belongs to again for a fresh link."
            }
            Self::InvalidTransition => {
                "The resource is not in a state that allows this (e.g. confirming a job that is not completed). Read its status and act on what it allows."
            }
            Self::AgreementUnsigned => {
                "The customer has not signed the job's service agreement, so the job cannot be paid or started yet. The customer signs it first."
            }
            Self::AgreementOutdated => {
                "The agreement changed since it was read. Fetch it again and sign the current version."
            }
            Self::ReviewWindowClosed => {
                "The customer's review window has closed: the job can no longer be disputed. Contact support."
            }
            Self::TooEarly => {
                "Too early for this (e.g. starting a job more than 2 hours before its scheduled start). Try again closer to the time."
            }
            Self::AlreadyRated => "This side already rated this job; ratings cannot be changed.",
            Self::RatingWindowClosed => "The time to rate this job is over.",
            Self::ConversationClosed => {
                "The conversation takes no more messages: one side blocked it, or the pro's lead \
                 closed before they were hired. Nothing was sent."
            }
            Self::IdempotencyKeyReused => {
                "The same `Idempotency-Key` was used with a different request. Use a new key for a new request."
            }
            Self::IdempotencyKeyInFlight => {
                "A request with this `Idempotency-Key` is still being processed. Retry the same request shortly to get its answer."
            }
            Self::IdempotencyKeyMissing => {
                "This operation moves money and needs an `Idempotency-Key` header. Send one (a fresh UUID per attempt you mean to be new)."
            }
            Self::PaymentDeclined => {
                "The card was declined; nothing was charged. Try another card with a new `Idempotency-Key`."
            }
            Self::AlreadyPaid => {
                "The job is already paid (or a payment for it is being processed). Read its payments instead of paying again."
            }
            Self::JobUnpaid => {
                "The customer has not paid the job yet, so the pro cannot start it. The customer pays first."
            }
            Self::InvalidSignature => {
                "A payment provider's webhook signature is missing, wrong or too old. Nothing was applied."
            }
            Self::PaymentProviderUnavailable => {
                "The payment provider did not answer; nothing was charged. Retry later with the same `Idempotency-Key`."
            }
            Self::Unauthenticated => "No credentials were sent. Send a bearer token or an API key.",
            Self::InvalidToken => {
                "The token or API key is malformed, tampered with, revoked or of the wrong kind (an app's token also stops when its user disconnects it). Sign in again, use another key, or ask the user again."
            }
            Self::TokenExpired => {
                "The access token has expired. Refresh it (`POST /v1/auth/refresh`) and retry."
            }
            Self::InvalidCredentials => {
                "Email or password is wrong. Check them, or reset the password; repeated failures are limited."
            }
            Self::RefreshTokenReused => {
                "A refresh token was used twice, so its whole family was revoked (it may have been stolen). Sign in again."
            }
            Self::Forbidden => {
                "The caller's role may not do this (e.g. a customer calling a staff operation)."
            }
            Self::AccountSuspended => {
                "Staff suspended this account: no sign-in, token or API key of it works until reinstated. Contact support."
            }
            Self::EmailUnverified => {
                "The account's email address is not confirmed yet. Follow the emailed link (or ask for a new one at `POST /v1/me/email/verification`) before asking for work or taking leads."
            }
            Self::InsufficientScope => {
                "The API key or app token lacks the scope this operation needs. Make a key with that scope, or ask the user for it."
            }
            Self::RateLimited => {
                "Too many requests for this caller. Retry after the seconds in `Retry-After`; the `RateLimit` headers say what is left."
            }
            Self::ServiceUnavailable => {
                "A dependency (usually the database) is unavailable. Retry after `Retry-After`."
            }
            Self::Internal => {
                "An unexpected server error. Retry if the call is idempotent; report the `X-Request-Id`, under which the server log has the details."
            }
            Self::Unknown => "A code this version of the types does not know yet.",
        }
    }

    /// Every code the server sends, in declaration order.
    pub fn known() -> impl Iterator<Item = Self> {
        <Self as strum::VariantArray>::VARIANTS
            .iter()
            .copied()
            .filter(|code| *code != Self::Unknown)
    }

    /// The HTTP status that goes with this code.
    pub fn status(self) -> u16 {
        match self {
            Self::MalformedJson | Self::IdempotencyKeyMissing | Self::InvalidSignature => 400,
            Self::Unauthenticated
            | Self::InvalidToken
            | Self::TokenExpired
            | Self::InvalidCredentials
            | Self::RefreshTokenReused => 401,
            Self::PaymentDeclined => 402,
            Self::Forbidden
            | Self::InsufficientScope
            | Self::AccountSuspended
            | Self::EmailUnverified => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict
            | Self::EmailTaken
            | Self::LeadTaken
            | Self::InvalidTransition
            | Self::AgreementUnsigned
            | Self::AgreementOutdated
            | Self::ReviewWindowClosed
            | Self::AlreadyRated
            | Self::RatingWindowClosed
            | Self::ConversationClosed
            | Self::TooEarly
            | Self::AlreadyPaid
            | Self::JobUnpaid
            | Self::IdempotencyKeyInFlight => 409,
            Self::LeadExpired | Self::EventsExpired | Self::LinkExpired => 410,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed | Self::IdempotencyKeyReused => 422,
            Self::RateLimited => 429,
            Self::Internal | Self::Unknown => 500,
            Self::PaymentProviderUnavailable => 502,
            Self::ServiceUnavailable => 503,
        }
    }

    /// A short human-readable summary, the same for every occurrence of the code.
    pub fn title(self) -> &'static str {
        match self {
            Self::ValidationFailed => "The request is invalid",
            Self::MalformedJson => "The request body is not valid JSON",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::PayloadTooLarge => "The request body is too large",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict with the current state",
            Self::EmailTaken => "This email is already registered",
            Self::LeadTaken => "Another pro took this lead",
            Self::LeadExpired => "This lead has expired",
            Self::EventsExpired => "These events are no longer kept",
            Self::LinkExpired => "This link has expired",
            Self::InvalidTransition => "Not allowed in the current state",
            Self::AgreementUnsigned => "The service agreement is not signed",
            Self::AgreementOutdated => "The service agreement has changed",
            Self::ReviewWindowClosed => "The review window has closed",
            Self::AlreadyRated => "Already rated",
            Self::RatingWindowClosed => "The rating window has closed",
            Self::ConversationClosed => "The conversation is closed",
            Self::TooEarly => "Too early",
            Self::IdempotencyKeyReused => "Idempotency-Key reused with another request",
            Self::IdempotencyKeyInFlight => "A request with this Idempotency-Key is in progress",
            Self::IdempotencyKeyMissing => "An Idempotency-Key header is required",
            Self::PaymentDeclined => "The payment was declined",
            Self::AlreadyPaid => "Already paid",
            Self::JobUnpaid => "The job is not paid",
            Self::InvalidSignature => "Invalid webhook signature",
            Self::PaymentProviderUnavailable => "The payment provider is unavailable",
            Self::Unauthenticated => "Authentication required",
            Self::InvalidToken => "Invalid credentials",
            Self::TokenExpired => "The access token has expired",
            Self::InvalidCredentials => "Wrong email or password",
            Self::RefreshTokenReused => "The refresh token was already used",
            Self::Forbidden => "Not allowed",
            Self::AccountSuspended => "This account is suspended",
            Self::EmailUnverified => "This account's email address is not confirmed",
            Self::InsufficientScope => "The credential lacks a required scope",
            Self::RateLimited => "Too many requests",
            Self::ServiceUnavailable => "Service temporarily unavailable",
            Self::Internal | Self::Unknown => "Internal server error",
        }
    }

    /// The code as it appears on the wire, e.g. `email_taken`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation_failed",
            Self::MalformedJson => "malformed_json",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::EmailTaken => "email_taken",
            Self::LeadTaken => "lead_taken",
            Self::LeadExpired => "lead_expired",
            Self::EventsExpired => "events_expired",
            Self::LinkExpired => "link_expired",
            Self::InvalidTransition => "invalid_transition",
            Self::AgreementUnsigned => "agreement_unsigned",
            Self::AgreementOutdated => "agreement_outdated",
            Self::ReviewWindowClosed => "review_window_closed",
            Self::AlreadyRated => "already_rated",
            Self::RatingWindowClosed => "rating_window_closed",
            Self::ConversationClosed => "conversation_closed",
            Self::TooEarly => "too_early",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::IdempotencyKeyInFlight => "idempotency_key_in_flight",
            Self::IdempotencyKeyMissing => "idempotency_key_missing",
            Self::PaymentDeclined => "payment_declined",
            Self::AlreadyPaid => "already_paid",
            Self::JobUnpaid => "job_unpaid",
            Self::InvalidSignature => "invalid_signature",
            Self::PaymentProviderUnavailable => "payment_provider_unavailable",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidToken => "invalid_token",
            Self::TokenExpired => "token_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::Forbidden => "forbidden",
            Self::AccountSuspended => "account_suspended",
            Self::EmailUnverified => "email_unverified",
            Self::InsufficientScope => "insufficient_scope",
            Self::RateLimited => "rate_limited",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
            Self::Unknown => "unknown",
        }
    }
}

/// An RFC 9457 problem document, extended with `code` and, for validation errors, `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemDetails {
    /// A URI naming the kind of problem: `urn:porchlight:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The stable machine-readable code.
    pub code: ErrorCode,
    /// For `validation_failed`: messages per field (dotted path, e.g. `address.lat`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ProblemDetails {
    /// A problem of the given code with its standard title and status.
    pub fn new(code: ErrorCode, detail: impl Into<Option<String>>) -> Self {
        Self {
            problem_type: format!("urn:porchlight:problem:{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            detail: detail.into(),
            code,
            errors: BTreeMap::new(),
        }
    }
}

/// Turns `validator` errors into the `errors` map of a problem document, with dotted paths for
/// nested structs and `[i]` for list items.
pub fn field_errors(errors: &validator::ValidationErrors) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    collect_field_errors(errors, "", &mut out);
    out
}

fn collect_field_errors(
    errors: &validator::ValidationErrors,
    prefix: &str,
    out: &mut BTreeMap<String, Vec<String>>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    // Struct-level rules file their error under the field they name.
                    let path = match error.params.get("field").and_then(|f| f.as_str()) {
                        Some(named) if *field == "__all__" && prefix.is_empty() => named.to_owned(),
                        Some(named) if *field == "__all__" => format!("{prefix}.{named}"),
                        _ => path.clone(),
                    };
                    out.entry(path).or_default().push(describe_error(error));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_field_errors(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_field_errors(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn describe_error(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(ToString::to_string);
    match error.code.as_ref() {
        "length" => {
            // Lists count items, text counts characters.
            let unit = match error.params.get("value") {
                Some(serde_json::Value::Array(_)) => "items",
                _ => "characters",
            };
            let empty_text = error
                .params
                .get("value")
                .and_then(serde_json::Value::as_str)
                .is_some_and(str::is_empty);
            match (param("min"), param("max")) {
                _ if empty_text => "must not be empty".to_owned(),
                (Some(min), Some(max)) => format!("must have {min} to {max} {unit}"),
                (Some(min), None) => format!("must have at least {min} {unit}"),
                (None, Some(max)) => format!("must have at most {max} {unit}"),
                (None, None) => format!("has the wrong number of {unit}"),
            }
        }
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            (None, None) => "out of range".to_owned(),
        },
        "email" => "must be a valid email address".to_owned(),
        "url" => "must be a valid URL".to_owned(),
        other => format!("invalid ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use validator::Validate;

    use super::field_errors;

    #[derive(Validate)]
    struct Form {
        #[validate(length(min = 1, max = 20))]
        name: String,
        #[validate(length(min = 10, max = 2000))]
        description: String,
        #[validate(length(min = 1, max = 5))]
        windows: Vec<u32>,
        #[validate(range(min = 1, max = 5))]
        stars: i32,
    }

    /// Field errors read as plain words: characters for text, items for lists.
    #[test]
    fn field_errors_say_what_is_wrong_in_plain_words() {
        let form = Form {
            name: String::new(),
            description: "short".into(),
            windows: Vec::new(),
            stars: 9,
        };
        let errors = field_errors(&form.validate().unwrap_err());
        let first = |field: &str| errors[field][0].clone();
        assert_eq!(first("name"), "must not be empty");
        assert_eq!(first("description"), "must have 10 to 2000 characters");
        assert_eq!(first("windows"), "must have 1 to 5 items");
        assert_eq!(first("stars"), "must be between 1 and 5");
    }
}
